"""Public pages: the trial list and the trial page."""

from django.core.paginator import Paginator
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse

from catalog import charts, insights
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


def insights_page(request):
    """``/insights/``: charts of the trials the list parameters select, each bar a link."""
    selection = insights.select_trials(request.GET)
    figures = insights.Insights(selection.trials, selection.params)
    years = figures.years_by_source()
    countries = figures.countries()
    doses = figures.iv_doses()
    context = {
        "selection": selection,
        "totals": figures.totals(),
        "years": charts.stacked_columns(years["columns"], years["series"], width=1100),
        "year_columns": years["columns"],
        "year_series": years["series"],
        "routes": charts.horizontal_bars(figures.routes(), label_width=230, width=540),
        "phases": charts.horizontal_bars(figures.phases(), label_width=110, width=540),
        "countries": charts.horizontal_bars(countries["bars"], label_width=170, width=720),
        "country_count": countries["countries"],
        "country_rest": countries["rest"],
        "doses": charts.histogram(doses["bins"], doses["median"], width=900),
        "dose_figures": doses,
        "enrollment": charts.box_plot(figures.enrollment_by_phase()),
        "form": insights.form_values(selection),
        "list_url": insights.list_url(selection.params),
    }
    return render(request, "catalog/insights.html", context)
