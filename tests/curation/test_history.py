"""History: every change to a trial, by import, sync or curator, is recorded with who, when,
which fields and their old and new values; the admin shows it all, and the public trial page a
short record history at a constant number of queries."""

import copy

import pytest

from catalog.models import ChangeKind, TrialChange
from catalog.registry.importer import Importer
from tests.admin_helpers import change_form_data

pytestmark = pytest.mark.django_db


def newer(trial, status="TERMINATED", date="2099-01-01", extra_site=True):
    study = copy.deepcopy(trial.source_record)
    protocol = study["protocolSection"]
    protocol["statusModule"]["overallStatus"] = status
    protocol["statusModule"]["lastUpdatePostDateStruct"] = {"date": date, "type": "ACTUAL"}
    if extra_site:
        protocol["contactsLocationsModule"]["locations"].append(
            {"facility": "New Hospital", "city": "Lyon", "country": "France"}
        )
    return study


def test_an_import_records_the_trial_s_creation(imported_trial):
    change = imported_trial.changes.get()
    assert (change.version, change.kind, change.actor) == (1, "import", "import of test.json")
    assert change.changes == {} and change.text() == "added to the catalog"


def test_a_reimport_records_the_changed_fields_with_old_and_new_values(imported_trial):
    Importer().import_study(newer(imported_trial), "update.json")

    change = imported_trial.changes.get(version=2)
    assert change.kind == ChangeKind.IMPORT and change.actor == "import of update.json"
    assert change.changes["overall_status"] == {"old": "COMPLETED", "new": "TERMINATED"}
    assert change.changes["last_update_posted"]["new"] == "2099-01-01"
    assert change.changes["sites"] == {"old": 4, "new": 5, "collection": True}
    assert set(change.changes) == {"overall_status", "last_update_posted", "sites"}
    assert "overall status: Completed → Terminated" in change.text()
    assert "locations: 4 items → 5 items" in change.text()
    imported_trial.refresh_from_db()
    assert imported_trial.version == 2


def test_an_unchanged_reimport_records_nothing(imported_trial):
    assert Importer(force=True).import_study(imported_trial.source_record) == "unchanged"
    imported_trial.refresh_from_db()
    assert imported_trial.version == 1 and imported_trial.changes.count() == 1


def test_a_source_change_under_a_curated_field_is_recorded_as_such(imported_trial):
    imported_trial.curated_fields = {"overall_status": {"source": "COMPLETED"}}
    imported_trial.overall_status = "SUSPENDED"
    imported_trial.save()
    Importer().import_study(newer(imported_trial, extra_site=False))
    change = imported_trial.changes.get(version=2)
    assert change.changes["overall_status"] == {
        "old": "COMPLETED",
        "new": "TERMINATED",
        "curated": True,
    }
    assert "the curator's value stays" in change.text()


def test_an_edit_in_the_admin_is_recorded_with_its_author(editor_client, editor, imported_trial):
    url = f"/admin/catalog/trial/{imported_trial.pk}/change/"
    response = editor_client.get(url)
    data = change_form_data(response)
    data["acronym"] = "CURATED"
    sites = next(
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.opts.model.__name__ == "Site"
    )
    data[f"{sites.prefix}-0-DELETE"] = "on"
    assert editor_client.post(url, data).status_code == 302

    change = imported_trial.changes.get(version=2)
    assert change.kind == "curator" and change.user == editor and change.actor == "editor"
    assert change.changes["acronym"]["new"] == "CURATED"
    assert change.changes["sites"] == {"old": 4, "new": 3, "collection": True}


def test_the_admin_history_page_shows_every_change(curator_client, imported_trial):
    Importer().import_study(newer(imported_trial), "update.json")
    response = curator_client.get(f"/admin/catalog/trial/{imported_trial.pk}/history/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "import of update.json" in page and "import of test.json" in page
    assert "Completed" in page and "Terminated" in page and "5 items" in page
    assert "Added to the catalog" in page
    change_page = curator_client.get(f"/admin/catalog/trial/{imported_trial.pk}/change/")
    assert "Latest changes" in change_page.content.decode()


def test_the_trial_page_shows_a_short_record_history(client, imported_trial):
    Importer(kind=ChangeKind.SYNC, actor="sync_ctgov").import_study(newer(imported_trial))
    page = client.get("/trials/NCT09000001/").content.decode()
    assert "Record history" in page
    assert (
        "Updated from ClinicalTrials.gov (its update of 2099-01-01): overall status, locations"
        in page
    )
    assert "Added to the catalog" in page


def test_the_record_history_keeps_the_page_s_query_count_constant(
    client, imported_trial, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one_change:
        client.get("/trials/NCT09000001/")
    for day in range(1, 13):
        Importer().import_study(newer(imported_trial, date=f"2099-01-{day:02d}", extra_site=False))
    assert imported_trial.changes.count() == 13
    with django_assert_num_queries(len(one_change)):
        page = client.get("/trials/NCT09000001/").content.decode()
    assert page.count("Updated from ClinicalTrials.gov") == 10  # the latest ten changes


def test_public_summary_is_the_latest_changes_newest_first(imported_trial):
    for day in range(1, 4):
        Importer().import_study(newer(imported_trial, date=f"2099-01-{day:02d}", extra_site=False))
    versions = [c.version for c in TrialChange.objects.public_summary(imported_trial, limit=3)]
    assert versions == [4, 3, 2]
