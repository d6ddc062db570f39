"""Public pages: the trial list and the trial page."""

from django.core.paginator import Paginator
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse

from catalog.ctgov import normalize_nct_id
from catalog.models import Trial

PAGE_SIZE = 25
RELATED_TRIALS = 5


def home(request):
    return redirect("catalog:trial_list")


def trial_list(request):
    trials = (
        Trial.objects.public()
        .select_related("lead_sponsor")
        .only(
            "nct_id",
            "brief_title",
            "acronym",
            "overall_status",
            "phases",
            "study_type",
            "enrollment_count",
            "enrollment_type",
            "start_date",
            "start_date_precision",
            "last_update_posted",
            "lead_sponsor__name",
        )
    )
    page = Paginator(trials, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/trial_list.html", {"page": page, "count": page.paginator.count})


def trial_detail(request, nct_id):
    """``/trials/<NCT ID>/``, the trial's one address: other spellings redirect to it."""
    canonical = normalize_nct_id(nct_id)
    if canonical is None:
        return trial_not_found(request, nct_id)
    if canonical != nct_id or not request.path.endswith("/"):
        url = reverse("catalog:trial_detail", args=[canonical])
        query = request.META.get("QUERY_STRING")
        return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
    trial = Trial.objects.public().for_page().filter(nct_id=canonical).first()
    if trial is None:
        reason = Trial.objects.hidden_reason_of(canonical)
        if reason is not None:
            context = {"nct_id": canonical, "reason": reason}
            return render(request, "catalog/trial_gone.html", context, status=410)
        return trial_not_found(request, canonical)
    context = {
        "trial": trial,
        "related_trials": list(Trial.objects.related_to(trial, RELATED_TRIALS)),
        "canonical_url": request.build_absolute_uri(trial.get_absolute_url()),
    }
    return render(request, "catalog/trial_detail.html", context)


def trial_not_found(request, query):
    """The 404 page for a trial address: offers a search for what was asked."""
    query = " ".join(query.split())[:200]
    context = {
        "query": query,
        "nct_id": normalize_nct_id(query),
    }
    return render(request, "catalog/trial_not_found.html", context, status=404)
