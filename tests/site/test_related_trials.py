"""Related trials: the public trials sharing the most conditions, MeSH terms and interventions."""

import re

import pytest

from catalog.models import Trial
from tests.pages import element, elements

pytestmark = pytest.mark.django_db

WEIGHTS = {"condition": 3, "intervention": 2, "condition_ancestor": 1, "intervention_ancestor": 1}


def expected_score(trial, other):
    """The score, counted in Python from the trials' rows."""
    conditions = set(trial.trialcondition_set.values_list("condition", flat=True))
    score = 3 * other.trialcondition_set.filter(condition__in=conditions).count()
    mine = set(trial.trialmesh_set.values_list("mesh_term", "kind"))
    for mesh, kind in other.trialmesh_set.values_list("mesh_term", "kind"):
        if (mesh, kind) in mine:
            score += WEIGHTS[kind]
    names = {n.lower() for n in trial.interventions.values_list("name", flat=True)}
    for name in other.interventions.values_list("name", flat=True):
        if name.lower() in names:
            score += 2
    return score


def test_the_related_trials_are_found_in_one_query(bundled_catalog, django_assert_num_queries):
    trial = Trial.objects.get(nct_id="NCT02883803")
    with django_assert_num_queries(1):
        related = list(Trial.objects.related_to(trial))
    assert len(related) == 5


def test_they_are_the_best_scored_with_the_score_they_earn(bundled_catalog):
    trial = Trial.objects.get(nct_id="NCT02883803")
    related = list(Trial.objects.related_to(trial))
    assert [r.score for r in related] == sorted((r.score for r in related), reverse=True)
    for other in related:
        assert other.score == expected_score(trial, Trial.objects.get(pk=other.pk))
    # No trial left out scores higher than the last one shown.
    shown = {r.pk for r in related} | {trial.pk}
    candidates = Trial.objects.public().filter(
        trialcondition__condition__in=trial.trialcondition_set.values("condition")
    )
    for other in candidates.exclude(pk__in=shown).distinct():
        assert expected_score(trial, other) <= related[-1].score


def test_septic_shock_trials_are_related_to_the_septic_shock_seed(bundled_catalog):
    trial = Trial.objects.get(nct_id="NCT02883803")
    for other in Trial.objects.related_to(trial):
        shock = Trial.objects.get(pk=other.pk).trialmesh_set.filter(mesh_term__term="Shock, Septic")
        assert shock.exists() or "Sep" in other.brief_title


def test_a_trial_is_not_related_to_itself_nor_to_hidden_trials(bundled_catalog):
    trial = Trial.objects.get(nct_id="NCT02883803")
    first = next(iter(Trial.objects.related_to(trial)))
    Trial.objects.filter(pk=first.pk).update(is_public=False)
    related = [r.pk for r in Trial.objects.related_to(trial)]
    assert first.pk not in related
    assert trial.pk not in related
    assert len(related) == 5


def test_the_page_links_the_related_trials(client, bundled_catalog):
    trial = Trial.objects.get(nct_id="NCT02883803")
    page = client.get("/trials/NCT02883803/").content.decode()
    aside = element(page, "aside", id="related")
    links = elements(aside, "a")
    assert len(links) == 5
    for other in Trial.objects.related_to(trial):
        assert f'<a href="/trials/{other.nct_id}/">' in aside


def test_a_trial_sharing_no_condition_or_intervention_gets_the_trials_its_title_finds(
    client, bundled_catalog
):
    # NCT06518902's seed page names no condition, no MeSH term and an intervention no other
    # trial names: only its title's words (acute ischemic stroke, umbilical cord MSCs) relate it.
    trial = Trial.objects.get(nct_id="NCT06518902")
    assert not trial.trialcondition_set.exists() and not trial.trialmesh_set.exists()
    related = list(Trial.objects.related_to(trial))
    assert len(related) == 5
    assert all(r.score == 0 for r in related)
    assert [r.likeness for r in related] == sorted((r.likeness for r in related), reverse=True)
    for other in Trial.objects.filter(pk__in=[r.pk for r in related]):
        words = " ".join(
            [
                other.brief_title,
                *other.keywords,
                *(c.name for c in other.conditions.all()),
                *(i.name for i in other.interventions.all()),
            ]
        )
        assert re.search(r"stroke|infarct", words, re.I), other.nct_id
    page = client.get("/trials/NCT06518902/").content.decode()
    aside = element(page, "aside", id="related")
    listed = element(aside, "ul", **{"class": "listed-related"})
    assert len(elements(aside, "a")) - len(elements(listed, "a")) == 5


def test_a_trial_whose_title_words_find_nothing_has_no_related_section(client):
    from catalog.registry.importer import Importer
    from tests.factories import study

    lone = study("NCT09000005", title="Xyzzyqua plughwort")
    lone["protocolSection"].pop("conditionsModule", None)
    lone["protocolSection"].pop("armsInterventionsModule", None)
    lone.pop("derivedSection", None)
    Importer().import_study(lone, "lone.json")
    other = study("NCT09000006", title="Unrelated words entirely")
    Importer().import_study(other, "other.json")
    trial = Trial.objects.get(nct_id="NCT09000005")
    assert list(Trial.objects.related_to(trial)) == []
    page = client.get("/trials/NCT09000005/").content.decode()
    assert 'id="related"' not in page


# Stored lists (StoredRelatedTrials): scored when trials are written, read by the page.


def page_related(nct_id):
    trial = Trial.objects.public().for_page().get(nct_id=nct_id)
    return [other.nct_id for other in Trial.objects.related_for_page(trial)]


def scored_related(nct_id):
    return [other.nct_id for other in Trial.objects.related_to(Trial.objects.get(nct_id=nct_id))]


def test_the_import_stores_each_trials_related_trials_as_they_are_scored(bundled_catalog):
    from catalog.models import StoredRelatedTrials

    assert not StoredRelatedTrials.objects.stale().exists()
    for nct_id in Trial.objects.order_by("nct_id").values_list("nct_id", flat=True)[::40]:
        assert page_related(nct_id) == scored_related(nct_id), nct_id


def test_the_page_reads_a_stored_list_in_one_query(bundled_catalog, django_assert_num_queries):
    trial = Trial.objects.public().for_page().get(nct_id="NCT02883803")
    with django_assert_num_queries(1) as captured:
        related = Trial.objects.related_for_page(trial)
    assert len(related) == 5
    assert "catalog_trialcondition" not in captured.captured_queries[0]["sql"]


def test_a_trial_hidden_after_the_lists_were_stored_leaves_the_page(client, bundled_catalog):
    first = page_related("NCT02883803")[0]
    Trial.objects.filter(nct_id=first).update(is_public=False)
    shown = page_related("NCT02883803")
    assert first not in shown and len(shown) == 5
    aside = element(client.get("/trials/NCT02883803/").content.decode(), "aside", id="related")
    assert f"/trials/{first}/" not in aside


def test_a_trial_changed_since_its_list_was_stored_gets_its_related_trials_scored_afresh(
    bundled_catalog,
):
    from catalog.models import StoredRelatedTrials

    stored = StoredRelatedTrials.objects.get(trial__nct_id="NCT02883803")
    StoredRelatedTrials.objects.filter(pk=stored.pk).update(trial_ids=[])
    assert page_related("NCT02883803") == []
    Trial.objects.filter(nct_id="NCT02883803").update(version=stored.version + 1)
    assert page_related("NCT02883803") == scored_related("NCT02883803")


def test_importing_a_trial_scores_again_the_lists_of_the_trials_like_it(db):
    from catalog.registry.importer import Importer
    from tests.factories import study

    def alone(nct_id, title):
        record = study(nct_id, title=title)
        record["protocolSection"]["conditionsModule"] = {"conditions": ["Xyzzy syndrome"]}
        record["protocolSection"].pop("armsInterventionsModule", None)
        record.pop("derivedSection", None)
        return record

    Importer().import_study(alone("NCT09000007", "Stromal cells in Xyzzy syndrome"), "a.json")
    Importer().import_study(alone("NCT09000008", "Cord cells in Xyzzy syndrome"), "b.json")
    # The first trial's list was stored before the second existed, and is scored again: the
    # one trial sharing its condition comes first.
    assert page_related("NCT09000007")[0] == "NCT09000008"
    assert page_related("NCT09000008")[0] == "NCT09000007"
    assert page_related("NCT09000007") == scored_related("NCT09000007")


def test_relate_trials_scores_the_missing_lists_and_with_all_every_list(bundled_catalog):
    from django.core.management import call_command

    from catalog.models import StoredRelatedTrials

    StoredRelatedTrials.objects.filter(trial__nct_id__in=["NCT02883803", "NCT06518902"]).delete()
    assert StoredRelatedTrials.objects.stale().count() == 2
    call_command("relate_trials", verbosity=0)
    assert not StoredRelatedTrials.objects.stale().exists()
    assert page_related("NCT06518902") == scored_related("NCT06518902")
    StoredRelatedTrials.objects.update(trial_ids=[])
    call_command("relate_trials", "--all", verbosity=0)
    assert page_related("NCT02883803") == scored_related("NCT02883803")
