"""Downloads of a list's results: CSV in ClinicalTrials.gov's columns, JSON as v2 studies."""

import csv
import io
import json

import pytest

from catalog.models import StoredStudy, Trial
from catalog.registry.ctgov import study_from_trial
from catalog.search.listing import TrialSearch
from catalog.site import exports

pytestmark = pytest.mark.django_db

CTGOV_COLUMNS = [
    "NCT Number",
    "Study Title",
    "Study URL",
    "Acronym",
    "Study Status",
    "Brief Summary",
    "Study Results",
    "Conditions",
    "Interventions",
    "Primary Outcome Measures",
    "Secondary Outcome Measures",
    "Other Outcome Measures",
    "Sponsor",
    "Collaborators",
    "Sex",
    "Age",
    "Phases",
    "Enrollment",
    "Funder Type",
    "Study Type",
    "Study Design",
    "Other IDs",
    "Start Date",
    "Primary Completion Date",
    "Completion Date",
    "First Posted",
    "Results First Posted",
    "Last Update Posted",
    "Locations",
    "Study Documents",
]


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming
    return response, b"".join(response.streaming_content).decode()


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_has_clinicaltrials_gov_columns_in_order(client, bundled_catalog):
    response, text = download(client, "/trials/export.csv?q=septic+shock")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="msc-trials-')
    # ClinicalTrials.gov's columns in its order, then the MSC profile's.
    header = next(csv.reader(io.StringIO(text)))
    assert header[: len(CTGOV_COLUMNS)] == CTGOV_COLUMNS
    assert header[len(CTGOV_COLUMNS) :] == [c.name for c in exports.MSC_COLUMNS]


def test_csv_holds_all_matching_trials_not_only_a_page(client, bundled_catalog):
    _, text = download(client, "/trials/export.csv?status=COMPLETED&per_page=10&page=3")
    rows = csv_rows(text)
    expected = set(
        Trial.objects.filter(overall_status="COMPLETED").values_list("nct_id", flat=True)
    )
    assert len(rows) == len(expected) > 400
    assert {r["NCT Number"] for r in rows} == expected


def test_csv_rows_read_like_clinicaltrials_gov(client, bundled_catalog):
    _, text = download(client, "/trials/export.csv?ids=NCT02883803")
    (row,) = csv_rows(text)
    assert row["Study Title"] == "Treatment of Severe Infections With Mesenchymal Stem Cells"
    assert row["Study URL"] == "https://clinicaltrials.gov/study/NCT02883803"
    assert row["Acronym"] == "CHOCMSC"
    assert row["Study Results"] == "NO"
    assert row["Conditions"] == "Septic Shock"
    assert row["Interventions"] == (
        "BIOLOGICAL: Injection of mesenchymal stem cells|BIOLOGICAL: Injection of albumin alone"
    )
    assert row["Primary Outcome Measures"].startswith("SOFA score, To assess the efficacy")
    assert row["Secondary Outcome Measures"].count("|") >= 2
    assert row["Sponsor"] == "Central Hospital, Nancy, France"
    assert row["Age"] == "ADULT, OLDER_ADULT"
    assert row["Phases"] == "NA"
    assert row["Enrollment"] == "66"
    assert row["Funder Type"] == "OTHER"
    assert row["Study Design"] == (
        "Allocation: RANDOMIZED|Intervention Model: PARALLEL|"
        "Masking: DOUBLE (PARTICIPANT, INVESTIGATOR)|Primary Purpose: TREATMENT"
    )
    assert row["Start Date"] == "2019-12"
    assert row["First Posted"] == "2016-08-30"
    assert "Hôpital Central, Nancy, France" in row["Locations"]


def test_csv_follows_the_lists_order(client, bundled_catalog):
    _, text = download(client, "/trials/export.csv?q=knee&sort=nct_id")
    numbers = [r["NCT Number"] for r in csv_rows(text)]
    assert numbers == sorted(numbers)
    assert numbers == list(
        TrialSearch({"q": "knee", "sort": "nct_id"}).ordered().values_list("nct_id", flat=True)
    )


def test_json_is_a_list_of_v2_studies(client, bundled_catalog):
    response, text = download(client, "/trials/export.json?q=septic+shock")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    studies = json.loads(text)
    found = list(TrialSearch({"q": "septic shock"}).ordered().values_list("nct_id", flat=True))
    assert [s["protocolSection"]["identificationModule"]["nctId"] for s in studies] == found
    trial = Trial.objects.for_export().get(nct_id=found[0])
    expected = {**study_from_trial(trial), "mscProfile": trial.msc.as_json()}
    assert studies[0] == json.loads(json.dumps(expected))


def test_an_empty_result_is_still_a_valid_file(client, bundled_catalog):
    _, text = download(client, "/trials/export.json?q=xyzzyplugh")
    assert json.loads(text) == []
    _, text = download(client, "/trials/export.csv?q=xyzzyplugh")
    assert text.strip() == ",".join(CTGOV_COLUMNS + [c.name for c in exports.MSC_COLUMNS])


def test_downloads_read_in_batches(bundled_catalog, django_assert_max_num_queries):
    """The whole catalog in batches: a fixed number of queries per batch, none per trial."""
    trials = TrialSearch({}).ordered()
    batches = -(-trials.count() // exports.BATCH_SIZE)
    # One query for the trials (read through a cursor), and per batch a prefetch for each
    # related collection the CSV's columns read.
    with django_assert_max_num_queries(1 + batches * 21):
        rows = exports.batches(trials, exports.CSV_COLUMNS)
        lines = sum(1 for _ in exports.csv_lines(rows))
    assert lines == 1539
    # The JSON reads each trial's stored study with the trial: one query (once the studies
    # of trials that tests before this one changed are stored again).
    StoredStudy.objects.store(StoredStudy.objects.missing())
    with django_assert_max_num_queries(1):
        studies = json.loads("".join(exports.json_chunks(exports.batches(trials))))
    assert len(studies) == 1538


def test_bad_parameters_do_not_fail_a_download(client, bundled_catalog):
    _, text = download(client, "/trials/export.csv?status=FOO&start_from=2020-13-45&phase=PHASE4")
    assert len(csv_rows(text)) == Trial.objects.filter(phases__contains=["PHASE4"]).count() > 0
    response = client.get("/trials/export.csv?q=&status=COMPLETED")
    assert response.status_code == 302
    assert response["Location"] == "/trials/export.csv?status=COMPLETED"


def test_download_msc_columns_are_the_profiles_of_api_msc(client, bundled_catalog):
    _, text = download(client, "/trials/export.csv?condition=COVID-19&route=intravenous")
    rows = csv_rows(text)
    assert len(rows) > 5
    for row in rows:
        profile = client.get(f"/api/msc/{row['NCT Number']}").json()
        assert row["MSC Product Given"] == ("YES" if profile["is_msc"] else "NO")
        assert row["MSC Source"] == "|".join(profile["source"])
        assert row["MSC Donor"] == profile["donor"]
        assert row["MSC Product"] == "|".join(profile["product"])
        assert row["MSC Route"] == "|".join(profile["route"])
        dose = profile["dose"]
        for column, key in (("MSC Dose Min", "min"), ("MSC Dose Max", "max")):
            assert row[column] == ("" if dose[key] is None else format(dose[key], "g"))
        assert row["MSC Dose Unit"] == (dose["unit"] or "")
        assert row["MSC Number of Doses"] == (
            "" if dose["n_doses"] is None else str(dose["n_doses"])
        )


def test_fields_pick_the_download_columns(client, bundled_catalog):
    _, text = download(
        client, "/trials/export.csv?source=bone_marrow&fields=NCTId,MSC Route,Phases,MSC Donor"
    )
    assert next(csv.reader(io.StringIO(text))) == ["NCT Number", "MSC Route", "Phases", "MSC Donor"]
    _, text = download(client, "/trials/export.json?source=bone_marrow&fields=NCTId,Phase")
    study = json.loads(text)[0]
    assert set(study) == {"protocolSection"}
    assert set(study["protocolSection"]) == {"identificationModule", "designModule"}
    _, text = download(client, "/trials/export.json?source=bone_marrow&fields=mscProfile")
    study = json.loads(text)[0]
    assert set(study) == {"protocolSection", "mscProfile"}
    assert "bone_marrow" in study["mscProfile"]["source"]


def test_an_unknown_field_is_a_400_naming_it(client, bundled_catalog):
    response = client.get("/trials/export.csv?fields=NCTId,Colour")
    assert response.status_code == 400
    assert "'Colour'" in response.content.decode()
