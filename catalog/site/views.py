"""Public pages: the trial list and the trial page."""

from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseBadRequest, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from catalog.models import Trial
from catalog.registry.ctgov import address_nct_id
from catalog.search import conditions, fulltext
from catalog.search.listing import (
    DEFAULT_PER_PAGE,
    DEFAULT_SORT,
    PER_PAGE_CHOICES,
    TrialSearch,
)
from catalog.search.params import PARAMS
from catalog.search.query import PAGE_PARAMS, PAGING_PARAMS, list_url
from catalog.site import (
    cards,
    charts,
    compare,
    downloads,
    exports,
    insights,
    pages,
    table,
)

HOME_LATEST = 8
HOME_CONDITIONS = 12


@require_safe
def home(request):
    search = TrialSearch({})
    counts = search.facet_counts(["status", "phase"])
    latest = (
        search.ordered()
        .select_related("lead_sponsor")
        .only(
            "nct_id", "brief_title", "current_status", "last_update_posted", "lead_sponsor__name"
        )[:HOME_LATEST]
    )
    return render(
        request,
        "catalog/home.html",
        {
            "total": counts.total,
            "statuses": counts["status"].values,
            "phases": counts["phase"].values,
            "conditions": conditions.specific_conditions(HOME_CONDITIONS),
            "latest": latest,
        },
    )


def _clean_redirect(request, keep=()):
    """A redirect to the same address without empty or unknown parameters (but those of
    ``keep``, which the view reads itself), or None."""
    cleaned = PARAMS.tidy(request.GET, keep)
    if cleaned is None:
        return None
    query = cleaned.urlencode()
    return redirect(request.path + (f"?{query}" if query else ""))


def _count_text(total, capped):
    # Past the count cap the total is the cap, shown as a lower bound ("10,000+").
    return f"{total:,}+" if capped else str(total)


@require_safe
def trial_list(request):
    if response := _clean_redirect(request):
        return response
    if set(request.GET) == {"q"} and (nct_id := fulltext.trial_named(request.GET["q"])):
        # A search that is exactly one trial's NCT ID goes to that trial.
        return redirect("catalog:trial_detail", nct_id)
    search = TrialSearch(request.GET)
    counts = search.facet_counts()
    page = search.results(counts.total, counts.capped, counts.ranked)
    cards.attach(page.object_list)
    suggestion = search.suggestion()
    # An NCT ID that finds nothing: where else to look, rather than a dead end.
    no_trial = search.searching and not counts.total
    looked_up = fulltext.nct_id_typed(search.parsed.text) if no_trial else None
    place_hint = search.place_in_search() if no_trial and not looked_up else None
    msc_facets, msc_sections, other_facets, other_sections = search.filter_panel(counts)
    return render(
        request,
        "catalog/trial_list.html",
        {
            "search": search,
            "facets": counts,
            "msc_facets": msc_facets,
            "msc_sections": msc_sections,
            "other_facets": other_facets,
            "other_sections": other_sections,
            "page": page,
            "count": counts.total,
            "count_text": _count_text(counts.total, counts.capped),
            "pages": search.pagination(page),
            "chips": search.active_filters(),
            "described": search.describe(),
            "exports": search.export_urls(),
            "suggestion": suggestion,
            "looked_up": looked_up,
            "place_hint": place_hint,
            "suggestion_url": suggestion and search.url(drop=("page",), q=suggestion),
            "sort_choices": search.sort_choices(),
            "per_page_choices": PER_PAGE_CHOICES,
            "default_sort": "relevance" if search.searching else DEFAULT_SORT,
            "default_per_page": DEFAULT_PER_PAGE,
            "share_url": request.build_absolute_uri(search.url()),
            "table_url": reverse("catalog:trial_table") + search.query_string(drop=("page",)),
        },
    )


@require_safe
def trial_table(request):
    """``/trials/table/?…``: the list's search as a table of chosen columns (``fields=``, as
    the downloads take it), sortable by the list's sort options, with the same downloads."""
    if response := _clean_redirect(request, keep=("fields",)):
        return response
    search = TrialSearch(request.GET)
    columns, notices = table.choose(request.GET.getlist("fields"))
    total, capped = search.count()
    page = table.page(search, total, capped)
    fields = "" if not request.GET.get("fields") else table.fields_value(columns)
    exports_urls = search.export_urls()
    for kind in ("csv", "json"):
        if fields:
            joiner = "&" if "?" in exports_urls[kind] else "?"
            exports_urls[kind] += f"{joiner}{urlencode({'fields': fields})}"
    return render(
        request,
        "catalog/trial_table.html",
        {
            "search": search,
            "notices": search.notices + notices,
            "page": page,
            "count": total,
            "count_text": _count_text(total, capped),
            "headers": table.headers(search, columns),
            "rows": [(trial, table.cells(trial, columns)) for trial in page],
            "columns": columns,
            "chosen": {c.name for c in columns},
            "all_columns": exports.DOWNLOAD_COLUMNS,
            "chips": search.active_filters(),
            "described": search.describe(),
            "exports": exports_urls,
            "list_url": search.url(drop=("page",)),
            "pages": search.pagination(
                page,
                page_url=lambda n, **changes: table.url(
                    search, columns, page=None if n == 1 else n, **changes
                ),
            ),
            "sort_choices": search.sort_choices(),
            "per_page_choices": PER_PAGE_CHOICES,
            "default_sort": "relevance" if search.searching else DEFAULT_SORT,
            "default_per_page": DEFAULT_PER_PAGE,
            "hidden": [
                (name, value)
                for name, values in search.canonical.lists()
                if name not in PAGING_PARAMS
                for value in values
            ],
            "share_url": request.build_absolute_uri(table.url(search, columns)),
        },
    )


def _export(request, kind):
    """A download of the list's search, stored once per catalog version (catalog.site.downloads):
    ``fields=`` picks the columns (a 400 names an unknown one); the MSC profile comes with the
    trials, in the same queries."""
    if response := _clean_redirect(request, keep=("fields",)) or downloads.limit_response(request):
        return response
    try:
        fields = exports.download_fields(request.GET.get("fields"))
    except exports.UnknownField as bad:
        return HttpResponseBadRequest(f"{bad}\n", content_type="text/plain; charset=utf-8")
    search = TrialSearch(request.GET)
    return downloads.download(
        request,
        kind,
        _export_key(search, request.GET.get("fields")),
        search.ordered().select_related("msc"),
        exports.filename(kind),
        fields,
    )


def _export_key(search, fields):
    """What tells one stored export from another: the search, and the columns chosen."""
    key = search.query_string(drop=PAGE_PARAMS)
    return key + (("&" if "?" in key else "?") + urlencode({"fields": fields}) if fields else "")


@require_safe
def trial_export_csv(request):
    return _export(request, "csv")


@require_safe
def trial_export_json(request):
    return _export(request, "json")


def trial_detail(request, nct_id):
    """``/trials/<NCT ID>/``, the trial's one address: other spellings redirect to it."""
    canonical = address_nct_id(nct_id)
    if canonical is None:
        return trial_not_found(request, nct_id)
    if canonical != nct_id or not request.path.endswith("/"):
        url = reverse("catalog:trial_detail", args=[canonical])
        query = request.META.get("QUERY_STRING")
        return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
    html = pages.page_for(request, canonical)
    if html is None:
        reason = Trial.objects.hidden_reason_of(canonical)
        if reason is not None:
            context = {"nct_id": canonical, "reason": reason}
            return render(request, "catalog/trial_gone.html", context, status=410)
        current = Trial.objects.public().current_id_of(canonical)
        if current:
            return HttpResponsePermanentRedirect(reverse("catalog:trial_detail", args=[current]))
        return trial_not_found(request, canonical)
    return HttpResponse(html)


def trial_not_found(request, query):
    """The 404 page for a trial address: offers a search for what was asked."""
    # Only an address that is an NCT ID, as it was given, is named as one: "NCT123" or an ID
    # with a line break is no trial's number (the search the page offers still finds it).
    nct_id = address_nct_id(query)
    query = " ".join(query.split())[:200]
    context = {
        "query": query,
        "nct_id": nct_id,
        # Only a search that finds something is offered as a link.
        "search_finds": bool(query) and TrialSearch({"q": query}).queryset().exists(),
    }
    return render(request, "catalog/trial_not_found.html", context, status=404)


def insights_page(request):
    """``/insights/``: charts of the trials the list's parameters select (the list's own search),
    each bar a link to the list."""
    selection = insights.select_trials(request.GET)
    figures = insights.figures(selection)
    years, countries, doses = figures["years"], figures["countries"], figures["doses"]
    context = {
        "selection": selection,
        "totals": figures["totals"],
        "years": charts.stacked_columns(years["columns"], years["series"], width=1100),
        "year_columns": years["columns"],
        "year_series": years["series"],
        "routes": charts.horizontal_bars(figures["routes"], label_width=230, width=540),
        "phases": charts.horizontal_bars(figures["phases"], label_width=110, width=540),
        "countries": charts.horizontal_bars(countries["bars"], label_width=170, width=720),
        "country_count": countries["countries"],
        "country_rest": countries["rest"],
        "doses": charts.histogram(doses["bins"], doses["median"], width=900),
        "dose_figures": doses,
        "enrollment": charts.box_plot(figures["enrollment"]),
        "form": insights.form_values(selection),
        "list_url": list_url(selection.params),
    }
    return render(request, "catalog/insights.html", context)


@require_safe
def compare_trials(request):
    """``/compare/?ids=NCT…,NCT…``: two to four trials side by side. What cannot be used is
    said on the page; a page left with nothing to compare because of bad, unknown or too many
    IDs is a 400 (a selection of one trial is a good start, not an error)."""
    comparison = compare.Comparison.read(request.GET.getlist("ids"))
    status = 400 if comparison.refused or comparison.left_out and not comparison.rows() else 200
    context = {
        "comparison": comparison,
        "columns": comparison.columns(),
        "rows": comparison.rows(),
        "max_trials": compare.MAX_TRIALS,
        "share_url": request.build_absolute_uri(comparison.url()),
    }
    return render(request, "catalog/compare.html", context, status=status)
