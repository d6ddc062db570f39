"""Statuses judged by today's date: an active status unverified for two years reads, and
filters, as "Unknown status", on the list, its facet, the API and the trial page.

The expected counts are computed here from the bundled records themselves, by the rule as
ClinicalTrials.gov states it, for fixed dates.
"""

import datetime
import gzip
import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from catalog.models import CatalogVersion, Trial
from tests.statuses import judged_status

pytestmark = pytest.mark.django_db

DATES = [
    datetime.date(2022, 6, 30),
    datetime.date(2023, 9, 1),
    datetime.date(2024, 12, 31),
    datetime.date(2026, 11, 30),
]


def bundled_statuses():
    """{NCT ID: statusModule} of the bundled files, the later file winning as on import."""
    statuses = {}
    data, seeds = settings.CATALOG_BUNDLED_DATA
    with gzip.open(data, "rt", encoding="utf-8") as f:
        loaded = json.load(f)
    studies = loaded if isinstance(loaded, list) else loaded["studies"]
    studies += [json.loads(path.read_text()) for path in sorted(seeds.glob("NCT*.json"))]
    for study in studies:
        protocol = study["protocolSection"]
        status = protocol["statusModule"]
        statuses[protocol["identificationModule"]["nctId"]] = status
    return statuses


def expected(today):
    public = set(Trial.objects.public().values_list("nct_id", flat=True))
    shown = {}
    for nct_id, status in bundled_statuses().items():
        if nct_id in public:
            judged = judged_status(status, today)
            shown[judged] = shown.get(judged, 0) + 1
    return shown


@pytest.mark.parametrize("today", DATES, ids=str)
def test_the_list_and_its_status_facet_count_by_the_date(client, bundled_catalog, today):
    Trial.objects.judge_statuses(today)
    counts = expected(today)
    facet = {v.value: v.count for v in client.get("/trials/").context["facets"]["status"].values}
    assert facet == counts
    for status in ("RECRUITING", "UNKNOWN", "NOT_YET_RECRUITING"):
        response = client.get(f"/trials/?status={status}")
        assert response.context["count"] == counts.get(status, 0)


@pytest.mark.parametrize("today", DATES[::3], ids=str)
def test_the_api_filters_by_the_same_judged_status(client, bundled_catalog, today):
    Trial.objects.judge_statuses(today)
    counts = expected(today)
    for status in ("RECRUITING", "UNKNOWN"):
        for query in (f"filter.overallStatus={status}", f"filter.advanced=AREA[OverallStatus]{status}"):
            body = client.get(f"/api/v2/studies?{query}&countTotal=true&pageSize=1").json()
            assert body["totalCount"] == counts[status], query


def test_an_aged_trial_page_says_unknown_with_its_last_known_status_and_age(
    client, bundled_catalog
):
    recruiting = Trial.objects.filter(overall_status="RECRUITING", last_update_posted__isnull=False)
    trial = recruiting.exclude(status_verified_date="").order_by("nct_id")[0]
    Trial.objects.judge_statuses(datetime.date(2026, 11, 30))
    html = client.get(f"/trials/{trial.nct_id}/").content.decode()
    assert "Unknown status" in html
    assert f"Last known status: recruiting, last verified {trial.status_verified_date}." in html
    assert "Record last updated" in html and " ago." in html
    assert "The study is enrolling participants now." not in html


def test_a_status_is_current_through_two_years_after_its_verification_month(bundled_catalog):
    trial = Trial.objects.filter(overall_status="RECRUITING", status_verified_date="2021-03")
    trial = trial.first() or Trial.objects.filter(overall_status="RECRUITING").first()
    Trial.objects.filter(pk=trial.pk).update(status_verified_date="2021-03")
    mine = Trial.objects.filter(pk=trial.pk)
    mine.judge_statuses(datetime.date(2023, 3, 31))
    assert mine.get().current_status == "RECRUITING"
    mine.judge_statuses(datetime.date(2023, 4, 1))
    assert mine.get().current_status == "UNKNOWN"
    # Verified again since: current again.
    mine.update(status_verified_date="2023-03-15")
    assert mine.judge_statuses(datetime.date(2023, 4, 1)) == 1
    assert mine.get().current_status == "RECRUITING"


def test_saving_a_trial_judges_its_status_by_today(bundled_catalog):
    trial = Trial.objects.filter(overall_status="COMPLETED").first()
    trial.overall_status = "RECRUITING"
    trial.status_verified_date = "2000-01"
    trial.save(update_fields=["overall_status", "status_verified_date"])
    assert Trial.objects.get(pk=trial.pk).current_status == "UNKNOWN"


def test_the_first_request_of_a_day_judges_the_whole_catalog(client, bundled_catalog, settings):
    aged = Trial.objects.filter(overall_status="RECRUITING", status_verified_date__startswith="201")
    aged.update(current_status="RECRUITING")
    assert aged.exists()
    settings.CATALOG_JUDGE_STATUSES_DAILY = True
    client.get("/trials/")
    assert not aged.filter(current_status="RECRUITING").exists()


def test_a_judgement_that_changes_nothing_keeps_every_cached_page(bundled_catalog):
    """Each process judges on its first request of the day: one that finds nothing to change
    must not bump the catalog version, or every start of a worker would empty the caches."""
    Trial.objects.judge_statuses()
    before, _ = CatalogVersion.current()
    assert Trial.objects.judge_statuses() == 0
    assert CatalogVersion.current()[0] == before


def test_the_command_judges_by_a_given_date_and_refuses_a_bad_one(bundled_catalog):
    out = io.StringIO()
    call_command("judge_statuses", "--date", "2022-01-01", stdout=out)
    assert out.getvalue().endswith("trial statuses changed\n")
    counts = expected(datetime.date(2022, 1, 1))
    assert Trial.objects.public().filter(current_status="UNKNOWN").count() == counts["UNKNOWN"]
    with pytest.raises(CommandError, match="not a date"):
        call_command("judge_statuses", "--date", "yesterday")
