"""Validation with clear messages: NCT ID format, dates in order, enrollment, ages, codes from
the allowed sets; in the model (``full_clean``) and as the admin shows it, saving nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Trial
from tests.admin_helpers import change_form_data

pytestmark = pytest.mark.django_db


def errors_of(trial, **values):
    for name, value in values.items():
        setattr(trial, name, value)
    try:
        trial.full_clean()
    except ValidationError as error:
        return {name: " ".join(messages) for name, messages in error.message_dict.items()}
    return {}


def test_a_real_imported_trial_is_valid(imported_trial):
    assert errors_of(imported_trial) == {}


def test_the_nct_id_must_be_nct_and_eight_digits(imported_trial):
    message = errors_of(imported_trial, nct_id="NCT123")["nct_id"]
    assert "NCT followed by eight digits" in message


def test_start_must_not_come_after_primary_completion(imported_trial):
    errors = errors_of(
        imported_trial,
        start_date=datetime.date(2021, 6, 1),
        start_date_precision="day",
        primary_completion_date=datetime.date(2021, 1, 1),
        primary_completion_date_precision="day",
        completion_date=datetime.date(2022, 1, 1),
    )
    assert "comes before the start date" in errors["primary_completion_date"]


def test_primary_completion_must_not_come_after_completion(imported_trial):
    errors = errors_of(
        imported_trial,
        start_date=datetime.date(2020, 1, 1),
        primary_completion_date=datetime.date(2023, 1, 1),
        primary_completion_date_precision="day",
        completion_date=datetime.date(2022, 1, 1),
        completion_date_precision="day",
    )
    assert "comes before the primary completion date" in errors["completion_date"]


def test_dates_known_to_the_month_compare_by_month(imported_trial):
    errors = errors_of(
        imported_trial,
        start_date=datetime.date(2021, 5, 1),
        start_date_precision="month",
        primary_completion_date=datetime.date(2021, 5, 1),
        primary_completion_date_precision="day",
        completion_date=datetime.date(2021, 5, 1),
        completion_date_precision="month",
    )
    assert errors == {}


def test_first_posted_must_not_come_after_the_last_update(imported_trial):
    errors = errors_of(
        imported_trial,
        first_posted=datetime.date(2022, 1, 2),
        last_update_posted=datetime.date(2022, 1, 1),
    )
    assert "The last update" in errors["last_update_posted"]


def test_enrollment_cannot_be_negative(imported_trial):
    errors = errors_of(imported_trial, enrollment_count=-5)
    assert "Enrollment cannot be negative." in errors["enrollment_count"]


def test_ages_must_read_as_ages_and_come_in_order(imported_trial):
    errors = errors_of(imported_trial, minimum_age="65 Years", maximum_age="18 Years")
    assert "below the minimum age" in errors["maximum_age"]
    errors = errors_of(imported_trial, minimum_age="eighteen", maximum_age="")
    assert '"18 Years"' in errors["minimum_age"]
    assert errors_of(imported_trial, minimum_age="6 Months", maximum_age="2 Years") == {}
    assert imported_trial.minimum_age_years == 0.5 and imported_trial.maximum_age_years == 2


def test_codes_must_come_from_the_allowed_sets(imported_trial):
    errors = errors_of(
        imported_trial,
        phases=["PHASE2", "PHASE9"],
        std_ages=["TEEN"],
        who_masked=["NOBODY"],
        overall_status="DONE",
        study_type="ANECDOTAL",
    )
    assert "'PHASE9'" in errors["phases"] and "PHASE1" in errors["phases"]
    assert "'TEEN'" in errors["std_ages"] and "OLDER_ADULT" in errors["std_ages"]
    assert "'NOBODY'" in errors["who_masked"]
    assert "not a valid choice" in errors["overall_status"]
    assert "not a valid choice" in errors["study_type"]


def test_a_title_is_required_and_json_lists_hold_objects(imported_trial):
    errors = errors_of(imported_trial, brief_title="   ", references="[]")
    assert "needs a brief title" in errors["brief_title"]
    assert "JSON list of objects" in errors["references"]


def test_a_hidden_trial_needs_a_reason(imported_trial):
    errors = errors_of(imported_trial, is_public=False, hidden_reason="")
    assert "Say why the trial is hidden" in errors["hidden_reason"]


def post(client, trial, **changes):
    url = f"/admin/catalog/trial/{trial.pk}/change/"
    data = change_form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def test_the_admin_shows_the_messages_and_saves_nothing(editor_client, imported_trial):
    response = post(
        editor_client,
        imported_trial,
        brief_title="Changed",
        enrollment_count="-3",
        minimum_age="70 Years",
        maximum_age="20 Years",
        start_date="2030-01-01",
        phases=["PHASE9"],
        is_public="",
    )
    assert response.status_code == 200
    page = response.content.decode()
    for message in (
        "Enrollment cannot be negative.",
        "below the minimum age",
        "comes before the start date",
        "Select a valid choice. PHASE9 is not one of the available choices.",
    ):
        assert message in page, message
    imported_trial.refresh_from_db()
    assert imported_trial.brief_title != "Changed" and imported_trial.version == 1


def test_the_admin_asks_for_a_reason_when_hiding(editor_client, imported_trial):
    response = post(editor_client, imported_trial, is_public="", hidden_reason="")
    assert "Say why the trial is hidden" in response.content.decode()
    response = post(editor_client, imported_trial, is_public="", hidden_reason="Not an MSC trial.")
    assert response.status_code == 302
    imported_trial.refresh_from_db()
    assert not imported_trial.is_public


def test_a_trial_added_by_hand_needs_a_real_nct_id(curator_client, curator):
    url = "/admin/catalog/trial/add/"
    data = change_form_data(curator_client.get(url))
    data.update(
        nct_id="NCT123",
        brief_title="A trial not yet on the registry's export",
        overall_status="RECRUITING",
        study_type="INTERVENTIONAL",
    )
    response = curator_client.post(url, data)
    assert "NCT followed by eight digits" in response.content.decode()

    data["nct_id"] = "NCT09000077"
    assert curator_client.post(url, data).status_code == 302
    trial = Trial.objects.get(nct_id="NCT09000077")
    assert trial.version == 1 and trial.curated_fields == {}
    change = trial.changes.get()
    assert change.kind == "curator" and change.user == curator
    assert change.text() == "added to the catalog"


def test_the_nct_id_of_a_stored_trial_cannot_be_changed(curator_client, imported_trial):
    response = post(curator_client, imported_trial, nct_id="NCT09000099")
    assert response.status_code == 302
    imported_trial.refresh_from_db()
    assert imported_trial.nct_id == "NCT09000001"
