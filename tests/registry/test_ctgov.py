"""Reading and writing the ClinicalTrials.gov v2 study format (no database)."""

import datetime

import pytest

from catalog.registry import ctgov
from tests.factories import real_study, study


def test_reads_identification_status_and_design():
    parsed = ctgov.parse_study(real_study(0))
    assert parsed.nct_id == "NCT00081055"
    assert parsed.fields["overall_status"] == "WITHDRAWN"
    assert parsed.fields["study_type"] == "INTERVENTIONAL"
    assert parsed.lead_sponsor == ("Mesoblast International Sàrl", "INDUSTRY")


@pytest.mark.parametrize("raw", ["nct00081055", " NCT00081055", "NCT81055", "nct 81055"])
def test_nct_ids_are_made_canonical(raw):
    assert ctgov.normalize_nct_id(raw) == "NCT00081055"


@pytest.mark.parametrize("raw", ["", "NCT", "12345678", "NCT123456789", None, 42])
def test_non_nct_ids_are_refused(raw):
    assert ctgov.normalize_nct_id(raw) is None


def test_month_only_dates_keep_their_precision():
    s = study(startDateStruct={"date": "2019-12", "type": "ESTIMATED"})
    parsed = ctgov.parse_study(s)
    assert parsed.fields["start_date"] == datetime.date(2019, 12, 1)
    assert parsed.fields["start_date_precision"] == "month"
    assert parsed.fields["start_date_type"] == "ESTIMATED"


@pytest.mark.parametrize(
    "text, years",
    [("18 Years", 18.0), ("6 Months", 0.5), ("1 Year", 1.0), ("", None), ("N/A", None)],
)
def test_ages_become_numbers_of_years(text, years):
    assert ctgov.age_in_years(text) == years


def test_a_study_without_nct_id_is_refused_with_a_reason():
    s = real_study(0)
    del s["protocolSection"]["identificationModule"]["nctId"]
    with pytest.raises(ctgov.StudyError, match="no NCT ID"):
        ctgov.parse_study(s)


def test_a_bad_date_names_the_field_and_the_study():
    s = study(startDateStruct={"date": "2020-13-45"})
    with pytest.raises(ctgov.StudyError) as caught:
        ctgov.parse_study(s)
    assert "startDateStruct" in caught.value.reason
    assert caught.value.nct_id == "NCT09000001"


def test_wrong_types_are_refused_not_guessed():
    s = real_study(0)
    s["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": "many"}
    with pytest.raises(ctgov.StudyError, match="enrollmentInfo.count"):
        ctgov.parse_study(s)


def test_missing_optional_modules_are_normal():
    s = real_study(0)
    for module in (
        "armsInterventionsModule",
        "outcomesModule",
        "contactsLocationsModule",
        "referencesModule",
        "oversightModule",
    ):
        s["protocolSection"].pop(module, None)
    s.pop("derivedSection")
    parsed = ctgov.parse_study(s)
    assert parsed.arms == [] and parsed.sites == [] and parsed.mesh == []


def test_sparse_drops_empty_values_only():
    assert ctgov.sparse({"a": "", "b": [], "c": {"d": None}, "e": 0, "f": False}) == {
        "e": 0,
        "f": False,
    }
