"""``/healthz``: 200 when the database answers, 503 when it does not (JSON either way); with a
read replica, also the replica's state as the router last saw it (never a cause of 503).

Answered by a middleware placed first, before host validation and the HTTPS redirect, so the
container's probe (``python -m trialsite.healthcheck``) and a load balancer can call it on the
plain internal address.
"""

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse

from trialsite import csp

logger = logging.getLogger(__name__)

PATHS = {"/healthz", "/healthz/"}


def database_status():
    """``"ok"`` or a short reason the database cannot be used."""
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return f"unreachable: {type(error).__name__}"
    return "ok"


def health_response(method):
    if method not in ("GET", "HEAD"):
        response = JsonResponse({"error": "Use GET."}, status=405)
        response["Allow"] = "GET, HEAD"
    else:
        database = database_status()
        healthy = database == "ok"
        if not healthy:
            logger.warning("health check: database %s", database)
        body = {"status": "ok" if healthy else "unavailable", "database": database}
        if "replica" in settings.DATABASES:
            # Informative only: without the replica the primary answers every read.
            from trialsite.replica import health

            health.is_usable()
            body["replica"] = health.describe()
        response = JsonResponse(body, status=200 if healthy else 503)
    # It answers before the other middleware: the security headers are set here.
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = settings.SECURE_REFERRER_POLICY
    response["Content-Security-Policy"] = csp.policy(settings.CSP_DIRECTIVES)
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in PATHS:
            return health_response(request.method)
        return self.get_response(request)
