"""``sync_ctgov`` against a real HTTP server on 127.0.0.1 serving recorded v2 pages: paging,
the last-sync mark, retries (429, 500, timeouts, malformed pages), nothing half-written, a
rerun that finishes the job, curated fields kept, and a dry run that writes nothing."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from catalog.models import ChangeKind, SyncState, Trial, TrialChange
from catalog.registry.client import advanced_since
from tests.ctgov_server import Fault, RecordedApi
from tests.factories import real_study

pytestmark = pytest.mark.django_db

QUERY = '"mesenchymal stromal cells"'
# Fast settings for the tests: no pause between requests, tiny backoff, short timeouts.
FAST = {"min_interval": 0, "backoff": 0.01, "timeout": 0.5, "retries": 2, "page_size": 2}


def recorded(index, updated="2023-01-10", nct_id=None):
    """A real bundled study under a test NCT ID and last-update date."""
    study = real_study(index)
    study["protocolSection"]["identificationModule"]["nctId"] = nct_id or f"NCT0990{index:04d}"
    study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {
        "date": updated,
        "type": "ACTUAL",
    }
    return study


@pytest.fixture
def api():
    server = RecordedApi([recorded(i) for i in range(5)]).start()
    yield server
    server.stop()


def sync(api, **options):
    out, err = io.StringIO(), io.StringIO()
    try:
        options = {"base_url": api.base_url, "query": QUERY, **FAST, **options}
        call_command("sync_ctgov", stdout=out, stderr=err, **options)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def ids():
    return set(Trial.objects.filter(nct_id__startswith="NCT0990").values_list("nct_id", flat=True))


def mark():
    state = SyncState.objects.filter(query=QUERY).first()
    return state.last_success_at if state else None


def test_a_first_sync_pages_through_every_record_and_sets_the_mark(api):
    out, err, error = sync(api)
    assert error is None, err
    assert "5 created" in out
    assert ids() == {f"NCT0990{i:04d}" for i in range(5)}
    assert api.pages_requested() == [1, 2, 3]
    tokens = [r.params.get("pageToken") for r in api.requests]
    assert tokens == [None, "p2", "p4"]
    assert all(r.params["query.term"] == QUERY for r in api.requests)
    assert "filter.advanced" not in api.requests[0].params
    assert mark() is not None
    change = TrialChange.objects.get(trial__nct_id="NCT09900000")
    assert change.kind == ChangeKind.SYNC and change.actor == "sync_ctgov"


def test_the_next_sync_asks_only_for_records_updated_since_the_last_one(api):
    sync(api)
    api.requests.clear()
    api.studies[1] = recorded(1, updated=datetime.date.today().isoformat())
    api.studies[1]["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"

    out, err, error = sync(api)

    assert error is None, err
    since = (mark() - datetime.timedelta(days=1)).date()
    assert api.requests[0].params["filter.advanced"] == advanced_since(since)
    assert "1 updated" in out and "0 created" in out
    assert Trial.objects.get(nct_id="NCT09900001").overall_status == "COMPLETED"


def test_a_sync_keeps_curated_fields_and_updates_the_rest(api, curator):
    sync(api)
    trial = Trial.objects.get(nct_id="NCT09900002")
    trial.brief_title = "Curated title"
    trial.curated_fields = {"brief_title": {"source": trial.brief_title, "by": "curator"}}
    trial.save()
    changed = recorded(2, updated="2099-01-01")
    changed["protocolSection"]["identificationModule"]["briefTitle"] = "Registry's new title"
    changed["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    api.studies[2] = changed

    _, err, error = sync(api, full=True)

    assert error is None, err
    trial.refresh_from_db()
    assert trial.brief_title == "Curated title"
    assert trial.overall_status == "TERMINATED"
    assert trial.curated_fields["brief_title"]["source"] == "Registry's new title"


def test_a_429_is_retried_after_its_retry_after_and_the_sync_succeeds(api):
    api.faults[2] = [Fault(status=429, headers={"Retry-After": "0"})]
    out, err, error = sync(api)
    assert error is None, err
    assert "HTTP 429" in err
    assert api.pages_requested() == [1, 2, 2, 3]
    assert len(ids()) == 5 and mark() is not None


def test_a_server_error_that_persists_fails_the_run_without_moving_the_mark(api):
    sync(api)
    first_mark = mark()
    api.studies[4] = recorded(4, updated="2099-01-01")
    api.faults[1] = [Fault(status=500)] * 3

    _, err, error = sync(api, full=True)

    assert error is not None and "the last-sync mark is not moved" in str(error)
    assert "HTTP 500" in err and "gave up after 3 attempts" in err
    assert mark() == first_mark
    state = SyncState.objects.get(query=QUERY)
    assert state.last_run_ok is False and "HTTP 500" in state.last_run_summary


def test_a_failed_run_is_finished_by_the_next_one(api):
    api.faults[2] = [Fault(status=503)] * 3

    _, _, error = sync(api)

    assert error is not None
    assert ids() == {"NCT09900000", "NCT09900001"}  # page 1, whole; nothing of page 2
    assert mark() is None

    out, err, error = sync(api)

    assert error is None, err
    assert "2 unchanged" in out and "3 created" in out
    assert len(ids()) == 5 and mark() is not None


def test_a_timeout_is_retried(api):
    api.faults[2] = [Fault(delay=0.6)]
    _, err, error = sync(api, timeout=0.2)
    assert error is None, err
    assert "timed out" in err
    assert len(ids()) == 5


def test_timeouts_that_persist_fail_the_run_and_a_rerun_finishes(api):
    api.faults[3] = [Fault(delay=0.6)] * 3
    _, err, error = sync(api, timeout=0.2)
    assert error is not None and "timed out" in err
    assert len(ids()) == 4 and mark() is None
    _, _, error = sync(api, timeout=0.2)
    assert error is None and len(ids()) == 5 and mark() is not None


def test_a_malformed_page_writes_nothing_of_it_and_a_rerun_finishes(api):
    api.faults[2] = [Fault(body=b'{"studies": [{"protocolSection": ')] * 3
    _, err, error = sync(api)
    assert error is not None and "malformed page" in err
    assert ids() == {"NCT09900000", "NCT09900001"}
    assert mark() is None
    _, _, error = sync(api)
    assert error is None and len(ids()) == 5


def test_a_study_that_cannot_be_read_fails_alone_and_keeps_the_mark(api):
    broken = recorded(3)
    broken["protocolSection"]["contactsLocationsModule"]["locations"] = [{"zip": "x" * 100}]
    api.studies[3] = broken

    out, err, error = sync(api)

    assert error is not None
    assert "NCT09900003" in err and "4 created" in out and "1 failed" in out
    assert "NCT09900003" not in ids()
    assert not TrialChange.objects.filter(trial__nct_id="NCT09900003").exists()
    assert mark() is None


def test_a_refused_request_is_not_retried(api):
    _, err, error = sync(api, base_url=api.base_url + "/nowhere")
    assert error is not None and "HTTP 404" in err
    assert len(api.requests) == 1


def test_requests_are_spaced_by_the_minimum_interval(api):
    _, _, error = sync(api, min_interval=0.2)
    assert error is None
    times = [r.at for r in api.requests]
    assert len(times) == 3
    assert all(b - a >= 0.19 for a, b in zip(times, times[1:], strict=False))


def test_a_dry_run_prints_what_would_change_and_writes_nothing(api):
    sync(api)
    before = TrialChange.objects.count(), mark()
    changed = recorded(0, updated="2099-01-01")
    changed["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    api.studies[0] = changed
    api.studies.append(recorded(7))

    out, err, error = sync(api, dry_run=True, full=True)

    assert error is None, err
    assert "NCT09900000: would update: overall status: Withdrawn → Completed" in out
    assert "NCT09900007: would create:" in out
    assert "Dry run, nothing written" in out
    assert "NCT09900007" not in ids()
    assert Trial.objects.get(nct_id="NCT09900000").overall_status != "COMPLETED"
    assert (TrialChange.objects.count(), mark()) == before
