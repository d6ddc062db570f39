"""A search of the catalog as the list page, its downloads, its feed and the API share it.

``TrialSearch(params)`` reads the request's parameters once: the filters (the declarations of
``catalog.search.params``, read into a ``Query``), the sort, the page and page size, with a
notice for each value it had to ignore. From it come
the matching trials in order (``ordered()``), the facet counts, a page of results with snippets,
and the addresses of the same search elsewhere (other pages, downloads, feed).
"""

import base64
import datetime
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import F, FloatField, Q, Value
from django.db.models.functions import Cast
from django.http import QueryDict
from django.urls import reverse

from catalog.models import Trial
from catalog.places.gazetteer import gazetteer
from catalog.search import facets, fulltext
from catalog.search.params import MSC_PROFILE, PARAMS
from catalog.search.query import PAGING_PARAMS, Notice, list_path, list_url
from catalog.site import cache

PER_PAGE_CHOICES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25
# Pages up to this one are linked by number and read with OFFSET. Past it, Next and Previous
# say which row the page continues from (``after=`` or ``before=``, a page token), so that a
# deep page reads its own rows, not every row before it.
NUMBERED_PAGES = 40

# Sort keys: the model field (or annotation) each orders by. Every sort puts trials without a
# value last and breaks ties by NCT ID.
SORT_FIELDS = {
    "relevance": "rank",
    "updated": "last_update_posted",
    "start": "start_date",
    "first_posted": "first_posted",
    "enrollment": "enrollment_count",
    "nct_id": "nct_id",
}
# The sorts the list page offers (``sort=-start`` is the newest start first).
SORT_CHOICES = (
    ("relevance", "Best match"),
    ("-updated", "Last updated, newest first"),
    ("updated", "Last updated, oldest first"),
    ("-start", "Start date, newest first"),
    ("start", "Start date, oldest first"),
    ("-enrollment", "Enrollment, largest first"),
    ("enrollment", "Enrollment, smallest first"),
    ("nct_id", "NCT ID"),
    ("-nct_id", "NCT ID, descending"),
)
DEFAULT_SORT = "-updated"

# The columns a result reads beside its stored card (catalog.site.cards): those of what
# changes per day (the record's age, the status it had when it aged), and the version that
# tells whether the card is current. A search reads the summary its snippet is cut from too.
LIST_FIELDS = (
    "nct_id",
    "version",
    "last_update_posted",
    "overall_status",
    "current_status",
)


@dataclass(frozen=True)
class SortKey:
    name: str  # a SORT_FIELDS key
    descending: bool

    @property
    def field(self):
        # A sort a parameter offers orders by an annotation of its own.
        return SORT_FIELDS.get(self.name, f"sort_{self.name}")

    def order(self, backwards=False):
        """The ORDER BY term: nulls last, or, ``backwards``, the exact reverse."""
        expression = F(self.field)
        if backwards:
            return (
                expression.asc(nulls_first=True)
                if self.descending
                else expression.desc(nulls_first=True)
            )
        return (
            expression.desc(nulls_last=True) if self.descending else expression.asc(nulls_last=True)
        )


def parse_sort(value):
    """``-start`` → [SortKey("start", True)]; None if not a sort the list knows."""
    descending = value.startswith("-")
    name = value[1:] if descending else value
    if name not in SORT_FIELDS:
        return None
    if name == "relevance":
        descending = True
    return [SortKey(name, descending)]


class TrialSearch:
    def __init__(self, params):
        if not isinstance(params, QueryDict):
            query = QueryDict(mutable=True)
            for key, value in params.items():
                for item in value if isinstance(value, (list, tuple)) else [value]:
                    query.appendlist(key, item)
            params = query
        self.params = PARAMS.tidy(params) or params
        self.query = PARAMS.read(self.params)
        self.notices = list(self.query.notices)
        self._valid = set()  # the paging parameters whose values were used
        self.sort_keys = self._read_sort()
        self.per_page = self._read_per_page(DEFAULT_PER_PAGE)
        self.page_number = self._read_page()
        self.continues = self._read_continuation()
        self.canonical = self._canonical()

    # Reading the parameters

    def _note(self, param, message):
        self.notices.append(Notice(param, message))

    def _read_sort(self):
        value = self.params.get("sort")
        default = "relevance" if self.searching else DEFAULT_SORT
        if value is None:
            return parse_sort(default)
        keys = parse_sort(value)
        offered = PARAMS.sorts().get(value)
        if keys is None and offered:
            param, sort = offered
            if param.name in self.query.values:
                self._valid.add("sort")
                return [SortKey(value, False)]
            self._note(
                "sort",
                f"Sorting by {sort.label[0].lower() + sort.label[1:]} needs a"
                f" {param.label.lower()}; sorted by"
                f" {'best match' if self.searching else 'last update'}.",
            )
            return parse_sort(default)
        if keys is None:
            self._note("sort", f"Ignored sort={_short(value)}: not a known sort.")
            return parse_sort(default)
        if keys[0].name == "relevance" and not self.searching:
            self._note("sort", "Sorting by best match needs a search; sorted by last update.")
            return parse_sort(DEFAULT_SORT)
        self._valid.add("sort")
        return keys

    def _read_per_page(self, default):
        value = self.params.get("per_page")
        if value is None:
            return default
        if value.isdigit() and int(value) in PER_PAGE_CHOICES:
            self._valid.add("per_page")
            return int(value)
        self._note(
            "per_page",
            f"Ignored per_page={_short(value)}: choose "
            + ", ".join(str(n) for n in PER_PAGE_CHOICES)
            + ".",
        )
        return default

    def _read_page(self):
        value = self.params.get("page")
        if value is None:
            return 1
        if value.isdigit() and int(value) >= 1:
            self._valid.add("page")
            return int(value)
        self._note("page", f"Ignored page={_short(value)}: not a page number; showing page 1.")
        return 1

    def _read_continuation(self):
        """("after" or "before", the row's sort values, its NCT ID): the row a deep page
        continues from, or None to count the page from the start."""
        given = [name for name in ("after", "before") if name in self.params]
        if not given:
            return None
        name, value = given[0], self.params.get(given[0])
        if len(given) > 1:
            self._note("before", "Ignored before=: a page continues after a row or before one.")
        if "page" not in self._valid or self.page_number == 1:
            self._note(name, f"Ignored {name}=: it goes with the number of a page past the first.")
            return None
        try:
            values, nct_id = read_page_token(value, self.sort_keys)
        except BadPageToken:
            self._note(
                name,
                f"Ignored {name}={_short(value)}: not a page address of this list in this"
                f" order; page {self.page_number} is counted from the start.",
            )
            return None
        self._valid.add(name)
        return name, values, nct_id

    def _canonical(self):
        """The parameters that were used, in their order: what addresses of this search hold."""
        kept = self.query.kept
        canonical = QueryDict(mutable=True)
        for name in self.params:
            if name in kept:
                values = kept[name]
            elif name in self._valid:
                values = [self.params.get(name)]
            else:
                continue
            for value in values:
                canonical.appendlist(name, value)
        return canonical

    # The search

    @property
    def searching(self):
        return bool(self.parsed)

    @property
    def parsed(self):
        return self.query.parsed("q")

    @property
    def sort(self):
        key = self.sort_keys[0]
        return ("-" if key.descending and key.name != "relevance" else "") + key.name

    def queryset(self):
        """The matching public trials, unordered."""
        return self.query.apply(Trial.objects.public())

    @property
    def sort_columns(self):
        """The trial columns the sort orders by (its annotations, such as ``rank``, aside)."""
        columns = {field.name for field in Trial._meta.concrete_fields}
        return [key.field for key in self.sort_keys if key.field in columns]

    def ordered(self, sort_keys=None, queryset=None, backwards=False):
        """The matching trials in the search's order (or ``sort_keys``), with ``rank`` when
        searching; ``backwards``, in the exact reverse of that order."""
        keys = sort_keys or self.sort_keys
        queryset = self.queryset() if queryset is None else queryset
        if self.searching:
            queryset = queryset.annotate(rank=fulltext.rank_expression(self.parsed))
        sorts = PARAMS.sorts()
        for key in keys:
            if key.name in sorts:
                param, sort = sorts[key.name]
                order = sort.order(self.query.values[param.name], self.query)
                queryset = queryset.annotate(**{key.field: order})
        orders = [k.order(backwards) for k in keys]
        if not any(k.name == "nct_id" for k in keys):
            orders.append(F("nct_id").desc() if backwards else F("nct_id").asc())
        return queryset.order_by(*orders)

    def facet_counts(self, names=None):
        """The total and facet counts of this search, up to ``CATALOG_COUNT_CAP``; those of the
        whole catalog (no search, no filter) are the same for every visitor, exact, and kept
        until the catalog changes."""
        trials = Trial.objects.public()
        if self.query.values:
            ranked = self._ranked_page() if names is None else None
            return facets.count(
                self.query, trials, names, cap=settings.CATALOG_COUNT_CAP, ranked=ranked
            )
        key = "facets:" + ",".join(names or (p.name for p in PARAMS.facets()))
        return cache.per_version(key, lambda: facets.count(self.query, trials, names))

    def _ranked_page(self):
        """The page asked for as the facet statement can read it (``facets.RankedPage``): a
        search in best-match order, its page counted from the first rather than continued
        from a row; None otherwise."""
        if not self.searching or self.continues or self.sort != "relevance":
            return None
        offset = (self.page_number - 1) * self.per_page
        return facets.RankedPage(fulltext.rank_expression(self.parsed), offset, self.per_page)

    def count(self):
        """(the number of matching trials, whether it passed ``CATALOG_COUNT_CAP``): past the
        cap, the cap, as the list counts; the whole catalog exactly. One query, which reads no
        more than the cap's matches and one."""
        if not self.query.values:
            return self.queryset().count(), False
        return facets.count_up_to(self.queryset(), settings.CATALOG_COUNT_CAP)

    def suggestion(self):
        """The search with misspellings corrected, or None."""
        return fulltext.suggest(self.parsed) if self.searching else None

    def place_in_search(self):
        """For a search that found nothing and ends with a place's name ("stem cell knee
        Madrid"): (the place, the address of the same search with those words in the place
        box instead), or None. Places are not words of the records."""
        words = self.parsed.text.split() if self.searching else []
        if "near" in self.query.values:
            return None
        for count in (3, 2, 1):
            tail = " ".join(words[-count:])
            if len(words) <= count or len(tail) < 3:
                continue
            place = gazetteer().find(tail)
            if place is not None:
                rest = " ".join(words[:-count])
                return place, list_url(self.canonical, drop=("page",), q=rest, near=tail)
        return None

    def results(self, total, capped=False, ranked=None):
        """The page of results, given the total (from the facet counts: no COUNT query; when
        ``capped``, the count cap, past which pages are not numbered) and, if the facet
        statement read it, the page's (trial ID, rank) pairs in order (``FacetCounts.ranked``)."""
        if not total:
            # Nothing to show: no query to build, not even an empty one (its ranking and snippet
            # expressions cost several milliseconds of Python; compiling the trial's 150
            # columns for no rows, one more).
            return Paginator([], self.per_page).get_page(1)
        if ranked:
            paginator = Paginator([], self.per_page)
            paginator.count = total
            page = Page(self._ranked_rows(ranked), self.page_number, paginator)
        else:
            page = self.page(self._rows, total, capped)
        for trial in page.object_list:
            trial.snippet = (
                fulltext.snippet_html(trial.headline, trial.brief_summary) if self.searching else ""
            )
            trial.notes = self.query.notes(trial)
        return page

    def _rows(self, backwards=False):
        """The results in order."""
        return self._shown(self.ordered(backwards=backwards))

    def _shown(self, rows):
        """``rows`` with what a result shows (and its sort values, for page tokens)."""
        if self.searching:
            rows = rows.annotate(headline=fulltext.headline_expression(self.parsed))
            rows = rows.only(*LIST_FIELDS, *self.sort_columns, "brief_summary")
        else:
            rows = rows.only(*LIST_FIELDS, *self.sort_columns)
        return self.query.annotate(rows)

    def _ranked_rows(self, ranked):
        """The trials of ``ranked`` ((ID, rank) pairs) in its order, with what a result shows:
        read by ID, as the search found and ranked them already."""
        rows = self._shown(Trial.objects.public().filter(pk__in=[pk for pk, _ in ranked]))
        by_pk = {trial.pk: trial for trial in rows}
        found = []
        for pk, rank in ranked:
            if pk in by_pk:  # not withdrawn since
                by_pk[pk].rank = rank
                found.append(by_pk[pk])
        return found

    def page(self, rows, total, capped=False):
        """The page the parameters ask for of ``rows(backwards)`` (the results as the page
        shows them, in this search's order or, ``backwards``, its reverse), given their
        number. A page past ``NUMBERED_PAGES`` reached by Next or Previous is read from the row
        it continues from, an index seek, where an OFFSET reads every row before the page."""
        paginator = Paginator(rows(), self.per_page)
        paginator.count = total  # known already
        if self.page_number > paginator.num_pages and capped:
            self._note(
                "page",
                f"Only the first {total:,} matches have pages; showing page "
                f"{paginator.num_pages}. Narrow the search to see the others.",
            )
        elif self.page_number > paginator.num_pages and total:
            self._note(
                "page",
                f"There is no page {self.page_number}; showing the last page, "
                f"{paginator.num_pages}.",
            )
        if not self.continues or self.page_number > paginator.num_pages:
            return paginator.get_page(self.page_number)
        direction, values, nct_id = self.continues
        keys = list(zip(self.sort_keys, values, strict=True))
        backwards = direction == "before"
        found = seek(rows(backwards=backwards), keys, nct_id, self.per_page, backwards)
        if backwards:
            found.reverse()
        return Page(found, self.page_number, paginator)

    def sort_choices(self):
        """The sorts the list offers for this search: best match when searching, and those of
        the parameters in use (nearest site first, with a place)."""
        choices = [(v, label) for v, label in SORT_CHOICES if v != "relevance" or self.searching]
        for key, (param, sort) in PARAMS.sorts().items():
            if param.name in self.query.values:
                choices.insert(1 if self.searching else 0, (key, sort.label))
        return choices

    # Addresses of this search

    def query_string(self, drop=(), **changes):
        """``?...`` for this search with ``changes`` (None removes), without ``drop``."""
        return self.url(drop, **changes).removeprefix(list_path())

    def filter_query_string(self):
        """The filters and search alone (what downloads and the feed take)."""
        return self.query_string(drop=PAGING_PARAMS)

    def url(self, drop=(), **changes):
        """The list page's address for this search with changes (see ``query_string``)."""
        return list_url(self.canonical, drop, **changes)

    def without(self, name, value=None):
        """This search without one value of a filter (or all of it), back on page 1."""
        if value is None:
            drop = ("page", name)
            for param in PARAMS:
                left = [n for n in param.qualifies if n != name and n in self.canonical]
                if name in param.qualifies and not left:
                    drop += (param.name,)  # nothing left to qualify: a unit goes with its range
            offered = PARAMS.sorts().get(self.sort)
            if offered and offered[0].name == name:
                drop += ("sort",)  # the nearest first goes with the place
            return self.url(drop=drop)
        kept = [v for v in self.canonical.getlist(name) if v.upper() != str(value).upper()]
        return self.url(drop=("page",), **{name: kept or None})

    def page_url(self, number, **changes):
        return self.url(page=None if number == 1 else number, **changes)

    def pagination(self, page, around=2, page_url=None):
        """Links for a page of results: previous, next, and numbers with gaps (None);
        ``page_url(number, **changes)`` gives a page's address (the list's if not given).
        Pages past ``NUMBERED_PAGES`` are not linked by number: Previous and Next reach them,
        each saying which row it continues from (``after=``, ``before=``)."""
        page_url = page_url or self.page_url
        numbered = min(page.paginator.num_pages, NUMBERED_PAGES)
        shown = sorted(
            {1, numbered, page.number}
            | set(range(max(1, page.number - around), min(numbered, page.number + around) + 1))
        )
        links, previous = [], 0
        for number in shown:
            if number - previous > 1:
                links.append({"number": None})
            links.append(
                {"number": number, "url": page_url(number), "current": number == page.number}
            )
            previous = number
        # Read already: no query. (A page continued from a row that has gone since can be
        # empty; its neighbours are then counted from the start.)
        rows = list(page.object_list)
        before, after = page.number - 1, page.number + 1
        previous_url = next_url = None
        if page.has_previous():
            token = rows and before > NUMBERED_PAGES and page_token(rows[0], self.sort_keys)
            previous_url = page_url(before, before=token) if token else page_url(before)
        if page.has_next():
            token = rows and after > NUMBERED_PAGES and page_token(rows[-1], self.sort_keys)
            next_url = page_url(after, after=token) if token else page_url(after)
        return {"links": links, "previous": previous_url, "next": next_url}

    def form_sections(self):
        """The filter form's inputs that are no facet, by section, with the values in use."""
        return self.query.form_sections(self.canonical)

    def filter_panel(self, counts):
        """The filter panel's parts in order: the MSC profile's facets and inputs first (this
        is an MSC catalog), then the others: (MSC facets, MSC sections, facets, sections)."""
        msc_names = {p.name for p in PARAMS if p.within is MSC_PROFILE}
        sections = self.form_sections()
        inputs = {
            id(section): {i.name for f in section.fieldsets for i in f.inputs}
            for section in sections
        }
        return (
            [f for f in counts if f.name in msc_names],
            [s for s in sections if inputs[id(s)] & msc_names],
            [f for f in counts if f.name not in msc_names],
            [s for s in sections if not inputs[id(s)] & msc_names],
        )

    def hidden_params(self):
        """Parameters the list's form has no input for, kept through a new submission."""
        return self.query.hidden_fields(self.canonical)

    def export_urls(self):
        query = self.filter_query_string()
        return {
            "csv": reverse("catalog:trial_export_csv") + query,
            "json": reverse("catalog:trial_export_json") + query,
            "feed": reverse("catalog:trial_feed") + query,
        }

    def active_filters(self):
        """Each value in use, as {name, param, value, remove_url} for "remove" links."""
        chips = []
        values = self.query.values
        for name in self.canonical:
            if name not in values or PARAMS[name].qualifies:
                continue  # a unit is said with what it qualifies
            param = PARAMS[name]
            raws = self.canonical.getlist(name) if param.multiple else [self.canonical.get(name)]
            for raw in raws:
                chips.append(
                    {
                        "name": name,
                        "param": param.label,
                        "value": self.query.chip_value(name, raw),
                        "remove_url": self.without(name, raw if param.multiple else None),
                    }
                )
        return chips

    def describe(self):
        """The search in words, for titles: ``"umbilical cord" · Recruiting · Phase 2``."""
        return " · ".join(self.query.words())


def _short(value, limit=40):
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


# Keyset paging (the API's page tokens) ---------------------------------------------------------


class BadPageToken(ValueError):
    pass


def _json_value(value):
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    return value


def _from_json(value):
    if isinstance(value, dict) and set(value) == {"d"}:
        return datetime.date.fromisoformat(value["d"])
    if value is None or isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return value
    raise ValueError("unexpected value")


def page_token(trial, sort_keys):
    """An opaque token for ``trial``'s place in ``sort_keys`` order: the rows after it, or
    before it (``seek``)."""
    payload = {
        "s": [[k.name, k.descending] for k in sort_keys],
        "v": [_json_value(getattr(trial, k.field)) for k in sort_keys],
        "id": trial.nct_id,
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_page_token(token, sort_keys):
    """(values of the sort keys, NCT ID) of the row a token names; ``BadPageToken`` if the
    token is not one this site gave for ``sort_keys``."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        if payload["s"] != [[k.name, k.descending] for k in sort_keys]:
            raise BadPageToken("the token belongs to another sort order")
        values = [_from_json(v) for v in payload["v"]]
        last_id = payload["id"]
        if not isinstance(last_id, str) or len(values) != len(sort_keys):
            raise ValueError("malformed token")
    except BadPageToken:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BadPageToken("not a page token this API gave") from error
    return values, last_id


def after_token(rows, token, sort_keys, count):
    """Up to ``count`` of ``rows`` (ordered by ``sort_keys``, then NCT ID) after the token's
    row, as a list."""
    values, last_id = read_page_token(token, sort_keys)
    return seek(rows, list(zip(sort_keys, values, strict=True)), last_id, count)


def seek(rows, keys, nct_id, count, backwards=False):
    """Up to ``count`` of ``rows`` after the row of ``keys`` (pairs of a sort key and its value)
    and ``nct_id``, in the keys' order; ``backwards``, before it, ``rows`` being in the reverse
    order. One query, or two for a page that runs from rows with a value into the nulls."""
    found = []
    for part in _seek(keys, nct_id, backwards):
        found += rows.filter(part)[: count - len(found)]
        if len(found) >= count:
            break
    return found


def _keyset_value(value):
    # A float compared as double precision, as the rank is computed (``rank_expression``).
    return Cast(Value(value), FloatField()) if isinstance(value, float) else value


def _beyond(keys, nct_id, backwards=False):
    """The rows after (values..., nct_id) when ordered by the keys, nulls last, then NCT ID;
    ``backwards``, the rows before it."""
    if not keys:
        return Q(nct_id__lt=nct_id) if backwards else Q(nct_id__gt=nct_id)
    (key, value), rest = keys[0], keys[1:]
    further = "lt" if key.descending != backwards else "gt"  # the lookup for rows further on
    if key.name == "nct_id":
        return Q(**{f"nct_id__{further}": value})
    null = Q(**{f"{key.field}__isnull": True})
    if value is None:
        # Nulls come last: after a null only nulls follow; before one, every row with a value.
        if backwards:
            return Q(**{f"{key.field}__isnull": False}) | (null & _beyond(rest, nct_id, True))
        return null & _beyond(rest, nct_id)
    value = _keyset_value(value)
    beyond = Q(**{f"{key.field}__{further}": value})
    tie = Q(**{key.field: value}) & _beyond(rest, nct_id, backwards)
    return beyond | tie if backwards else beyond | null | tie


def _seek(keys, nct_id, backwards=False):
    """The rows after (values..., nct_id) in the keys' order, or before it when ``backwards``,
    as conditions an index can start from, one per part of the order they lie in, in the order
    to read them (forwards, the rows with a value, then the nulls, which come last).

    ``_beyond`` alone is an OR (a null is after any value), and PostgreSQL walks an index under
    an OR from its start, reading every row before the page: at 500,000 trials a page after
    the 100,000th row read 100,000 rows. The bound on the first key (``<=`` its
    value, for a descending order) lets it seek to the row instead."""
    exact = _beyond(keys, nct_id, backwards)
    if not keys or keys[0][0].name == "nct_id":
        return [exact]
    key, value = keys[0]
    null = Q(**{f"{key.field}__isnull": True})
    if value is None:
        # Past a null only nulls follow (``_beyond`` says so with AND); before one come the
        # nulls before it, then, further back, every row with a value.
        return [exact & null, ~null] if backwards else [exact]
    lookup = "lte" if key.descending != backwards else "gte"
    bound = Q(**{f"{key.field}__{lookup}": _keyset_value(value)})
    if backwards:
        return [exact & bound]  # no null comes before a value
    return [exact & bound, null]
