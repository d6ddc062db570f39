"""Every search parameter of the catalog, declared once (``catalog.search.query`` says how).

Parameter names are stable and values are ClinicalTrials.gov codes, e.g.
``?q=umbilical+cord&status=RECRUITING&status=NOT_YET_RECRUITING&phase=PHASE2&country=China``.
Several values of one parameter mean any of them; different parameters must all hold.

The order of the declarations is the order of a search in words; a facet's ``position`` is
its place on the page. To add a parameter, add its ``Param`` here (docs/search.md).
"""

import dataclasses
import re

from catalog.models import (
    AgeGroup,
    AgencyClass,
    DoseUnit,
    InterventionType,
    MscDonor,
    MscProduct,
    MscProfile,
    MscRoute,
    MscSource,
    OverallStatus,
    Phase,
    Sex,
    StudyType,
)
from catalog.msc import query as msc_query
from catalog.registry.ctgov import NCT_ID_RE
from catalog.search import facets, fulltext, places
from catalog.search import filters as f
from catalog.search.query import (
    Api,
    Choice,
    Facet,
    FormFieldKind,
    Input,
    Param,
    Registry,
    Related,
    Search,
    Sort,
    Texts,
)

PLUS_AS_SPACE = re.compile(r"^\s*\d+ +$")
BOOLEAN_CHOICES = (("true", "Yes"), ("false", "No"))
# One EXISTS on the trial's MSC profile for all MSC parameters: only trials giving an MSC
# product, and every condition on the same profile.
MSC_PROFILE = Related(lambda: MscProfile.objects.filter(is_msc=True), "trial")
SEARCH_HELP = (
    ' Words must all match; "quoted phrases"; -word excludes; OR between terms; the last'
    " word also matches as a prefix."
)
CELLS_SCHEMA = {"type": "number", "minimum": 0}
DOSE_HELP = (
    "A number of cells, e.g. 1e6 or 100000000. Escalating doses match when any of them is in "
    "the range; adults' doses per kg count for 70 kg in total."
)


class Doses(Choice):
    """A number of doses: ``2`` exactly, ``4+`` four or more."""

    def __init__(self):
        super().__init__(
            f.n_doses_choices,
            reason=(
                f"not a number of doses (1 to {msc_query.MAX_N_DOSES}, or e.g. 4+ for four or more)"
            ),
        )

    def tidy(self, raw, stripped):
        # "n_doses=4+" typed into an address arrives as "4 ".
        return stripped + "+" if PLUS_AS_SPACE.match(raw) else stripped

    def check(self, item):
        match = f.N_DOSES_RE.match(item.lstrip())
        if not match or not 1 <= int(match[1]) <= msc_query.MAX_N_DOSES:
            raise ValueError(
                f"is not a number of doses (1 to {msc_query.MAX_N_DOSES}, or N+ for N or more)"
            )
        return str(int(match[1])) + ("+" if match[2] else "")


def _partial_date(end):
    return f.PartialDateField(end=end, required=False)


def range_params(low, high, field, form_field, form):
    """A "from … to" pair of parameters on one trial column: ``low`` and ``high`` are their
    (name, label) pairs, ``form_field(end)`` makes the form field of either end (``end`` for
    the upper one) and ``form`` is the pair's input, labelled "From" and "to"."""
    return [
        Param(
            name,
            label,
            FormFieldKind(form_field(end)),
            filter=f.filter_range(field, lookup),
            form=dataclasses.replace(form, label=word),
        )
        for (name, label), lookup, word, end in (
            (low, "gte", "From", False),
            (high, "lte", "to", True),
        )
    ]


def dose_params():
    """The MSC dose range: ``dose_min`` and ``dose_max``, cells per administration in the unit
    ``dose_unit`` names."""
    ends = (
        (
            ("dose_min", "Dose from", "From", "1e6", 1e8),
            "at least this many cells per administration (e.g. 1e6), in dose_unit. A dose"
            " escalation matches when any of its doses does.",
            DOSE_HELP,
            _dose_words,
        ),
        (
            ("dose_max", "Dose up to", "to", "1e8", 2e8),
            "at most this many cells per administration, in dose_unit.",
            "",
            # Said with the lower bound when there is one.
            lambda query: "" if "dose_min" in query.values else _dose_words(query),
        ),
    )
    return [
        Param(
            name,
            label,
            _cells(),
            within=MSC_PROFILE,
            filter=lambda cells, values, upper=(name == "dose_max"): msc_query.dose_q(
                values.get("dose_unit") or DoseUnit.TOTAL,
                *((None, cells) if upper else (cells, None)),
            ),
            api=Api(
                split=False,
                strip=True,
                doc="Only studies stating a dose of " + doc,
                schema=CELLS_SCHEMA,
                example=example,
            ),
            form=Input(
                "MSC dose",
                "Cells per administration",
                word,
                attrs=_cell_input(placeholder),
                help=form_help,
            ),
            chip=_dose_chip,
            words=words,
        )
        for (name, label, word, placeholder, example), doc, form_help, words in ends
    ]


def _cells():
    return FormFieldKind(f.CellCountField(required=False), "is not a number of cells (e.g. 1e6)")


def _cell_input(placeholder):
    return (
        ("inputmode", "decimal"),
        ("size", "10"),
        ("maxlength", "40"),
        ("placeholder", placeholder),
    )


def column_facet(position, column):
    """The counts of a trial column's values."""
    sql = f"SELECT {column}, count(*) FROM {{b}} WHERE {column} <> '' GROUP BY 1"
    return Facet(position, sql, columns=(column,))


def array_facet(position, column):
    """The counts of the values of a trial's array column (a trial counts once per value)."""
    sql = f"SELECT v, count(*) FROM (SELECT unnest({{b}}.{column}) AS v FROM {{b}}) AS u GROUP BY 1"
    return Facet(position, sql, columns=(column,))


def place_param(name, label, column, position, limit):
    """A filter on the trial's own list of its sites' countries or cities (``column``, kept by
    PostgreSQL from the sites: migrations 0022 and 0024), in any case, counted as a facet of its
    ``limit`` most common values."""
    # Each trial lists a name once, in one spelling: the rows need no making distinct per trial.
    labels = f"SELECT unnest({{b}}.{column}) AS label FROM {{b}}"
    facet = Facet(position, _top_distinct(labels), columns=(column,), limit=limit)
    return Param(name, label, Texts(), filter=f.filter_names(column), facet=facet)


def column_param(name, label, kind, column, position, array=False, **options):
    """A filter on a trial column holding one code (``array``: a list of codes, any of them
    matching), counted as a facet."""
    if array:
        matches, facet = f.filter_overlap(column), array_facet(position, column)
    else:
        matches, facet = f.filter_in(column), column_facet(position, column)
    return Param(name, label, kind, filter=matches, facet=facet, **options)


def boolean_param(name, label, column, position, yes, no):
    """A yes-or-no filter on a trial column, counted as a facet labelled ``yes`` and ``no``."""
    kind = Choice(BOOLEAN_CHOICES, single=True)
    facet = boolean_facet(position, column, yes, no)
    return Param(name, label, kind, filter=f.filter_boolean(column), facet=facet)


def boolean_facet(position, column, yes, no):
    """The counts of a yes-or-no trial column, labelled ``yes`` and ``no``."""
    sql = (
        f"SELECT CASE WHEN {column} THEN 'true' ELSE 'false' END, count(*) FROM {{b}}"
        f" WHERE {column} IS NOT NULL GROUP BY 1"
    )
    choices = (("true", yes), ("false", no))
    return Facet(position, sql, choices=choices, columns=(column,), single=True)


def msc_codes_param(name, label, choices, profile_field, position, what, example):
    """A filter on one list of codes of the MSC profile (sources, products, routes)."""
    return Param(
        name,
        label,
        Choice(choices),
        within=MSC_PROFILE,
        filter=lambda codes, values: msc_query.codes_q(profile_field, codes),
        facet=Facet(position, msc_query.FACET_SQL[name], columns=msc_query.FACET_COLUMNS),
        api=Api(
            repeat=True,
            strip=True,
            doc=f"Only studies whose MSC profile has one of these {what} (comma-separated"
            " codes; see /api/msc/{nctId}). Any MSC filter keeps only studies giving an MSC"
            " product.",
            example=example,
        ),
    )


def field_search_param(name, label, matching, api_name, doc, synonyms=True):
    """A search of one part of the record (ClinicalTrials.gov's ``query.*`` parameters)."""
    api = Api((api_name,), split=False, doc=doc + (SEARCH_HELP if synonyms else ""))
    return Param(name, label, Search(synonyms=synonyms), filter=f.filter_search(matching), api=api)


def _unit(query):
    return query.values.get("dose_unit") or DoseUnit.TOTAL


def _dose_chip(raw, query):
    return f"{raw} {dict(DoseUnit.choices)[_unit(query)]}"


def _dose_words(query):
    """A dose range in words: ``Dose: 1e6–2e6 cells per kg``, ``at least 1e8 cells in total``."""
    unit = dict(DoseUnit.choices)[_unit(query)]
    low, high = query.values.get("dose_min"), query.values.get("dose_max")
    if low is not None and high is not None:
        return f"Dose: {msc_query.format_count(low)}–{msc_query.format_count(high)} {unit}"
    if low is not None:
        return f"Dose: at least {msc_query.format_count(low)} {unit}"
    return f"Dose: at most {msc_query.format_count(high)} {unit}"


def _search_words(query):
    parsed = query.parsed("q")
    return f"“{parsed.text}”" if parsed else ""


def _top(pairs_sql):
    """The most common values of ``pairs_sql`` (rows of trial_id, label), ignoring case.

    Each (trial, value) pair is made distinct first, so both steps are hash aggregates.
    """
    return (
        "SELECT min(x.label), count(*) FROM ("
        f"SELECT p.trial_id, upper(p.label) AS k, min(p.label) AS label FROM ({pairs_sql}) AS p"
        " GROUP BY 1, 2) AS x"
        " GROUP BY x.k ORDER BY [[x.k = ANY(%(upper_selected)s) DESC, ]]2 DESC, 1 LIMIT {limit}"
    )


def _top_distinct(labels_sql):
    """The most common values of ``labels_sql`` (label rows, each trial's labels distinct
    ignoring case), ignoring case: one hash aggregate."""
    return (
        f"SELECT min(p.label), count(*) FROM ({labels_sql}) AS p GROUP BY upper(p.label)"
        " ORDER BY [[upper(p.label) = ANY(%(upper_selected)s) DESC, ]]2 DESC, 1 LIMIT {limit}"
    )


# The MeSH terms of the matching trials (each trial's own ``condition_terms``, migration 0025),
# then any selected condition name that is no MeSH term, counted from the trials' conditions.
CONDITION_FACET_SQL = """SELECT y.label, y.n FROM (
       SELECT m.term AS label, x.n
         FROM (SELECT v AS mesh_id, count(*) AS n
                 FROM (SELECT unnest({b}.condition_terms) AS v FROM {b}) AS u GROUP BY 1) AS x
         JOIN catalog_meshterm m ON m.id = x.mesh_id
       [[UNION ALL
       SELECT min(c.name), count(DISTINCT tc.trial_id)
         FROM catalog_trialcondition tc JOIN {b} ON {b}.id = tc.trial_id
         JOIN catalog_condition c ON c.id = tc.condition_id
        WHERE upper(c.name) = ANY(%(upper_selected)s)
          AND NOT EXISTS (SELECT 1 FROM catalog_meshterm e
                           WHERE upper(e.term) = upper(c.name))
        GROUP BY upper(c.name)]]
   ) AS y
   ORDER BY [[upper(y.label) = ANY(%(upper_selected)s) DESC, ]]y.n DESC, y.label
   LIMIT {limit}"""


PARAMS = Registry(
    [
        Param(
            "q",
            "Search",
            Search(),
            filter=f.filter_search(fulltext.matching),
            api=Api(
                ("query.term",),
                split=False,
                doc="Search over every text of a study (titles first, then conditions,"
                " interventions and keywords, then summaries, then descriptions and"
                " eligibility)." + SEARCH_HELP,
            ),
            form=None,  # the search box
            chip=lambda raw, query: f"“{query.parsed('q').text}”",
            words=_search_words,
        ),
        Param(
            "condition",
            "Condition",
            Texts(),
            filter=f.filter_condition,
            # MeSH terms, each counting the trials that have it or a condition of that name
            # (what the filter matches), grouped by integer IDs; a selected condition name that
            # is no MeSH term is counted too.
            facet=Facet(
                3,
                CONDITION_FACET_SQL,
                columns=("condition_terms",),
                limit=15,
                hint="MeSH terms; a condition's name as trials give it works too.",
            ),
        ),
        # The status judged by today's date (``Trial.current_status``): a record whose active
        # status has gone unverified for two years counts as "Unknown status".
        column_param(
            "status",
            "Status",
            Choice(OverallStatus, api_error="is not a study status"),
            "current_status",
            1,
            api=Api(
                ("filter.overallStatus",),
                strip=True,
                doc="Only studies with one of these statuses (comma-separated).",
                example=["RECRUITING", "NOT_YET_RECRUITING"],
            ),
        ),
        column_param("phase", "Phase", Choice(Phase), "phases", 2, array=True),
        column_param("type", "Study type", Choice(StudyType), "study_type", 9),
        place_param("country", "Country", "countries", 11, limit=200),
        place_param("city", "City", "cities", 12, limit=10),
        # Trials near a place (catalog.search.places): a city with a radius, a US state or a
        # country, read by the gazetteer; ClinicalTrials.gov's filter.geo in the API.
        Param(
            "near",
            "Place",
            places.PlaceKind(),
            filter=places.filter_near,
            api=Api(
                ("filter.geo",),
                split=False,
                strip=True,
                doc="Only studies with a site within a distance of a point, as"
                " ClinicalTrials.gov writes it: distance(latitude,longitude,radius), the radius"
                f" in mi or km (at most {places.MAX_RADIUS_KM} km). Sites are placed at their"
                " record's geoPoint, or at their city. Under the list's name, near, also a"
                " city, US state or country by name, or lat,lon with radius (km).",
                schema=places.DISTANCE_SCHEMA,
                example="distance(39.0035707,-77.1013313,50mi)",
            ),
            form=Input(
                "Place",
                "Trials near a place",
                "City, US state or country",
                attrs=(
                    ("size", "24"),
                    ("maxlength", "200"),
                    ("placeholder", "e.g. Madrid, Texas or Spain"),
                    ("autocomplete", "off"),
                ),
                help="A city with a radius, or a whole US state or country.",
                lead=True,
            ),
            chip=lambda raw, query: places.chip(query.values["near"], query),
            words=lambda query: places.describe(query.values["near"], query),
            annotate=places.annotate_near,
            note=lambda trial, value, query: places.nearest_text(
                getattr(trial, "nearest", None), value
            ),
            sorts=(Sort("distance", "Nearest site first", places.distance_order),),
        ),
        Param(
            "radius",
            "Within",
            places.Radius(),
            qualifies=("near",),
            form=Input(
                "Place",
                "Trials near a place",
                "Within (km)",
                "number",
                attrs=(("min", "1"), ("max", str(places.MAX_RADIUS_KM)), ("step", "1")),
                default=str(places.DEFAULT_RADIUS_KM),
                lead=True,
            ),
            words=lambda query: "",
        ),
        Param(
            "sponsor",
            "Sponsor",
            Texts(),
            filter=f.filter_sponsor,
            facet=Facet(
                13,
                _top(
                    "SELECT {b}.id AS trial_id, o.name AS label FROM {b}"
                    " JOIN catalog_organization o ON o.id = {b}.lead_sponsor_id"
                ),
                label="Lead sponsor",
                columns=("lead_sponsor_id",),
                limit=10,
            ),
        ),
        Param(
            "sponsor_class",
            "Sponsor class",
            Choice(AgencyClass),
            filter=f.filter_in("lead_sponsor__agency_class"),
            facet=Facet(
                14,
                """SELECT o.agency_class, count(*) FROM {b}
                     JOIN catalog_organization o ON o.id = {b}.lead_sponsor_id
                    WHERE o.agency_class <> '' GROUP BY 1""",
                columns=("lead_sponsor_id",),
            ),
        ),
        Param(
            "sex",
            "Sex",
            Choice(Sex, single=True),
            filter=f.filter_sex,
            facet=Facet(
                15,
                """SELECT s, count(*) FROM (SELECT unnest(CASE {b}.sex
                        WHEN 'ALL' THEN ARRAY['FEMALE', 'MALE', 'ALL']
                        WHEN 'FEMALE' THEN ARRAY['FEMALE'] WHEN 'MALE' THEN ARRAY['MALE']
                        ELSE ARRAY[]::text[] END) AS s FROM {b}) AS u GROUP BY 1""",
                choices=(("FEMALE", "Female"), ("MALE", "Male"), ("ALL", "All sexes only")),
                columns=("sex",),
                single=True,
                hint="Female and Male count the trials open to all sexes too.",
            ),
        ),
        Param(
            "age",
            "Age",
            FormFieldKind(f.WholeNumberField(required=False, max_value=130)),
            filter=f.filter_age,
            form=Input(
                "Who can take part",
                "Your age",
                "Age in years",
                "number",
                attrs=(("min", "0"), ("max", "130"), ("step", "1")),
                help="Trials whose stated age limits include this age.",
            ),
        ),
        column_param("age_group", "Age group", Choice(AgeGroup), "std_ages", 16, array=True),
        boolean_param(
            "healthy", "Healthy volunteers", "healthy_volunteers", 17, "Accepted", "Not accepted"
        ),
        boolean_param(
            "has_results", "Results", "has_results", 18, "With results", "Without results"
        ),
        Param(
            "intervention_type",
            "Intervention type",
            Choice(InterventionType),
            # The trial's own list of its interventions' types (migration 0024).
            filter=f.filter_overlap("intervention_types"),
            facet=array_facet(10, "intervention_types"),
        ),
        # The MSC profile (catalog.msc.query): only trials giving an MSC product count.
        msc_codes_param(
            "source",
            "Cell source",
            MscSource,
            "sources",
            4,
            "cell sources",
            ["umbilical_cord", "wharton_jelly"],
        ),
        Param(
            "donor",
            "Donor",
            Choice(MscDonor),
            within=MSC_PROFILE,
            filter=lambda codes, values: msc_query.donor_q(codes),
            facet=Facet(
                5,
                msc_query.FACET_SQL["donor"],
                columns=msc_query.FACET_COLUMNS,
                hint="Autologous and allogeneic count the trials using both too.",
            ),
            api=Api(
                repeat=True,
                strip=True,
                doc="Only studies whose MSC donor is one of these (comma-separated); autologous"
                " and allogeneic also find studies using both.",
                example=["allogeneic"],
            ),
        ),
        msc_codes_param(
            "product",
            "MSC product",
            MscProduct,
            "products",
            6,
            "products",
            ["extracellular_vesicles"],
        ),
        msc_codes_param(
            "route", "Route", MscRoute, "routes", 7, "routes", ["intravenous", "intrathecal"]
        ),
        Param(
            "n_doses",
            "Number of doses",
            Doses(),
            within=MSC_PROFILE,
            filter=lambda values, _: msc_query.n_doses_q(values),
            facet=Facet(
                8,
                msc_query.FACET_SQL["n_doses"],
                columns=msc_query.FACET_COLUMNS,
                choices=(),
                hint="Administrations of the MSC product per patient.",
                values=facets.n_doses_values,
            ),
            api=Api(
                repeat=True,
                doc=f"Only studies giving the MSC product this many times (1 to"
                f" {msc_query.MAX_N_DOSES}); N+ means N or more (write the + as %2B)."
                " Comma-separated for any of several.",
                schema={"type": "string", "pattern": r"^([1-9][0-9]{0,2}|1000)\+?$"},
                example=["1", "4+"],
            ),
        ),
        *dose_params(),
        Param(
            "dose_unit",
            "Dose unit",
            Choice(DoseUnit, single=True),
            qualifies=("dose_min", "dose_max"),
            api=Api(
                split=False,
                default=DoseUnit.TOTAL,
                doc="The unit of dose_min and dose_max: total (cells per administration; doses"
                " per kg of adult studies count for 70 kg) or per_kg.",
            ),
            form=Input(
                "MSC dose", "Cells per administration", "as", "select", default=DoseUnit.TOTAL
            ),
            words=lambda query: "",
        ),
        # Ranges
        *range_params(
            ("start_from", "Starting from"),
            ("start_to", "Starting until"),
            "start_date",
            _partial_date,
            Input("Dates and enrollment", "Start date", "", "date"),
        ),
        *range_params(
            ("updated_from", "Updated from"),
            ("updated_to", "Updated until"),
            "last_update_posted",
            _partial_date,
            Input("Dates and enrollment", "Last update", "", "date"),
        ),
        *range_params(
            ("enrollment_min", "Enrollment from"),
            ("enrollment_max", "Enrollment up to"),
            "enrollment_count",
            lambda end: f.WholeNumberField(required=False),
            Input(
                "Dates and enrollment",
                "Enrollment (participants)",
                "",
                "number",
                attrs=(("min", "0"), ("step", "1")),
            ),
        ),
        # Field searches and IDs (ClinicalTrials.gov's query.cond, query.intr, query.locn,
        # query.titles and filter.ids; they work on the list page too, kept as hidden fields).
        field_search_param(
            "cond_q",
            "Condition search",
            fulltext.matching_conditions,
            "query.cond",
            "Search conditions and their MeSH terms.",
        ),
        field_search_param(
            "intr_q",
            "Intervention search",
            fulltext.matching_interventions,
            "query.intr",
            "Search interventions and their MeSH terms.",
        ),
        field_search_param(
            "locn_q",
            "Location search",
            fulltext.matching_locations,
            "query.locn",
            "Search locations: facility, city, state, ZIP code, country.",
            synonyms=False,
        ),
        field_search_param(
            "title_q",
            "Title search",
            fulltext.matching_titles,
            "query.titles",
            "Search titles and acronyms.",
        ),
        Param(
            "ids",
            "NCT IDs",
            Texts(pattern=NCT_ID_RE, api_error="is not an NCT ID (NCT and 8 digits)"),
            filter=f.filter_ids,
            api=Api(
                ("filter.ids",),
                strip=True,
                doc="Only these studies (comma-separated NCT IDs).",
                schema={"type": "string", "pattern": "^NCT[0-9]{8}$"},
                example=["NCT02883803", "NCT05016804"],
            ),
        ),
    ]
)
