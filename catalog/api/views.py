"""The JSON API: studies in ClinicalTrials.gov's API v2 format, and MSC profiles.

``GET /api/v2/studies`` takes ClinicalTrials.gov's parameters and answers in its shape
(``{"studies": [...], "nextPageToken": ..., "totalCount": ...}``), so v2 clients work by changing
only the base URL. It reads them into the same ``TrialSearch`` as the list page: one search, one
set of filters. Bad parameters get a 400 whose JSON message names the parameter.
"""

import functools
import json
import re

from django.db.models import Max, Q
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from catalog.api import essie, openapi, study_fields
from catalog.models import MscProfile, Trial
from catalog.msc.annotate import attach_profiles, profile_of
from catalog.registry.ctgov import address_nct_id, studies_json
from catalog.search import fulltext
from catalog.search.listing import BadPageToken, SortKey, TrialSearch, after_token, page_token
from catalog.search.params import PARAMS
from catalog.search.query import PAGE_PARAMS, BadParameter, quoted
from catalog.site import exports

API_VERSION = "2.0.3"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 1000
MAX_SORT_KEYS = 2

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


def error(status, message, parameter=None):
    body = {"status": status, "message": message}
    if parameter:
        body["parameter"] = parameter
    return JsonResponse({"error": body}, status=status)


@functools.cache
def _array_parameters():
    return tuple(openapi.array_parameters())


def _array_parameters():
    return tuple(openapi.array_parameters())


def _getlist(params, name):
    """Every value of a parameter (repeated or not)."""
    if hasattr(params, "getlist"):
        return params.getlist(name)
    value = params.get(name)
    return [] if value is None else [value]


def _items(value):
    return [v.strip() for v in _LIST_SPLIT.split(value) if v.strip()]


def _get(params, name):
    """One parameter's value (the last one if repeated)."""
    return params.get(name)


class ListRequest:
    """The parameters of ``GET /api/v2/studies``, checked exactly as the OpenAPI document
    describes them (``catalog.openapi``): what it allows is accepted, anything else is a 400.
    The filters are the list's parameters under ClinicalTrials.gov's names, as their
    declarations (``catalog.search.params``) map them."""

    def __init__(self, params):
        unknown = sorted(set(params) - known_parameters())
        if unknown:
            raise BadParameter(unknown[0], "not a parameter of this API (see /api/v2/openapi.json)")
        for name in _array_parameters():
            if any(not _items(raw) for raw in _getlist(params, name)):
                raise BadParameter(name, "empty: give at least one value, or leave it out")
        self.format = self._choice(params, "format", ("json", "csv"), "json")
        self._choice(params, "markupFormat", ("markdown", "legacy"), "markdown")
        self.count_total = self._choice(params, "countTotal", ("true", "false"), "false") == "true"
        self.page_size = self._page_size(_get(params, "pageSize"))
        self.page_token = _get(params, "pageToken") or None
        self.filters = PARAMS.read_api(params)
        self.extra = self._essie(params)
        self.sort = self._sort(_get(params, "sort"))
        self.paths, self.columns = self._fields(_get(params, "fields"))
        self.selects_fields = bool(_items(_get(params, "fields") or ""))

    @staticmethod
    def _essie(params):
        """The query areas, filter.advanced and aggFilters, as one Q (catalog.api.essie)."""
        q = Q()
        for name, build in essie.PARAMETERS.items():
            value = (_get(params, name) or "").replace("\x00", " ")
            if not value.strip():
                continue
            if len(value) > fulltext.MAX_QUERY_CHARS:
                raise BadParameter(name, f"longer than {fulltext.MAX_QUERY_CHARS} characters")
            try:
                q &= build(value, name)
            except essie.EssieError as bad:
                raise BadParameter(name, str(bad)) from None
        return q

    @staticmethod
    def _choice(params, name, choices, default):
        value = _get(params, name)
        if value is None:
            return default
        if value not in choices:
            raise BadParameter(name, f"{quoted(value)} is not one of {', '.join(choices)}")
        return value

    @staticmethod
    def _page_size(value):
        if value is None:
            return DEFAULT_PAGE_SIZE
        if not re.fullmatch(r"[0-9]{1,9}", value):
            raise BadParameter("pageSize", f"{quoted(value)} is not a whole number")
        size = int(value)
        if size > MAX_PAGE_SIZE:
            raise BadParameter("pageSize", f"at most {MAX_PAGE_SIZE}")
        return size or DEFAULT_PAGE_SIZE

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
                    "sort", f"{quoted(name)} is not a sort field ({', '.join(SORT_FIELDS)})"
                )
            key, descending = SORT_FIELDS[name]
            if colon and direction not in ("asc", "desc"):
                raise BadParameter("sort", f"{quoted(direction)} is not asc or desc")
            if direction and key != "relevance":
                descending = direction == "desc"
            keys.append(SortKey(key, descending))
        return keys

    @staticmethod
    def _fields(value):
        """(study paths for JSON, CSV columns) the ``fields`` parameter names."""
        paths, columns = [], []
        for name in _items(value or ""):
            column, path = exports.column_and_path(name)
            if path is None and column is None:
                raise BadParameter("fields", f"{quoted(name)} is not a field of a study")
            if path:
                paths.append(path)
            if column:
                columns.append(column)
        if paths and not columns:
            # Fields with no CSV column of their own: a CSV gives the study's ID at least.
            columns = [exports.CSV_COLUMNS[0]]
        return paths, columns or list(exports.CSV_COLUMNS)


# The parameters of paging, format and fields; the filters are declared with the list's
# (catalog.search.params) and the query areas read by catalog.api.essie.
CONTROL_PARAMETERS = {
    "format",
    "markupFormat",
    "countTotal",
    "pageSize",
    "pageToken",
    "sort",
    "fields",
}


def known_parameters():
    """Every parameter ``GET /api/v2/studies`` reads; any other is refused by name."""
    return CONTROL_PARAMETERS | set(PARAMS.by_api_name()) | set(essie.PARAMETERS)


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
    matching = found.queryset().filter(wanted.extra)
    queryset = found.ordered(sort_keys or [SortKey("nct_id", False)], queryset=matching)
    queryset = (
        queryset.for_csv(wanted.columns)
        if wanted.format == "csv"
        else queryset.for_studies(*(key.field for key in sort_keys))
    )
    try:
        trials = _page_of(queryset, wanted, sort_keys)
    except BadPageToken as bad:
        return error(400, f"pageToken: {bad}", "pageToken")
    next_token = None
    if len(trials) > wanted.page_size:
        trials = trials[: wanted.page_size]
        next_token = page_token(trials[-1], sort_keys)
    total = matching.count() if wanted.count_total and not wanted.page_token else None

    if wanted.format == "csv":
        return _csv_page(trials, wanted.columns, next_token, total)
    studies = studies_json(trials)
    if wanted.selects_fields:
        studies = [_dumps(study_fields.select(json.loads(s), wanted.paths)) for s in studies]
    # The stored studies are already JSON: the page is written around them, as ``JsonResponse``
    # would write it, instead of parsing and writing them again.
    body = '{"studies": [' + ", ".join(studies) + "]"
    if next_token:
        body += ', "nextPageToken": ' + _dumps(next_token)
    if total is not None:
        body += f', "totalCount": {total}'
    return HttpResponse(body + "}", content_type="application/json")


def _dumps(value):
    return json.dumps(value, ensure_ascii=False)


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
    trial = canonical and Trial.objects.public().for_studies().filter(nct_id=canonical).first()
    if not trial:
        reason = Trial.objects.hidden_reason_of(canonical) if canonical else None
        if reason is not None:
            return error(410, f"Study {canonical} was withdrawn from the catalog: {reason}")
        return error(404, f"Study {nct_id} not found.")
    return HttpResponse(studies_json([trial])[0], content_type="application/json")


def _page_of(rows, wanted, sort_keys):
    """The page of ``rows`` a request asks for, and one row more (telling whether another page
    follows): the first, or those after its ``pageToken``'s row (``BadPageToken`` if it is none
    of this API's)."""
    if wanted.page_token:
        return after_token(rows, wanted.page_token, sort_keys, wanted.page_size + 1)
    return list(rows[: wanted.page_size + 1])


# ``GET /api/msc``'s own parameters; the others are the list page's (its filters and sort).
MSC_LIST_PARAMS = ("format", "pageSize", "pageToken", "countTotal")
# The CSV of ``/api/msc``: the study's ID and title, then the MSC columns of the downloads.
MSC_CSV_COLUMNS = (*exports.CSV_COLUMNS[:2], *exports.MSC_COLUMNS)


class MscListRequest:
    """The parameters of ``GET /api/msc``: the list page's own (``PARAMS``, by their names on
    the list, and ``sort``), so that it answers with exactly the list's trials in the list's
    order, and the paging of the v2 API. What the list page would ignore with a notice (an
    unknown parameter, a bad value) is a 400 here, naming the parameter."""

    def __init__(self, params):
        allowed = set(PARAMS.names()) - set(PAGE_PARAMS) | set(MSC_LIST_PARAMS)
        unknown = sorted(name for name in params if name not in allowed)
        if unknown:
            raise BadParameter(
                unknown[0],
                f"unknown parameter{'s' * (len(unknown) > 1)} {', '.join(map(quoted, unknown))}",
            )
        # The list page reads an empty field as no filter; a client that sends one means
        # something, so it is told rather than given every trial.
        for name in params:
            if not any(value.strip() for value in params.getlist(name)):
                raise BadParameter(name, "empty: give a value, or leave it out")
        self.format = ListRequest._choice(params, "format", ("json", "csv"), "json")
        self.count_total = (
            ListRequest._choice(params, "countTotal", ("true", "false"), "false") == "true"
        )
        self.page_size = ListRequest._page_size(_get(params, "pageSize"))
        self.page_token = _get(params, "pageToken") or None
        filters = params.copy()
        for name in MSC_LIST_PARAMS:
            filters.pop(name, None)
        self.search = TrialSearch(filters)
        if self.search.notices:
            notice = self.search.notices[0]
            raise BadParameter(notice.param, notice.message)


@require_safe
def msc_list(request):
    """``GET /api/msc``: the MSC profiles of the list page's trials for the same parameters, a
    page at a time, in a fixed number of queries per page."""
    try:
        wanted = MscListRequest(request.GET)
    except BadParameter as bad:
        return error(400, bad.message, bad.parameter)
    search = wanted.search
    # The sort's own columns too: the next page's token is made of them.
    queryset = search.ordered().for_msc_profiles(*search.sort_columns)
    try:
        trials = _page_of(queryset, wanted, search.sort_keys)
    except BadPageToken as bad:
        return error(400, f"pageToken: {bad}", "pageToken")
    next_token = None
    if len(trials) > wanted.page_size:
        trials = trials[: wanted.page_size]
        next_token = page_token(trials[-1], search.sort_keys)
    attach_profiles(trials)
    total = search.queryset().count() if wanted.count_total and not wanted.page_token else None
    if wanted.format == "csv":
        return _csv_page(trials, MSC_CSV_COLUMNS, next_token, total)
    body = {"profiles": [exports.msc_json(t) for t in trials]}
    if next_token:
        body["nextPageToken"] = next_token
    if total is not None:
        body["totalCount"] = total
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_safe
def msc_profile(request, nct_id):
    """``GET /api/msc/<NCT ID>``: the trial's MSC profile, with stable codes and evidence."""
    canonical = address_nct_id(nct_id)
    trial = canonical and Trial.objects.public().filter(nct_id=canonical).first()
    if not trial:
        return error(404, f"Study {nct_id} not found.")
    profile = MscProfile.objects.filter(trial=trial).first()
    if profile is None:
        # Every writer profiles the trial it writes; one written before that ran gets the
        # rules' answer now, unsaved (``annotate_msc --missing`` stores it).
        profile = profile_of(trial)
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
