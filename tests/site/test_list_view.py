"""The list page /trials/: results, filters with counts, paging, addresses and bad input."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from catalog.models import Trial
from catalog.search.listing import TrialSearch

pytestmark = pytest.mark.django_db

LIST = "/trials/"
BUSY = "?q=stem+cells&status=RECRUITING&status=COMPLETED&phase=PHASE2&country=China"


def page(client, query=""):
    response = client.get(LIST + query)
    assert response.status_code == 200, response.status_code
    return response, response.content.decode()


def nct_ids(response):
    return [t.nct_id for t in response.context["page"].object_list]


def test_a_search_with_filters_shows_its_results(client, bundled_catalog):
    response, html = page(client, BUSY + "&per_page=100")
    expected = set(
        Trial.objects.filter(
            search_vector__isnull=False,
            current_status__in=["RECRUITING", "COMPLETED"],
            phases__contains=["PHASE2"],
            sites__country="China",
        ).values_list("nct_id", flat=True)
    )
    assert response.context["count"] == len(nct_ids(response)) > 0
    assert set(nct_ids(response)) <= expected
    assert f"{response.context['count']} trials" in html
    assert "<mark>" in html
    for nct_id in nct_ids(response):
        assert f'href="/trials/{nct_id}/"' in html


def test_filters_are_shown_with_their_counts(client, bundled_catalog):
    response, html = page(client, "?country=China")
    facets = response.context["facets"]
    statuses = {v.value: v.count for v in facets["status"].values}
    assert statuses["RECRUITING"] == (
        Trial.objects.filter(current_status="RECRUITING", sites__country="China").distinct().count()
    )
    assert re.search(r'value="RECRUITING"[^>]*>\s*Recruiting <span class="count">\(\d+\)', html)
    assert re.search(r'name="country" value="China" checked', html)
    # Values with no trials are not offered.
    for facet in facets:
        assert all(v.count > 0 or v.selected for v in facet.values)


def queries(client, query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST + query)
    assert response.status_code == 200
    # Counted with what each result shows, its MSC values among it.
    html = response.content.decode()
    assert 'class="msc-line"' in html or '<li class="result">' not in html
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_page_size_or_results(
    client, bundled_catalog, no_stored_cards, django_assert_max_num_queries
):
    client.get(LIST)  # the whole catalog's counts, kept until the catalog changes
    browsing = {queries(client, q) for q in ("?per_page=10", "?per_page=100", "?page=7&sort=start")}
    searching = {
        queries(client, q)
        for q in (
            "?q=cells&per_page=10",
            "?q=cells&per_page=100",
            "?q=cells&page=3&per_page=50&sort=-enrollment",
            BUSY + "&per_page=100&sex=FEMALE&condition=COVID-19&start_from=2015&city=Wuhan",
            "?q=cells&source=umbilical_cord&route=intravenous&n_doses=1%2B&dose_min=1e6",
        )
    }
    assert len(browsing) == 1 and len(searching) == 1, (browsing, searching)
    # Browsing: the catalog version (its counts are cached), the page of trials, their stored
    # cards. Searching: facet counts and total, the page, the cards, "did you mean". Here no card
    # is stored (the test's transaction never commits), so each view renders its cards as on
    # a first view: the catalog version they are read at, the trials, their conditions
    # (tests/site/test_stored_cards.py has the view of stored cards).
    assert browsing == {6} and searching == {7}
    with django_assert_max_num_queries(7):
        client.get(LIST + "?per_page=100&q=mesenchymal+umbilical+cord+knee")


def test_empty_parameters_redirect_to_the_clean_address(client, bundled_catalog):
    response = client.get(LIST + "?q=&status=RECRUITING&phase=&country=China&city=&sort=")
    assert response.status_code == 302
    assert response["Location"] == LIST + "?status=RECRUITING&country=China"
    response = client.get(LIST + "?q=+&sex=")
    assert response["Location"] == LIST


def test_unknown_parameters_are_dropped_by_a_redirect(client, bundled_catalog):
    response = client.get(LIST + "?utm_source=newsletter&status=COMPLETED&junk=1")
    assert response.status_code == 302
    assert response["Location"] == LIST + "?status=COMPLETED"
    response, html = page(client, "?status=COMPLETED")
    assert response.context["count"] == Trial.objects.filter(current_status="COMPLETED").count()
    assert not response.context["search"].notices


@pytest.mark.parametrize(
    "query, notice",
    [
        ("?page=abc", "Ignored page=abc: not a page number; showing page 1."),
        ("?status=FOO", "Ignored status=FOO: not a known value."),
        ("?start_from=2020-13-45", "Ignored start_from=2020-13-45: not a date"),
        ("?per_page=7", "Ignored per_page=7"),
        ("?sort=sideways", "Ignored sort=sideways: not a known sort."),
        ("?enrollment_min=lots", "Ignored enrollment_min=lots: not a whole number."),
        ("?page=999", "There is no page 999; showing the last page, 62."),
    ],
)
def test_malformed_values_give_the_page_with_a_notice(client, bundled_catalog, query, notice):
    response, html = page(client, query)
    assert notice in html.replace("&#x27;", "'")
    assert response.context["count"] == 1538


def test_a_ten_thousand_character_search_is_cut_with_a_notice(client, bundled_catalog):
    response, html = page(client, "?q=" + "mesenchymal+" * 833 + "cells")
    assert len(response.wsgi_request.GET["q"]) > 9900
    assert "The search was too long" in html
    assert response.context["count"] > 0


def test_odd_characters_do_not_fail(client, bundled_catalog):
    for query in (
        "?q=%00stem",
        "?q=%22%22%22",
        "?q=-",
        "?q=a%27b%5C",
        "?country=%00",
        "?q=%E2%80%8B",
    ):
        assert client.get(LIST + query).status_code in (200, 302), query


def test_sorting(client, bundled_catalog):
    response, _ = page(client, "?sort=-start&per_page=100")
    dates = [t.start_date for t in response.context["page"].object_list]
    assert dates == sorted(dates, reverse=True)
    response, _ = page(client, "?sort=enrollment&per_page=100")
    counts = [t.enrollment_count for t in response.context["page"].object_list]
    assert counts == sorted(counts)
    response, _ = page(client, "?sort=nct_id")
    assert nct_ids(response) == sorted(nct_ids(response))
    assert nct_ids(response)[0] == Trial.objects.order_by("nct_id").first().nct_id


def test_a_search_sorts_by_relevance_and_offers_it(client, bundled_catalog):
    response, html = page(client, "?q=sepsis")
    assert response.context["search"].sort == "relevance"
    assert '<option value="relevance" selected>' in html
    _, html = page(client, "?status=COMPLETED")
    assert 'value="relevance"' not in html


def test_paging_keeps_the_search_and_the_page_size(client, bundled_catalog):
    response, html = page(client, "?status=COMPLETED&per_page=50&page=2")
    assert len(nct_ids(response)) == 50
    first_page, _ = page(client, "?status=COMPLETED&per_page=50")
    assert not set(nct_ids(response)) & set(nct_ids(first_page))
    pages = response.context["pages"]
    assert pages["previous"] == LIST + "?status=COMPLETED&per_page=50"
    assert pages["next"] == LIST + "?status=COMPLETED&per_page=50&page=3"
    assert 'aria-current="page"' in html


def test_the_address_holds_the_whole_search_for_sharing(client, bundled_catalog):
    response, html = page(client, BUSY + "&sort=-start&per_page=10&status=NOPE")
    share = response.context["share_url"]
    parts = urlsplit(share)
    assert parts.path == LIST
    assert parse_qs(parts.query) == {
        "q": ["stem cells"],
        "status": ["RECRUITING", "COMPLETED"],
        "phase": ["PHASE2"],
        "country": ["China"],
        "sort": ["-start"],
        "per_page": ["10"],
    }
    assert f'value="{share.replace("&", "&amp;")}" readonly' in html
    # The copied address reopens exactly the same results.
    again = client.get(share)
    assert nct_ids(again) == nct_ids(response)
    assert 'data-copy-target="results-url"' in html
    assert "js/copy-link.js" in html


def test_downloads_and_feed_follow_the_search(client, bundled_catalog):
    response, html = page(client, BUSY + "&page=2&per_page=10")
    exports = response.context["exports"]
    for url in exports.values():
        query = parse_qs(urlsplit(url).query)
        assert query["country"] == ["China"] and query["q"] == ["stem cells"]
        assert "page" not in query and "per_page" not in query
    assert 'type="application/atom+xml"' in html


def test_did_you_mean_offers_the_corrected_search(client, bundled_catalog):
    response, html = page(client, "?q=umbilcal+cord&status=RECRUITING")
    assert response.context["suggestion"] == "umbilical cord"
    assert f'href="{LIST}?q=umbilical+cord&amp;status=RECRUITING"' in html


def test_active_filters_can_be_removed_one_by_one(client, bundled_catalog):
    response, _ = page(client, "?status=RECRUITING&status=COMPLETED&country=China")
    chips = {(c["name"], c["value"]): c["remove_url"] for c in response.context["chips"]}
    assert chips[("status", "Recruiting")] == LIST + "?status=COMPLETED&country=China"
    assert chips[("country", "China")] == LIST + "?status=RECRUITING&status=COMPLETED"


def test_no_results_says_so(client, bundled_catalog):
    response, html = page(client, "?q=xyzzyplugh")
    assert response.context["count"] == 0
    assert "No trial matches" in html


def test_the_list_works_without_javascript(client, bundled_catalog):
    _, html = page(client)
    assert re.search(r'<form method="get" action="/trials/"', html)
    assert re.search(r'<button type="submit"[^>]*>Apply filters</button>', html)
    for name in ("q", "sort", "per_page", "start_from", "enrollment_max"):
        assert f'name="{name}"' in html


def test_the_skip_link_leads_to_the_results_and_phones_get_the_results_first(
    client, bundled_catalog
):
    _, html = page(client, "?q=knee&status=COMPLETED")
    assert '<a class="skip" href="#results-h">Skip to results</a>' in html
    assert '<h2 id="results-h" class="count" tabindex="-1">' in html
    assert '<a href="#filters-h">Filters (2 in use)</a>' in html
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/site.css")).read()
    assert ".list-layout .results-area { order: -1; }" in css


def test_an_empty_text_search_suggests_other_words_not_removing_filters(client, bundled_catalog):
    _, html = page(client, "?q=stem+cell+knee+Zzyzxville")
    assert "Remove a filter above" not in html
    assert "Check the spelling, try fewer or broader words" in html
    _, html = page(client, "?q=Zzyzxville&phase=PHASE2")
    assert "Remove a filter above" in html


def test_a_search_that_ends_with_a_place_suggests_the_place_box(client, bundled_catalog):
    response, html = page(client, "?q=stem+cell+knee+Madrid")
    assert response.context["count"] == 0
    place, url = response.context["place_hint"]
    assert place.name.startswith("Madrid")
    assert url == "/trials/?q=stem+cell+knee&near=Madrid"
    assert page(client, url[len(LIST) :])[0].context["count"] > 0


@pytest.mark.parametrize(
    "query",
    [
        "?q=bone+marrow",
        "?q=stem+cells&page=3",
        "?q=stem+cells&page=41&per_page=10",
        "?q=knee+osteoarthritis&status=RECRUITING&status=COMPLETED",
        "?q=cells&source=umbilical_cord&per_page=50&page=2",
    ],
)
def test_a_search_page_finds_and_ranks_its_matches_once(client, bundled_catalog, query):
    """The facet statement, which reads every match for its counts, gives the page's trials in
    best-match order too; the page's own query reads them by ID, and shows the same page the
    search alone would."""
    with CaptureQueriesContext(connection) as captured:
        response, _ = page(client, query)
    assert sum(" @@ " in q["sql"] for q in captured) == 1  # one statement matches
    listed = [(t.nct_id, t.rank, str(t.snippet)) for t in response.context["page"].object_list]
    search = TrialSearch(QueryDict(query.removeprefix("?")))
    counts = search.facet_counts()
    alone = search.results(counts.total, counts.capped)  # ranked by the page's own query
    assert listed == [(t.nct_id, t.rank, str(t.snippet)) for t in alone.object_list]
    assert len(listed) == min(search.per_page, counts.total - alone.start_index() + 1)
