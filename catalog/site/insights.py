"""What the insights page counts: aggregations over a queryset of trials, each a single query.

``select_trials(params)`` selects the trials exactly as the list page does: the same
``TrialSearch`` (every list parameter: the search ``q``, the filters and the MSC ones of
``catalog.msc.query``), with the same notices for bad values. ``Insights`` takes that queryset
and the parameters to carry in its links, which lead to the list with the same filters.

Each figure holds its numbers and, for every bar, box or bin, the address of the trial list
showing the trials behind it. The page costs a constant number of queries, whatever the data.
"""

import math
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Count, Q
from django.urls import reverse

from catalog.models import (
    DoseUnit,
    MscRoute,
    MscSource,
    Phase,
    Site,
)
from catalog.msc import query as msc_query
from catalog.search.listing import PAGING_PARAMS, TrialSearch
from catalog.search.params import PARAMS
from catalog.search.query import list_url
from catalog.site import cache

TOP_SOURCES = 6  # sources shown on their own in the years chart; the rest are grouped
TOP_COUNTRIES = 15
ADULT_WEIGHT_KG = msc_query.ADULT_WEIGHT_KG
# Histogram of doses: bins half a decade wide, centred on 10^5, 10^5.5 ... so that the round
# doses trials state (1e6, 1e8, 2e8 ...) fall inside a bin, never on an edge.
DOSE_BIN_CENTRES = [5 + i / 2 for i in range(0, 11)]  # 10^5 .. 10^10
PHASE_ORDER = [code for code, _ in Phase.choices]


@dataclass
class Selection:
    """The trials a request asks for, the valid parameters (for links) and what was ignored."""

    trials: object
    params: list
    notices: list
    search: TrialSearch


def select_trials(params):
    """The public trials under the list's parameters of ``params`` (a QueryDict or dict): the
    list page's own search (``TrialSearch``), so the charts show exactly what the list shows."""
    search = TrialSearch(params)
    pairs = [
        (name, value)
        for name, values in search.canonical.lists()
        if name not in PAGING_PARAMS
        for value in values
    ]
    notices = [n for n in search.notices if n.param not in PAGING_PARAMS]
    return Selection(trials=search.queryset(), params=pairs, notices=notices, search=search)


def figures(selection):
    """Every figure of the page for ``selection``. The whole catalog's (a selection without
    parameters, the page most visits open) are computed once per catalog version."""

    def compute():
        insights = Insights(selection.trials, selection.params)
        return {
            "totals": insights.totals(),
            "years": insights.years_by_source(),
            "routes": insights.routes(),
            "phases": insights.phases(),
            "countries": insights.countries(),
            "doses": insights.iv_doses(),
            "enrollment": insights.enrollment_by_phase(),
        }

    if selection.params:
        return compute()
    return cache.per_version("insights", compute)


def _rows(sql, params):
    # Raw SQL skips the database router: ask it where the catalog's reads go.
    with connections[router.db_for_read(Site)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _subquery(trials):
    """The SQL (and parameters) of the ids of ``trials``."""
    return trials.order_by().values("pk").query.sql_with_params()


# Figures ---------------------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    count: int
    url: str
    code: str = ""


@dataclass
class YearSeries:
    code: str
    label: str
    codes: list  # the source codes it covers (the "other" series covers several)
    total: int = 0


@dataclass
class Box:
    label: str
    url: str
    n: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float


@dataclass
class Bin:
    low: float
    high: float
    count: int
    url: str


class Insights:
    """The figures of the insights page for ``trials``; links carry ``params``."""

    def __init__(self, trials, params=()):
        self.trials = trials
        self.params = list(params)
        self.sql, self.sql_params = _subquery(trials)

    def _list_url(self, **replace):
        """The list of these trials narrowed by ``replace`` (its parameters moved to the end)."""
        return list_url(self.params, drop=tuple(replace), **replace)

    # Totals

    def totals(self):
        profile = Q(msc__is_msc=True)
        return self.trials.order_by().aggregate(
            trials=Count("pk"),
            msc=Count("pk", filter=profile),
            no_start=Count("pk", filter=Q(start_date=None)),
            no_phase=Count("pk", filter=Q(phases=[])),
        )

    # Trials started per year, by source

    def years_by_source(self):
        rows = _rows(
            "SELECT EXTRACT(year FROM t.start_date)::int AS year, code, count(*) "
            "FROM catalog_trial AS t JOIN catalog_mscprofile AS m ON m.trial_id = t.id "
            "CROSS JOIN LATERAL unnest(m.sources) AS code "
            f"WHERE m.is_msc AND t.start_date IS NOT NULL AND t.id IN ({self.sql}) "
            "GROUP BY 1, 2",
            self.sql_params,
        )
        labels = dict(MscSource.choices)
        totals = {}
        for _, code, n in rows:
            totals[code] = totals.get(code, 0) + n
        named = [
            c
            for c in sorted(totals, key=lambda c: (-totals[c], c))
            if c not in (MscSource.OTHER, MscSource.NOT_STATED)
        ][:TOP_SOURCES]
        rest = [c for c in totals if c not in named and c != MscSource.NOT_STATED]
        series = [YearSeries(c, labels[c], [c], totals[c]) for c in named]
        if rest:
            order = [c for c, _ in MscSource.choices]
            rest.sort(key=order.index)
            series.append(YearSeries("rest", "Other sources", rest, sum(totals[c] for c in rest)))
        if MscSource.NOT_STATED in totals:
            series.append(
                YearSeries(
                    MscSource.NOT_STATED,
                    "Source not stated",
                    [MscSource.NOT_STATED],
                    totals[MscSource.NOT_STATED],
                )
            )
        series_of = {c: s for s in series for c in s.codes}
        years = sorted({year for year, _, _ in rows})
        if years:
            years = list(range(years[0], years[-1] + 1))
        counts = {(year, s.code): 0 for year in years for s in series}
        for year, code, n in rows:
            counts[(year, series_of[code].code)] += n
        columns = []
        for year in years:
            segments = [
                Bar(
                    s.label,
                    counts[(year, s.code)],
                    self._list_url(start_from=str(year), start_to=str(year), source=s.codes),
                    s.code,
                )
                for s in series
            ]
            columns.append(
                {
                    "label": str(year),
                    "segments": segments,
                    "total": sum(b.count for b in segments),
                    "url": self._list_url(start_from=str(year), start_to=str(year)),
                }
            )
        return {"columns": columns, "series": series}

    # Simple counts

    def routes(self):
        counts = msc_query.facet_counts(self.trials, "route")
        labels = dict(MscRoute.choices)
        bars = [
            Bar(labels[code], counts[code], self._list_url(route=code), code)
            for code in sorted(counts, key=lambda c: (c == MscRoute.NOT_STATED, -counts[c], c))
        ]
        return bars

    def phases(self):
        rows = dict(
            _rows(
                "SELECT p, count(*) FROM catalog_trial AS t "
                "CROSS JOIN LATERAL unnest(t.phases) AS p "
                f"WHERE t.id IN ({self.sql}) GROUP BY 1",
                self.sql_params,
            )
        )
        labels = dict(Phase.choices)
        return [
            Bar(labels[code], rows[code], self._list_url(phase=code), code)
            for code in PHASE_ORDER
            if rows.get(code)
        ]

    def countries(self):
        rows = (
            Site.objects.filter(trial__in=self.trials.order_by().values("pk"))
            .exclude(country="")
            .values_list("country")
            .annotate(n=Count("trial_id", distinct=True))
            .order_by("-n", "country")
        )
        rows = list(rows)
        bars = [
            Bar(country, n, self._list_url(country=country), country)
            for country, n in rows[:TOP_COUNTRIES]
        ]
        return {"bars": bars, "countries": len(rows), "rest": rows[TOP_COUNTRIES:]}

    # Intravenous doses per patient

    def iv_doses(self):
        edges = [(_round3(10 ** (c - 0.25)), _round3(10 ** (c + 0.25))) for c in DOSE_BIN_CENTRES]
        per_kg = "m.dose_unit = 'per_kg' AND m.dose_derived"
        dose_rows = (
            "SELECT CASE WHEN m.dose_unit = 'total' THEN m.dose_min ELSE m.dose_min * %s END AS lo,"
            " CASE WHEN m.dose_unit = 'total' THEN m.dose_max ELSE m.dose_max * %s END AS hi,"
            " m.total_cells FROM catalog_mscprofile AS m"
            " WHERE m.is_msc AND m.routes @> ARRAY['intravenous']::varchar(32)[]"
            " AND m.dose_implausible = ''"  # until a curator confirms it
            f" AND (m.dose_unit = 'total' OR ({per_kg})) AND m.trial_id IN ({self.sql})"
        )
        rows = _rows(
            f"WITH d AS ({dose_rows}), "
            "b AS (SELECT * FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS b(lo, hi, i)) "
            "SELECT b.i, count(d.hi), (SELECT percentile_cont(0.5) WITHIN GROUP "
            "(ORDER BY total_cells) FROM d), (SELECT count(*) FROM d), "
            "(SELECT count(*) FROM d WHERE d.hi < (SELECT min(lo) FROM b) "
            "OR d.lo > (SELECT max(hi) FROM b)) "
            "FROM b LEFT JOIN d ON d.hi >= b.lo AND d.lo <= b.hi GROUP BY b.i ORDER BY b.i",
            [
                ADULT_WEIGHT_KG,
                ADULT_WEIGHT_KG,
                *self.sql_params,
                [lo for lo, _ in edges],
                [hi for _, hi in edges],
            ],
        )
        _, _, median, trials, outside = rows[0]
        bins = [
            Bin(
                low,
                high,
                count,
                self._list_url(
                    route=MscRoute.INTRAVENOUS,
                    dose_unit="total",
                    dose_min=msc_query.format_count(low),
                    dose_max=msc_query.format_count(high),
                ),
            )
            for (_, count, *_), (low, high) in zip(rows, edges, strict=True)
        ]
        return {
            "bins": bins,
            "median": median,
            "trials": trials or 0,
            "outside": outside or 0,
            "url": self._list_url(route=MscRoute.INTRAVENOUS),
        }

    # Enrollment by phase

    def enrollment_by_phase(self):
        rows = _rows(
            "SELECT p, count(*), min(t.enrollment_count), percentile_cont(ARRAY[0.25, 0.5, 0.75])"
            " WITHIN GROUP (ORDER BY t.enrollment_count), max(t.enrollment_count)"
            " FROM catalog_trial AS t CROSS JOIN LATERAL unnest(t.phases) AS p"
            f" WHERE t.enrollment_count > 0 AND t.id IN ({self.sql}) GROUP BY 1",
            self.sql_params,
        )
        labels = dict(Phase.choices)
        by_phase = {row[0]: row for row in rows}
        boxes = []
        for code in PHASE_ORDER:
            if code not in by_phase:
                continue
            _, n, low, (q1, median, q3), high = by_phase[code]
            boxes.append(
                Box(labels[code], self._list_url(phase=code), n, low, q1, median, q3, high)
            )
        return boxes


def _round3(value):
    """To three significant digits, as the links write it."""
    return float(f"{value:.3g}")


def log_ticks(low, high):
    """Powers of ten from ``low`` to ``high`` (for log axes)."""
    return [10**e for e in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]


# The page's own filter form ------------------------------------------------------------------

# The list parameters the form offers as menus (their labels and choices are declared in
# catalog.search.params).
FORM_CHOICES = ("source", "donor", "product", "route", "phase", "status")
# The text fields of the form; other list parameters in use are carried as hidden fields.
FORM_TEXTS = (
    "q",
    "country",
    "condition",
    "start_from",
    "start_to",
    "dose_min",
    "dose_max",
    "dose_unit",
)


def insights_url(query_string=""):
    """The insights page's address with a query string (``?…`` or ``…``)."""
    query = query_string.lstrip("?")
    return reverse("catalog:insights") + (f"?{query}" if query else "")


def form_values(selection):
    """What the page's filter form shows: each choice with whether it is selected, the text
    fields, the other parameters in use (hidden), and the active filters as the list shows
    them, each with the address of this page without it."""
    search = selection.search
    chosen = {}
    for name, value in selection.params:
        chosen.setdefault(name, []).append(value)
    selects = [
        {
            "name": name,
            "label": PARAMS[name].label,
            "multiple": len(chosen.get(name, [])) > 1,
            "options": [
                (code, text, code in chosen.get(name, [])) for code, text in PARAMS[name].choices
            ],
        }
        for name in FORM_CHOICES
    ]
    shown = set(FORM_CHOICES)
    texts = {}
    for name in FORM_TEXTS:
        values = chosen.get(name, [])
        texts[name] = values[0] if values else ""
        shown.add(name)
    # Further values of a text field (a second country) and parameters without a field.
    hidden = [
        (name, value)
        for name, values in chosen.items()
        for value in (values[1:] if name in FORM_TEXTS else [] if name in shown else values)
    ]
    active = [
        {
            "label": chip["param"],
            "value": chip["value"],
            "remove": insights_url(chip["remove_url"].partition("?")[2]),
        }
        for chip in search.active_filters()
    ]
    return {
        "selects": selects,
        "active": active,
        "hidden": hidden,
        **texts,
        "dose_unit": texts["dose_unit"] or DoseUnit.TOTAL,
        "dose_units": DoseUnit.choices,
        "clear": reverse("catalog:insights"),
    }
