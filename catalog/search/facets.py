"""Facet counts: how many trials each filter value would give, under the other active filters.

All counts of a page come from ONE SQL statement, whatever the number of filters and values:
a CTE holds the trials matching every filter (``b0``) and, for each active facet filter, one
holds the trials matching every filter but that one (``b_status`` ...); each facet is a GROUP
BY over its CTE, and the branches are joined by UNION ALL. Values with no trials do not appear
(a selected value is kept, with 0, so it can be unselected). The same statement gives the total.
"""

from dataclasses import dataclass, field

from django.db import connections

from catalog.models import (
    AgeGroup,
    AgencyClass,
    InterventionType,
    MscDonor,
    MscProduct,
    MscRoute,
    MscSource,
    OverallStatus,
    Phase,
    StudyType,
)
from catalog.msc.query import FACET_SQL as MSC_FACET_SQL

# The trial columns the facets group by, carried in each CTE.
BASE_COLUMNS = (
    "id",
    "overall_status",
    "study_type",
    "sex",
    "healthy_volunteers",
    "has_results",
    "lead_sponsor_id",
    "phases",
    "std_ages",
)


@dataclass(frozen=True)
class FacetSpec:
    label: str
    sql: str  # SELECT value, n ... with {b} for the CTE, {limit}, %(upper_selected)s
    choices: tuple = ()  # (code, label) for coded values, in display order
    single: bool = False  # one value at a time (radio buttons)
    limit: int = 0  # the most common values shown; 0 for all
    hint: str = ""
    # Makes the shown (value, label, count) from the rows and the selected values, when the
    # rows are not the values themselves (e.g. exact counts grouped into "N or more").
    values: object = None


def _top(pairs_sql):
    """The most common values of ``pairs_sql`` (rows of trial_id, label), ignoring case.

    Each (trial, value) pair is made distinct first, so both steps are hash aggregates.
    """
    return (
        "SELECT min(x.label), count(*) FROM ("
        f"SELECT p.trial_id, upper(p.label) AS k, min(p.label) AS label FROM ({pairs_sql}) AS p"
        " GROUP BY 1, 2) AS x"
        " GROUP BY x.k ORDER BY x.k = ANY(%(upper_selected)s) DESC, 2 DESC, 1 LIMIT {limit}"
    )


SPECS = {
    "status": FacetSpec(
        "Status",
        "SELECT overall_status, count(*) FROM {b} GROUP BY 1",
        tuple(OverallStatus.choices),
    ),
    "phase": FacetSpec(
        "Phase",
        "SELECT p, count(*) FROM {b} CROSS JOIN LATERAL unnest({b}.phases) AS p GROUP BY 1",
        tuple(Phase.choices),
    ),
    "condition": FacetSpec(
        "Condition",
        # MeSH terms, each counting the trials that have it or a condition of that name (what
        # the condition filter matches), grouped by integer IDs; a selected condition name
        # that is no MeSH term is counted too.
        """SELECT y.label, y.n FROM (
               SELECT m.term AS label, count(*) AS n
                 FROM (SELECT tm.trial_id, tm.mesh_term_id AS mesh_id
                         FROM catalog_trialmesh tm JOIN {b} ON {b}.id = tm.trial_id
                        WHERE tm.kind = 'condition'
                       UNION
                       SELECT tc.trial_id, named.id
                         FROM catalog_trialcondition tc JOIN {b} ON {b}.id = tc.trial_id
                         JOIN catalog_condition c ON c.id = tc.condition_id
                         JOIN catalog_meshterm named ON upper(named.term) = upper(c.name)
                      ) AS x
                 JOIN catalog_meshterm m ON m.id = x.mesh_id
                GROUP BY m.id, m.term
               UNION ALL
               SELECT min(c.name), count(DISTINCT tc.trial_id)
                 FROM catalog_trialcondition tc JOIN {b} ON {b}.id = tc.trial_id
                 JOIN catalog_condition c ON c.id = tc.condition_id
                WHERE upper(c.name) = ANY(%(upper_selected)s)
                  AND NOT EXISTS (SELECT 1 FROM catalog_meshterm e
                                   WHERE upper(e.term) = upper(c.name))
                GROUP BY upper(c.name)
           ) AS y
           ORDER BY upper(y.label) = ANY(%(upper_selected)s) DESC, y.n DESC, y.label
           LIMIT {limit}""",
        limit=15,
        hint="MeSH terms; a condition's name as trials give it works too.",
    ),
    # The MSC profile (catalog.msc.query): only trials giving an MSC product count.
    "source": FacetSpec("Cell source", MSC_FACET_SQL["source"], tuple(MscSource.choices)),
    "donor": FacetSpec(
        "Donor",
        MSC_FACET_SQL["donor"],
        tuple(MscDonor.choices),
        hint="Autologous and allogeneic count the trials using both too.",
    ),
    "product": FacetSpec("MSC product", MSC_FACET_SQL["product"], tuple(MscProduct.choices)),
    "route": FacetSpec("Route", MSC_FACET_SQL["route"], tuple(MscRoute.choices)),
    "n_doses": FacetSpec(
        "Number of doses",
        MSC_FACET_SQL["n_doses"],
        hint="Administrations of the MSC product per patient.",
        values=lambda rows, selected: n_doses_values(rows, selected),
    ),
    "type": FacetSpec(
        "Study type",
        "SELECT study_type, count(*) FROM {b} WHERE study_type <> '' GROUP BY 1",
        tuple(StudyType.choices),
    ),
    "intervention_type": FacetSpec(
        "Intervention type",
        """SELECT x.type, count(*) FROM (SELECT DISTINCT i.trial_id, i.type
                                             FROM catalog_intervention i
                                             JOIN {b} ON {b}.id = i.trial_id
                                            WHERE i.type <> '') AS x GROUP BY 1""",
        tuple(InterventionType.choices),
    ),
    "country": FacetSpec(
        "Country",
        _top(
            "SELECT s.trial_id, s.country AS label FROM catalog_site s"
            " JOIN {b} ON {b}.id = s.trial_id WHERE s.country <> ''"
        ),
        limit=200,
    ),
    "city": FacetSpec(
        "City",
        _top(
            "SELECT s.trial_id, s.city AS label FROM catalog_site s"
            " JOIN {b} ON {b}.id = s.trial_id WHERE s.city <> ''"
        ),
        limit=10,
    ),
    "sponsor": FacetSpec(
        "Lead sponsor",
        _top(
            "SELECT {b}.id AS trial_id, o.name AS label FROM {b}"
            " JOIN catalog_organization o ON o.id = {b}.lead_sponsor_id"
        ),
        limit=10,
    ),
    "sponsor_class": FacetSpec(
        "Sponsor class",
        """SELECT o.agency_class, count(*) FROM {b}
             JOIN catalog_organization o ON o.id = {b}.lead_sponsor_id
            WHERE o.agency_class <> '' GROUP BY 1""",
        tuple(AgencyClass.choices),
    ),
    "sex": FacetSpec(
        "Sex",
        """SELECT s, count(*) FROM {b} CROSS JOIN LATERAL unnest(CASE {b}.sex
                WHEN 'ALL' THEN ARRAY['FEMALE', 'MALE', 'ALL']
                WHEN 'FEMALE' THEN ARRAY['FEMALE'] WHEN 'MALE' THEN ARRAY['MALE']
                ELSE ARRAY[]::text[] END) AS s GROUP BY 1""",
        (("FEMALE", "Female"), ("MALE", "Male"), ("ALL", "All sexes only")),
        single=True,
        hint="Female and Male count the trials open to all sexes too.",
    ),
    "age_group": FacetSpec(
        "Age group",
        "SELECT a, count(*) FROM {b} CROSS JOIN LATERAL unnest({b}.std_ages) AS a GROUP BY 1",
        tuple(AgeGroup.choices),
    ),
    "healthy": FacetSpec(
        "Healthy volunteers",
        """SELECT CASE WHEN healthy_volunteers THEN 'true' ELSE 'false' END, count(*) FROM {b}
            WHERE healthy_volunteers IS NOT NULL GROUP BY 1""",
        (("true", "Accepted"), ("false", "Not accepted")),
        single=True,
    ),
    "has_results": FacetSpec(
        "Results",
        "SELECT CASE WHEN has_results THEN 'true' ELSE 'false' END, count(*) FROM {b} GROUP BY 1",
        (("true", "With results"), ("false", "Without results")),
        single=True,
    ),
}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    name: str
    label: str
    values: list = field(default_factory=list)
    single: bool = False
    coded: bool = True
    hint: str = ""

    @property
    def selected(self):
        return [v for v in self.values if v.selected]

    @property
    def input_type(self):
        return "radio" if self.single else "checkbox"

    @property
    def active(self):
        return bool(self.selected)


@dataclass
class FacetCounts:
    total: int
    facets: dict

    def __iter__(self):
        return iter(self.facets.values())

    def __getitem__(self, name):
        return self.facets[name]


def _selected(filterset, name):
    value = filterset.values.get(name)
    if value in (None, "", []):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def count(filterset, names=None):
    """``FacetCounts`` for the facets ``names`` (all by default), in one query."""
    names = [n for n in (names or SPECS) if n in SPECS]
    active = {n for n in names if _selected(filterset, n)}
    queryset = filterset.queryset
    connection = connections[queryset.db]

    ctes, cte_params = [], []

    def add_cte(cte_name, exclude):
        qs = filterset.filtered(exclude=exclude).order_by().values(*BASE_COLUMNS)
        sql, params = qs.query.get_compiler(queryset.db).as_sql()
        ctes.append(f"{cte_name} AS MATERIALIZED ({sql})")
        cte_params.extend(params)

    add_cte("b0", ())
    branches, branch_params = (
        ["(SELECT '_total' AS facet, NULL::text AS value, count(*) AS n FROM b0)"],
        [],
    )
    for name in names:
        spec = SPECS[name]
        cte_name = "b0"
        if name in active:
            cte_name = f"b_{name}"
            add_cte(cte_name, (name,))
        sql = spec.sql.replace("{b}", cte_name).replace("{limit}", str(spec.limit or 1000))
        selected = _selected(filterset, name)
        # Each branch's selected values, upper-cased by PostgreSQL as the keys are.
        occurrences = sql.count("%(upper_selected)s")
        sql = sql.replace(
            "%(upper_selected)s", "ARRAY(SELECT upper(v) FROM unnest(%s::text[]) AS v)"
        )
        branches.append(f"(SELECT %s, f.value::text, f.n FROM ({sql}) AS f(value, n))")
        branch_params.append(name)
        branch_params.extend([selected] * occurrences)

    statement = f"WITH {', '.join(ctes)} " + " UNION ALL ".join(branches)
    rows_by_facet = {}
    total = 0
    with connection.cursor() as cursor:
        cursor.execute(statement, cte_params + branch_params)
        for facet, value, n in cursor.fetchall():
            if facet == "_total":
                total = n
            else:
                rows_by_facet.setdefault(facet, []).append((value, n))
    return FacetCounts(
        total=total,
        facets={
            name: _facet(name, rows_by_facet.get(name, []), _selected(filterset, name))
            for name in names
        },
    )


# The number-of-doses values offered: each count up to this one, then "this many or more".
N_DOSES_SHOWN = 4


def n_doses_values(rows, selected):
    """Counts per number of doses (rows of exact counts) as the facet offers them: 1, 2, 3, 4
    and "5 or more", and any other value selected (``6``, ``3+``)."""
    exact = {int(value): n for value, n in rows}

    def count(value):
        if value.endswith("+"):
            low = int(value[:-1])
            return sum(n for doses, n in exact.items() if doses >= low)
        return exact.get(int(value), 0)

    offered = [str(n) for n in range(1, N_DOSES_SHOWN + 1)] + [f"{N_DOSES_SHOWN + 1}+"]
    values = offered + [v for v in selected if v not in offered]
    values.sort(key=lambda v: (int(v.rstrip("+")), v.endswith("+")))
    return [(v, _n_doses_label(v), count(v)) for v in values if count(v) or v in selected]


def _n_doses_label(value):
    if value.endswith("+"):
        return f"{value[:-1]} or more"
    return f"{value} dose{'s' * (value != '1')}"


def _facet(name, rows, selected):
    spec = SPECS[name]
    chosen = {v.upper() for v in selected}
    if spec.values:
        values = [
            FacetValue(value, label, n, value.upper() in chosen)
            for value, label, n in spec.values(rows, selected)
        ]
    elif spec.choices:
        counts = dict(rows)
        values = [
            FacetValue(code, label, counts.get(code, 0), code.upper() in chosen)
            for code, label in spec.choices
            if counts.get(code) or code.upper() in chosen
        ]
    else:
        values = [FacetValue(v, v, n, v.upper() in chosen) for v, n in rows if v]
        found = {v.value.upper() for v in values}
        values += [FacetValue(v, v, 0, True) for v in selected if v.upper() not in found]
        values.sort(key=lambda v: (-v.count, v.label.lower()))
    return Facet(
        name=name,
        label=spec.label,
        values=values,
        single=spec.single,
        coded=bool(spec.choices or spec.values),
        hint=spec.hint,
    )
