"""A database outage answers 503 with a friendly page, and the site recovers on its own.

A view that cannot reach the database raises ``OperationalError`` or ``InterfaceError``; this
middleware turns it into the 503 page (JSON under ``/api/``) with a ``Retry-After`` header, and
logs one line. Django closes the broken connection at the end of the request and, with
``CONN_HEALTH_CHECKS``, opens a fresh one for a later request once the database is back.
Errors raised outside views reach ``trialsite.errors.server_error``, which does the same.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def is_outage(error):
    return isinstance(error, OUTAGE_ERRORS)


def unavailable_response(request, error=None):
    logger.error(
        "database unavailable: %s %s: %s",
        request.method,
        request.path,
        f"{type(error).__name__}: {error}".strip() if error else "(unknown)",
    )
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "error": {
                    "status": 503,
                    "message": "The catalog is briefly unavailable. Please retry shortly.",
                }
            },
            status=503,
        )
    else:
        # No request context: rendering must not need the database.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            return unavailable_response(request, exception)
        return None
