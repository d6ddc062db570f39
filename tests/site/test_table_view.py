"""The table view of a search (/trials/table/): the list's trials in the list's order, with the
columns ``fields=`` chooses (the downloads' vocabulary), sortable, with the same downloads;
unknown columns give a notice, never an error."""

import csv
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.site import exports
from tests.pages import element, elements, text

pytestmark = pytest.mark.django_db

LIST = "/trials/"
TABLE = "/trials/table/"


def nct_ids_of_list(client, query):
    page = client.get(LIST, query).content.decode()
    return re.findall(r'<span class="nct">(NCT\d{8})</span>', page)


def table_of(page):
    table = element(page, "table", **{"class": "trial-table"})
    head = [text(th) for th in elements(element(table, "thead"), "th")]
    rows = []
    for tr in elements(element(table, "tbody"), "tr"):
        rows.append([text(c) for c in re.findall(r"<t[hd]\b[^>]*>.*?</t[hd]>", tr, re.DOTALL)])
    return head, rows


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"condition": "COVID-19", "source": "bone_marrow"},
        {"q": "knee", "sort": "-enrollment", "per_page": 50},
        {"route": "intravenous", "sort": "start", "page": 2},
    ],
)
def test_the_table_shows_the_lists_trials_in_its_order(client, bundled_catalog, query):
    page = client.get(TABLE, query).content.decode()
    head, rows = table_of(page)
    assert head[0] == "NCT Number" and "MSC Source" in head
    assert [row[0] for row in rows] == nct_ids_of_list(client, query)


def test_chosen_columns_show_the_download_values(client, bundled_catalog):
    fields = "NCT Number,Study Status,Conditions,MSC Source,MSC Donor,MSC Route,MSC Dose Min"
    query = {"condition": "COVID-19", "fields": fields, "per_page": 100}
    page = client.get(TABLE, query).content.decode()
    head, rows = table_of(page)
    assert [h.rstrip(" ▲▼") for h in head] == fields.split(",")
    csv_link = unescape(re.search(r'<a href="([^"]+)" download>CSV</a>', page).group(1))
    assert csv_link.startswith("/trials/export.csv?") and "fields=" in csv_link
    body = b"".join(client.get(csv_link).streaming_content).decode()
    downloaded = list(csv.reader(io.StringIO(body)))
    assert downloaded[0] == fields.split(",")
    by_id = {r[0]: r for r in downloaded[1:]}
    for row in rows:
        assert [text(v) if v else "—" for v in by_id[row[0]]][1:] == [c or "—" for c in row[1:]]


def test_a_header_sorts_by_the_lists_sort_options(client, bundled_catalog):
    page = client.get(TABLE, {"condition": "COVID-19"}).content.decode()
    links = dict(
        (text(name), unescape(href))
        for href, name in re.findall(r'<th scope="col"[^>]*><a href="([^"]+)">(.*?)</a>', page)
    )
    assert set(links) == {"NCT Number", "Enrollment", "Start Date"}
    assert "sort=enrollment" in links["Enrollment"]
    sorted_page = client.get(links["Enrollment"]).content.decode()
    assert 'aria-sort="ascending"' in sorted_page
    _, rows = table_of(sorted_page)
    assert [r[0] for r in rows] == nct_ids_of_list(
        client, {"condition": "COVID-19", "sort": "enrollment"}
    )
    again = re.search(r'aria-sort="ascending"><a href="([^"]+)"', sorted_page).group(1)
    assert "sort=-enrollment" in unescape(again)


def test_unknown_columns_and_values_give_a_notice_never_an_error(client, bundled_catalog):
    response = client.get(TABLE, {"fields": "NCT Number,Nonsense,MSC Route", "phase": "PHASE9"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is no column &#x27;Nonsense&#x27;; left out." in page
    head, _ = table_of(page)
    assert head == ["NCT Number", "MSC Route"]
    for odd in ("%00", "a" * 5000, "|||", ",,"):
        assert client.get(TABLE, {"fields": odd}).status_code == 200


def test_every_download_column_can_be_shown(client, bundled_catalog):
    names = ",".join(c.name for c in exports.DOWNLOAD_COLUMNS)
    page = client.get(TABLE, {"fields": names, "per_page": 100}).content.decode()
    head, rows = table_of(page)
    assert [h.rstrip(" ▲▼") for h in head] == names.split(",") and len(rows) == 100


def test_the_list_links_to_its_table_and_back(client, bundled_catalog):
    page = client.get(LIST, {"condition": "COVID-19", "page": 2}).content.decode()
    link = re.search(r'<a class="table-link" href="([^"]+)"', page).group(1)
    assert unescape(link) == TABLE + "?condition=COVID-19"
    table_page = client.get(unescape(link)).content.decode()
    assert 'href="/trials/?condition=COVID-19">Back to the list' in table_page


def test_the_table_makes_as_many_queries_whatever_its_size(client, bundled_catalog):
    counts = set()
    every = ",".join(c.name for c in exports.DOWNLOAD_COLUMNS)
    for query in (
        {"per_page": 10},
        {"per_page": 100, "fields": every},
        {"q": "cells", "per_page": 100, "fields": every},
        {"has_results": "true", "fields": every},
    ):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(TABLE, query).status_code == 200
        counts.add(len(captured))
    assert len(counts) == 1, counts
    # The catalog version, the count, the page, five prefetches.
    assert counts.pop() <= 8


def test_the_table_counts_a_broad_search_up_to_the_cap_as_the_list_does(
    client, bundled_catalog, settings
):
    settings.CATALOG_COUNT_CAP = 200
    listed = client.get(LIST, {"q": "stem cells"})
    tabled = client.get(TABLE, {"q": "stem cells", "page": 99})
    assert tabled.status_code == 200
    assert listed.context["count_text"] == tabled.context["count_text"] == "200+"
    assert tabled.context["page"].number == 200 // 25
    assert "Only the first 200 matches have pages" in tabled.content.decode()
    whole = client.get(TABLE)
    assert whole.context["count"] == client.get(LIST).context["count"] > 200
