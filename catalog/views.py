"""Public pages: the trial list and the trial page."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from catalog.ctgov import normalize_nct_id
from catalog.models import Trial

PAGE_SIZE = 25


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
    canonical = normalize_nct_id(nct_id)
    if canonical is None:
        raise Http404(f"{nct_id!r} is not an NCT ID.")
    if canonical != nct_id:
        return redirect("catalog:trial_detail", nct_id=canonical, permanent=True)
    trial = Trial.objects.public().for_export().filter(nct_id=nct_id).first()
    if trial is None:
        raise Http404(f"No trial {nct_id} in the catalog.")
    return render(request, "catalog/trial_detail.html", {"trial": trial})
