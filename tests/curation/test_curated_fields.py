"""Curated fields survive re-import: a curator's change marks the field (or collection)
curated, re-imports update everything else and keep the source value beside the curator's, the
admin shows both, and a field or a whole trial can be reverted to the source."""

import copy

import pytest

from catalog.models import Organization, Trial
from catalog.registry.importer import Importer
from tests.admin_helpers import change_form_data

pytestmark = pytest.mark.django_db


def edit(client, trial, inline=None, **changes):
    """Save the trial's admin page with ``changes``; ``inline`` edits rows of one inline:
    ``(model name, {row: {field: value}})``."""
    url = f"/admin/catalog/trial/{trial.pk}/change/"
    response = client.get(url)
    data = change_form_data(response)
    data.update(changes)
    if inline:
        model, rows = inline
        formset = next(
            f.formset
            for f in response.context["inline_admin_formsets"]
            if f.opts.model.__name__ == model
        )
        for row, values in rows.items():
            for name, value in values.items():
                data[f"{formset.prefix}-{row}-{name}"] = value
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    trial.refresh_from_db()
    return trial


def newer_source(trial, **protocol_changes):
    """The trial's source record, updated later by the registry with ``protocol_changes``."""
    study = copy.deepcopy(trial.source_record)
    status = study["protocolSection"]["statusModule"]
    status["lastUpdatePostDateStruct"] = {"date": "2099-01-01", "type": "ACTUAL"}
    for path, value in protocol_changes.items():
        module, key = path.split("__")
        study["protocolSection"][module][key] = value
    return study


def test_curated_status_and_title_survive_a_reimport_that_changes_other_fields(
    curator_client, curator, imported_trial
):
    trial = edit(
        curator_client, imported_trial, brief_title="Curated title", overall_status="TERMINATED"
    )
    assert set(trial.curated_fields) == {"brief_title", "overall_status"}
    assert trial.curated_fields["overall_status"]["source"] == "COMPLETED"
    assert trial.curated_fields["brief_title"]["by"] == "curator"

    study = newer_source(
        trial,
        identificationModule__briefTitle="Registry's new title",
        statusModule__overallStatus="ACTIVE_NOT_RECRUITING",
        descriptionModule__briefSummary="A new summary from the registry.",
        identificationModule__acronym="NEWACR",
    )
    assert Importer().import_study(study) == "updated"

    trial.refresh_from_db()
    assert trial.brief_title == "Curated title"
    assert trial.overall_status == "TERMINATED"
    assert trial.brief_summary == "A new summary from the registry."
    assert trial.acronym == "NEWACR"
    assert str(trial.last_update_posted) == "2099-01-01"
    assert trial.curated_fields["brief_title"]["source"] == "Registry's new title"
    assert trial.curated_fields["overall_status"]["source"] == "ACTIVE_NOT_RECRUITING"
    assert trial.curated_fields["brief_title"]["by"] == "curator"  # who curated it stays


def test_the_admin_shows_the_source_value_beside_the_curator_s(curator_client, imported_trial):
    trial = edit(curator_client, imported_trial, overall_status="TERMINATED")
    Importer().import_study(newer_source(trial, statusModule__overallStatus="RECRUITING"))

    response = curator_client.get(f"/admin/catalog/trial/{trial.pk}/change/")

    rows = response.context["curated_rows"]
    assert [(r["label"], r["current"], r["source"], r["by"]) for r in rows] == [
        ("overall status", "Terminated", "Recruiting", "curator")
    ]
    page = response.content.decode()
    assert "Curated fields" in page and "Revert to source" in page


def test_reverting_a_field_takes_the_latest_source_value(curator_client, curator, imported_trial):
    trial = edit(curator_client, imported_trial, brief_title="Curated", overall_status="TERMINATED")
    Importer().import_study(newer_source(trial, statusModule__overallStatus="RECRUITING"))
    url = f"/admin/catalog/trial/{trial.pk}/revert/"

    confirm = curator_client.get(url, {"field": "overall_status"})
    assert confirm.status_code == 200 and "Recruiting" in confirm.content.decode()
    trial.refresh_from_db()
    response = curator_client.post(
        url, {"field": "overall_status", "loaded_version": trial.version}
    )

    assert response.status_code == 302
    trial.refresh_from_db()
    assert trial.overall_status == "RECRUITING"
    assert set(trial.curated_fields) == {"brief_title"}
    change = trial.changes.order_by("-version").first()
    assert change.kind == "revert" and change.user == curator
    assert change.changes == {"overall_status": {"old": "TERMINATED", "new": "RECRUITING"}}
    # From now on imports update it again.
    Importer().import_study(newer_source(trial, statusModule__overallStatus="COMPLETED"))
    trial.refresh_from_db()
    assert trial.overall_status == "COMPLETED"


def test_reverting_the_whole_trial_reimports_its_source_record(curator_client, imported_trial):
    trial = edit(
        curator_client,
        imported_trial,
        brief_title="Curated",
        minimum_age="21 Years",
        inline=("Site", {0: {"city": "Curated City"}}),
    )
    assert {"brief_title", "minimum_age", "minimum_age_years", "sites"} <= set(trial.curated_fields)
    source_title = trial.source_record["protocolSection"]["identificationModule"]["briefTitle"]

    response = curator_client.post(
        f"/admin/catalog/trial/{trial.pk}/revert/",
        {"field": "__all__", "loaded_version": trial.version},
    )

    assert response.status_code == 302
    trial.refresh_from_db()
    assert trial.curated_fields == {}
    assert trial.brief_title == source_title
    assert "Curated City" not in set(trial.sites.values_list("city", flat=True))
    change = trial.changes.order_by("-version").first()
    assert change.kind == "revert"
    assert {"brief_title", "minimum_age", "sites"} <= set(change.changes)


def test_the_revert_action_reverts_several_trials(curator_client, imported_trial):
    trial = edit(curator_client, imported_trial, brief_title="Curated")
    data = {"action": "revert_to_source", "_selected_action": [trial.pk]}
    assert "1 curated field" in curator_client.post("/admin/catalog/trial/", data).content.decode()
    response = curator_client.post("/admin/catalog/trial/", {**data, "apply": "1"})
    assert response.status_code == 302
    trial.refresh_from_db()
    assert trial.curated_fields == {} and trial.brief_title != "Curated"


def test_an_edited_inline_curates_its_collection(curator_client, imported_trial):
    trial = edit(curator_client, imported_trial, inline=("Site", {0: {"city": "Curated City"}}))
    assert set(trial.curated_fields) == {"sites"}
    assert len(trial.curated_fields["sites"]["source"]) == 4

    study = newer_source(trial)
    study["protocolSection"]["contactsLocationsModule"]["locations"].append(
        {"facility": "New Hospital", "city": "Lyon", "country": "France"}
    )
    study["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    Importer().import_study(study)

    trial.refresh_from_db()
    assert "Curated City" in set(trial.sites.values_list("city", flat=True))
    assert trial.sites.count() == 4
    assert len(trial.curated_fields["sites"]["source"]) == 5
    assert trial.overall_status == "TERMINATED"


def test_arms_and_interventions_are_curated_together(curator_client, imported_trial):
    trial = edit(
        curator_client, imported_trial, inline=("Arm", {0: {"description": "Curated arm."}})
    )
    assert set(trial.curated_fields) == {"arms", "interventions"}
    study = newer_source(trial)
    study["protocolSection"]["armsInterventionsModule"]["interventions"][0]["name"] = "Renamed"
    Importer().import_study(study)
    trial.refresh_from_db()
    assert "Renamed" not in set(trial.interventions.values_list("name", flat=True))
    assert trial.arms.filter(description="Curated arm.").exists()


def test_a_curated_lead_sponsor_survives_a_reimport(curator_client, imported_trial):
    other = Organization.objects.create(name="Curated Sponsor Foundation", agency_class="OTHER")
    trial = edit(curator_client, imported_trial, lead_sponsor=str(other.pk))
    assert "lead_sponsor" in trial.curated_fields
    Importer().import_study(newer_source(trial, statusModule__overallStatus="TERMINATED"))
    trial.refresh_from_db()
    assert trial.lead_sponsor == other and trial.overall_status == "TERMINATED"


def test_a_field_that_was_not_changed_is_not_curated(curator_client, imported_trial):
    trial = edit(curator_client, imported_trial, acronym="NEW")
    assert set(trial.curated_fields) == {"acronym"}


def test_a_trial_whose_source_record_is_unchanged_is_left_alone(imported_trial):
    Trial.objects.filter(pk=imported_trial.pk).update(brief_title="Edited without the admin")
    assert Importer().import_study(imported_trial.source_record) == "unchanged"
    imported_trial.refresh_from_db()
    assert imported_trial.brief_title == "Edited without the admin"
