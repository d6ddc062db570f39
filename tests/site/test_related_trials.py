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
