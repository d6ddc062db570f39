"""Public pages: the trial list and the trial page."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from catalog import exports
from catalog.ctgov import normalize_nct_id
from catalog.listing import (
    DEFAULT_PER_PAGE,
    DEFAULT_SORT,
    PER_PAGE_CHOICES,
    SORT_CHOICES,
    TrialSearch,
    clean_params,
)
from catalog.models import Trial

HOME_LATEST = 8
HOME_CONDITIONS = 12


@require_safe
def home(request):
    search = TrialSearch({})
    counts = search.facet_counts(["status", "phase", "condition"])
    latest = (
        search.ordered()
        .select_related("lead_sponsor")
        .only(
            "nct_id", "brief_title", "overall_status", "last_update_posted", "lead_sponsor__name"
        )[:HOME_LATEST]
    )
    return render(
        request,
        "catalog/home.html",
        {
            "total": counts.total,
            "statuses": counts["status"].values,
            "phases": counts["phase"].values,
            "conditions": counts["condition"].values[:HOME_CONDITIONS],
            "latest": latest,
        },
    )


def _clean_redirect(request):
    """A redirect to the same address without empty parameters, or None."""
    cleaned = clean_params(request.GET)
    if cleaned is None:
        return None
    query = cleaned.urlencode()
    return redirect(request.path + (f"?{query}" if query else ""))


@require_safe
def trial_list(request):
    if response := _clean_redirect(request):
        return response
    search = TrialSearch(request.GET)
    counts = search.facet_counts()
    page = search.results(counts.total)
    suggestion = search.suggestion()
    raw = search.range_params()
    return render(
        request,
        "catalog/trial_list.html",
        {
            "search": search,
            "facets": counts,
            "page": page,
            "count": counts.total,
            "pages": search.pagination(page),
            "chips": search.active_filters(),
            "described": search.describe(),
            "exports": search.export_urls(),
            "raw": raw,
            "ranges_open": bool(raw),
            "hidden": search.hidden_params(),
            "suggestion": suggestion,
            "suggestion_url": suggestion and search.url(drop=("page",), q=suggestion),
            "sort_choices": [
                (value, label)
                for value, label in SORT_CHOICES
                if value != "relevance" or search.searching
            ],
            "per_page_choices": PER_PAGE_CHOICES,
            "default_sort": "relevance" if search.searching else DEFAULT_SORT,
            "default_per_page": DEFAULT_PER_PAGE,
            "share_url": request.build_absolute_uri(search.url()),
        },
    )


@require_safe
def trial_export_csv(request):
    if response := _clean_redirect(request):
        return response
    return exports.csv_response(TrialSearch(request.GET).ordered())


@require_safe
def trial_export_json(request):
    if response := _clean_redirect(request):
        return response
    return exports.json_response(TrialSearch(request.GET).ordered())


def trial_detail(request, nct_id):
    canonical = normalize_nct_id(nct_id)
    if canonical and canonical != nct_id:
        return redirect("catalog:trial_detail", nct_id=canonical, permanent=True)
    trial = Trial.objects.public().for_export().filter(nct_id=nct_id).first()
    if trial is None:
        raise Http404(f"No trial {nct_id} in the catalog.")
    return render(request, "catalog/trial_detail.html", {"trial": trial})
