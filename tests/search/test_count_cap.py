"""A search is counted up to a cap (``CATALOG_COUNT_CAP``): past it the list says "N+ trials",
its facets count the cap's first matches only and say so (each count a lower bound), and its
results are still the best of all its matches. Under the cap, and for the whole catalog,
every count is exact."""

import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from catalog.models import Trial
from catalog.search import facets
from catalog.search.listing import TrialSearch
from catalog.search.params import PARAMS

pytestmark = pytest.mark.django_db

CAP = 200
BROAD = "q=stem+cells"  # several hundred of the bundled trials


def exact(query):
    return facets.count(PARAMS.read(QueryDict(query)), Trial.objects.public())


def capped(query):
    return facets.count(PARAMS.read(QueryDict(query)), Trial.objects.public(), cap=CAP)


def value_counts(counts):
    return {(f.name, v.value): v.count for f in counts for v in f.values}


@pytest.fixture
def cap(settings):
    settings.CATALOG_COUNT_CAP = CAP
    return CAP


def test_a_search_past_the_cap_counts_up_to_it_and_its_facets_are_lower_bounds(
    bundled_catalog,
):
    whole, counted = exact(BROAD), capped(BROAD)
    assert whole.total > CAP
    assert (counted.total, counted.capped, counted.partial) == (CAP, True, True)
    got, truth = value_counts(counted), value_counts(whole)
    # (The longest facets show their top values only, which may differ in the first matches.)
    shared = set(got) & set(truth)
    assert {key for key in got if key[0] in ("status", "phase")} <= shared
    assert all(0 < got[key] <= truth[key] for key in shared)
    # Each facet counts the cap's first matches, and a trial has one status: those add up to
    # more than the cap (the one it read past it).
    assert sum(v.count for v in counted["status"].values) == CAP + 1


def test_a_search_under_the_cap_is_counted_exactly(bundled_catalog):
    query = "q=knee+osteoarthritis"
    whole, counted = exact(query), capped(query)
    assert 0 < whole.total <= CAP
    assert (counted.capped, counted.partial) == (False, False)
    assert counted.total == whole.total
    assert value_counts(counted) == value_counts(whole)


def test_a_facet_filter_past_the_cap_keeps_an_exact_total_under_it(bundled_catalog):
    # The search reads past the cap, the phase narrows it under: the total is counted on its
    # own (one more query), and the facets, counted among the first matches, are marked.
    query = BROAD + "&phase=PHASE3"
    whole = exact(query)
    assert whole.total <= CAP
    with CaptureQueriesContext(connection) as queries:
        counted = capped(query)
    assert len(queries) == 2
    assert (counted.total, counted.capped, counted.partial) == (whole.total, False, True)


def test_a_facet_filter_past_the_cap_is_capped_too(bundled_catalog):
    query = BROAD + "&type=INTERVENTIONAL"
    assert exact(query).total > CAP
    counted = capped(query)
    assert (counted.total, counted.capped, counted.partial) == (CAP, True, True)


def test_the_list_says_how_a_search_was_counted(client, bundled_catalog, cap):
    response = client.get("/trials/?" + BROAD)
    page = response.content.decode()
    heading = re.search(r'<h2 id="results-h"[^>]*>(.*?) trials', page).group(1)
    assert heading == f"{CAP:,}+"
    assert f"Counted among the first {CAP:,} matches only" in page
    assert re.search(r'<span class="count">\(\d+\+\)</span>', page)
    assert len(response.context["page"].object_list) == 25


def test_the_results_past_the_cap_are_still_the_best_of_all_matches(bundled_catalog, settings):
    settings.CATALOG_COUNT_CAP = 10**6
    search = TrialSearch(QueryDict(BROAD))
    best = [t.nct_id for t in search.results(search.facet_counts().total)]
    settings.CATALOG_COUNT_CAP = CAP
    search = TrialSearch(QueryDict(BROAD))
    counts = search.facet_counts()
    assert counts.capped
    assert [t.nct_id for t in search.results(counts.total, counts.capped)] == best


def test_a_page_past_the_cap_says_why_it_is_not_there(client, bundled_catalog, cap):
    response = client.get(f"/trials/?{BROAD}&page=99")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.number == CAP // 25
    assert f"Only the first {CAP:,} matches have pages" in response.content.decode()


def test_the_whole_catalog_is_counted_exactly_whatever_the_cap(client, bundled_catalog, cap):
    response = client.get("/trials/")
    assert response.context["count"] == Trial.objects.public().count() > CAP
    assert "+ trials" not in response.content.decode()
    assert "Counted among the first" not in response.content.decode()


def test_a_search_under_the_cap_shows_no_mark(client, bundled_catalog, cap):
    response = client.get("/trials/?q=knee+osteoarthritis")
    page = response.content.decode()
    assert "Counted among the first" not in page
    assert not re.search(r'<span class="count">\(\d+\+\)</span>', page)
