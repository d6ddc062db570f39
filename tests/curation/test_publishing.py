"""Publishing: editors hide trials (with a reason) and publish them; a hidden trial vanishes from
the list and the API, and its address answers 410 Gone with the reason; imports publish new
trials unless CATALOG_PUBLISH_IMPORTED is off, and never change a trial's publication."""

import json

import pytest

from catalog.models import Trial
from catalog.registry.importer import UNREVIEWED_REASON, Importer
from tests.factories import study

pytestmark = pytest.mark.django_db

REASON = "Not a mesenchymal stem/stromal cell trial: bone marrow mononuclear cells."


def act(client, action, trials, **fields):
    data = {"action": action, "_selected_action": [t.pk for t in trials], **fields}
    return client.post("/admin/catalog/trial/", data)


def hide(client, trial, reason=REASON):
    return act(client, "hide", [trial], apply="1", reason=reason)


def test_hiding_asks_for_the_reason_first(editor_client, imported_trial):
    response = act(editor_client, "hide", [imported_trial])
    assert response.status_code == 200
    page = response.content.decode()
    assert "Reason (shown publicly)" in page and "NCT09000001" in page
    imported_trial.refresh_from_db()
    assert imported_trial.is_public


def test_hiding_without_a_reason_is_refused(editor_client, imported_trial):
    response = hide(editor_client, imported_trial, reason="  ")
    assert "This field is required." in response.content.decode()
    imported_trial.refresh_from_db()
    assert imported_trial.is_public


def test_an_editor_hides_a_trial_with_a_reason(editor_client, editor, imported_trial):
    response = hide(editor_client, imported_trial)
    assert response.status_code == 302
    imported_trial.refresh_from_db()
    assert not imported_trial.is_public and imported_trial.hidden_reason == REASON
    assert imported_trial.version == 2
    change = imported_trial.changes.get(version=2)
    assert change.user == editor and change.kind == "curator"
    assert change.changes == {
        "is_public": {"old": True, "new": False},
        "hidden_reason": {"old": "", "new": REASON},
    }
    assert "is_public" not in imported_trial.curated_fields  # catalog state, not a source field


def test_a_hidden_trial_vanishes_from_the_list(editor_client, client, imported_trial):
    # The newest update, so first in the list whatever else the catalog holds.
    Trial.objects.filter(pk=imported_trial.pk).update(last_update_posted="2099-12-31")
    assert "NCT09000001" in client.get("/trials/").content.decode()
    hide(editor_client, imported_trial)
    client.logout()
    assert "NCT09000001" not in client.get("/trials/").content.decode()
    assert not Trial.objects.public().filter(pk=imported_trial.pk).exists()


def test_a_hidden_trial_s_page_is_410_gone_with_the_reason(editor_client, client, imported_trial):
    hide(editor_client, imported_trial)
    response = client.get("/trials/NCT09000001/")
    assert response.status_code == 410
    page = response.content.decode()
    assert "NCT09000001 is no longer in the catalog" in page
    assert "bone marrow mononuclear cells" in page
    assert imported_trial.brief_title not in page


def test_the_api_answers_410_with_the_reason(editor_client, client, imported_trial):
    hide(editor_client, imported_trial)
    response = client.get("/api/v2/studies/NCT09000001")
    assert response.status_code == 410
    assert json.loads(response.content)["error"]["message"] == (
        f"Study NCT09000001 was withdrawn from the catalog: {REASON}"
    )
    # Case aside, only the exact ID names the study (a short one such as NCT9000001 names none).
    assert client.get("/api/v2/studies/nct09000001").status_code == 410


def test_an_unknown_trial_is_still_404(client, db):
    assert client.get("/trials/NCT09999999/").status_code == 404
    assert client.get("/api/v2/studies/NCT09999999").status_code == 404


def test_publishing_brings_a_hidden_trial_back(editor_client, client, imported_trial):
    hide(editor_client, imported_trial)
    response = act(editor_client, "publish", [imported_trial])
    assert response.status_code == 302
    imported_trial.refresh_from_db()
    assert imported_trial.is_public and imported_trial.hidden_reason == ""
    assert imported_trial.version == 3
    assert client.get("/trials/NCT09000001/").status_code == 200


def test_publishing_a_public_trial_records_nothing(editor_client, imported_trial):
    act(editor_client, "publish", [imported_trial])
    imported_trial.refresh_from_db()
    assert imported_trial.version == 1 and imported_trial.changes.count() == 1


def test_imported_trials_are_public_by_default(db):
    Importer().import_study(study("NCT09000005"))
    assert Trial.objects.public().filter(nct_id="NCT09000005").exists()


def test_a_setting_imports_new_trials_hidden_until_reviewed(settings, client, db):
    settings.CATALOG_PUBLISH_IMPORTED = False
    Importer().import_study(study("NCT09000005"))
    trial = Trial.objects.get(nct_id="NCT09000005")
    assert not trial.is_public and trial.hidden_reason == UNREVIEWED_REASON
    assert client.get("/trials/NCT09000005/").status_code == 410


def test_a_reimport_keeps_a_hidden_trial_hidden(editor_client, imported_trial):
    hide(editor_client, imported_trial)
    newer = json.loads(json.dumps(imported_trial.source_record))
    newer["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2099-01-01"
    newer["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    assert Importer().import_study(newer) == "updated"
    imported_trial.refresh_from_db()
    assert imported_trial.overall_status == "TERMINATED"
    assert not imported_trial.is_public and imported_trial.hidden_reason == REASON
