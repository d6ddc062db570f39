"""How the search parameters read values and filter: the form fields and filter functions that
the declarations of ``catalog.search.params`` use.

Bad values never fail a page: an unknown code, a date that is no date or a number that is no
number is left out, and the search's notices say what was ignored and why.
"""

import calendar
import datetime
import re

from django import forms
from django.contrib.postgres.lookups import Overlap
from django.db.models import BooleanField, F, Func, Q, Value

from catalog.models import (
    MeshKind,
    Organization,
    Sex,
    TrialCondition,
    TrialMesh,
    UpperAll,
)
from catalog.msc import query as msc_query
from catalog.registry.ctgov import normalize_nct_id

# Form fields -------------------------------------------------------------------------------------


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


# A number of doses as the API takes it: N, or N+ for N or more ("+" typed into an address
# arrives as a space).
N_DOSES_RE = re.compile(r"^([0-9]{1,9})( +|\+)?$")


def n_doses_choices():
    """``1`` … ``1000`` (exactly that many doses) and ``1+`` … ``1000+`` (at least)."""
    exact = [(str(n), f"{n} dose{'s' * (n != 1)}") for n in range(1, msc_query.MAX_N_DOSES + 1)]
    at_least = [(f"{n}+", f"{n} or more doses") for n in range(1, msc_query.MAX_N_DOSES + 1)]
    return exact + at_least


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


# How the parameters filter (``catalog.search.params`` declares which does what) -------------


def filter_in(field):
    return lambda queryset, value, query: queryset.filter(**{f"{field}__in": value})


def filter_overlap(field):
    return lambda queryset, value, query: queryset.filter(**{f"{field}__overlap": value})


def filter_boolean(field):
    return lambda queryset, value, query: queryset.filter(**{field: value == "true"})


def filter_range(field, lookup):
    return lambda queryset, value, query: queryset.filter(**{f"{field}__{lookup}": value})


def filter_search(matching):
    """A full-text search of part of the record (the value is the parsed search)."""
    return lambda queryset, parsed, query: matching(queryset, parsed)


def filter_age(queryset, value, query):
    # Who may take part at this age: a limit the record does not state excludes no one.
    return queryset.filter(
        Q(minimum_age_years__isnull=True) | Q(minimum_age_years__lte=value),
        Q(maximum_age_years__isnull=True) | Q(maximum_age_years__gte=value),
    )


def filter_sex(queryset, value, query):
    # Who may take part: FEMALE finds trials for women and trials open to all sexes.
    accepted = [value] if value == Sex.ALL else [value, Sex.ALL]
    return queryset.filter(sex__in=accepted)


def filter_condition(queryset, value, query):
    """A condition as trials name it, or its MeSH term, ignoring case."""
    by_name = TrialCondition.objects.filter(UpperIn("condition__name", value))
    by_term = TrialMesh.objects.filter(UpperIn("mesh_term__term", value), kind=MeshKind.CONDITION)
    return queryset.filter(
        Q(pk__in=by_name.values("trial_id")) | Q(pk__in=by_term.values("trial_id"))
    )


def filter_names(column):
    """Trials whose list of names ``column`` (their sites' countries or cities, kept on the
    trial) holds one of the values, in any case."""

    def filter_any_name(queryset, value, query):
        return queryset.filter(Overlap(UpperAll(column), UpperAll(Value(list(value)))))

    return filter_any_name


def filter_sponsor(queryset, value, query):
    sponsors = Organization.objects.filter(UpperIn("name", value))
    return queryset.filter(lead_sponsor__in=sponsors.values("pk"))


def filter_ids(queryset, value, query):
    ids = [normalize_nct_id(v) for v in value]
    # Former NCT IDs find the trial too.
    return queryset.with_nct_ids([i for i in ids if i])
