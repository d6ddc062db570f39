"""The JSON API: studies in ClinicalTrials.gov's API v2 format, and MSC profiles."""

from django.http import JsonResponse
from django.views.decorators.http import require_safe

from catalog.ctgov import normalize_nct_id, study_from_trial
from catalog.models import MscProfile, Trial
from catalog.msc.annotate import annotate


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


@require_safe
def msc_profile(request, nct_id):
    """``GET /api/msc/<NCT ID>``: the trial's MSC profile, with stable codes and evidence."""
    canonical = normalize_nct_id(nct_id)
    trial = canonical and Trial.objects.public().filter(nct_id=canonical).first()
    if not trial:
        return error(404, f"Study {nct_id} not found.")
    profile = MscProfile.objects.filter(trial=trial).first()
    if profile is None:
        # A trial added since the last annotation (e.g. in the admin): profile it now.
        annotate(Trial.objects.filter(pk=trial.pk))
        profile = MscProfile.objects.filter(trial=trial).first()
        if profile is None:
            return error(404, f"No MSC profile could be computed for study {canonical}.")
    profile.trial = trial
    return JsonResponse(profile.as_json(), json_dumps_params={"ensure_ascii": False})
