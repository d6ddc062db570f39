"""The five seed trials are in the catalog as their documents state them."""

import gzip
import json
import re

import pytest
from django.conf import settings

from tests.pages import element, text
from tests.seed_facts import SEED_FACTS, SEED_RELATED, resolve

pytestmark = pytest.mark.django_db


def test_the_catalog_holds_1538_trials(bundled_catalog):
    from catalog.models import Trial

    assert Trial.objects.count() == 1538


@pytest.mark.parametrize("nct_id", sorted(SEED_FACTS))
def test_the_api_states_every_fact_of_the_seed_document(client, bundled_catalog, nct_id):
    study = client.get(f"/api/v2/studies/{nct_id}").json()
    wrong = [
        (path, expected, resolve(study, path))
        for path, expected in SEED_FACTS[nct_id]
        if resolve(study, path) != expected
    ]
    assert wrong == []


# Dates as the pages and the API write them.
MONTHS = "January February March April May June July August September October November December"
MONTH_NUMBER = {name: i for i, name in enumerate(MONTHS.split(), start=1)}
DAY_DATE = re.compile(rf"\b(\d{{1,2}}) ({'|'.join(MONTHS.split())}) (\d{{4}})\b")
MONTH_DATE = re.compile(rf"\b({'|'.join(MONTHS.split())}) (\d{{4}})\b")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")


def shown_dates(page_text):
    """Every date a text shows, as ISO: days as YYYY-MM-DD, month-only dates as YYYY-MM."""
    dates = set()
    for day, month, year in DAY_DATE.findall(page_text):
        dates.add(f"{year}-{MONTH_NUMBER[month]:02d}-{int(day):02d}")
    rest = DAY_DATE.sub(" ", page_text)
    for month, year in MONTH_DATE.findall(rest):
        dates.add(f"{year}-{MONTH_NUMBER[month]:02d}")
    for year, month, day in ISO_DATE.findall(rest):
        dates.add(f"{year}-{month}-{day}" if day else f"{year}-{month}")
    return dates


def stated_dates(nct_id):
    """The dates the seed document and the trial's 2022 record state, as days and months."""
    with open(settings.BASE_DIR / "data" / "seeds" / f"{nct_id}.json", encoding="utf-8") as f:
        seed = json.load(f)
    with gzip.open(settings.BASE_DIR / "data" / "msc-trials-2022.json.gz", "rt") as f:
        record = next(
            (
                s
                for s in json.load(f)
                if s["protocolSection"]["identificationModule"]["nctId"] == nct_id
            ),
            {},
        )
    dates = shown_dates(json.dumps(seed)) | shown_dates(json.dumps(record))
    return dates | {d[:7] for d in dates}


def catalog_dates(trial):
    """The catalog's own dates (when it imported or changed its copy): true of the catalog,
    not claims about the trial."""
    stamps = [
        trial.updated_at,
        trial.imported_at,
        *trial.changes.values_list("created_at", flat=True),
    ]
    days = {stamp.date().isoformat() for stamp in stamps}
    return days | {d[:7] for d in days}


@pytest.mark.parametrize("nct_id", sorted(SEED_FACTS))
def test_no_page_or_api_answer_shows_a_date_no_source_states(client, bundled_catalog, nct_id):
    from catalog.models import Trial

    trial = Trial.objects.get(nct_id=nct_id)
    allowed = stated_dates(nct_id) | catalog_dates(trial)
    page = text(client.get(f"/trials/{nct_id}/").content.decode())
    assert shown_dates(page) - allowed == set()
    answers = [
        client.get(f"/api/v2/studies/{nct_id}").content.decode(),
        client.get("/api/v2/studies", {"filter.ids": nct_id}).content.decode(),
    ]
    for answer in answers:
        assert shown_dates(answer) - allowed == set()


def test_the_copyright_years_are_no_longer_update_dates(client, bundled_catalog):
    for nct_id in ("NCT02883803", "NCT04194671", "NCT05741099", "NCT05016804"):
        page = text(client.get(f"/trials/{nct_id}/").content.decode())
        assert "Last update posted —" in page


def test_the_seed_pages_locations_are_listed(client, bundled_catalog):
    page = text(client.get("/trials/NCT05741099/").content.decode())
    assert "No locations listed" not in page
    assert "1 site" in page


@pytest.mark.parametrize("nct_id", sorted(SEED_RELATED))
def test_the_seed_pages_related_trials_in_the_catalog_are_shown(client, bundled_catalog, nct_id):
    aside = element(client.get(f"/trials/{nct_id}/").content.decode(), "aside", id="related")
    for other in SEED_RELATED[nct_id]:
        assert f'<a href="/trials/{other}/">' in aside
