"""The whole catalog's total and facet counts are counted once per catalog version, and a change
committed by anyone shows in them at once."""

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Trial

pytestmark = pytest.mark.django_db

TRIAL = "NCT02883803"


def facet_statements(queries):
    return [q for q in queries if "UNION ALL" in q["sql"]]


def list_page(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/trials/")
    assert response.status_code == 200
    return response, queries.captured_queries


def test_the_unfiltered_list_counts_the_catalog_once(client, bundled_catalog):
    cache.clear()
    first, first_queries = list_page(client)
    second, second_queries = list_page(client)
    assert len(facet_statements(first_queries)) == 1
    assert facet_statements(second_queries) == []
    assert second.context["count"] == first.context["count"] == Trial.objects.count()
    status = {v.value: v.count for v in second.context["facets"]["status"].values}
    assert status == {v.value: v.count for v in first.context["facets"]["status"].values}


def test_a_search_or_filter_is_always_counted(client, bundled_catalog):
    cache.clear()
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            client.get("/trials/?status=RECRUITING")
        assert len(facet_statements(queries.captured_queries)) == 1


def test_a_change_committed_elsewhere_shows_in_the_counts_at_once(client, bundled_catalog):
    cache.clear()
    before = list_page(client)[0].context["count"]
    assert list_page(client)[0].context["count"] == before
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    with psycopg.connect(**params, autocommit=True) as other:
        try:
            other.execute(
                "UPDATE catalog_trial SET is_public = false, hidden_reason = 'Not MSC' "
                "WHERE nct_id = %s",
                [TRIAL],
            )
            response, queries = list_page(client)
            assert response.context["count"] == before - 1
            assert len(facet_statements(queries)) == 1
        finally:
            other.execute(
                "UPDATE catalog_trial SET is_public = true, hidden_reason = '' WHERE nct_id = %s",
                [TRIAL],
            )
    assert list_page(client)[0].context["count"] == before


def test_a_transaction_that_has_written_counts_for_itself(client, bundled_catalog):
    cache.clear()
    before = list_page(client)[0].context["count"]
    Trial.objects.filter(nct_id=TRIAL).update(is_public=False, hidden_reason="Not MSC")
    assert list_page(client)[0].context["count"] == before - 1


def test_the_home_page_shares_the_cached_counts(client, bundled_catalog):
    cache.clear()
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert facet_statements(queries.captured_queries) == []
    assert response.context["total"] == Trial.objects.count()
