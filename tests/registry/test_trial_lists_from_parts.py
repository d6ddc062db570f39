"""A trial's countries and cities (``Trial.countries``, ``Trial.cities``) follow its sites, its
intervention types (``Trial.intervention_types``) its interventions, and its condition terms
(``Trial.condition_terms``) its MeSH links, its conditions and the MeSH terms, whoever writes
them."""

import pytest
from django.core.management import call_command
from django.db.models import Q

from catalog.models import (
    Condition,
    Intervention,
    MeshTerm,
    Site,
    Trial,
    TrialCondition,
    TrialMesh,
)
from catalog.registry.importer import Importer
from tests.factories import real_study

pytestmark = pytest.mark.django_db


def countries_of_sites(trial):
    """The distinct countries of the trial's sites, one spelling per country, sorted."""
    by_key = {}
    for country in Site.objects.filter(trial=trial).values_list("country", flat=True):
        if country:
            key = country.upper()
            by_key[key] = min(by_key.get(key, country), country)
    return sorted(by_key.values())


def countries(trial):
    return Trial.objects.values_list("countries", flat=True).get(pk=trial.pk)


def cities(trial):
    return Trial.objects.values_list("cities", flat=True).get(pk=trial.pk)


def intervention_types(trial):
    return Trial.objects.values_list("intervention_types", flat=True).get(pk=trial.pk)


def condition_terms(trial):
    return Trial.objects.values_list("condition_terms", flat=True).get(pk=trial.pk)


def terms_of_conditions(trial):
    """The MeSH condition terms of the trial and the terms named as one of its conditions."""
    terms = set(
        TrialMesh.objects.filter(trial=trial, kind="condition").values_list("mesh_term", flat=True)
    )
    names = {
        n.upper()
        for n in Condition.objects.filter(trialcondition__trial=trial).values_list(
            "name", flat=True
        )
    }
    terms |= {
        pk for pk, term in MeshTerm.objects.values_list("pk", "term") if term.upper() in names
    }
    return sorted(terms)


def types_of_interventions(trial):
    rows = Intervention.objects.filter(trial=trial).exclude(type="")
    return sorted(set(rows.values_list("type", flat=True)))


def test_every_imported_trial_lists_the_countries_of_its_sites(bundled_catalog):
    for trial in Trial.objects.prefetch_related("sites"):
        sites = sorted({s.country for s in trial.sites.all() if s.country})
        assert trial.countries == sites, trial.nct_id
    assert Trial.objects.exclude(countries=[]).count() > 1000


def test_every_imported_trial_lists_its_sites_cities_and_its_intervention_types(bundled_catalog):
    for trial in Trial.objects.prefetch_related("sites", "interventions"):
        by_key = {}
        for site in trial.sites.all():
            if site.city:
                by_key[site.city.upper()] = min(by_key.get(site.city.upper(), site.city), site.city)
        assert trial.cities == sorted(by_key.values()), trial.nct_id
        types = sorted({i.type for i in trial.interventions.all() if i.type})
        assert trial.intervention_types == types, trial.nct_id
    assert Trial.objects.exclude(cities=[]).count() > 1000
    assert Trial.objects.exclude(intervention_types=[]).count() > 1400


def test_every_imported_trial_lists_its_condition_terms(bundled_catalog):
    for trial in Trial.objects.all():
        assert trial.condition_terms == terms_of_conditions(trial), trial.nct_id
    assert Trial.objects.exclude(condition_terms=[]).count() > 1000


def test_mesh_links_conditions_and_terms_written_change_the_trial_condition_terms(
    imported_trial,
):
    TrialMesh.objects.filter(trial=imported_trial).delete()
    TrialCondition.objects.filter(trial=imported_trial).delete()
    assert condition_terms(imported_trial) == []

    linked = MeshTerm.objects.create(mesh_id="D900001", term="Linked Term")
    TrialMesh.objects.create(trial=imported_trial, mesh_term=linked, kind="condition", position=0)
    ancestor = MeshTerm.objects.create(mesh_id="D900002", term="Ancestor Term")
    TrialMesh.objects.create(
        trial=imported_trial, mesh_term=ancestor, kind="condition_ancestor", position=0
    )
    assert condition_terms(imported_trial) == [linked.pk]

    # A condition named as a MeSH term, in another case, counts under that term.
    named = MeshTerm.objects.create(mesh_id="D900003", term="Named Term")
    condition = Condition.objects.create(name="named term")
    TrialCondition.objects.create(trial=imported_trial, condition=condition, position=0)
    assert condition_terms(imported_trial) == sorted([linked.pk, named.pk])

    # A term added later under the name of another of its conditions counts too; renamed, not.
    other = Condition.objects.create(name="Late Term")
    TrialCondition.objects.create(trial=imported_trial, condition=other, position=1)
    late = MeshTerm.objects.create(mesh_id="D900004", term="LATE TERM")
    assert late.pk in condition_terms(imported_trial)
    late.term = "Renamed Term"
    late.save()
    assert late.pk not in condition_terms(imported_trial)
    other.name = "Renamed term"
    other.save()
    assert late.pk in condition_terms(imported_trial)
    assert condition_terms(imported_trial) == terms_of_conditions(imported_trial)

    TrialMesh.objects.filter(trial=imported_trial).delete()
    TrialCondition.objects.filter(trial=imported_trial, condition=condition).delete()
    assert condition_terms(imported_trial) == [late.pk]


def test_a_site_added_changed_or_removed_changes_the_trial_cities(imported_trial):
    site = Site.objects.create(trial=imported_trial, position=90, city="Ulaanbaatar", contacts=[])
    assert "Ulaanbaatar" in cities(imported_trial)
    site.city = "Thimphu"
    site.save()
    assert "Ulaanbaatar" not in cities(imported_trial)
    assert "Thimphu" in cities(imported_trial)
    Site.objects.filter(trial=imported_trial).exclude(pk=site.pk).delete()
    assert cities(imported_trial) == ["Thimphu"]
    site.delete()
    assert cities(imported_trial) == []


def test_an_intervention_added_changed_or_removed_changes_the_trial_types(imported_trial):
    Intervention.objects.filter(trial=imported_trial).delete()
    assert intervention_types(imported_trial) == []
    item = Intervention.objects.create(trial=imported_trial, position=1, type="DEVICE", name="A")
    Intervention.objects.create(trial=imported_trial, position=2, type="DEVICE", name="B")
    Intervention.objects.create(trial=imported_trial, position=3, type="", name="C")
    assert intervention_types(imported_trial) == ["DEVICE"]
    item.type = "BIOLOGICAL"
    item.save()
    assert intervention_types(imported_trial) == ["BIOLOGICAL", "DEVICE"]
    Intervention.objects.filter(trial=imported_trial, type="DEVICE").delete()
    assert intervention_types(imported_trial) == types_of_interventions(imported_trial)


def test_the_city_and_intervention_type_filters_read_the_trial_lists(imported_trial, client):
    Site.objects.create(trial=imported_trial, position=90, city="Ulaanbaatar", contacts=[])
    Intervention.objects.create(trial=imported_trial, position=9, type="DIETARY_SUPPLEMENT")
    for value in ("Ulaanbaatar", "ULAANBAATAR"):
        page = client.get("/trials/", {"city": value, "intervention_type": "DIETARY_SUPPLEMENT"})
        assert page.status_code == 200
        assert imported_trial.nct_id in page.content.decode()


def test_a_site_added_changed_moved_or_removed_changes_the_trial_countries(imported_trial):
    study = real_study(10)
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT09000002"
    Importer().import_study(study, "test.json")
    other = Trial.objects.get(nct_id="NCT09000002")
    before = countries(imported_trial)
    site = Site.objects.create(trial=imported_trial, position=90, country="Mongolia", contacts=[])
    assert countries(imported_trial) == sorted([*before, "Mongolia"])

    site.country = "Bhutan"
    site.save()
    assert "Mongolia" not in countries(imported_trial)
    assert countries(imported_trial) == countries_of_sites(imported_trial)

    Site.objects.filter(trial=imported_trial).exclude(pk=site.pk).delete()
    assert countries(imported_trial) == ["Bhutan"]

    Site.objects.filter(pk=site.pk).update(trial=other)
    assert countries(imported_trial) == []
    assert "Bhutan" in countries(other)


def test_one_country_spelled_in_two_cases_is_listed_once(imported_trial):
    Site.objects.filter(trial=imported_trial).delete()
    Site.objects.bulk_create(
        [
            Site(trial=imported_trial, position=1, country="china", contacts=[]),
            Site(trial=imported_trial, position=2, country="China", contacts=[]),
            Site(trial=imported_trial, position=3, country="", contacts=[]),
        ]
    )
    assert countries(imported_trial) == ["China"]


def test_a_reimport_with_fewer_sites_leaves_only_their_countries(imported_trial):
    study = real_study(9)
    study["protocolSection"]["identificationModule"]["nctId"] = imported_trial.nct_id
    locations = study["protocolSection"]["contactsLocationsModule"]["locations"]
    study["protocolSection"]["contactsLocationsModule"]["locations"] = [
        {**locations[0], "country": "Iceland"}
    ]
    study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2030-01-01"
    Importer().import_study(study, "test.json")
    assert countries(imported_trial) == ["Iceland"]


def test_the_country_filter_reads_the_trial_countries_in_any_case(imported_trial, client):
    Site.objects.create(trial=imported_trial, position=90, country="Mongolia", contacts=[])
    for value in ("Mongolia", "MONGOLIA", "mongolia"):
        page = client.get("/trials/", {"country": value})
        assert page.status_code == 200
        assert imported_trial.nct_id in page.content.decode()


def test_generated_trials_list_the_countries_of_their_sites(db):
    call_command("generate_trials", count=60, seed=5, verbosity=0)
    generated = Trial.objects.filter(is_synthetic=True)
    assert generated.filter(~Q(countries=[])).exists()
    for trial in generated:
        assert trial.countries == countries_of_sites(trial), trial.nct_id
        sites = Site.objects.filter(trial=trial).exclude(city="")
        assert trial.cities == sorted(set(sites.values_list("city", flat=True))), trial.nct_id
        assert trial.intervention_types == types_of_interventions(trial), trial.nct_id
        assert trial.condition_terms == terms_of_conditions(trial), trial.nct_id
