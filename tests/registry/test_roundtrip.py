"""Import then export gives back every key and value of every record, modelled or not.

The walk compares the JSON recursively (key order aside) and names each missing, extra or
changed value by its path, results sections included."""

import copy
import gzip
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from catalog.models import Trial
from catalog.registry.importer import Importer
from tests.factories import real_study

DATA = Path(settings.BASE_DIR) / "data"


def differences(expected, actual, path="$"):
    """Every difference between two JSON values: (path, what, expected, actual)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected.keys() | actual.keys():
            if key not in actual:
                yield (f"{path}.{key}", "missing", expected[key], None)
            elif key not in expected:
                yield (f"{path}.{key}", "extra", None, actual[key])
            else:
                yield from differences(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield (path, "length", len(expected), len(actual))
        for i, (a, b) in enumerate(zip(expected, actual, strict=False)):
            yield from differences(a, b, f"{path}[{i}]")
    elif type(expected) is not type(actual) or expected != actual:
        yield (path, "changed", expected, actual)


def test_the_walk_finds_missing_extra_and_changed_values_deep_down():
    study = {"a": [{"b": 1, "c": [True, "x"]}], "d": 1}
    other = {"a": [{"b": 1.0, "c": [1, "x"], "e": 2}]}
    found = {(p, what) for p, what, _, _ in differences(study, other)}
    assert found == {
        ("$.d", "missing"),
        ("$.a[0].e", "extra"),
        ("$.a[0].b", "changed"),
        ("$.a[0].c[0]", "changed"),
    }
    assert list(differences(study, copy.deepcopy(study))) == []


def inputs():
    """The record that won for every trial: the seed document where there is one."""
    with gzip.open(DATA / "msc-trials-2022.json.gz") as f:
        studies = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in json.load(f)}
    for path in sorted((DATA / "seeds").glob("NCT*.json")):
        studies[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return studies


@pytest.mark.django_db
def test_export_ctgov_gives_back_every_key_and_value_of_the_refreshed_file_and_the_seeds(
    bundled_catalog, tmp_path
):
    expected = inputs()
    assert len(expected) == 1538
    assert sum("resultsSection" in s for s in expected.values()) == 50
    call_command("export_ctgov", str(tmp_path / "out.json"), stdout=io.StringIO())
    with open(tmp_path / "out.json", encoding="utf-8") as f:
        exported = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in json.load(f)}
    assert sorted(exported) == sorted(expected)
    wrong = [
        (nct_id, *difference)
        for nct_id, study in expected.items()
        for difference in differences(study, exported[nct_id])
    ]
    assert (len(wrong), wrong[:10]) == (0, [])


@pytest.mark.django_db
def test_the_api_gives_back_the_results_and_the_seeds_exactly(client, bundled_catalog):
    expected = inputs()
    chosen = [n for n, s in expected.items() if "resultsSection" in s or "provenance" in s]
    assert len(chosen) == 55
    wrong = []
    for nct_id in chosen:
        study = client.get(f"/api/v2/studies/{nct_id}").json()
        wrong += [(nct_id, *d) for d in differences(expected[nct_id], study)]
    assert (len(wrong), wrong[:10]) == (0, [])


def with_unknown_keys(study):
    """A real record carrying v2 keys the catalog has never seen, at every depth."""
    study = copy.deepcopy(study)
    protocol = study["protocolSection"]
    study["futureSection"] = {"module": {"values": [1, 2.5, None, True, {"deep": ["x"]}]}}
    protocol["identificationModule"]["newIdentifierKind"] = {"code": "ABC", "verified": False}
    protocol["statusModule"]["startDateStruct"]["precisionNote"] = "as registered"
    protocol["armsInterventionsModule"]["armGroups"][0]["dosingSchedule"] = ["day 1", "day 8"]
    protocol["contactsLocationsModule"]["locations"][1]["accessibility"] = {"wheelchair": True}
    protocol["outcomesModule"]["primaryOutcomes"][0]["unitCode"] = "UCUM:1"
    study["resultsSection"] = {
        "outcomeMeasuresModule": {
            "outcomeMeasures": [
                {
                    "type": "PRIMARY",
                    "title": "Responders",
                    "timeFrame": "Week 4",
                    "newFlag": True,
                    "groups": [{"id": "OG000", "title": "MSC", "color": "blue"}],
                    "classes": [
                        {
                            "categories": [
                                {
                                    "measurements": [
                                        {"groupId": "OG000", "value": "3", "ciLevel": "95"}
                                    ]
                                }
                            ]
                        }
                    ],
                }
            ]
        },
        "newResultsModule": {"anything": "kept"},
    }
    return study


@pytest.mark.django_db
def test_a_record_with_keys_the_catalog_has_never_seen_comes_back_whole(client):
    study = with_unknown_keys(real_study(9))
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT09000002"
    assert Importer().import_study(study, "future.json") == "created"
    exported = client.get("/api/v2/studies/NCT09000002").json()
    assert list(differences(study, exported)) == []
    # The modelled part is in the catalog's rows, the rest beside them.
    trial = Trial.objects.get(nct_id="NCT09000002")
    measure = trial.result_measures.get()
    assert (measure.title, measure.measurements.get().value) == ("Responders", "3")
    assert measure.measurements.get().group.title == "MSC"


@pytest.mark.django_db
def test_a_curated_collection_wins_over_the_records_unmodelled_keys(client, curator):
    from catalog.curation.service import record_edit

    study = with_unknown_keys(real_study(9))
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT09000003"
    Importer().import_study(study, "future.json")
    trial = Trial.objects.get(nct_id="NCT09000003")
    trial.sites.exclude(position=0).delete()
    record_edit(trial, {"sites": {"old": 4, "new": 1, "collection": True}}, ["sites"], curator)
    exported = client.get("/api/v2/studies/NCT09000003").json()
    locations = exported["protocolSection"]["contactsLocationsModule"]["locations"]
    assert len(locations) == 1
    assert "accessibility" not in locations[0]
    # Everything else unmodelled is still there.
    assert exported["futureSection"] == study["futureSection"]
    assert exported["resultsSection"] == study["resultsSection"]
    expected = copy.deepcopy(study)
    del expected["protocolSection"]["contactsLocationsModule"]["locations"][1:]
    assert list(differences(expected, exported)) == []
