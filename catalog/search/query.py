"""The query model: what a search parameter is, and a search's parameters read once.

Every parameter of the list page, its downloads and feed, insights and the API is one ``Param``
in one ``Registry`` (``catalog.search.params.PARAMS``). A declaration says everything about it:

- its name in addresses and its ``label``; its ``kind``, which reads values (and knows the
  choices and their labels, and why a value was refused);
- how it filters: ``filter(queryset, value, values)`` on the trials, or, with ``within``, a
  condition ``filter(value, values)`` on related rows, one EXISTS for all parameters within
  the same rows;
- ``facet``: its part of the list page's one facet statement (``catalog.search.facets``);
- ``api``: the ClinicalTrials.gov API v2 names that map onto it, and how they are checked;
- how it reads as a chip (``chip``) and in words (``words``), and where the filter form shows it
  (a facet, an ``Input`` of a section, a hidden field, or the search box).

``Registry.read(params)`` gives a ``Query``: the valid values, the notices for what was ignored,
and the querysets under all or all but some of its filters. Nothing outside the declarations
names a parameter.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.urls import get_script_prefix, get_urlconf, reverse

from catalog.search import fulltext

MAX_TEXT_VALUE = 300
MAX_VALUES = 50

# The list's own parameters that are no filter: ``after`` and ``before`` name the row a page
# past the numbered ones continues from (``catalog.search.listing.NUMBERED_PAGES``).
CONTINUATION_PARAMS = ("after", "before")
PAGE_PARAMS = ("page", "per_page", *CONTINUATION_PARAMS)
PAGING_PARAMS = ("sort", *PAGE_PARAMS)
# ClinicalTrials.gov lists several values in one parameter, comma- or pipe-separated.
API_LIST_SPLIT = re.compile(r"[,|]")


@dataclass(frozen=True)
class Notice:
    """Something of the request that was ignored or changed, and why."""

    param: str
    message: str

    def __str__(self):
        return self.message


class BadParameter(ValueError):
    """An API parameter's value the API refuses (a 400 naming the parameter)."""

    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter
        self.message = f"{parameter}: {message}"


def shown(value, limit=40):
    """A value as a notice quotes it: short, on one line."""
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def quoted(value, limit=60):
    """A value as an API error quotes it."""
    value = repr(value)
    return value if len(value) <= limit else value[: limit - 2] + "…'"


# Notices come in this order: unknown codes first, then malformed values, then cut searches.
_UNKNOWN, _MALFORMED, _TRUNCATED = range(3)


# Kinds of value ---------------------------------------------------------------------------------


class Kind:
    """How a parameter's values are read. ``read`` is lenient (the page: bad values are left out
    with a notice); ``check`` is strict (the API: a bad value is an error)."""

    multiple = False
    choices = ()

    def tidy(self, raw, stripped):
        """A value as the address should hold it: ``stripped`` is ``raw`` without spaces around
        it and NUL characters."""
        return stripped

    def filter_value(self, query, name, value):
        """What the parameter's filter takes (the value, or the parsed search)."""
        return value

    def read(self, name, raws):
        """(value or None, the raw values kept, [(order, Notice)])."""
        raise NotImplementedError

    def check(self, item):
        """The item as the list takes it; ValueError(why) if the API must refuse it."""
        return item

    def label(self, value):
        return str(dict(self.choices).get(value, value))

    def schema(self):
        """The OpenAPI schema of one value."""
        return {"type": "string"}

    def list_schema(self):
        """The schema of one value under the list's name (``/api/msc``), if not the API's."""
        return None


class FormFieldKind(Kind):
    """One value, read by a Django form field: its error messages say why a value is refused."""

    def __init__(self, form_field, api_error=""):
        self.form_field = form_field
        self.api_error = api_error

    def read(self, name, raws):
        raw = raws[-1] if raws else ""
        try:
            value = self.form_field.clean(raw)
        except forms.ValidationError as error:
            # One notice per reason, as the field gives them.
            notices = [
                Notice(
                    name,
                    f"Ignored {name}={shown(raw)}: "
                    + (
                        "not a known value"
                        if each.code == "invalid_choice"
                        else " ".join(each.messages).rstrip(".")
                    )
                    + ".",
                )
                for each in error.error_list
            ]
            return None, [], [(_MALFORMED, notice) for notice in notices]
        if value in (None, "", [], ()):
            return None, [], []
        return value, [raw], []

    def check(self, item):
        try:
            self.form_field.clean(item)
        except forms.ValidationError:
            raise ValueError(self.api_error) from None
        return item


class Text(FormFieldKind):
    """Free text, one value."""

    def __init__(self):
        super().__init__(forms.CharField(required=False))


class Search(Text):
    """A full-text search (``catalog.search.fulltext``) of some part of the record."""

    def __init__(self, *, synonyms=True):
        super().__init__()
        self.synonyms = synonyms

    def parse(self, text):
        return fulltext.parse(text, synonyms=self.synonyms, prefix=self.synonyms)

    def filter_value(self, query, name, value):
        return query.parsed(name)

    def schema(self):
        return {"type": "string", "maxLength": fulltext.MAX_QUERY_CHARS}

    def check(self, item):
        if len(item) > fulltext.MAX_QUERY_CHARS:
            raise ValueError(f"longer than {fulltext.MAX_QUERY_CHARS} characters")
        return item.replace("\x00", " ")


class Texts(Kind):
    """Several free-text values (``country=China&country=Spain``), any of which may match;
    repeated values (ignoring case) count once. ``pattern`` is what the API accepts."""

    multiple = True

    def __init__(self, pattern=None, api_error=""):
        self.pattern = pattern
        self.api_error = api_error

    def read(self, name, raws):
        out = []
        for item in raws:
            item = " ".join(str(item).split())[:MAX_TEXT_VALUE]
            if item and item.upper() not in {v.upper() for v in out}:
                out.append(item)
        return out[:MAX_VALUES] or None, list(raws), []

    def check(self, item):
        if self.pattern is not None and not self.pattern.match(item):
            raise ValueError(self.api_error)
        return item

    def schema(self):
        if self.pattern is None:
            return {"type": "string"}
        return {"type": "string", "pattern": self.pattern.pattern}


class Choice(Kind):
    """Codes from a list of choices: several (any of them matches) or, ``single``, one."""

    def __init__(self, choices, *, single=False, reason="not a known value", api_error=""):
        self._choices = choices
        self.multiple = not single
        self.reason = reason
        self.api_error = api_error

    @property
    def choices(self):
        """(code, label) pairs: from TextChoices, a sequence, or a function (called once)."""
        if not isinstance(self._choices, tuple):
            found = getattr(self._choices, "choices", None)
            self._choices = tuple(found if found is not None else self._choices())
        return self._choices

    def read(self, name, raws):
        known = {code for code, _ in self.choices}
        if not self.multiple:
            raw = raws[-1] if raws else ""
            if raw in known:
                return raw, [raw], []
            notice = Notice(name, f"Ignored {name}={shown(raw)}: not a known value.")
            return None, [], [(_MALFORMED, notice)] if raw else []
        kept = [v for v in raws if v in known]
        notices = [
            (_UNKNOWN, Notice(name, f"Ignored {name}={shown(v)}: {self.reason}."))
            for v in raws
            if v not in known
        ]
        return kept or None, kept, notices

    def check(self, item):
        codes = [code for code, _ in self.choices]
        if item not in codes:
            raise ValueError(self.api_error or f"is not one of {', '.join(codes)}")
        return item

    def schema(self):
        return {"type": "string", "enum": [code for code, _ in self.choices]}


# How a parameter appears in the filter form, when not as a facet ----------------------------


@dataclass(frozen=True)
class Input:
    """An input of the filter form: in a collapsible ``section``, under a ``legend``."""

    section: str
    legend: str
    label: str
    type: str = "text"  # an <input> type, or "select" for the kind's choices
    attrs: tuple = ()  # further HTML attributes, as (name, value) pairs
    help: str = ""  # said once above the legend's inputs
    default: str = ""  # the value shown when the address has none
    lead: bool = False  # its section comes before the facets, open


HIDDEN = "hidden"  # kept through a new submission as a hidden field, with no input of its own


# The other declarations --------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    """A parameter's counts on the list page: ``sql`` is ``SELECT value, count`` over the CTE
    ``{b}`` of the matching trials (``{limit}``, ``%(upper_selected)s`` for the chosen values,
    ``[[…]]`` around what only counts or orders chosen values, left out when none is), one
    branch of the one facet statement (``catalog.search.facets``)."""

    position: int  # the facet's place on the page
    sql: str
    label: str = ""  # if not the parameter's
    choices: tuple | None = None  # (code, label) in display order, if not the parameter's
    # The trial columns ``sql`` reads from ``{b}``; a related row's by its lookup
    # (``msc__sources``), read from ``{b}`` with one underscore (``msc_sources``).
    columns: tuple = ()
    single: bool = False  # one value at a time (radio buttons)
    limit: int = 0  # the most common values shown; 0 for all
    hint: str = ""
    # Makes the shown (value, label, count) from the rows and the selected values, when the
    # rows are not the values themselves (e.g. exact counts grouped into "N or more").
    values: object = None


@dataclass(frozen=True)
class Api:
    """The API's names for a parameter (ClinicalTrials.gov's where it has one)."""

    names: tuple = ()  # none: the list's own name
    split: bool = True  # "A,B" or "A|B" are several values
    repeat: bool = False  # every repetition counts (else the last one)
    strip: bool = False  # spaces around a value are dropped
    default: str | None = None  # the value checked when none is given
    doc: str = ""  # its description in the OpenAPI document
    example: object = None
    schema: dict | None = None  # its OpenAPI schema, if not the kind's

    def openapi(self, name, kind):
        """The parameter's entry in the OpenAPI document."""
        schema = self.schema or kind.schema()
        if kind.multiple:
            # An empty value (``product=``) is no list of values: the API answers 400.
            schema = {"type": "array", "items": schema, "minItems": 1}
        if self.default is not None:
            schema = {**schema, "default": self.default}
        entry = {"name": name, "in": "query", "description": self.doc, "schema": schema}
        if kind.multiple and self.split:
            entry.update(style="form", explode=False)
        if self.example is not None:
            entry["example"] = self.example
        return entry


@dataclass(frozen=True)
class Sort:
    """A sort the list offers while the parameter is in use (``sort=distance`` with a place):
    ``order(value, query)`` is the expression to order by, ascending, nulls last."""

    key: str
    label: str
    order: object


@dataclass(frozen=True)
class Related:
    """Rows of another model that several parameters narrow together: their conditions become
    one EXISTS, so that all must hold for the same row (e.g. one trial's MSC profile)."""

    rows: object  # () -> the base queryset of the related model
    link: str  # the field of that model pointing to the trial

    def exists(self, condition):
        return Exists(self.rows().filter(condition, **{self.link: OuterRef("pk")}))


@dataclass(eq=False)
class Param:
    name: str
    label: str
    kind: Kind
    filter: object = None  # (queryset, value, values) -> queryset; with ``within``: -> Q
    within: Related | None = None
    facet: Facet | None = None
    api: Api | None = None
    form: object = HIDDEN  # an Input, HIDDEN, or None (the search box, or a facet's inputs)
    chip: object = None  # (raw, query) -> the chip's value, if not the choice's label
    words: object = None  # (query) -> the parameter in words, or "" for none, if not the default
    qualifies: tuple = ()  # the parameters this one only modifies (a unit of a range)
    # (queryset, value, query) -> queryset: what each result shows of it (a nearest site)
    annotate: object = None
    note: object = None  # (result, value, query) -> a line the result shows, from ``annotate``
    sorts: tuple = ()  # ``Sort``s offered while the parameter is in use

    @property
    def multiple(self):
        return self.kind.multiple

    @property
    def choices(self):
        return self.kind.choices

    @property
    def is_search(self):
        return isinstance(self.kind, Search)

    def __post_init__(self):
        if self.facet is not None:
            self.form = None


@dataclass
class Fieldset:
    legend: str
    help: str
    inputs: list


@dataclass
class Section:
    title: str
    open: bool
    fieldsets: list
    lead: bool = False


@dataclass
class FormInput:
    name: str
    label: str
    type: str
    value: str
    attrs: tuple
    choices: tuple
    default: str


class Registry:
    """The parameters, in the order in which a search is described in words."""

    def __init__(self, params):
        self.params = {}
        for param in params:
            self.add(param)

    def add(self, param):
        if param.name in self.params or param.name in PAGING_PARAMS:
            raise ValueError(f"the parameter {param.name!r} is declared already")
        self.params[param.name] = param
        self._by_api = None

    def remove(self, name):
        del self.params[name]
        self._by_api = None

    def __getitem__(self, name):
        return self.params[name]

    def __contains__(self, name):
        return name in self.params

    def __iter__(self):
        return iter(self.params.values())

    def names(self):
        """Every parameter name the list knows (filters and paging)."""
        return [*self.params, *PAGING_PARAMS]

    def facets(self):
        """The parameters counted as facets, in the order of the page."""
        return sorted((p for p in self if p.facet), key=lambda p: p.facet.position)

    def facet_columns(self):
        """The trial columns the facets group by (carried in each CTE of the statement)."""
        columns = ["id"]
        for param in self.facets():
            columns += [c for c in param.facet.columns if c not in columns]
        return columns

    def openapi(self):
        """The OpenAPI entries of the parameters the API takes, in declaration order."""
        return [
            param.api.openapi(name, param.kind)
            for param in self
            if param.api
            for name in param.api.names or (param.name,)
        ]

    def sorts(self):
        """{sort key: (parameter, Sort)} of the sorts parameters offer."""
        return {sort.key: (param, sort) for param in self for sort in param.sorts}

    def by_api_name(self):
        """{API name: parameter} for the names the API maps onto the list's parameters."""
        if self._by_api is None:
            self._by_api = {n: p for p in self if p.api for n in p.api.names or (p.name,)}
        return self._by_api

    def tidy(self, params, keep=()):
        """The parameters without empty values (and NUL characters) and without names the list
        does not read, or None if already clean.

        A form submitted without JavaScript sends every field, empty or not; the list redirects
        such an address to this one, so that addresses hold only what the search uses (and any
        number of made-up parameters leads to one page, rendered and cached once)."""
        cleaned = QueryDict(mutable=True)
        changed = False
        for key, values in params.lists():
            if key not in self.params and key not in PAGING_PARAMS and key not in keep:
                changed = True
                continue
            for value in values:
                stripped = value.replace("\x00", "").strip()
                if key in self.params:
                    stripped = self.params[key].kind.tidy(value, stripped)
                if stripped:
                    cleaned.appendlist(key, stripped)
                if not stripped or stripped != value:
                    changed = True
        return cleaned if changed else None

    def read(self, params):
        return Query(self, params)

    def read_api(self, params):
        """The list parameters an API request gives, by their API names, checked strictly:
        {name: [values] or value}. Raises BadParameter for a value the list could not use."""
        found = {}
        for param in self:
            if param.api is None:
                continue
            for api_name in param.api.names or (param.name,):
                items = _api_items(params, api_name, param.api)
                if not items and param.api.default is not None:
                    items = [param.api.default]
                values = []
                for item in items:
                    try:
                        values.append(param.kind.check(item))
                    except ValueError as error:
                        raise BadParameter(api_name, f"{quoted(item)} {error}") from None
                values = [v for v in values if v.strip()]
                if not values:
                    continue
                if param.multiple:
                    found.setdefault(param.name, []).extend(values)
                else:
                    found[param.name] = values[-1]
        for param in self:
            if param.qualifies and not any(n in found for n in param.qualifies):
                found.pop(param.name, None)
        return found


def _api_items(params, name, api):
    if hasattr(params, "getlist"):
        raws = params.getlist(name)
    else:
        raws = [] if params.get(name) is None else [params.get(name)]
    if not api.repeat:
        raws = raws[-1:]
    items = []
    for raw in raws:
        parts = API_LIST_SPLIT.split(raw) if api.split else [raw]
        for part in parts:
            if api.split and not part.strip():
                continue
            items.append(part.strip() if api.strip else part)
    return items


def _getlist(data, name):
    if hasattr(data, "getlist"):
        return data.getlist(name)
    value = data.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


class Query:
    """A search's parameters, read once: ``values`` (valid, non-empty, in declaration order),
    ``kept`` (the raw values used, for addresses), ``notices`` (what was ignored and why)."""

    def __init__(self, registry, data):
        self.registry = registry
        self.data = data
        self.values, self.kept = {}, {}
        found = []
        for param in registry:
            raws = _getlist(data, param.name)
            if not raws:
                continue
            value, kept, notices = param.kind.read(param.name, raws)
            found += notices
            if value is not None:
                self.values[param.name], self.kept[param.name] = value, kept
        for param in registry:
            if param.qualifies and not any(n in self.values for n in param.qualifies):
                # A unit means nothing without the range it qualifies.
                self.values.pop(param.name, None)
                self.kept.pop(param.name, None)
        self._parsed = {}
        for param in registry:
            parsed = self.parsed(param.name) if param.is_search else None
            if parsed is not None and parsed.truncated:
                message = (
                    f"The search was too long: only its first {fulltext.MAX_QUERY_CHARS} "
                    f"characters and {fulltext.MAX_QUERY_TERMS} terms were used."
                )
                found.append((_TRUNCATED, Notice(param.name, message)))
                self.kept[param.name] = [parsed.text]
        self.notices = [notice for _, notice in sorted(found, key=lambda pair: pair[0])]

    def parsed(self, name="q"):
        """The parsed search of a text-search parameter, or None."""
        if name not in self._parsed:
            text = self.values.get(name)
            self._parsed[name] = self.registry[name].kind.parse(text) if text else None
        return self._parsed[name]

    def apply(self, queryset, exclude=()):
        """``queryset`` under every valid filter but those named in ``exclude``."""
        within = {}
        for name, value in self.values.items():
            param = self.registry[name]
            if name in exclude or param.filter is None:
                continue
            value = param.kind.filter_value(self, name, value)
            if param.is_search and not value:
                continue  # a search of nothing but operators or stop words
            if param.within is not None:
                condition = param.filter(value, self.values)
                if param.within in within:
                    within[param.within] &= condition
                else:
                    within[param.within] = condition
            else:
                queryset = param.filter(queryset, value, self)
        for related, condition in within.items():
            queryset = queryset.filter(related.exists(condition))
        return queryset

    def annotate(self, queryset):
        """``queryset`` with what each result shows of the parameters in use."""
        for name, value in self.values.items():
            param = self.registry[name]
            if param.annotate is not None:
                queryset = param.annotate(queryset, value, self)
        return queryset

    def notes(self, result):
        """The lines a result shows of the parameters in use (its nearest site)."""
        notes = []
        for name, value in self.values.items():
            param = self.registry[name]
            if param.note is not None and (text := param.note(result, value, self)):
                notes.append(text)
        return notes

    # Reading the search

    def chip_value(self, name, raw):
        param = self.registry[name]
        if param.chip is not None:
            return param.chip(raw, self)
        return param.kind.label(raw)

    def words(self):
        """Each filter in words, in declaration order (``Phase: Phase 2``)."""
        parts = []
        for name, value in self.values.items():
            param = self.registry[name]
            if param.words is not None:
                text = param.words(self)
            else:
                items = value if isinstance(value, list) else [value]
                text = f"{param.label}: {', '.join(param.kind.label(v) for v in items)}"
            if text:
                parts.append(text)
        return parts

    def form_sections(self, canonical):
        """The filter form's sections of inputs (not facets), with the values in use."""
        sections = {}
        for param in self.registry:
            shape = param.form
            if not isinstance(shape, Input):
                continue
            section = sections.setdefault(
                shape.section, Section(shape.section, shape.lead, [], shape.lead)
            )
            value = canonical.get(param.name)
            section.open = section.open or (value is not None and not param.qualifies)
            if not section.fieldsets or section.fieldsets[-1].legend != shape.legend:
                section.fieldsets.append(Fieldset(shape.legend, shape.help, []))
            section.fieldsets[-1].inputs.append(
                FormInput(
                    param.name,
                    shape.label,
                    shape.type,
                    value if value is not None else shape.default,
                    shape.attrs,
                    param.choices if shape.type == "select" else (),
                    shape.default,
                )
            )
        return list(sections.values())

    def hidden_fields(self, canonical):
        """(name, value) of the parameters in use that the form has no input for."""
        return [
            (param.name, value)
            for param in self.registry
            if param.form == HIDDEN
            for value in canonical.getlist(param.name)
        ]


def list_url(params=(), drop=(), **changes):
    """The trial list's address: ``params`` (pairs, or a QueryDict) without the names in
    ``drop``, with ``changes`` (a value, a list, or None to remove) replacing a parameter where it
    is, or added at the end. The one builder of list addresses.

    The row a page continues from (``after``, ``before``) goes with its page number: an
    address to another page, or to page 1 of another search, drops it."""
    pairs = list(params.lists()) if hasattr(params, "lists") else _grouped(params)
    if "page" in drop or "page" in changes:
        drop = (*drop, *(name for name in CONTINUATION_PARAMS if name not in changes))
    names = [name for name, _ in pairs if name not in drop]
    names += [name for name in changes if name not in names]
    given = dict(pairs)
    query = []
    for name in names:
        if name in changes:
            value = changes[name]
            values = [] if value is None else value if isinstance(value, (list, tuple)) else [value]
        else:
            values = given.get(name, [])
        query += [(name, str(item)) for item in values]
    encoded = urlencode(query)
    return list_path() + (f"?{encoded}" if encoded else "")


def list_path():
    """The trial list's path (``/trials/``), reversed once per URL configuration: a list page
    builds hundreds of addresses (every facet value and MSC value is a link)."""
    return _reversed_list_path(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@lru_cache(maxsize=8)
def _reversed_list_path(script_prefix, urlconf):
    return reverse("catalog:trial_list", urlconf=urlconf)


def _grouped(pairs):
    grouped = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return list(grouped.items())
