"""The table view of a search (``/trials/table/?…``): the list's search, order and pages, with
chosen columns, picked by the downloads' ``fields=`` vocabulary (ClinicalTrials.gov's CSV
column names or piece names, and the MSC columns). A name that is no column is left out with a
notice; the page never fails on one."""

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Prefetch
from django.urls import reverse

from catalog.models import Collaboration, TrialCondition
from catalog.search.query import Notice
from catalog.site import exports

# Shown when ``fields=`` chooses none: registry fields, then the MSC profile's.
DEFAULT_FIELDS = (
    "NCT Number",
    "Study Title",
    "Study Status",
    "Phases",
    "Enrollment",
    "Start Date",
    "MSC Source",
    "MSC Donor",
    "MSC Route",
    "MSC Dose Min",
    "MSC Dose Max",
    "MSC Dose Unit",
    "MSC Number of Doses",
)
# The columns a click on the header sorts by: the list's sort options.
SORTS = {
    "NCT Number": "nct_id",
    "Enrollment": "enrollment",
    "Start Date": "start",
    "First Posted": "first_posted",
    "Last Update Posted": "updated",
}


@dataclass
class Header:
    column: object
    sort_url: str = ""
    sorted: str = ""  # "ascending" or "descending" when the table is sorted by it


def choose(values):
    """The columns ``fields=`` (given once or more, comma- or pipe-separated) picks, and the
    notices of names that are no column."""
    names = [n.strip() for v in values for n in re.split(r"[,|]", v) if n.strip()]
    columns, notices = [], []
    for name in names or DEFAULT_FIELDS:
        if name == exports.MSC_KEY:
            columns += exports.MSC_COLUMNS
            continue
        column = next((c for c in exports.MSC_COLUMNS if c.name == name), None)
        column = column or exports.column_named(name)
        if column is None:
            notices.append(Notice("fields", f"There is no column {name[:60]!r}; left out."))
        else:
            columns.append(column)
    return list(dict.fromkeys(columns)) or [exports.CSV_COLUMNS[0]], notices


def fields_value(columns):
    return ",".join(c.name for c in columns)


def url(search, columns, **changes):
    """The table view's address for ``search`` with ``changes``, and these columns."""
    query = search.query_string(**changes)
    joiner = "&" if query else "?"
    default = [c.name for c in columns] == list(DEFAULT_FIELDS)
    fields = "" if default else f"{joiner}fields=" + _quote(fields_value(columns))
    return reverse("catalog:trial_table") + query + fields


def _quote(value):
    return quote(value, safe=",")


def page(search, total, capped=False):
    """The page of trials with what every column reads (``exports.DOWNLOAD_COLUMNS``), in a
    fixed number of queries: the trials with their sponsor and MSC profile, and five
    prefetches. ``total`` and ``capped`` as ``TrialSearch.count()`` gives them."""
    return search.page(lambda backwards=False: _rows(search, backwards), total, capped)


def _rows(search, backwards):
    return (
        search.ordered(backwards=backwards)
        .select_related("lead_sponsor", "msc")
        .defer("source_record", "source_extra", "search_vector", "rank_vector")
        .prefetch_related(
            Prefetch(
                "collaboration_set", queryset=Collaboration.objects.select_related("organization")
            ),
            Prefetch(
                "trialcondition_set", queryset=TrialCondition.objects.select_related("condition")
            ),
            "interventions",
            "outcomes",
            "sites",
        )
    )


def headers(search, columns):
    first = search.sort_keys[0] if search.sort_keys else None
    out = []
    for column in columns:
        header = Header(column)
        sort = SORTS.get(column.name)
        if sort:
            if first is not None and first.name == sort:
                header.sorted = "descending" if first.descending else "ascending"
            # A click sorts ascending, or descending if it is sorted ascending already.
            header.sort_url = url(
                search,
                columns,
                page=None,
                sort=f"-{sort}" if header.sorted == "ascending" else sort,
            )
        out.append(header)
    return out


def cells(trial, columns):
    return [c.value(trial) for c in columns]
