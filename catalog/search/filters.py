"""The trial filters: one FilterSet for the list page, its downloads and feed, and the API.

Parameter names are stable and values are ClinicalTrials.gov codes, e.g.
``?q=umbilical+cord&status=RECRUITING&status=NOT_YET_RECRUITING&phase=PHASE2&country=China``.
Several values of one parameter mean any of them; different parameters must all hold.

Bad values never fail a page: an unknown code, a date that is no date or a number that is no
number is left out, and ``notices`` says what was ignored and why.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import BooleanField, F, Func, Q, Value

from catalog.models import (
    AgeGroup,
    AgencyClass,
    DoseUnit,
    Intervention,
    InterventionType,
    MeshKind,
    MscDonor,
    MscProduct,
    MscRoute,
    MscSource,
    Organization,
    OverallStatus,
    Phase,
    Sex,
    Site,
    StudyType,
    TrialCondition,
    TrialMesh,
)
from catalog.msc import query as msc_query
from catalog.registry.ctgov import normalize_nct_id
from catalog.search import fulltext

MAX_TEXT_VALUE = 300
MAX_VALUES = 50

BOOLEAN_CHOICES = [("true", "Yes"), ("false", "No")]
# Why a value of a coded parameter was ignored, where "not a known value" says too little.
UNKNOWN_VALUE_REASONS = {
    "n_doses": f"not a number of doses (1 to {msc_query.MAX_N_DOSES}, or e.g. 4+ for four or more)"
}


@dataclass(frozen=True)
class Notice:
    """Something of the request that was ignored or changed, and why."""

    param: str
    message: str

    def __str__(self):
        return self.message


# Form fields -------------------------------------------------------------------------------------


class MultipleTextField(forms.Field):
    """Several free-text values of one parameter (``country=China&country=Spain``)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, (list, tuple)) else [value] if value else []
        out = []
        for item in values:
            item = " ".join(str(item).split())[:MAX_TEXT_VALUE]
            if item and item.upper() not in {v.upper() for v in out}:
                out.append(item)
        return out[:MAX_VALUES]


_PARTIAL_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


class PartialDateField(forms.Field):
    """A date as ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``; for an upper bound (``end=True``) a
    month or year means its last day."""

    default_error_messages = {"invalid": "not a date (use YYYY-MM-DD, YYYY-MM or YYYY)"}

    def __init__(self, *, end=False, **kwargs):
        self.end = end
        super().__init__(**kwargs)

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        match = _PARTIAL_DATE_RE.match(value)
        if not match:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        year, month, day = match.groups()
        try:
            year = int(year)
            if month is None:
                return datetime.date(year, 12, 31) if self.end else datetime.date(year, 1, 1)
            month = int(month)
            if day is None:
                last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
                return datetime.date(year, month, last if self.end else 1)
            return datetime.date(year, month, int(day))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class WholeNumberField(forms.IntegerField):
    default_error_messages = {"invalid": "not a whole number", "min_value": "must be 0 or more"}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 10**9)
        super().__init__(**kwargs)


class CellCountField(forms.Field):
    """A number of cells as people write it (``1e6``, ``2.5E+08``, ``100,000,000``)."""

    default_error_messages = {"invalid": "not a number of cells (e.g. 1e6)"}

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            return msc_query.parse_count(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def n_doses_choices():
    """``1`` … ``1000`` (exactly that many doses) and ``1+`` … ``1000+`` (at least)."""
    exact = [(str(n), f"{n} dose{'s' * (n != 1)}") for n in range(1, msc_query.MAX_N_DOSES + 1)]
    at_least = [(f"{n}+", f"{n} or more doses") for n in range(1, msc_query.MAX_N_DOSES + 1)]
    return exact + at_least


class MultipleTextFilter(django_filters.Filter):
    field_class = MultipleTextField


class PartialDateFilter(django_filters.Filter):
    field_class = PartialDateField


class WholeNumberFilter(django_filters.Filter):
    field_class = WholeNumberField


class CellCountFilter(django_filters.Filter):
    field_class = CellCountField


class UpperIn(Func):
    """``upper(field)`` is one of the values, upper-cased by PostgreSQL as the indexed
    ``upper(column)`` is (Python's upper-casing differs for some letters, e.g. "ﬁ")."""

    output_field = BooleanField()

    def __init__(self, field, values):
        super().__init__(F(field), Value(list(values)))

    def as_sql(self, compiler, connection, **extra):
        field_sql, field_params = compiler.compile(self.source_expressions[0])
        values_sql, values_params = compiler.compile(self.source_expressions[1])
        sql = (
            f"UPPER({field_sql}) = ANY(ARRAY(SELECT upper(v) "
            f"FROM unnest({values_sql}::text[]) AS v))"
        )
        return sql, (*field_params, *values_params)


# The FilterSet ---------------------------------------------------------------------------------


class TrialFilterSet(django_filters.FilterSet):
    # Search
    q = django_filters.CharFilter(method="filter_q", label="Search")
    # Facets (each with counts on the list page)
    condition = MultipleTextFilter(method="filter_condition", label="Condition")
    status = django_filters.MultipleChoiceFilter(
        choices=OverallStatus.choices, method="filter_in", field_name="overall_status"
    )
    phase = django_filters.MultipleChoiceFilter(
        choices=Phase.choices, method="filter_overlap", field_name="phases"
    )
    type = django_filters.MultipleChoiceFilter(
        choices=StudyType.choices, method="filter_in", field_name="study_type"
    )
    country = MultipleTextFilter(method="filter_country")
    city = MultipleTextFilter(method="filter_city")
    sponsor = MultipleTextFilter(method="filter_sponsor")
    sponsor_class = django_filters.MultipleChoiceFilter(
        choices=AgencyClass.choices, method="filter_in", field_name="lead_sponsor__agency_class"
    )
    sex = django_filters.ChoiceFilter(choices=Sex.choices, method="filter_sex")
    age_group = django_filters.MultipleChoiceFilter(
        choices=AgeGroup.choices, method="filter_overlap", field_name="std_ages"
    )
    healthy = django_filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES, method="filter_boolean", field_name="healthy_volunteers"
    )
    has_results = django_filters.ChoiceFilter(
        choices=BOOLEAN_CHOICES, method="filter_boolean", field_name="has_results"
    )
    intervention_type = django_filters.MultipleChoiceFilter(
        choices=InterventionType.choices, method="filter_intervention_type"
    )
    # The MSC profile (catalog.msc.query): codes of MscProfile, a dose range, number of doses
    source = django_filters.MultipleChoiceFilter(choices=MscSource.choices, method="filter_msc")
    donor = django_filters.MultipleChoiceFilter(choices=MscDonor.choices, method="filter_msc")
    product = django_filters.MultipleChoiceFilter(choices=MscProduct.choices, method="filter_msc")
    route = django_filters.MultipleChoiceFilter(choices=MscRoute.choices, method="filter_msc")
    n_doses = django_filters.MultipleChoiceFilter(choices=n_doses_choices(), method="filter_msc")
    dose_min = CellCountFilter(method="filter_msc")
    dose_max = CellCountFilter(method="filter_msc")
    dose_unit = django_filters.ChoiceFilter(choices=DoseUnit.choices, method="filter_msc")
    # Ranges
    start_from = PartialDateFilter(field_name="start_date", lookup_expr="gte")
    start_to = PartialDateFilter(field_name="start_date", lookup_expr="lte", end=True)
    updated_from = PartialDateFilter(field_name="last_update_posted", lookup_expr="gte")
    updated_to = PartialDateFilter(field_name="last_update_posted", lookup_expr="lte", end=True)
    enrollment_min = WholeNumberFilter(field_name="enrollment_count", lookup_expr="gte")
    enrollment_max = WholeNumberFilter(field_name="enrollment_count", lookup_expr="lte")
    # Field searches and IDs (what the API's query.cond, query.intr, query.locn, query.titles
    # and filter.ids give; they work on the list page too).
    cond_q = django_filters.CharFilter(method="filter_cond_q")
    intr_q = django_filters.CharFilter(method="filter_intr_q")
    locn_q = django_filters.CharFilter(method="filter_locn_q")
    title_q = django_filters.CharFilter(method="filter_title_q")
    ids = MultipleTextFilter(method="filter_ids")

    # Filters shown with counts, in the order of the page.
    FACETS = (
        "status",
        "phase",
        "condition",
        "source",
        "donor",
        "product",
        "route",
        "n_doses",
        "type",
        "intervention_type",
        "country",
        "city",
        "sponsor",
        "sponsor_class",
        "sex",
        "age_group",
        "healthy",
        "has_results",
    )
    TEXT_SEARCHES = ("q", "cond_q", "intr_q", "locn_q", "title_q")
    # Applied together, as one condition on the trial's MSC profile.
    MSC_PARAMS = tuple(msc_query.PARAMS)

    def __init__(self, data=None, *args, **kwargs):
        self.notices = []
        if data is not None:
            data = self._drop_unknown_choices(data)
        super().__init__(data, *args, **kwargs)
        self._parsed = {}

    def _drop_unknown_choices(self, data):
        """Keep the known codes of multiple-choice parameters; note the others."""
        data = data.copy()
        for name, spec in self.base_filters.items():
            if not isinstance(spec, django_filters.MultipleChoiceFilter):
                continue
            values = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
            if isinstance(values, str):
                values = [values]
            known = {code for code, _ in spec.extra["choices"]}
            kept = [v for v in values if v in known]
            reason = UNKNOWN_VALUE_REASONS.get(name, "not a known value")
            for value in values:
                if value not in known:
                    self.notices.append(Notice(name, f"Ignored {name}={_shown(value)}: {reason}."))
            if len(kept) != len(values):
                if hasattr(data, "setlist"):
                    data.setlist(name, kept)
                else:
                    data[name] = kept
        return data

    # Validation results

    @property
    def all_notices(self):
        """What was ignored: unknown codes, malformed values, a search cut to length."""
        notices = list(self.notices)
        if self.is_bound:
            for name, errors in self.form.errors.as_data().items():
                value = self.data.get(name, "")
                for error in errors:
                    reason = (
                        "not a known value"
                        if error.code == "invalid_choice"
                        else " ".join(error.messages).rstrip(".")
                    )
                    notices.append(Notice(name, f"Ignored {name}={_shown(value)}: {reason}."))
        for name in self.TEXT_SEARCHES:
            parsed = self.parsed(name)
            if parsed is not None and parsed.truncated:
                notices.append(
                    Notice(
                        name,
                        f"The search was too long: only its first {fulltext.MAX_QUERY_CHARS} "
                        f"characters and {fulltext.MAX_QUERY_TERMS} terms were used.",
                    )
                )
        return notices

    @property
    def values(self):
        """The valid, non-empty filter values."""
        if not self.is_bound or not hasattr(self.form, "cleaned_data"):
            self.errors  # noqa: B018 (validates the form)
        values = {
            name: value
            for name, value in getattr(self.form, "cleaned_data", {}).items()
            if value not in (None, "", [], ())
        }
        if "dose_min" not in values and "dose_max" not in values:
            values.pop("dose_unit", None)  # a unit means nothing without a range
        return values

    def parsed(self, name="q"):
        """The parsed search of a text-search parameter, or None."""
        if name not in self._parsed:
            text = self.values.get(name)
            self._parsed[name] = (
                fulltext.parse(text, synonyms=name != "locn_q", prefix=name != "locn_q")
                if text
                else None
            )
        return self._parsed[name]

    @property
    def searching(self):
        parsed = self.parsed("q")
        return bool(parsed)

    def filtered(self, exclude=()):
        """The queryset under every valid filter but those named in ``exclude``."""
        return self._apply(self.queryset.all(), exclude)

    def filter_queryset(self, queryset):
        return self._apply(queryset)

    def _apply(self, queryset, exclude=()):
        msc = {}
        for name, value in self.values.items():
            if name in exclude:
                continue
            if name in self.MSC_PARAMS:
                msc[name] = value
            else:
                queryset = self.filters[name].filter(queryset, value)
        # The MSC parameters make one condition on the profile (one EXISTS).
        return msc_query.apply_filters(queryset, self.msc_filters(msc)) if msc else queryset

    @staticmethod
    def msc_filters(values):
        """``msc_query.MscFilters`` of valid MSC values (as ``values`` holds them)."""
        return msc_query.parse(
            {
                name: [repr(value)] if name in ("dose_min", "dose_max") else value
                for name, value in values.items()
            }
        )

    @property
    def msc(self):
        """The MSC filters in use (``msc_query.MscFilters``)."""
        values = self.values
        return self.msc_filters({n: v for n, v in values.items() if n in self.MSC_PARAMS})

    # Filter methods

    def filter_q(self, queryset, name, value):
        parsed = self.parsed("q")
        return fulltext.matching(queryset, parsed) if parsed else queryset

    def filter_cond_q(self, queryset, name, value):
        parsed = self.parsed(name)
        return fulltext.matching_conditions(queryset, parsed) if parsed else queryset

    def filter_intr_q(self, queryset, name, value):
        parsed = self.parsed(name)
        return fulltext.matching_interventions(queryset, parsed) if parsed else queryset

    def filter_locn_q(self, queryset, name, value):
        parsed = self.parsed(name)
        return fulltext.matching_locations(queryset, parsed) if parsed else queryset

    def filter_title_q(self, queryset, name, value):
        parsed = self.parsed(name)
        return fulltext.matching_titles(queryset, parsed) if parsed else queryset

    def filter_msc(self, queryset, name, value):
        """One MSC parameter alone (a dose bound with the unit in use)."""
        values = {name: value}
        if name in ("dose_min", "dose_max") and "dose_unit" in self.values:
            values["dose_unit"] = self.values["dose_unit"]
        return msc_query.apply_filters(queryset, self.msc_filters(values))

    def filter_in(self, queryset, name, value):
        return queryset.filter(**{f"{name}__in": value})

    def filter_overlap(self, queryset, name, value):
        return queryset.filter(**{f"{name}__overlap": value})

    def filter_boolean(self, queryset, name, value):
        return queryset.filter(**{name: value == "true"})

    def filter_sex(self, queryset, name, value):
        # Who may take part: FEMALE finds trials for women and trials open to all sexes.
        accepted = [value] if value == Sex.ALL else [value, Sex.ALL]
        return queryset.filter(sex__in=accepted)

    def filter_condition(self, queryset, name, value):
        """A condition as trials name it, or its MeSH term, ignoring case."""
        by_name = TrialCondition.objects.filter(UpperIn("condition__name", value))
        by_term = TrialMesh.objects.filter(
            UpperIn("mesh_term__term", value), kind=MeshKind.CONDITION
        )
        return queryset.filter(
            Q(pk__in=by_name.values("trial_id")) | Q(pk__in=by_term.values("trial_id"))
        )

    def filter_country(self, queryset, name, value):
        sites = Site.objects.filter(UpperIn("country", value))
        return queryset.filter(pk__in=sites.values("trial_id"))

    def filter_city(self, queryset, name, value):
        sites = Site.objects.filter(UpperIn("city", value))
        return queryset.filter(pk__in=sites.values("trial_id"))

    def filter_sponsor(self, queryset, name, value):
        sponsors = Organization.objects.filter(UpperIn("name", value))
        return queryset.filter(lead_sponsor__in=sponsors.values("pk"))

    def filter_intervention_type(self, queryset, name, value):
        rows = Intervention.objects.filter(type__in=value)
        return queryset.filter(pk__in=rows.values("trial_id"))

    def filter_ids(self, queryset, name, value):
        ids = [normalize_nct_id(v) for v in value]
        # Former NCT IDs find the trial too.
        return queryset.with_nct_ids([i for i in ids if i])


def _shown(value, limit=40):
    """A value as a notice quotes it: short, on one line."""
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"
