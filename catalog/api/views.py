"""The JSON API: studies in ClinicalTrials.gov's API v2 format, and MSC profiles.

``GET /api/v2/studies`` takes ClinicalTrials.gov's parameters and answers in its shape
(``{"studies": [...], "nextPageToken": ..., "totalCount": ...}``), so v2 clients work by changing
only the base URL. It reads them into the same ``TrialSearch`` as the list page: one search, one
set of filters. Bad parameters get a 400 whose JSON message names the parameter.
"""

import functools
import re

from django.db.models import Max
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from catalog.api import openapi, study_fields
from catalog.models import DoseUnit, MscProfile, OverallStatus, Trial
from catalog.msc import query as msc_query
from catalog.msc.annotate import annotate
from catalog.registry.ctgov import NCT_ID_RE, address_nct_id, study_from_trial
from catalog.search import fulltext
from catalog.search.listing import BadPageToken, SortKey, TrialSearch, after_token, page_token
from catalog.site import exports

API_VERSION = "2.0.3"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
MAX_SORT_KEYS = 2

# query.* parameter → the list's text-search parameter
QUERY_PARAMS = {
    "query.term": "q",
    "query.cond": "cond_q",
    "query.intr": "intr_q",
    "query.locn": "locn_q",
    "query.titles": "title_q",
}
# ClinicalTrials.gov sort fields → the list's sort keys, with their default direction.
SORT_FIELDS = {
    "@relevance": ("relevance", True),
    "LastUpdatePostDate": ("updated", True),
    "StudyFirstPostDate": ("first_posted", True),
    "StartDate": ("start", True),
    "EnrollmentCount": ("enrollment", False),
    "NCTId": ("nct_id", False),
}
_SORT_BY_LOWER = {name.lower(): value for name, value in SORT_FIELDS.items()}
_LIST_SPLIT = re.compile(r"[,|]")
# A number of doses: N, or N+ for N or more ("+" typed into an address arrives as a space).
_N_DOSES_RE = re.compile(r"^([0-9]{1,9})( +|\+)?$")


class BadParameter(ValueError):
    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter
        self.message = f"{parameter}: {message}"


def error(status, message, parameter=None):
    body = {"status": status, "message": message}
    if parameter:
        body["parameter"] = parameter
    return JsonResponse({"error": body}, status=status)


@functools.cache
def _array_parameters():
    return tuple(openapi.array_parameters())


def _items(value):
    return [v.strip() for v in _LIST_SPLIT.split(value) if v.strip()]


def _get(params, name):
    """One parameter's value (the last one if repeated)."""
    return params.get(name)


def _getlist(params, name):
    """Every value of a parameter (repeated or not)."""
    if hasattr(params, "getlist"):
        return params.getlist(name)
    value = params.get(name)
    return [] if value is None else [value]


class ListRequest:
    """The parameters of ``GET /api/v2/studies``, checked exactly as the OpenAPI document
    describes them (``catalog.openapi``): what it allows is accepted, anything else is a 400."""

    def __init__(self, params):
        for name in _array_parameters():
            if any(not _items(raw) for raw in _getlist(params, name)):
                raise BadParameter(name, "empty: give at least one value, or leave it out")
        self.format = self._choice(params, "format", ("json", "csv"), "json")
        self._choice(params, "markupFormat", ("markdown", "legacy"), "markdown")
        self.count_total = self._choice(params, "countTotal", ("true", "false"), "false") == "true"
        self.page_size = self._page_size(_get(params, "pageSize"))
        self.page_token = _get(params, "pageToken") or None
        self.filters = {}
        for name, target in QUERY_PARAMS.items():
            value = _get(params, name) or ""
            if len(value) > fulltext.MAX_QUERY_CHARS:
                raise BadParameter(name, f"longer than {fulltext.MAX_QUERY_CHARS} characters")
            value = value.replace("\x00", " ")
            if value.strip():
                self.filters[target] = value
        self.filters["status"] = self._statuses(_get(params, "filter.overallStatus"))
        self.filters["ids"] = self._ids(_get(params, "filter.ids"))
        self.filters.update(self._msc(params))
        self.sort = self._sort(_get(params, "sort"))
        self.paths, self.columns = self._fields(_get(params, "fields"))
        self.selects_fields = bool(_items(_get(params, "fields") or ""))

    @staticmethod
    def _choice(params, name, choices, default):
        value = _get(params, name)
        if value is None:
            return default
        if value not in choices:
            raise BadParameter(name, f"{_quoted(value)} is not one of {', '.join(choices)}")
        return value

    @staticmethod
    def _page_size(value):
        if value is None:
            return DEFAULT_PAGE_SIZE
        if not re.fullmatch(r"[0-9]{1,9}", value):
            raise BadParameter("pageSize", f"{_quoted(value)} is not a whole number")
        size = int(value)
        if size > MAX_PAGE_SIZE:
            raise BadParameter("pageSize", f"at most {MAX_PAGE_SIZE}")
        return size or DEFAULT_PAGE_SIZE

    @staticmethod
    def _statuses(value):
        statuses = []
        for item in _items(value or ""):
            if item not in OverallStatus.values:
                raise BadParameter("filter.overallStatus", f"{_quoted(item)} is not a study status")
            statuses.append(item)
        return statuses

    @classmethod
    def _msc(cls, params):
        """The MSC profile filters (the list page's parameters), as TrialSearch takes them."""
        values = {}
        for name, choices in msc_query.CHOICES.items():
            items = [item for raw in _getlist(params, name) for item in _items(raw)]
            for item in items:
                if item not in choices.values:
                    raise BadParameter(
                        name, f"{_quoted(item)} is not one of {', '.join(choices.values)}"
                    )
            if items:
                values[name] = items
        n_doses = []
        for raw in _getlist(params, "n_doses"):
            for item in (part.lstrip() for part in _LIST_SPLIT.split(raw) if part.strip()):
                match = _N_DOSES_RE.match(item)
                if not match or not 1 <= int(match[1]) <= msc_query.MAX_N_DOSES:
                    raise BadParameter(
                        "n_doses",
                        f"{_quoted(item)} is not a number of doses (1 to "
                        f"{msc_query.MAX_N_DOSES}, or N+ for N or more)",
                    )
                n_doses.append(str(int(match[1])) + ("+" if match[2] else ""))
        if n_doses:
            values["n_doses"] = n_doses
        for name in ("dose_min", "dose_max"):
            value = (_get(params, name) or "").strip()
            if value:
                try:
                    msc_query.parse_count(value)
                except ValueError:
                    raise BadParameter(
                        name, f"{_quoted(value)} is not a number of cells (e.g. 1e6)"
                    ) from None
                values[name] = value
        unit = cls._choice(params, "dose_unit", tuple(DoseUnit.values), DoseUnit.TOTAL)
        if "dose_min" in values or "dose_max" in values:
            values["dose_unit"] = unit
        return values

    @staticmethod
    def _ids(value):
        ids = []
        for item in _items(value or ""):
            if not NCT_ID_RE.match(item):
                raise BadParameter(
                    "filter.ids", f"{_quoted(item)} is not an NCT ID (NCT and 8 digits)"
                )
            ids.append(item)
        return ids

    @staticmethod
    def _sort(value):
        items = _items(value or "")
        if len(items) > MAX_SORT_KEYS:
            raise BadParameter("sort", f"at most {MAX_SORT_KEYS} sort fields")
        keys = []
        for item in items:
            name, colon, direction = item.partition(":")
            if name not in SORT_FIELDS:
                raise BadParameter(
                    "sort", f"{_quoted(name)} is not a sort field ({', '.join(SORT_FIELDS)})"
                )
            key, descending = SORT_FIELDS[name]
            if colon and direction not in ("asc", "desc"):
                raise BadParameter("sort", f"{_quoted(direction)} is not asc or desc")
            if direction and key != "relevance":
                descending = direction == "desc"
            keys.append(SortKey(key, descending))
        return keys

    @staticmethod
    def _fields(value):
        """(study paths for JSON, CSV columns) the ``fields`` parameter names."""
        paths, columns = [], []
        for name in _items(value or ""):
            path = study_fields.field_path(name)
            column = exports.column_named(name)
            if path is None and column is None:
                raise BadParameter("fields", f"{_quoted(name)} is not a field of a study")
            if path is None and column.piece:
                path = study_fields.field_path(column.piece)
            if path:
                paths.append(path)
            if column:
                columns.append(column)
        if paths and not columns:
            # Fields with no CSV column of their own: a CSV gives the study's ID at least.
            columns = [exports.CSV_COLUMNS[0]]
        return paths, columns or list(exports.CSV_COLUMNS)


def _quoted(value, limit=60):
    value = repr(value)
    return value if len(value) <= limit else value[: limit - 2] + "…'"


@csrf_exempt
@require_safe
def study_list(request):
    """``GET /api/v2/studies``: a page of studies, with the token of the next."""
    try:
        wanted = ListRequest(request.GET)
    except BadParameter as bad:
        return error(400, bad.message, bad.parameter)
    found = TrialSearch(wanted.filters)
    sort_keys = [k for k in wanted.sort if k.name != "relevance" or found.searching]
    if not wanted.sort:
        sort_keys = found.sort_keys
    queryset = found.ordered(sort_keys or [SortKey("nct_id", False)])
    if wanted.page_token:
        try:
            queryset = after_token(queryset, wanted.page_token, sort_keys)
        except BadPageToken as bad:
            return error(400, f"pageToken: {bad}", "pageToken")
    trials = list(queryset.for_export()[: wanted.page_size + 1])
    next_token = None
    if len(trials) > wanted.page_size:
        trials = trials[: wanted.page_size]
        next_token = page_token(trials[-1], sort_keys)
    total = found.queryset().count() if wanted.count_total and not wanted.page_token else None

    if wanted.format == "csv":
        return _csv_page(trials, wanted.columns, next_token, total)
    studies = [study_from_trial(t) for t in trials]
    if wanted.selects_fields:
        studies = [study_fields.select(s, wanted.paths) for s in studies]
    body = {"studies": studies}
    if next_token:
        body["nextPageToken"] = next_token
    if total is not None:
        body["totalCount"] = total
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _csv_page(trials, columns, next_token, total):
    response = HttpResponse(
        exports.csv_text(trials, columns), content_type="text/csv; charset=utf-8"
    )
    if next_token:
        response["x-next-page-token"] = next_token
    if total is not None:
        response["x-total-count"] = str(total)
    return response


@csrf_exempt
@require_safe
def study_detail(request, nct_id):
    """``GET /api/v2/studies/<NCT ID>``: one study in the v2 study format."""
    canonical = address_nct_id(nct_id)
    trial = canonical and Trial.objects.public().for_export().filter(nct_id=canonical).first()
    if not trial:
        reason = Trial.objects.hidden_reason_of(canonical) if canonical else None
        if reason is not None:
            return error(410, f"Study {canonical} was withdrawn from the catalog: {reason}")
        return error(404, f"Study {nct_id} not found.")
    return JsonResponse(study_from_trial(trial), json_dumps_params={"ensure_ascii": False})


@require_safe
def msc_profile(request, nct_id):
    """``GET /api/msc/<NCT ID>``: the trial's MSC profile, with stable codes and evidence."""
    canonical = address_nct_id(nct_id)
    trial = canonical and Trial.objects.public().filter(nct_id=canonical).first()
    if not trial:
        return error(404, f"Study {nct_id} not found.")
    profile = MscProfile.objects.filter(trial=trial).first()
    if profile is None:
        # A trial added since the last annotation (e.g. in the admin): profile it now.
        annotate(Trial.objects.filter(pk=trial.pk))
        profile = MscProfile.objects.filter(trial=trial).first()
        if profile is None:
            return error(404, f"No MSC profile could be computed for study {canonical}.")
    profile.trial = trial
    return JsonResponse(profile.as_json(), json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_safe
def version(request):
    """``GET /api/v2/version``: the API version and when the data last changed."""
    newest = Trial.objects.public().aggregate(newest=Max("updated_at"))["newest"]
    return JsonResponse(
        {
            "apiVersion": API_VERSION,
            "dataTimestamp": newest.strftime("%Y-%m-%dT%H:%M:%S") if newest else None,
        }
    )


@csrf_exempt
@require_safe
def openapi_document(request):
    """``GET /api/v2/openapi.json``: the OpenAPI 3 description of this API."""
    return JsonResponse(openapi.document(), json_dumps_params={"indent": 1})
