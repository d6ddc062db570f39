"""The JSON API in ClinicalTrials.gov's API v2 format."""

from django.http import JsonResponse
from django.views.decorators.http import require_safe

from catalog.ctgov import normalize_nct_id, study_from_trial
from catalog.models import Trial


def error(status, message):
    return JsonResponse({"error": {"status": status, "message": message}}, status=status)


@require_safe
def study_detail(request, nct_id):
    """``GET /api/v2/studies/<NCT ID>``: one study in the v2 study format."""
    canonical = normalize_nct_id(nct_id)
    trial = canonical and Trial.objects.public().for_export().filter(nct_id=canonical).first()
    if not trial:
        reason = Trial.objects.hidden_reason_of(canonical) if canonical else None
        if reason is not None:
            return error(410, f"Study {canonical} was withdrawn from the catalog: {reason}")
        return error(404, f"Study {nct_id} not found.")
    return JsonResponse(study_from_trial(trial), json_dumps_params={"ensure_ascii": False})
