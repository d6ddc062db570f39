"""Every trial gets its MSC profile on import, from its record, with curated values kept."""

import copy
import json

import pytest
from django.conf import settings

from catalog.models import (
    Arm,
    Intervention,
    MscDonor,
    MscProduct,
    MscProfile,
    MscRoute,
    MscSource,
    Trial,
)
from catalog.msc import extract
from catalog.msc.annotate import annotate
from catalog.registry.importer import Importer

pytestmark = pytest.mark.django_db

SEED_IDS = ["NCT02883803", "NCT04194671", "NCT05016804", "NCT05741099", "NCT06518902"]


def profile(nct_id):
    return MscProfile.objects.select_related("trial").get(trial__nct_id=nct_id)


def test_every_trial_of_the_catalog_has_a_profile(bundled_catalog):
    assert Trial.objects.count() == 1538
    assert MscProfile.objects.count() == 1538
    assert Trial.objects.filter(msc__isnull=True).count() == 0
    # Most are MSC trials; a few records give no MSC product at all.
    assert 1200 < MscProfile.objects.msc().count() < 1538


def test_every_msc_profile_carries_evidence_for_what_it_states(bundled_catalog):
    stated = MscProfile.objects.msc().exclude(sources=["not_stated"])
    assert stated.count() > 1000
    assert not [p.trial_id for p in stated if not p.evidence.get("source")]
    with_dose = MscProfile.objects.msc().exclude(dose_unit="")
    assert not [p.trial_id for p in with_dose if not p.evidence.get("dose") or not p.dose_text]


def test_the_stored_codes_are_the_rules_codes():
    assert [c for c in MscSource.values if c != "not_stated"] == list(extract.SOURCE_CODES)
    assert [c for c in MscRoute.values if c != "not_stated"] == list(extract.ROUTE_CODES)
    assert MscProduct.values == list(extract.PRODUCT_CODES)
    assert set(MscDonor.values) == {"autologous", "allogeneic", "both", "not_stated"}


def test_seed_trials(bundled_catalog):
    p = profile("NCT06518902")
    assert (p.sources, p.donor, p.products, p.routes) == (
        ["umbilical_cord"],
        "allogeneic",
        ["cells"],
        ["intravenous"],
    )
    assert p.n_doses == 3
    p = profile("NCT05016804")
    assert (p.sources, p.routes, p.dose_unit, p.total_cells, p.n_doses) == (
        ["umbilical_cord"],
        ["intravenous"],
        "total",
        1e8,
        1,
    )
    assert "100 million cells" in p.dose_text
    # "heterologous mesenchymal stem cells ... infused": allogeneic, intravenous
    p = profile("NCT02883803")
    assert (p.donor, p.routes) == ("allogeneic", ["intravenous"])


def test_named_product_per_kg_dose_escalation_and_schedule(bundled_catalog):
    p = profile("NCT02923375")  # CYP-001, iPSC-derived MSCs, 1 or 2 million cells/kg
    assert (p.sources, p.donor, p.routes) == (["ipsc"], "allogeneic", ["intravenous"])
    assert [n["name"] for n in p.named_products] == ["CYP-001 (Cymerus iPSC-MSC)"]
    assert (p.dose_unit, p.dose_min, p.dose_max, p.cells_per_kg) == ("per_kg", 1e6, 2e6, 2e6)
    # An adult trial: the total for 70 kg, flagged as derived.
    assert (p.total_cells, p.dose_derived) == (2e6 * 70, True)
    assert (p.n_doses, p.dose_interval) == (2, "1 week")


def test_other_kinds_of_trial(bundled_catalog):
    p = profile("NCT01541579")  # darvadstrocel into perianal fistulas
    assert (p.sources, p.donor, p.routes, p.total_cells) == (
        ["adipose"],
        "allogeneic",
        ["local_injection"],
        1.2e8,
    )
    p = profile("NCT01446640")  # autologous, intravenous and intrathecal
    assert (p.donor, p.routes) == ("autologous", ["intravenous", "intrathecal"])
    p = profile("NCT04657458")  # ExoFlo: vesicles, not cells, so no cell dose
    assert p.products == ["extracellular_vesicles"] and p.dose_unit == ""
    p = profile("NCT01854567")  # no MSC product in this record
    assert not p.is_msc and p.sources == ["not_stated"] and p.products == []


def test_per_arm_profiles_are_kept(bundled_catalog):
    p = profile("NCT02923375")
    assert p.arms and all({"label", "source", "route", "dose"} <= set(arm) for arm in p.arms)


def test_a_new_record_updates_the_profile_on_import(bundled_catalog):
    path = settings.BASE_DIR / "data" / "seeds" / "NCT05016804.json"
    study = json.loads(path.read_text())
    newer = copy.deepcopy(study)
    newer["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {
        "date": "2030-01-01",
        "type": "ACTUAL",
    }
    arms = newer["protocolSection"]["armsInterventionsModule"]
    for item in arms["interventions"] + arms["armGroups"]:
        item["description"] = "Single intrathecal injection of 50 million cells by lumbar puncture"
    assert Importer().import_study(newer) == "updated"
    p = profile("NCT05016804")
    assert "intrathecal" in p.routes
    assert p.total_cells == 5e7


def test_a_curators_correction_to_the_record_counts(bundled_catalog):
    trial = Trial.objects.get(nct_id="NCT05016804")
    # A curator rewrote the intervention (the trial's arms and interventions are curated).
    trial.curated_fields = {"interventions": {"source": [], "by": "curator", "at": "2030-01-01"}}
    trial.save(update_fields=["curated_fields"])
    corrected = "Allogeneic umbilical cord MSCs, 2 million cells/kg, given intra-arterially"
    Intervention.objects.filter(trial=trial).update(description=corrected)
    Arm.objects.filter(trial=trial).update(description=corrected)
    annotate(Trial.objects.filter(pk=trial.pk))
    p = profile("NCT05016804")
    assert "intra_arterial" in p.routes
    assert (p.dose_unit, p.cells_per_kg) == ("per_kg", 2e6)


def test_curated_values_win_over_the_rules_and_survive_reannotation(bundled_catalog):
    p = profile("NCT06518902")
    p.set_curated("route", ["intra_arterial"], user="alice", note="Given into the carotid.")
    p.set_curated("dose", {"text": "1 million cells/kg", "cells_per_kg": 1e6, "unit": "per_kg"})
    p.save()
    summary = annotate(Trial.objects.filter(nct_id="NCT06518902"))
    assert summary.curated == 1
    p = profile("NCT06518902")
    assert p.routes == ["intra_arterial"]
    assert (p.dose_unit, p.cells_per_kg, p.dose_text) == ("per_kg", 1e6, "1 million cells/kg")
    assert p.curated["route"]["by"] == "alice"
    # What the rules say now is kept beside the curator's value.
    assert p.curated["route"]["computed"] == ["intravenous"]
    assert p.sources == ["umbilical_cord"]  # not curated: still the rules' value
    # Giving the field back to the rules.
    p.clear_curated("route")
    p.save()
    annotate(Trial.objects.filter(nct_id="NCT06518902"))
    assert profile("NCT06518902").routes == ["intravenous"]


def test_curated_values_survive_an_import_of_a_newer_record(bundled_catalog):
    p = profile("NCT05016804")
    p.set_curated("source", ["bone_marrow"], user="alice")
    p.save()
    study = json.loads((settings.BASE_DIR / "data" / "seeds" / "NCT05016804.json").read_text())
    study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {
        "date": "2030-01-01",
        "type": "ACTUAL",
    }
    assert Importer().import_study(study) == "updated"
    p = profile("NCT05016804")
    assert p.sources == ["bone_marrow"]
    assert p.curated["source"]["computed"] == ["umbilical_cord"]


def test_a_field_a_curator_cannot_set_is_refused(bundled_catalog):
    with pytest.raises(ValueError):
        profile("NCT05016804").set_curated("arms", [])


def test_annotating_takes_three_queries_a_batch(bundled_catalog, django_assert_num_queries):
    # The id list, then for each batch: the records, the curated rows locked, one upsert.
    trials = Trial.objects.filter(nct_id__in=SEED_IDS)
    with django_assert_num_queries(1 + 3 * 3):
        summary = annotate(trials, batch_size=2)
    assert summary.profiled == 5 and not summary.failures
