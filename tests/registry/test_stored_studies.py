"""Each trial's v2 study is built when the trial is written (``StoredStudy``) and served as
stored: by the importer for the trials a run writes, by the curation service for the trial a
curator changes, by ``store_studies`` for any left without one. A stored study is served only
for the version it was built from, and PostgreSQL forgets it when any row it was built from
changes, whoever changes it."""

import json

import pytest
from django.core.management import call_command
from django.db import connection

from catalog.models import StoredStudy, Trial
from catalog.registry.ctgov import study_json
from catalog.registry.importer import Importer
from catalog.search.fulltext import update_search_vectors
from tests.curation.test_curated_fields import edit, newer_source

pytestmark = pytest.mark.django_db


def fresh_study(trial):
    return json.loads(study_json(Trial.objects.for_export().get(pk=trial.pk)))


def stored_study(trial):
    return json.loads(StoredStudy.objects.get(trial=trial).study)


def api_study(client, trial):
    response = client.get(f"/api/v2/studies/{trial.nct_id}")
    assert response.status_code == 200
    return response.json()


def test_every_bundled_trial_has_a_stored_study_equal_to_one_built_afresh(bundled_catalog):
    assert not StoredStudy.objects.missing().exists()
    stored = dict(StoredStudy.objects.values_list("trial_id", "study"))
    trials = Trial.objects.for_export().order_by("pk")
    assert len(stored) == trials.count() == 1538
    for start in range(0, len(stored), 500):
        for trial in trials[start : start + 500]:
            assert stored[trial.pk] == study_json(trial), trial.nct_id


def test_an_import_stores_the_study_of_each_trial_it_writes(client, imported_trial):
    assert stored_study(imported_trial) == fresh_study(imported_trial)
    study = newer_source(imported_trial, identificationModule__briefTitle="A newer title")
    Importer().import_study(study)

    imported_trial.refresh_from_db()
    stored = StoredStudy.objects.get(trial=imported_trial)
    assert stored.version == imported_trial.version == 2
    briefs = json.loads(stored.study)["protocolSection"]["identificationModule"]
    assert briefs["briefTitle"] == "A newer title"
    assert api_study(client, imported_trial) == fresh_study(imported_trial)


def test_a_curators_edit_stores_the_study_again(client, curator_client, imported_trial):
    trial = edit(curator_client, imported_trial, inline=("Site", {0: {"city": "Curated City"}}))

    assert StoredStudy.objects.get(trial=trial).version == trial.version
    assert stored_study(trial) == fresh_study(trial)
    locations = api_study(client, trial)["protocolSection"]["contactsLocationsModule"]
    assert "Curated City" in {site.get("city") for site in locations["locations"]}


def test_a_curators_edit_scores_the_trials_related_trials_again(curator_client, imported_trial):
    from catalog.models import StoredRelatedTrials

    trial = edit(curator_client, imported_trial, inline=("Site", {0: {"city": "Curated City"}}))

    assert StoredRelatedTrials.objects.get(trial=trial).version == trial.version


def test_reverting_a_curated_field_stores_the_study_again(client, curator, imported_trial):
    from catalog.curation import service

    trial = edit_title(client, curator, imported_trial)
    service.revert_fields(trial, ["brief_title"], curator)

    trial.refresh_from_db()
    assert StoredStudy.objects.get(trial=trial).version == trial.version
    assert stored_study(trial) == fresh_study(trial)
    assert not StoredStudy.objects.missing().filter(pk=trial.pk).exists()


def edit_title(client, curator, trial):
    client.force_login(curator)
    trial = edit(client, trial, brief_title="A curated title")
    assert "brief_title" in trial.curated_fields
    client.logout()
    return trial


def test_a_study_stored_for_an_older_version_is_never_served(client, imported_trial):
    # A write that moves the version on without storing the study again (any writer but the
    # importer and the curation service) leaves an outdated study behind.
    Trial.objects.filter(pk=imported_trial.pk).update(brief_title="Changed", version=7)

    for study in (
        api_study(client, imported_trial),
        client.get(f"/api/v2/studies?query.id={imported_trial.nct_id}").json()["studies"][0],
    ):
        assert study["protocolSection"]["identificationModule"]["briefTitle"] == "Changed"
    assert StoredStudy.objects.missing().filter(pk=imported_trial.pk).exists()


def test_a_raw_change_to_any_row_a_study_shows_makes_it_built_afresh(client, imported_trial):
    statements = [
        "UPDATE catalog_site SET city = 'Raw City' WHERE trial_id = %(pk)s",
        "UPDATE catalog_organization SET name = 'Raw Sponsor' "
        "WHERE id = (SELECT lead_sponsor_id FROM catalog_trial WHERE id = %(pk)s)",
        "DELETE FROM catalog_arm_interventions WHERE arm_id IN "
        "(SELECT id FROM catalog_arm WHERE trial_id = %(pk)s)",
        "UPDATE catalog_trial SET brief_title = 'Raw title' WHERE id = %(pk)s",
    ]
    for statement in statements:
        StoredStudy.objects.store(Trial.objects.filter(pk=imported_trial.pk))
        with connection.cursor() as cursor:
            cursor.execute(statement, {"pk": imported_trial.pk})
        assert not StoredStudy.objects.filter(trial=imported_trial).exists(), statement
        assert api_study(client, imported_trial) == fresh_study(imported_trial)
    protocol = api_study(client, imported_trial)["protocolSection"]
    assert protocol["identificationModule"]["briefTitle"] == "Raw title"
    assert protocol["sponsorCollaboratorsModule"]["leadSponsor"]["name"] == "Raw Sponsor"
    assert {site["city"] for site in protocol["contactsLocationsModule"]["locations"]} == {
        "Raw City"
    }


def test_writes_no_study_shows_keep_the_stored_one(imported_trial):
    Trial.objects.filter(pk=imported_trial.pk).update(current_status="UNKNOWN")
    Trial.objects.judge_statuses()
    update_search_vectors(Trial.objects.filter(pk=imported_trial.pk))
    assert StoredStudy.objects.filter(trial=imported_trial).exists()


def test_store_studies_fills_in_the_missing_ones_and_only_those(imported_trial):
    StoredStudy.objects.filter(trial=imported_trial).delete()
    Trial.objects.filter(pk=imported_trial.pk).update(brief_title="Changed")

    call_command("store_studies", verbosity=0)
    assert stored_study(imported_trial) == fresh_study(imported_trial)
    assert not StoredStudy.objects.missing().exists()
    assert StoredStudy.objects.store(StoredStudy.objects.missing()) == 0


def test_an_api_page_costs_one_query_whether_studies_are_stored_or_not(
    client, imported_trial, django_assert_num_queries
):
    url = f"/api/v2/studies?query.id={imported_trial.nct_id}"
    with django_assert_num_queries(1):
        stored = client.get(url).content
    StoredStudy.objects.all().delete()
    # The missing study is built with the export's fixed set of queries.
    with django_assert_num_queries(1 + 18):
        built = client.get(url).content
    assert stored == built


def test_a_sorted_api_page_and_its_next_token_cost_one_query(
    client, bundled_catalog, django_assert_num_queries
):
    StoredStudy.objects.store(StoredStudy.objects.missing())  # any a test before changed
    url = "/api/v2/studies?pageSize=5&sort=LastUpdatePostDate:desc"
    with django_assert_num_queries(1):
        page = client.get(url).json()
    assert len(page["studies"]) == 5
    following = client.get(f"{url}&pageToken={page['nextPageToken']}").json()["studies"]
    dates = [
        s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]
        for s in page["studies"] + following
    ]
    assert dates == sorted(dates, reverse=True)
