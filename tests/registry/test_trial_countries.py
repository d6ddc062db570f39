"""A trial's countries (``Trial.countries``) follow its sites, whoever writes them."""

import pytest
from django.core.management import call_command
from django.db.models import Q

from catalog.models import Site, Trial
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


def test_every_imported_trial_lists_the_countries_of_its_sites(bundled_catalog):
    for trial in Trial.objects.prefetch_related("sites"):
        sites = sorted({s.country for s in trial.sites.all() if s.country})
        assert trial.countries == sites, trial.nct_id
    assert Trial.objects.exclude(countries=[]).count() > 1000


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
