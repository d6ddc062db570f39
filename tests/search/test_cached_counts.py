"""The whole catalog's total and facet counts are counted once per catalog version, and shared
through the database by every process; after a change committed by anyone, the counts of the
version before are served while the new ones are counted in the background, by one process,
which then show."""

import time

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import SharedFigures, Trial

pytestmark = pytest.mark.django_db

TRIAL = "NCT02883803"


def other_connection():
    """A connection of its own, committing each statement: what another process sees."""
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    return psycopg.connect(**params, autocommit=True)


@pytest.fixture(autouse=True)
def counted_afresh():
    """Nothing counted before the test, nor left after it (the background computations commit
    what they count)."""
    cache.clear()
    yield
    SharedFigures.forget()


def facet_statements(queries):
    return [q for q in queries if "UNION ALL" in q["sql"]]


def list_page(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/trials/")
    assert response.status_code == 200
    return response, queries.captured_queries


def test_the_unfiltered_list_counts_the_catalog_once(client, bundled_catalog):
    first, first_queries = list_page(client)
    second, second_queries = list_page(client)
    assert len(facet_statements(first_queries)) == 1
    assert facet_statements(second_queries) == []
    assert second.context["count"] == first.context["count"] == Trial.objects.count()
    status = {v.value: v.count for v in second.context["facets"]["status"].values}
    assert status == {v.value: v.count for v in first.context["facets"]["status"].values}


def test_a_search_or_filter_is_always_counted(client, bundled_catalog):
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            client.get("/trials/?status=RECRUITING")
        assert len(facet_statements(queries.captured_queries)) == 1


def test_after_a_change_the_counts_before_it_are_served_until_the_new_ones_are_counted(
    client, bundled_catalog
):
    before = list_page(client)[0].context["count"]
    with other_connection() as other:
        try:
            other.execute(
                "UPDATE catalog_trial SET is_public = false, hidden_reason = 'Not MSC' "
                "WHERE nct_id = %s",
                [TRIAL],
            )
            # No visitor waits for the new counts: the first one after the change gets the
            # counts of the version before, and the new ones are counted in the background.
            response, queries = list_page(client)
            assert response.context["count"] == before
            assert facet_statements(queries) == []
            assert counts_become(client, before - 1)
        finally:
            other.execute(
                "UPDATE catalog_trial SET is_public = true, hidden_reason = '' WHERE nct_id = %s",
                [TRIAL],
            )
    assert counts_become(client, before)


def counts_become(client, count):
    """Whether the list's count becomes ``count`` (counted in the background) within moments."""
    return wait_for(lambda: list_page(client)[0].context["count"] == count)


def test_a_process_that_has_not_counted_serves_the_counts_another_stored(
    client, bundled_catalog
):
    first = list_page(client)[0]
    cache.clear()  # as a new worker's cache, or another container's
    second, queries = list_page(client)
    assert facet_statements(queries) == []
    assert second.context["count"] == first.context["count"]


def test_only_one_process_at_a_time_may_compute_newer_figures(db):
    SharedFigures.keep("test-claim", 1, "old")
    assert SharedFigures.claim("test-claim", 2)
    assert not SharedFigures.claim("test-claim", 2)
    SharedFigures.release("test-claim")  # its computation failed: another may try
    assert SharedFigures.claim("test-claim", 2)
    SharedFigures.keep("test-claim", 2, "new")
    assert SharedFigures.read("test-claim") == (2, "new")
    assert not SharedFigures.claim("test-claim", 2)  # nothing newer to compute
    SharedFigures.keep("test-claim", 1, "older")  # a slower computation of an older version
    assert SharedFigures.read("test-claim") == (2, "new")


def test_a_transaction_that_has_written_counts_for_itself(client, bundled_catalog):
    before = list_page(client)[0].context["count"]
    Trial.objects.filter(nct_id=TRIAL).update(is_public=False, hidden_reason="Not MSC")
    assert list_page(client)[0].context["count"] == before - 1


def test_the_home_page_shares_the_cached_counts(client, bundled_catalog):
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert facet_statements(queries.captured_queries) == []
    assert response.context["total"] == Trial.objects.count()


def test_figures_are_counted_in_the_request_only_the_first_time_and_a_failed_refresh_again(
    db, caplog
):
    from catalog.site.cache import per_version

    # Nothing to serve before: counted in the request, and stored for every process.
    assert per_version("test-figures-once", lambda: "first") == "first"
    assert SharedFigures.read("test-figures-once")[1] == "first"
    # As another process would have stored them (this test's own writes are not committed, so
    # the background computation would not see them).
    keep_elsewhere("test-figures", "first")

    def failing():
        raise RuntimeError("the database went away")

    bump_version_elsewhere()
    assert per_version("test-figures", failing) == "first"
    assert wait_for(lambda: "could not compute the figures" in caplog.text)
    # The failed computation is started again by the next request, and its result served.
    assert per_version("test-figures", lambda: "second") == "first"
    assert wait_for(lambda: per_version("test-figures", failing) == "second")


def bump_version_elsewhere():
    with other_connection() as other:
        other.execute("UPDATE catalog_catalogversion SET version = version + 1 WHERE id = 1")


def keep_elsewhere(name, value):
    import pickle

    with other_connection() as other:
        other.execute(
            "INSERT INTO catalog_sharedfigures (name, version, value) SELECT %s, version, %s "
            "FROM catalog_catalogversion WHERE id = 1",
            [name, pickle.dumps(value)],
        )


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
