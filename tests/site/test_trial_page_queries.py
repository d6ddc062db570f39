"""The trial page makes the same few queries however many sites, arms and outcomes it has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Trial

# Every page of these tests is rendered, none served as stored: the most queries.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stored_pages")]

# Rendered afresh (no current stored page): the stored page if current, the catalog
# version, then the trial (with its sponsor, MSC profile and stored related trials), its
# relations read together, the related trials, the record history, and the related trials a
# seed document lists. Served as stored, one of them (tests/site/test_stored_pages.py).
MAX_QUERIES = 7


def queries_for(client, nct_id):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/trials/{nct_id}/").status_code == 200
    return len(captured)


def test_a_trial_with_70_sites_is_served_in_a_few_queries(
    client, bundled_catalog, django_assert_max_num_queries
):
    trial = Trial.objects.get(nct_id="NCT00366145")
    assert trial.sites.count() == 70
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/trials/NCT00366145/").status_code == 200


def test_a_small_trial_is_served_in_as_few(client, bundled_catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        assert client.get("/trials/NCT06518902/").status_code == 200


def test_the_count_does_not_grow_with_the_rows(client, bundled_catalog):
    # The most arms, the most secondary outcomes, the most sites: all the same count as the
    # seed trial with two arms, eight outcomes and four sites.
    many = ["NCT04684602", "NCT02032004", "NCT00366145"]
    assert Trial.objects.get(nct_id="NCT04684602").arms.count() == 10
    counts = {nct_id: queries_for(client, nct_id) for nct_id in many + ["NCT02883803"]}
    assert len(set(counts.values())) == 1, counts


RESULTS_QUERIES = 1  # groups, measures, values, flow steps and counts, events and counts, together


def test_a_trial_with_results_adds_the_same_few_queries_whatever_their_size(
    client, bundled_catalog
):
    # The trials with the fewest and the most result rows: the same count, one more at most.
    with_results = Trial.objects.filter(has_results=True)
    by_size = sorted(
        with_results,
        key=lambda t: (
            t.result_measures.count()
            + t.adverse_events.count()
            + t.flow_steps.count()
            + sum(m.measurements.count() for m in t.result_measures.all())
        ),
    )
    chosen = [by_size[0].nct_id, by_size[len(by_size) // 2].nct_id, by_size[-1].nct_id]
    counts = {nct_id: queries_for(client, nct_id) for nct_id in chosen}
    assert len(set(counts.values())) == 1, counts
    assert max(counts.values()) <= MAX_QUERIES + RESULTS_QUERIES
    # A trial without results makes none of them.
    assert queries_for(client, "NCT02883803") <= MAX_QUERIES
