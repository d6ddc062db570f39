"""Facet counts: how many trials each filter value would give, under the other active filters.

All counts of a page come from ONE SQL statement, whatever the number of filters and values,
and the trials are read once: a materialized CTE (``b0``) holds the trials matching every filter
but the active facet filters, with a flag per active facet filter saying whether the trial
passes it. A facet counts the rows of ``b0`` that pass every other active facet filter (``b_status``
...: a facet is counted under the other filters, so a visitor sees what each choice would give),
the total those that pass them all. Each facet is a GROUP BY, and the branches are joined by
UNION ALL. Values with no trials do not appear (a selected value is kept, with 0, so it can be
unselected).

A search can be counted up to a cap (``cap=``): ``b0`` then holds at most the cap's first
matches, and past it the facets count those matches only: lower bounds, shown as such
(``FacetCounts.partial``), and a total past the cap is the cap (``FacetCounts.capped``). A
broad search at 500,000 trials matches tens of thousands, and reading them all for its counts
took most of a second; its results are still the best of all its matches
(``TrialSearch.results`` orders them all).

Each facet's branch, label, choices and display are declared with its parameter
(``catalog.search.params``, ``Facet``); this module only puts the branches together.
"""

import re
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper, F, Q

# What a facet's branch holds only for chosen values (``Facet.sql``): ``[[…]]``.
CHOSEN_ONLY = re.compile(r"\[\[(.*?)\]\]", re.S)


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
    # The facets counted a cap's first matches only: their counts are lower bounds.
    partial: bool = False
    # The total passed the cap: ``total`` is the cap ("10,000+").
    capped: bool = False
    cap: int | None = None
    # The page ``RankedPage`` asked for, as (trial ID, rank) pairs in order; None when not
    # asked for, or when the statement did not read every match (past the cap).
    ranked: list | None = None

    def __iter__(self):
        return iter(self.facets.values())

    def __getitem__(self, name):
        return self.facets[name]


@dataclass(frozen=True)
class RankedPage:
    """A page of the matches, best first (``rank``, an expression of the trial, then NCT ID),
    read by the facet statement from the matches it reads anyway: the page's own query then
    reads its trials by ID, where it would find and rank every match again."""

    rank: object
    offset: int
    limit: int


# The ranked page's branch: each row's place, rank and ID. The rank is computed for the rows
# that pass every filter only (a page of none costs nothing), and not at all when the cap's
# first matches are not all of them: the page's own query then ranks every match.
RANKED_PAGE_SQL = """(SELECT '_page', p.position || ' ' || p.rank, p.id FROM (
    SELECT r.id, r.rank, row_number() OVER (ORDER BY r.rank DESC NULLS LAST, r.nct_id) AS position
      FROM (SELECT {table}.id, {table}.nct_id, {rank} AS rank
              FROM b_all JOIN {table} ON {table}.id = b_all.id
             WHERE {complete}) AS r
    ) AS p WHERE p.position > %s AND p.position <= %s)"""


def _compiled(expression, queryset):
    """(SQL, params) of an expression of ``queryset``'s model, its columns named by its table."""
    query = queryset.model._default_manager.all().query
    return query.get_compiler(queryset.db).compile(expression.resolve_expression(query))


def _selected(query, name):
    value = query.values.get(name)
    if value in (None, "", []):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def with_columns(queryset, columns, **annotations):
    """``queryset`` as rows of ``columns`` (trial columns, and a related row's columns by their
    lookup, ``msc__sources``, named with one underscore, ``msc_sources``) and ``annotations``."""
    related = {column.replace("__", "_"): F(column) for column in columns if "__" in column}
    own = [column for column in columns if "__" not in column]
    return queryset.annotate(**related, **annotations).values(*own, *related, *annotations)


def _flag(passing):
    """Whether a trial passes the filters of ``passing`` (a queryset of trials), as a column of
    each matching trial.

    A filter that needs no join is tested on the trial's own row: testing membership of the
    trials passing it instead would read every public trial passing that filter alone (a phase
    at 500,000 trials: a third of the catalog) on every page. A filter that joins is tested by
    membership."""
    query = passing.query
    if set(query.alias_map) == {query.base_table} and query.where:
        return ExpressionWrapper(query.where, output_field=BooleanField())
    return ExpressionWrapper(Q(pk__in=passing.order_by().values("pk")), output_field=BooleanField())


def count_up_to(queryset, cap):
    """(the number of rows of ``queryset``, up to ``cap``; whether it has more): one query,
    which reads no more than ``cap`` rows and one."""
    found = queryset.order_by().values("pk")[: cap + 1].count()
    return min(found, cap), found > cap


def count(query, queryset, names=None, cap=None, ranked=None):
    """``FacetCounts`` of ``queryset`` under ``query`` (a ``catalog.search.query.Query``) for
    the facets ``names`` (all its registry declares, by default), in one query; with ``cap``,
    counted up to it (one more query when the cap is passed and a facet filter is active: the
    total under every filter, counted up to the cap); with ``ranked`` (a ``RankedPage``), that
    page's trials too, when every match was read."""
    specs = {param.name: param for param in query.registry.facets()}
    names = [n for n in (names or specs) if n in specs]
    active = [n for n in names if _selected(query, n)]
    connection = connections[queryset.db]
    columns = query.registry.facet_columns()

    # The trials under every filter but the active facet filters, each of which is a flag.
    flags = {}
    for name in active:
        others = [n for n in query.values if n != name]
        flags[f"f_{name}"] = _flag(
            query.apply(queryset.model._default_manager.all(), exclude=others)
        )
    base = query.apply(queryset.all(), exclude=active).order_by()
    base = with_columns(base, columns, **flags)
    if cap is not None:
        base = base[: cap + 1]
    sql, cte_params = base.query.get_compiler(queryset.db).as_sql()
    ctes = [f"b0 AS MATERIALIZED ({sql})"]

    def passing_all(but=None):
        return " AND ".join(f"f_{n}" for n in active if n != but) or "TRUE"

    ctes.append(f"b_all AS (SELECT * FROM b0 WHERE {passing_all()})")
    branches, branch_params = (
        ["(SELECT '_total' AS facet, NULL::text AS value, count(*) AS n FROM b_all)"],
        [],
    )
    if cap is not None:
        branches.append("(SELECT '_read', NULL, count(*) FROM b0)")
    for name in names:
        spec = specs[name].facet
        cte_name = "b_all"
        if name in active:
            cte_name = f"b_{name}"
            ctes.append(f"{cte_name} AS (SELECT * FROM b0 WHERE {passing_all(but=name)})")
        sql = spec.sql.replace("{b}", cte_name).replace("{limit}", str(spec.limit or 1000))
        selected = _selected(query, name)
        # What only counts or orders the chosen values is left out when none is: PostgreSQL
        # planned it on every search (a third of the statement's planning for a one-word one).
        sql = CHOSEN_ONLY.sub(r"\1" if selected else "", sql)
        # Each branch's selected values, upper-cased by PostgreSQL as the keys are.
        occurrences = sql.count("%(upper_selected)s")
        sql = sql.replace(
            "%(upper_selected)s", "ARRAY(SELECT upper(v) FROM unnest(%s::text[]) AS v)"
        )
        branches.append(f"(SELECT %s, f.value::text, f.n FROM ({sql}) AS f(value, n))")
        branch_params.append(name)
        branch_params.extend([selected] * occurrences)

    if ranked is not None:
        rank_sql, rank_params = _compiled(ranked.rank, queryset)
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        complete = "TRUE" if cap is None else f"(SELECT count(*) FROM b0) <= {int(cap)}"
        branches.append(RANKED_PAGE_SQL.format(table=table, rank=rank_sql, complete=complete))
        branch_params.extend([*rank_params, ranked.offset, ranked.offset + ranked.limit])

    statement = f"WITH {', '.join(ctes)} " + " UNION ALL ".join(branches)
    rows_by_facet, page = {}, []
    total = read = 0
    with connection.cursor() as cursor:
        cursor.execute(statement, list(cte_params) + branch_params)
        for facet, value, n in cursor.fetchall():
            if facet == "_total":
                total = n
            elif facet == "_read":
                read = n
            elif facet == "_page":
                position, rank = value.split(" ")
                page.append((int(position), n, float(rank)))
            else:
                rows_by_facet.setdefault(facet, []).append((value, n))
    partial = capped = cap is not None and read > cap
    if partial and active:
        # The cap's first matches passing the facet filters are not all the matches passing
        # them: those are counted on their own, up to the cap.
        total, capped = count_up_to(query.apply(queryset.all()), cap)
    return FacetCounts(
        partial=partial,
        capped=capped,
        cap=cap,
        ranked=None if ranked is None or partial else [(pk, r) for _, pk, r in sorted(page)],
        total=min(total, cap) if capped else total,
        facets={
            name: _facet(specs[name], rows_by_facet.get(name, []), _selected(query, name))
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


def _facet(param, rows, selected):
    spec = param.facet
    choices = param.choices if spec.choices is None else spec.choices
    chosen = {v.upper() for v in selected}
    if spec.values:
        values = [
            FacetValue(value, label, n, value.upper() in chosen)
            for value, label, n in spec.values(rows, selected)
        ]
    elif choices:
        counts = dict(rows)
        values = [
            FacetValue(code, str(label), counts.get(code, 0), code.upper() in chosen)
            for code, label in choices
            if counts.get(code) or code.upper() in chosen
        ]
    else:
        values = [FacetValue(v, v, n, v.upper() in chosen) for v, n in rows if v]
        found = {v.value.upper() for v in values}
        values += [FacetValue(v, v, 0, True) for v in selected if v.upper() not in found]
        values.sort(key=lambda v: (-v.count, v.label.lower()))
    # Ticked values stay at the top, in their order, so a long facet never hides them.
    values.sort(key=lambda v: not v.selected)
    return Facet(
        name=param.name,
        label=spec.label or param.label,
        values=values,
        single=spec.single,
        coded=bool(choices or spec.values),
        hint=spec.hint,
    )
