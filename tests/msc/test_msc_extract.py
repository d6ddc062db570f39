"""Behaviour of the rule-based MSC profile extractor on small hand-written study records.

Run with: python3 -m pytest -p no:django tests/msc/test_msc_extract.py
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest  # noqa: E402

from catalog.msc import profile_from_study  # noqa: E402


def study(title="", summary="", description="", interventions=(), arms=(), ages=("ADULT", "OLDER_ADULT"),
          conditions=(), study_type="INTERVENTIONAL"):
    return {"protocolSection": {
        "identificationModule": {"nctId": "NCT00000000", "briefTitle": title},
        "descriptionModule": {"briefSummary": summary, "detailedDescription": description},
        "conditionsModule": {"conditions": list(conditions)},
        "designModule": {"studyType": study_type},
        "armsInterventionsModule": {"interventions": list(interventions), "armGroups": list(arms)},
        "eligibilityModule": {"stdAges": list(ages)},
    }}


def bio(name, description="", arms=None, other=None):
    d = {"type": "BIOLOGICAL", "name": name, "description": description}
    if arms:
        d["armGroupLabels"] = arms
    if other:
        d["otherNames"] = other
    return d


# ------------------------------------------------------------------ shape

def test_public_shape_and_codes():
    p = profile_from_study(study("UC-MSC for ARDS", interventions=[bio("hUC-MSC", "1x10^6 cells/kg intravenously")]))
    assert set(p) == {"source", "donor", "product", "route", "dose", "named_products", "arms", "evidence", "is_msc", "review"}
    assert set(p["dose"]) == {"text", "cells_per_kg", "total_cells", "min", "max", "unit", "n_doses", "interval", "derived", "implausible"}
    assert set(p["evidence"]) == {"source", "donor", "product", "route", "dose"}


# ------------------------------------------------------------------ sources

@pytest.mark.parametrize("name,code", [
    ("Human umbilical cord mesenchymal stem cells (hUC-MSC)", "umbilical_cord"),
    ("WJ-MSC", "wharton_jelly"),
    ("Wharton's jelly derived mesenchymal stromal cells", "wharton_jelly"),
    ("BM-MSC", "bone_marrow"),
    ("Bone marrow-derived mesenchymal stem cells", "bone_marrow"),
    ("BMSCs", "bone_marrow"),
    ("AD-MSC", "adipose"),
    ("Adipose-derived stem cells (ADSC)", "adipose"),
    ("Umbilical cord blood-derived MSC", "cord_blood"),
    ("Placenta-derived mesenchymal stromal cells", "placenta"),
    ("Amniotic membrane mesenchymal stem cells", "amniotic"),
    ("Dental pulp stem cells (DPSC)", "dental_pulp"),
    ("Menstrual blood-derived stem cells (MenSC)", "menstrual_blood"),
    ("Synovial membrane-derived mesenchymal stem cells", "synovium"),
    ("iPSC-derived mesenchymal stem cells", "ipsc"),
    ("Olfactory mucosa mesenchymal stem cells", "other"),
])
def test_each_source(name, code):
    p = profile_from_study(study(f"{name} for knee osteoarthritis", interventions=[bio(name, "Injected into the knee joint")]))
    assert p["is_msc"]
    assert p["source"] == [code]
    assert p["evidence"]["source"]


def test_wharton_jelly_not_also_umbilical_cord():
    p = profile_from_study(study("Umbilical cord Wharton's jelly MSC", interventions=[bio("Umbilical cord Wharton's jelly mesenchymal stem cells")]))
    assert p["source"] == ["wharton_jelly"]


def test_source_not_stated_and_background_tissue_list_ignored():
    p = profile_from_study(study(
        "Mesenchymal Stem Cells for COVID-19",
        description="MSCs can be isolated from bone marrow, adipose tissue, umbilical cord and placenta. "
                    "Patients will receive MSCs intravenously.",
        interventions=[bio("MSC", "Mesenchymal stem cells infused intravenously")]))
    assert p["source"] == ["not_stated"]


def test_bone_marrow_transplantation_is_not_a_source():
    p = profile_from_study(study(
        "Mesenchymal Stromal Cells for GVHD After Allogeneic Bone Marrow Transplantation",
        interventions=[bio("Mesenchymal stromal cells", "MSC given intravenously to patients after bone marrow transplantation")]))
    assert "bone_marrow" not in p["source"]


def test_named_product_gives_source_and_donor():
    p = profile_from_study(study("Remestemcel-L for steroid-refractory aGVHD",
                                 interventions=[bio("Remestemcel-L", "Intravenous infusion", other=["Prochymal"])]))
    assert p["source"] == ["bone_marrow"]
    assert p["donor"] == "allogeneic"
    assert p["named_products"][0]["source"] == "bone_marrow"


def test_darvadstrocel_is_adipose_local():
    p = profile_from_study(study("Darvadstrocel in perianal fistula",
                                 interventions=[bio("Cx601", "120 million cells by intralesional injection into the fistula tract")]))
    assert p["source"] == ["adipose"]
    assert p["donor"] == "allogeneic"
    assert p["route"] == ["local_injection"]
    assert p["dose"]["total_cells"] == pytest.approx(1.2e8)


# ------------------------------------------------------------------ donor

def test_donor_stated_autologous():
    p = profile_from_study(study("Autologous BM-MSC in ALS", interventions=[bio("Autologous bone marrow MSC", "intrathecal injection")]))
    assert p["donor"] == "autologous"


def test_donor_inferred_from_perinatal_source():
    p = profile_from_study(study("UC-MSC in lupus", interventions=[bio("UC-MSC", "intravenous infusion")]))
    assert p["donor"] == "allogeneic"
    assert any("inferred" in e for e in p["evidence"]["donor"])


def test_donor_both():
    p = profile_from_study(study(
        "Autologous Versus Allogeneic MSC in Knee Osteoarthritis",
        arms=[{"label": "Auto", "type": "EXPERIMENTAL", "description": "autologous bone marrow MSC", "interventionNames": ["Drug: Auto MSC"]},
              {"label": "Allo", "type": "EXPERIMENTAL", "description": "allogeneic bone marrow MSC", "interventionNames": ["Drug: Allo MSC"]}],
        interventions=[bio("Auto MSC", "Intra-articular injection 40 million", arms=["Auto"]),
                       bio("Allo MSC", "Intra-articular injection 40 million", arms=["Allo"])]))
    assert p["donor"] == "both"
    assert {a["donor"] for a in p["arms"]} == {"autologous", "allogeneic"}


def test_allogeneic_hsct_context_does_not_set_donor():
    p = profile_from_study(study(
        "MSC for GVHD",
        summary="Patients who develop GVHD after allogeneic hematopoietic stem cell transplantation.",
        interventions=[bio("Mesenchymal stem cells", "MSCs given intravenously")]))
    assert p["donor"] == "not_stated"


# ------------------------------------------------------------------ routes

@pytest.mark.parametrize("text,code", [
    ("administered intravenously", "intravenous"),
    ("intracoronary infusion", "intra_arterial"),
    ("intrathecal injection via lumbar puncture", "intrathecal"),
    ("intramuscular injections into the gastrocnemius", "intramuscular"),
    ("intra-articular injection", "intra_articular"),
    ("transendocardial injection", "intramyocardial"),
    ("injected into the fistula tract", "local_injection"),
    ("intradiscal injection", "local_injection"),
    ("topical application on the wound", "topical"),
    ("nebulized inhalation", "intratracheal"),
    ("subconjunctival injection", "ocular"),
    ("intranasal administration", "intranasal"),
])
def test_each_route(text, code):
    p = profile_from_study(study("BM-MSC trial", interventions=[bio("BM-MSC", f"Bone marrow MSC {text}.")]))
    assert code in p["route"]


def test_several_routes():
    p = profile_from_study(study("UC-MSC via different routes", interventions=[
        bio("UC-MSC", "UC-MSCs given by intravenous infusion and by intrathecal injection.")]))
    assert p["route"] == ["intravenous", "intrathecal"]


def test_co_medication_route_not_taken():
    p = profile_from_study(study("AD-MSC for Crohn's fistula", interventions=[
        bio("AD-MSC", "Adipose MSC injected into the fistula tract."),
        {"type": "DRUG", "name": "Methylprednisolone", "description": "Methylprednisolone intravenous"}]))
    assert p["route"] == ["local_injection"]


def test_intravenous_not_from_grade_iv():
    p = profile_from_study(study("MSC for grade III-IV acute GVHD", interventions=[bio("MSC", "mesenchymal stromal cells, intra-arterial")]))
    assert p["route"] == ["intra_arterial"]


def test_route_implied_for_knee_osteoarthritis():
    p = profile_from_study(study("AD-MSC for knee osteoarthritis", conditions=["Knee Osteoarthritis"],
                                 interventions=[bio("AD-MSC", "One injection of 50 million cells")]))
    assert p["route"] == ["intra_articular"]


# ------------------------------------------------------------------ dose

@pytest.mark.parametrize("text,unit,value", [
    ("1×10^6 cells/kg", "per_kg", 1e6),
    ("10^6/kg", "per_kg", 1e6),
    ("1 x 10(6) MSC/kg", "per_kg", 1e6),
    ("2x106 cells/kg", "per_kg", 2e6),
    ("1.5*10E6/kg", "per_kg", 1.5e6),
    ("1 million cells per kilogram", "per_kg", 1e6),
    ("100 million cells", "total", 1e8),
    ("2.0E+07 cells", "total", 2e7),
    ("50 millions of cells", "total", 5e7),
    ("3.0*10E7 MSCs", "total", 3e7),
    ("15,000,000 umbilical cord mesenchymal stem cells", "total", 1.5e7),
    ("25 M allogeneic MPCs", "total", 2.5e7),
])
def test_dose_parsing(text, unit, value):
    p = profile_from_study(study("UC-MSC", interventions=[bio("UC-MSC", f"A dose of {text} given intravenously.")], ages=["CHILD"]))
    d = p["dose"]
    assert d["unit"] == unit
    assert d["min"] == pytest.approx(value)
    assert d["max"] == pytest.approx(value)
    if unit == "per_kg":
        assert d["cells_per_kg"] == pytest.approx(value)
    else:
        assert d["total_cells"] == pytest.approx(value)
    assert p["evidence"]["dose"]


def test_range_gives_min_max():
    p = profile_from_study(study("UC-MSC", interventions=[bio("UC-MSC", "1-2 x 10(6) MSC/kg intravenously")], ages=["CHILD"]))
    assert (p["dose"]["min"], p["dose"]["max"]) == (pytest.approx(1e6), pytest.approx(2e6))


def test_escalation_cohorts_min_max():
    p = profile_from_study(study(
        "Dose escalation of BM-MSC",
        arms=[{"label": f"Cohort {i}", "type": "EXPERIMENTAL", "description": f"{v} x 10^6 MSC/kg intravenously", "interventionNames": ["Biological: BM-MSC"]}
              for i, v in ((1, 1), (2, 3), (3, 10))],
        interventions=[bio("BM-MSC", "bone marrow mesenchymal stromal cells")], ages=["CHILD"]))
    d = p["dose"]
    assert d["unit"] == "per_kg"
    assert d["min"] == pytest.approx(1e6)
    assert d["max"] == pytest.approx(1e7)
    assert sorted(a["dose"]["min"] for a in p["arms"]) == [pytest.approx(1e6), pytest.approx(3e6), pytest.approx(1e7)]


def test_70kg_derivation_flagged_for_adults():
    p = profile_from_study(study("UC-MSC", interventions=[bio("UC-MSC", "2x10^6 cells/kg intravenously")], ages=["ADULT", "OLDER_ADULT"]))
    assert p["dose"]["cells_per_kg"] == pytest.approx(2e6)
    assert p["dose"]["total_cells"] == pytest.approx(1.4e8)
    assert p["dose"]["derived"] is True


def test_no_70kg_derivation_for_children_only():
    p = profile_from_study(study("UC-MSC", interventions=[bio("UC-MSC", "2x10^6 cells/kg intravenously")], ages=["CHILD"]))
    assert p["dose"]["total_cells"] is None
    assert p["dose"]["derived"] is False


def test_stated_total_is_not_derived():
    p = profile_from_study(study("UC-MSC", interventions=[bio("UC-MSC", "100 million cells intravenously")]))
    assert p["dose"]["total_cells"] == pytest.approx(1e8)
    assert p["dose"]["derived"] is False


def test_concentration_is_not_a_dose():
    p = profile_from_study(study("UC-MSC", interventions=[bio("UC-MSC", "suspension at 2, 4 or 6 million cells/mL injected intradermally")]))
    assert p["dose"]["min"] is None


def test_cumulative_total_dropped_when_per_dose_stated():
    p = profile_from_study(study("UC-MSC", interventions=[bio("UC-MSC", "1x10^6/kg per dose, three doses (total up to 3x10^6/kg), intravenously")], ages=["CHILD"]))
    assert p["dose"]["max"] == pytest.approx(1e6)


@pytest.mark.parametrize("text,n,interval", [
    ("2x10^7 cells weekly for 3 weeks", 3, "1 week"),
    ("two infusions 4 weeks apart of 1x10^6 cells/kg", 2, "4 weeks"),
    ("3.0*10E7 MSCs intravenously at Day 0, Day 3, Day 6", 3, "3 days"),
    ("a single dose of 1x10^6 cells/kg", 1, None),
])
def test_schedule(text, n, interval):
    p = profile_from_study(study("UC-MSC", interventions=[bio("UC-MSC", text)]))
    assert p["dose"]["n_doses"] == n
    assert p["dose"]["interval"] == interval


def test_exosome_dose_is_not_a_cell_count():
    p = profile_from_study(study("MSC-derived exosomes inhaled", interventions=[
        bio("MSC-derived exosomes", "aerosol inhalation of 2.0*10E8 nano vesicles daily for 5 days")]))
    assert p["product"] == ["extracellular_vesicles"]
    assert p["route"] == ["intratracheal"]
    assert p["dose"]["min"] is None


# ------------------------------------------------------------------ product

def test_products():
    assert profile_from_study(study("Secretome of MSC", interventions=[bio("MSC secretome", "conditioned medium injected intramuscularly")]))["product"] == ["secretome"]
    p = profile_from_study(study("UC-MSC and conditioned medium", interventions=[bio("UC-MSC", "cells"), bio("Conditioned Medium (CM)", "CM")]))
    assert p["product"] == ["cells", "secretome"]
    p = profile_from_study(study("BM-MSC on a collagen scaffold", interventions=[bio("BM-MSC seeded on collagen scaffold", "implanted into the defect")]))
    assert "combination" in p["product"]
    p = profile_from_study(study("Genetically modified MSC", interventions=[bio("MSC transduced to overexpress IL-10", "intravenous")]))
    assert "genetically_modified" in p["product"]


# ------------------------------------------------------------------ not MSC

def test_not_msc_haematopoietic_transplant():
    p = profile_from_study(study("Allogeneic Bone Marrow Transplantation for Leukemia", interventions=[
        {"type": "PROCEDURE", "name": "Bone marrow transplantation", "description": "Allogeneic bone marrow transplant"}]))
    assert p["is_msc"] is False
    assert p == {**p, "source": ["not_stated"], "donor": "not_stated", "product": [], "route": ["not_stated"]}


def test_not_msc_bone_marrow_mononuclear_cells():
    p = profile_from_study(study("Autologous Bone Marrow Mononuclear Cells in Stroke",
                                 summary="Mesenchymal stem cells have been studied in animals.",
                                 interventions=[bio("Autologous BMMNC infusion", "bone marrow mononuclear cells intravenously")]))
    assert p["is_msc"] is False


def test_not_msc_uncultured_svf():
    p = profile_from_study(study("Adipose SVF for knee osteoarthritis",
                                 interventions=[bio("Stromal vascular fraction (SVF)", "uncultured autologous SVF injected into the knee")]))
    assert p["is_msc"] is False


def test_cultured_svf_is_msc():
    p = profile_from_study(study("SVF-derived MSC", interventions=[bio("Adipose MSC", "SVF will be cultured to obtain MSCs, then infused intravenously")]))
    assert p["is_msc"] is True
    assert p["source"] == ["adipose"]


def test_code_named_product_recognised_from_description():
    p = profile_from_study(study("EN001 in Charcot-Marie-Tooth disease",
                                 description="EN001 (allogeneic umbilical cord-derived mesenchymal stem cells) will be tested.",
                                 interventions=[{"type": "DRUG", "name": "EN001", "description": "EN001 intravenously (IV), 5.0x10^5 cells/kg"}]))
    assert p["is_msc"] is True
    assert p["source"] == ["umbilical_cord"]
    assert p["route"] == ["intravenous"]
    assert p["dose"]["cells_per_kg"] == pytest.approx(5e5)


def test_evidence_present():
    p = profile_from_study(study("Allogeneic BM-MSC in stroke",
                                 interventions=[bio("Allogeneic bone marrow MSC", "A single intravenous infusion of 1x10^6 cells/kg.")]))
    for field in ("source", "donor", "route", "dose"):
        assert p["evidence"][field], field
        assert all(isinstance(e, str) and len(e) <= 260 for e in p["evidence"][field])


# ------------------------------------------------------------------ general rules added later

def test_markdown_escapes_are_read_through():
    # ClinicalTrials.gov's newer records escape markdown characters: "10\^6/kg".
    p = profile_from_study(study("MSC in septic shock", interventions=[
        bio("Heterologous mesenchymal stem cells", "10\\^6/kg infused in 30 minutes")]))
    assert p["dose"]["cells_per_kg"] == pytest.approx(1e6)
    assert "\\" not in p["dose"]["text"]


def test_words_ending_in_ng_are_not_nanograms():
    p = profile_from_study(study("ABCB5+ MSC in arterial disease", interventions=[bio(
        "ABCB5+ mesenchymal stem cells",
        "20-30 intramuscular injections, 150 - 225 x 10^6 cells per patient (depending on length of lower leg)")]))
    assert (p["dose"]["min"], p["dose"]["max"]) == (pytest.approx(1.5e8), pytest.approx(2.25e8))


def test_assessment_days_are_not_a_dosing_schedule():
    p = profile_from_study(study("MSC in septic shock", interventions=[
        bio("Allogeneic MSC", "A single infusion of 1x10^6 cells/kg.")],
        summary="The purpose is to assess the role of mesenchymal stem cells on mortality at day 28 and day 90."))
    assert p["dose"]["n_doses"] == 1 and p["dose"]["interval"] is None


@pytest.mark.parametrize("description", [
    "Allogeneic adipose MSCs with fibrin glue injected into the anal sphincter",
    "A fistula plug coated with autologous mesenchymal stromal cells",
    "Autologous bone marrow MSCs combined with platelet-rich plasma (PRP), infused intravenously",
    "Bone marrow mononuclear cells and umbilical cord MSCs infused together",
])
def test_combinations_with_a_carrier_or_another_product(description):
    p = profile_from_study(study("MSC therapy", interventions=[bio("MSC", description)]))
    assert "combination" in p["product"], description


def test_combination_read_from_the_msc_arm():
    p = profile_from_study(study(
        "Allogeneic adipose MSCs for tendon injury",
        interventions=[bio("Allo-ASC", "10 million cells of Allo-ASC", arms=["Allo-ASC group"])],
        arms=[{"label": "Allo-ASC group", "type": "EXPERIMENTAL",
               "description": "Allo-ASC 0.5cc & fibrin glue 0.5cc by ultrasound-guided intra-tendon injection"}]))
    assert p["product"] == ["cells", "combination"]


def test_modified_vesicles_are_not_genetically_modified_cells():
    p = profile_from_study(study("MSC-derived exosomes in stroke", interventions=[
        bio("Exosome", "mesenchymal stem cell derived exosomes transfected with miR-124")]))
    assert p["product"] == ["extracellular_vesicles"]


def test_intraparenchymal_spelt_either_way_is_a_local_injection():
    for word in ("intraparenchymal", "Intraparanchymal"):
        p = profile_from_study(study("MSC in stroke", interventions=[
            bio("Allogeneic MSC", f"given by stereotaxis, {word}")]))
        assert "local_injection" in p["route"], word
