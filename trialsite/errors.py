"""The site's 404 and 500 handlers (``handler404`` and ``handler500`` in trialsite.urls)."""

import re
import sys

from django.db import DatabaseError
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from trialsite.outage import is_outage, unavailable_response

NCT_IN_PATH = re.compile(r"nct[\s_-]?0*(\d{8})\b", re.IGNORECASE)


def nct_id_in(path):
    """An NCT ID somewhere in ``path`` (``/trial/nct02883803``, ``/NCT02883803.json`` ...)."""
    match = NCT_IN_PATH.search(path)
    return f"NCT{match.group(1)}" if match else ""


def trial_in_catalog(nct_id):
    from catalog.models import Trial

    try:
        return Trial.objects.public().filter(nct_id=nct_id).exists()
    except DatabaseError:
        return False


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"status": 404, "message": f"No API resource at {request.path}."}},
            status=404,
        )
    nct_id = nct_id_in(request.path)
    context = {
        "nct_id": nct_id,
        "trial_exists": bool(nct_id) and trial_in_catalog(nct_id),
        "request_path": request.path,
    }
    return render(request, "404.html", context, status=404)


def server_error(request):
    """The 500 page, or the 503 page when the error was the database going away."""
    error = sys.exc_info()[1]
    if is_outage(error):
        return unavailable_response(request, error)
    return HttpResponseServerError(loader.render_to_string("500.html"))
