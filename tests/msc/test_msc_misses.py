"""Each kind of miss found against an independent reference (issue #16), shown on a synthetic
record in the ClinicalTrials.gov API v2 shape, and what the rules give for it now.

Run with: python3 -m pytest -p no:django tests/msc/test_msc_misses.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest  # noqa: E402

from catalog.msc import profile_from_study  # noqa: E402
from catalog.msc.extraction.review import unsupported_values  # noqa: E402


def study(title, summary="", interventions=(), arms=(), keywords=(), conditions=(), ages=("ADULT",)):
    return {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT09999999", "briefTitle": title},
            "descriptionModule": {"briefSummary": summary},
            "conditionsModule": {"conditions": list(conditions), "keywords": list(keywords)},
            "designModule": {"studyType": "INTERVENTIONAL"},
            "armsInterventionsModule": {"interventions": list(interventions), "armGroups": list(arms)},
            "eligibilityModule": {"stdAges": list(ages)},
        }
    }


def product(name, description="", kind="BIOLOGICAL", arms=()):
    return {"type": kind, "name": name, "description": description, "armGroupLabels": list(arms)}


def profile(record):
    result = profile_from_study(record)
    assert unsupported_values(result) == [], result["evidence"]
    return result


# ------------------------------------------------------------ trials not recognised as MSC trials


def test_multipotent_mesenchymal_stromal_cells_abbreviated_mmsc_through_an_artery():
    p = profile(study(
        "MMSC Transplantation in Liver Cirrhosis",
        interventions=[product("MMSC", "Autologous MMSCs are delivered through the hepatic artery", kind="PROCEDURE")],
    ))
    assert p["is_msc"] and p["route"] == ["intra_arterial"] and p["donor"] == "autologous"


def test_an_intervention_named_only_infusion_of_mesenchymal_stem_cells():
    p = profile(study(
        "Cell Therapy in Heart Failure",
        interventions=[product("Infusion of mesenchymal stem cells", kind="OTHER"), product("Standard care", kind="OTHER")],
    ))
    assert p["is_msc"] and p["product"] == ["cells"] and p["route"] == ["intravenous"]


@pytest.mark.parametrize("name", ["MSC-Exos", "MSC-derived exosomes", "Exosome inhalation"])
def test_inhaled_exosomes_derived_from_mscs(name):
    p = profile(study(
        "Treatment of COVID-19 Pneumonia",
        summary="Previous studies have shown that exosomes derived from mesenchymal stem cells reduce lung injury.",
        interventions=[product(name, "Nebulised exosomes, inhaled twice a day", kind="DRUG")],
    ))
    assert p["is_msc"] and p["product"] == ["extracellular_vesicles"] and p["route"] == ["intratracheal"]


@pytest.mark.parametrize("name", ["Mesenchymal precursor cells", "Mesenchymal progenitor cells", "Medicinal signaling cells"])
def test_other_established_names_of_mscs(name):
    p = profile(study("Cell Therapy for Knee Osteoarthritis", interventions=[product(name, "intra-articular injection")]))
    assert p["is_msc"] and p["route"] == ["intra_articular"]


# ------------------------------------------------------------ background and keywords


def test_background_text_does_not_decide_the_source():
    p = profile(study(
        "Mesenchymal Stem Cells for Osteoarthritis",
        summary="It has been shown (mainly for BM-MSC) that MSCs reduce inflammation in the joint.",
        interventions=[product("Mesenchymal stem cells", "Intra-articular injection of 10 million allogeneic MSCs")],
    ))
    assert p["source"] == ["not_stated"]


def test_a_keyword_list_of_tissues_does_not_decide_the_source():
    p = profile(study(
        "Mesenchymal Stem Cells for Knee Osteoarthritis",
        keywords=["bone marrow", "adipose tissue", "bone marrow derived mesenchymal stem cells", "umbilical cord"],
        interventions=[product("Mesenchymal stem cells", "Intra-articular injection of allogeneic MSCs")],
    ))
    assert p["source"] == ["not_stated"]


def test_a_keyword_naming_one_tissue_still_counts():
    p = profile(study(
        "Stem Cells for Knee Osteoarthritis",
        keywords=["human umbilical cord blood derived mesenchymal stem cells", "knee osteoarthritis"],
        interventions=[product("Stem cell product", "Intra-articular injection of mesenchymal stem cells")],
    ))
    assert p["source"] == ["cord_blood"]


# ------------------------------------------------------------ named products in context


def test_a_bare_mpc_in_an_adipose_exosome_trial_is_not_a_bone_marrow_product():
    arms = [
        {"label": "Exosomes", "type": "EXPERIMENTAL", "interventionNames": ["Biological: MPCs exosomes"]},
        {"label": "Saline", "type": "PLACEBO_COMPARATOR", "interventionNames": ["Drug: Saline"]},
    ]
    p = profile(study(
        "Adipose Exosomes for Knee Osteoarthritis",
        interventions=[
            product("MPCs exosomes", "Exosomes from adipose-derived MPCs, injected intra-articular", arms=["Exosomes"]),
            product("Saline", kind="DRUG", arms=["Saline"]),
        ],
        arms=arms,
    ))
    assert p["source"] == ["adipose"] and p["named_products"] == []
    assert all(arm["source"] == ["adipose"] for arm in p["arms"])


def test_mesenchymal_precursor_cells_without_a_tissue_or_a_product_name_state_no_source():
    # the labelling protocol: the words name no tissue, nor does the maker's name
    p = profile(study(
        "Allogeneic Mesenchymal Precursor Cells (MPCs) in Chronic Heart Failure",
        summary="Mesoblast sponsors this study of its cell product.",
        interventions=[product("MPCs", "Transendocardial injection of allogeneic MPCs")],
    ))
    assert p["is_msc"] and p["source"] == ["not_stated"] and p["named_products"] == []
    assert p["donor"] == "allogeneic" and p["route"] == ["intramyocardial"]


def test_mpcs_named_by_the_product_name_are_the_named_product():
    p = profile(study(
        "Rexlemestrocel-L in Chronic Heart Failure",
        interventions=[product("Rexlemestrocel-L", "Transendocardial injection of 150 million MPCs")],
    ))
    assert p["source"] == ["bone_marrow"] and [n["name"] for n in p["named_products"]] == ["Rexlemestrocel-L (MPC)"]


# ------------------------------------------------------------ punctuation and spelling variants


@pytest.mark.parametrize("text", [
    "1×10^6 umbilical cord MSC/kg cell，i.v",  # full-width comma
    "１×10^６ umbilical cord MSCs/kg intravenously",  # full-width digits
    "1×10⁶ umbilical cord MSCs/kg intravenously",  # superscript exponent
])
def test_full_width_punctuation_unicode_digits_and_superscript_exponents(text):
    p = profile(study("UC-MSC for Lupus", interventions=[product("UC-MSC", text)]))
    assert p["route"] == ["intravenous"]
    assert (p["dose"]["unit"], p["dose"]["min"]) == ("per_kg", 1e6)


# ------------------------------------------------------------ dose forms


@pytest.mark.parametrize("text,unit,value", [
    ("5x1,000,000 hMSC/kg given intravenously", "per_kg", 5e6),
    ("Patients receive 40 millions umbilical cord MSCs intravenously", "total", 4e7),
    ("1x10^6 unit of UC-MSCs/kgBW intravenously", "per_kg", 1e6),
    ("1 million xKg of umbilical cord MSCs intravenously", "per_kg", 1e6),
    ("A dose of 1x106 x Kg of weight, intravenously", "per_kg", 1e6),
    ("1*10^4-6 cells /Kg, IV (in the vein)", "per_kg", (1e4, 1e6)),
    ("The lowest dose (94x106 cells), then 141x106 and 188x106 intravenously", "total", (9.4e7, 1.88e8)),
])
def test_dose_forms(text, unit, value):
    p = profile(study("UC-MSC for ARDS", interventions=[product("hUC-MSC", text)]))
    low, high = value if isinstance(value, tuple) else (value, value)
    assert (p["dose"]["unit"], p["dose"]["min"], p["dose"]["max"]) == (unit, low, high)


def test_a_total_over_several_infusions_is_a_dose_per_infusion_and_a_count():
    p = profile(study("BM-MSC for Heart Failure", interventions=[product(
        "BM-MSC", "A total of 400×10^6 cells will be given as intravenous infusions on Days 0, 30, 60 and 90.",
    )]))
    assert (p["dose"]["unit"], p["dose"]["min"], p["dose"]["n_doses"]) == ("total", 1e8, 4)
    assert p["dose"]["interval"] == "30 days"


@pytest.mark.parametrize("schedule", ["on Days 0, 30, 60 and 90", "on Days 0, 30, 60, and 90", "on day 0, day 30, day 60 and day 90"])
def test_the_number_of_doses_from_a_schedule_of_days(schedule):
    p = profile(study("BM-MSC for Heart Failure", interventions=[product("BM-MSC", f"100 million cells intravenously {schedule}")]))
    assert p["dose"]["n_doses"] == 4


def test_injections_of_one_session_are_not_divided():
    p = profile(study("MSC for Heart Failure", interventions=[product(
        "MSC", "Ten intramyocardial injections for a total of 2 x 10^8 mesenchymal stem cells")]))
    assert (p["dose"]["min"], p["dose"]["n_doses"]) == (2e8, 10)


# ------------------------------------------------------------ implausible values


def test_an_implausible_dose_is_flagged():
    p = profile(study("BM-MSC for Stroke", interventions=[product("BM-MSC", "2-8x10^8 cell/kg intravenously")]))
    assert p["dose"]["total_cells"] == pytest.approx(5.6e10)
    assert "5.6e+10" in p["dose"]["implausible"] and "implausible_dose" in p["review"]


@pytest.mark.parametrize("text", ["1x10^6 cells/kg", "100 million cells", "2 x 10^9 cells"])
def test_doses_seen_in_practice_are_plausible(text):
    p = profile(study("BM-MSC for Stroke", interventions=[product("BM-MSC", f"{text} intravenously")]))
    assert p["dose"]["implausible"] is None and "implausible_dose" not in p["review"]


# ------------------------------------------------------------ evidence that supports the value


def test_each_value_has_evidence_containing_its_words():
    p = profile(study(
        "Mesenchymal Stem Cells for Knee Osteoarthritis",
        summary="Safety and efficacy assessments will be performed daily. " * 3,
        interventions=[product("BM-MSC", "Autologous bone marrow MSCs. " + "Cells are prepared under GMP. " * 12
                               + "40 million cells are injected into the knee joint on days 0 and 7.")],
    ))
    assert p["route"] == ["intra_articular"] and p["dose"]["min"] == 4e7 and p["dose"]["n_doses"] == 2
    assert any("into the knee joint" in line for line in p["evidence"]["route"])
    assert any("40 million" in line for line in p["evidence"]["dose"])
    assert not any("assessments" in line for field in p["evidence"].values() for line in field)


def test_a_route_word_inside_another_routes_words_is_not_a_route():
    p = profile(study("Exosomes for Alzheimer's Disease", interventions=[product(
        "MSCs-Exos", "MSC-derived exosomes administrated by nasal drip twice a week")]))
    assert p["route"] == ["intranasal"]


def test_handling_instructions_are_not_a_route():
    p = profile(study("MSC for Infertility", interventions=[product(
        "MSC", "20 million MSCs per ovary. The cells should be infused within 2 hours of release.")]))
    assert "intravenous" not in p["route"]


# ------------------------------------------------------------ cord blood, Wharton's jelly, umbilical cord


def test_umbilical_cord_blood_derived_mscs_are_cord_blood():
    p = profile(study(
        "Umbilical Cord Blood-derived Mesenchymal Stem Cells (UC-MSCs) in Bronchopulmonary Dysplasia",
        interventions=[product("Umbilical cord blood-derived mesenchymal stem cells", "Given intratracheally.")],
    ))
    assert p["source"] == ["cord_blood"]


def test_the_product_name_decides_between_cord_tissues():
    p = profile(study(
        "Cord Blood MSCs in Knee Cartilage Defects",
        interventions=[product("Umbilical cord blood-derived mesenchymal stem cells",
                               "Wharton's jelly and umbilical cord tissue are not used; implanted into the cartilage defect.")],
    ))
    assert p["source"] == ["cord_blood"]


def test_wharton_jelly_next_to_the_cells_wins_over_cord_blood():
    p = profile(study("Wharton's Jelly MSCs in GVHD", interventions=[product(
        "MSC", "A lower dose of cord-blood derived Wharton's jelly mesenchymal stem cells, intravenously")]))
    assert p["source"] == ["wharton_jelly"]


# ------------------------------------------------------------ donor of another cell product


@pytest.mark.parametrize("text", [
    "Autologous bone marrow mononuclear cells (BM-MNCs) and allogeneic umbilical cord tissue-derived MSCs",
    "Autologous (your own) cartilage cells mixed with allogeneic (from someone else) adipose-derived MSCs",
])
def test_the_donor_of_another_cell_product_given_with_the_mscs_is_not_theirs(text):
    p = profile(study("MSCs with Another Cell Product", interventions=[product("MSC", text)]))
    assert p["donor"] == "allogeneic"


@pytest.mark.parametrize("text,low,high", [
    ("1 x 10e6 cells/kg", 1e6, 1e6),
    ("1.0 × 10^6 cells/kg", 1e6, 1e6),
    ("1 × 10(6) cells/kg", 1e6, 1e6),
    ("1 x 10*6 cells/kg", 1e6, 1e6),
    ("1.0E+06 cells/kg", 1e6, 1e6),
    ("1,000,000 cells/kg", 1e6, 1e6),
    ("one million cells/kg", 1e6, 1e6),
    ("1 mln cells/kg", 1e6, 1e6),
    ("2 millones de células/kg", 2e6, 2e6),
    ("1-2 million cells/kg", 1e6, 2e6),
    ("1×10^6 – 2×10^6 cells/kg", 1e6, 2e6),
    ("1x10^6 to 2x10^6 cells per kilogram of body weight", 1e6, 2e6),
])
def test_common_ways_of_writing_a_dose_per_kg(text, low, high):
    p = profile(study("UC-MSC for ARDS", interventions=[product("hUC-MSC", f"{text} intravenously")]))
    assert (p["dose"]["unit"], p["dose"]["min"], p["dose"]["max"]) == ("per_kg", low, high)


# ------------------------------------------------------------ kinds of miss found on sample-c
# (the spent held-out sample, data/msc_labels/sample-c.json); each on a synthetic record.


def test_a_code_named_product_with_a_qualifier_in_brackets_is_the_product_the_summary_names():
    p = profile(
        study(
            "Safety of ABC123 in Acute Respiratory Distress Syndrome",
            summary="ABC123 is a drug whose active substance is allogeneic adipose-derived "
            "mesenchymal stem cells.",
            interventions=[
                product(
                    "ABC123 (Phase 1)",
                    "Intravenous administration, 1 million cells/kg",
                    kind="DRUG",
                ),
                product("Placebo (Phase 2)", "Intravenous vehicle solution", kind="DRUG"),
            ],
        )
    )
    assert p["is_msc"] and p["source"] == ["adipose"] and p["donor"] == "allogeneic"
    assert p["route"] == ["intravenous"] and p["dose"]["unit"] == "per_kg"


def test_a_product_the_description_calls_msc_although_its_name_and_title_do_not():
    record = study(
        "Seeded Cells on a Plug for Crohn's Perianal Fistulas",
        interventions=[
            product("Seton Placement", "A seton is placed in the fistula.", kind="PROCEDURE"),
            product(
                "XYZ-9",
                "Cells seeded into a bioabsorbable plug, inserted by a doctor.",
                kind="DRUG",
            ),
        ],
    )
    record["protocolSection"]["descriptionModule"]["detailedDescription"] = (
        "The drug product is a substrate system comprised of autologous mesenchymal stem cells "
        "incubated with a bioabsorbable plug."
    )
    p = profile(record)
    assert p["is_msc"] and p["donor"] == "autologous"


def test_an_msc_arm_beside_an_uncultured_svf_arm_is_an_msc_trial():
    p = profile(
        study(
            "Stem Cells and Stromal Vascular Fraction for Temporomandibular Joint Disease",
            interventions=[product("Stem Cells", "ATMP", arms=["UC-MSC group", "SVF group"])],
            arms=[
                {
                    "label": "UC-MSC group",
                    "type": "EXPERIMENTAL",
                    "description": "taking umbilical cord derived mesenchymal stem cells",
                    "interventionNames": ["Biological: Stem Cells"],
                },
                {
                    "label": "SVF group",
                    "type": "EXPERIMENTAL",
                    "description": "taking stromal vascular fraction cells",
                    "interventionNames": ["Biological: Stem Cells"],
                },
            ],
        )
    )
    assert p["is_msc"] and "umbilical_cord" in p["source"]


@pytest.mark.parametrize(
    "title,name",
    [
        (
            "Dysfunctions of Muscle Stem Cells in Sepsis",
            "Human biological samples: blood sample, muscle biopsy, bone marrow sample "
            "(mesenchymal stem cells)",
        ),
        (
            "Characterization of Adipose-tissue Derived Stem Cells in Excised Fat Versus "
            "Liposuction",
            "Liposuction",
        ),
    ],
)
def test_a_study_that_samples_or_characterises_mscs_gives_no_msc_product(title, name):
    summary = (
        "The aim is to count adipose tissue-derived stem cells (ASC) in excised fat versus fat "
        "harvested by liposuction."
    )
    p = profile(study(title, summary=summary, interventions=[product(name, kind="PROCEDURE")]))
    assert not p["is_msc"]


def test_bone_marrow_mononuclear_cells_of_a_comparator_arm_are_neither_source_nor_donor():
    p = profile(
        study(
            "Umbilical Cord MSC in Myocardial Infarction",
            interventions=[
                product(
                    "stem cell transplantation",
                    "Human allogeneic umbilical cord MSC or autologous BM-MNC transplantation",
                )
            ],
            arms=[
                {
                    "label": "Autologous bone marrow-derived MNC group",
                    "type": "ACTIVE_COMPARATOR",
                    "description": "Autologous bone marrow-derived MNCs will be transplanted "
                    "intramyocardially",
                    "interventionNames": ["Biological: stem cell transplantation"],
                }
            ],
        )
    )
    assert p["source"] == ["umbilical_cord"] and p["donor"] == "allogeneic"


def test_adherent_stromal_cells_abbreviated_asc_are_not_adipose():
    p = profile(
        study(
            "Placental Cells in Pulmonary Hypertension",
            interventions=[
                product(
                    "PQ-PAD",
                    "A single intravenous dose of PQ-PAD cells, placenta-derived "
                    "Mesenchymal-like Adherent Stromal Cells (ASCs)",
                )
            ],
        )
    )
    assert p["source"] == ["placenta"]


def test_an_amniotic_membrane_scaffold_is_not_the_msc_source():
    p = profile(
        study(
            "Allogeneic Adipose-derived Mesenchymal Stem Cells and Human Amniotic Membrane "
            "Composite for "
            "Tendon Repair",
            interventions=[
                product(
                    "Adipose MSC on amniotic membrane",
                    "Adipose-derived MSCs seeded on a freeze-dried amniotic membrane scaffold",
                )
            ],
        )
    )
    assert p["source"] == ["adipose"]


@pytest.mark.parametrize(
    "words", ["from related donors", "from a related donor", "from an HLA-identical sibling donor"]
)
def test_mscs_from_a_related_donor_are_allogeneic(words):
    p = profile(
        study(
            "MSC in Aplastic Anemia",
            interventions=[
                product(
                    "bone marrow derived mesenchymal stem cells",
                    f"Bone marrow MSCs {words}, given intravenously",
                )
            ],
        )
    )
    assert p["donor"] == "allogeneic"


def test_a_sentence_naming_a_code_named_product_states_its_donor():
    p = profile(
        study(
            "Efficacy of Allogeneic CurexCell in Covid Pneumonia",
            summary="The allogeneic cell-therapy product CurexCell is compared with placebo.",
            interventions=[product("CurexCell", "CurexCell, a mesenchymal cell-based product")],
        )
    )
    assert p["donor"] == "allogeneic"


def test_earlier_trials_of_autologous_cells_are_background():
    record = study(
        "Intracoronary Wharton's Jelly MSC in Myocardial Infarction",
        interventions=[product("WJ-MSC", "Intracoronary infusion of Wharton's jelly MSCs")],
    )
    record["protocolSection"]["descriptionModule"]["briefSummary"] = (
        "Several clinical trials have been performed using autologous bone marrow-derived MSCs, "
        "with unsatisfactory results."
    )
    assert profile(record)["donor"] == "allogeneic"


def test_an_autologous_marrow_arm_and_a_wharton_jelly_arm_are_both():
    p = profile(
        study(
            "Bone Marrow and Wharton's Jelly MSCs in Spinal Cord Injury",
            interventions=[
                product("BM-MSC", "MSCs expanded from the patient's own bone marrow"),
                product("WJ-MSC", "Wharton's jelly MSCs"),
            ],
        )
    )
    assert p["source"] == ["bone_marrow", "wharton_jelly"] and p["donor"] == "both"


@pytest.mark.parametrize(
    "text",
    [
        "The MSC preparation was laparoscopically injected in the ovaries.",
        "Mesenchymal stem cells were applied on the fracture site.",
        "MSCs are injected at the callus site.",
        "20 microliters of the MSC suspension will be placed in the root canal.",
        "The MSC composite is placed on the upper surface of the repaired tendon.",
        "The MSCs will be implanted in the diseased tendon.",
    ],
)
def test_a_product_put_into_a_tissue_is_a_local_injection(text):
    p = profile(
        study("Mesenchymal Stem Cells in Tissue Repair", interventions=[product("MSC", text)])
    )
    assert p["route"] == ["local_injection"]


def test_an_injection_for_a_torn_tendon_is_local():
    p = profile(
        study(
            "Adipose MSC in Rotator Cuff Tear",
            conditions=["Rotator Cuff Tear"],
            interventions=[
                product("Adipose MSC", "Ultrasound guided injection of 10 million MSCs")
            ],
        )
    )
    assert p["route"] == ["local_injection"]


@pytest.mark.parametrize(
    "text,route",
    [
        (
            "The cells are given in the colonic submucosa with the use of a colonoscope.",
            "local_injection",
        ),
        ("Multipoint transdermal injection of the MSCs into the wrinkles.", "local_injection"),
        (
            "150 mL of subcutaneous abdominal adipose tissue is harvested; MSCs are injected "
            "intra-articularly.",
            "intra_articular",
        ),
        ("Intravenous and lumbar administration of UC-MSCs.", "intrathecal"),
    ],
)
def test_route_words_that_are_a_means_or_a_tissue(text, route):
    p = profile(study("Mesenchymal Stem Cells", interventions=[product("MSC", text)]))
    assert route in p["route"] and (route != "local_injection" or len(p["route"]) == 1)
    assert "subcutaneous" not in " ".join(p["evidence"]["route"]) or route != "intra_articular"


def test_a_per_kg_dose_with_the_products_name_and_a_bracketed_unit_before_it():
    p = profile(
        study(
            "PQ-PAD in Hypertension",
            interventions=[product("PQ-PAD", "Placental MSCs")],
            arms=[
                {
                    "label": "Low",
                    "type": "EXPERIMENTAL",
                    "description": "0.5 million (M) PQ-PAD cells per kg body weight",
                    "interventionNames": ["Biological: PQ-PAD"],
                }
            ],
        )
    )
    assert (p["dose"]["unit"], p["dose"]["min"]) == ("per_kg", 5e5)


def test_the_design_description_of_the_intervention_model_states_the_dose():
    record = study(
        "Umbilical Cord MSCs in Type 2 Diabetes",
        interventions=[
            product(
                "Umbilical cord mesenchymal stem cells",
                "Intravenous infusion three times, 4 weeks apart",
            )
        ],
    )
    record["protocolSection"]["designModule"]["designInfo"] = {
        "interventionModel": "PARALLEL",
        "interventionModelDescription": "UC-MSCs (1.5×10⁶/kg) or the same volume of placebo",
    }
    p = profile(record)
    assert (p["dose"]["unit"], p["dose"]["min"]) == ("per_kg", 1.5e6)


def test_cells_given_back_to_the_same_patient_are_autologous():
    p = profile(
        study(
            "MSCs in Diabetic Neuropathy",
            interventions=[
                product(
                    "mesenchymal stem cells",
                    "Bone marrow biopsy from the iliac crest, culture for 1 month, then "
                    "IV transfusion of the MSCs in 2 sessions to the same patient",
                )
            ],
        )
    )
    assert p["donor"] == "autologous"


def test_a_count_per_injection_site_beside_the_sessions_total_is_the_total():
    p = profile(
        study(
            "BM-MSC in Critical Limb Ischemia",
            interventions=[
                product(
                    "BM-MSC",
                    "Injected intramuscularly into 30 sites, 1 mL containing 5*10^6 MSC per site; "
                    "total 150*10^6 BM-MSCs, in one session",
                )
            ],
        )
    )
    assert (p["dose"]["unit"], p["dose"]["min"], p["dose"]["max"]) == ("total", 1.5e8, 1.5e8)


@pytest.mark.parametrize(
    "title,text,donor",
    [
        (
            "Autologous Transplantation of Bone Marrow Derived Mesenchymal Stem Cells in Limb "
            "Lengthening",
            "Mesenchymal cells are injected into the callus",
            "autologous",
        ),
        (
            "MSC in Critical Limb Ischemia",
            "Mesenchymal stem cells: autologous stem cell transplantation into the ischemic foot",
            "autologous",
        ),
        (
            "MSC in Diabetic Foot",
            "Mesenchymal stem cells, autologous stem cell transplantation into ischemic foot",
            "autologous",
        ),
        (
            "MSC in Kidney Transplantation",
            "Infusion of syngeneic (from the recipient) MSCs",
            "autologous",
        ),
        (
            "MSC and SVF in Knee Osteoarthritis",
            "Mesenchymal stem cells will be isolated from bone "
            "marrow, cultured and transplanted back to the knee joint",
            "autologous",
        ),
    ],
)
def test_donor_words_written_around_a_transplantation(title, text, donor):
    p = profile(study(title, interventions=[product("Mesenchymal stem cells", text)]))
    assert p["donor"] == donor


def test_the_tissue_the_cells_are_made_from_comes_from_healthy_donors():
    record = study(
        "Adipose Mesenchymal Stem Cells in Multiple Sclerosis",
        interventions=[
            product("adipose mesenchymal stem cells", "2 million cells/kg intravenously")
        ],
    )
    record["protocolSection"]["descriptionModule"]["detailedDescription"] = (
        "The adipose tissue sample is provided by healthy donors through abdominal lipoaspiration."
    )
    assert profile(record)["donor"] == "allogeneic"


def test_the_route_of_another_cell_product_in_the_summary_is_not_the_mscs():
    p = profile(
        study(
            "Haploidentical Transplantation in Neuroblastoma",
            summary="Haploidentical stem cell transplantation followed by donor lymphocyte "
                    "infusions.",
            interventions=[
                product("MSC co-transplantation", "Mesenchymal stem cells", kind="PROCEDURE")
            ],
        )
    )
    assert p["route"] == ["not_stated"]


def test_peripheral_blood_mscs_from_the_patients_blood_into_the_spinal_medulla():
    p = profile(
        study(
            "Peripheral Blood Mesenchymal Stem Cells",
            interventions=[
                product(
                    "PBMSCs",
                    "Peripheral blood mesenchymal stem cells procured from patient's peripheral "
                    "blood, "
                    "given by a spine surgeon into the spinal medulla",
                )
            ],
        )
    )
    assert p["source"] == ["other"] and p["donor"] == "autologous"
    assert p["route"] == ["local_injection"]


def test_a_dose_per_ovary_written_with_a_slash_is_an_intra_ovarian_injection():
    p = profile(
        study(
            "MSC in Premature Ovarian Insufficiency",
            interventions=[product("UC-MSC", "dose 20 million cells/ovary")],
        )
    )
    assert p["route"] == ["local_injection"]


def test_where_mscs_can_be_found_is_not_the_products_tissue_even_in_its_own_text():
    p = profile(
        study(
            "Chondrons with Adipose MSCs in Hip Cartilage Defects",
            interventions=[
                product(
                    "Adipose-derived mesenchymal stromal cells",
                    "MSCs can be found in bone marrow and in the "
                    "fatty tissues of patients. Allogeneic adipose-derived MSCs are implanted.",
                )
            ],
        )
    )
    assert p["source"] == ["adipose"]


def test_mscs_that_have_also_been_studied_are_background():
    record = study(
        "hMSC in Ischemic Cardiomyopathy",
        interventions=[product("hMSC", "Transendocardial injection of 100 million hMSCs")],
    )
    record["protocolSection"]["descriptionModule"]["briefSummary"] = (
        "The effects of bone-marrow derived mesenchymal stem cells (MSCs) have also been studied "
        "clinically."
    )
    assert profile(record)["source"] == ["not_stated"]


@pytest.mark.parametrize(
    "text,donor",
    [
        ("Intravenous allogeneic human menstrual blood stem cell secretome", "allogeneic"),
        (
            "Allogenic neural progenitor cells, and paracrine factors of human mesenchymal stem "
            "cells",
            "not_stated",
        ),
    ],
)
def test_the_donor_word_before_a_tissue_or_another_cell_product(text, donor):
    p = profile(
        study(
            "Stem Cell Products in Hypoxic Brain Injury",
            interventions=[product("Mesenchymal stem cell product", text)],
        )
    )
    assert p["donor"] == donor


def test_a_decimal_comma_and_a_cumulative_minimum_dose():
    p = profile(
        study(
            "MSC in GVHD",
            interventions=[
                product(
                    "Allogeneic MSC",
                    "Dosage 0,7 x 10e6 MSC/Kg/dose (cumulative minimum dose: 2,8 x 10e6 MSC/Kg)",
                )
            ],
        )
    )
    assert (p["dose"]["unit"], p["dose"]["min"], p["dose"]["max"]) == ("per_kg", 7e5, 7e5)


def test_an_ointment_given_with_the_mscs_is_not_their_route():
    p = profile(
        study(
            "Adipose MSCs in Psoriasis",
            interventions=[
                product("AD-MSCs", "AD-MSCs infused intravenously at 2 million cells/kg")
            ],
            arms=[
                {
                    "label": "AD-MSCs plus Calcipotriol ointment group",
                    "type": "EXPERIMENTAL",
                    "interventionNames": ["Biological: AD-MSCs"],
                }
            ],
        )
    )
    assert p["route"] == ["intravenous"]


def test_the_oral_mucosa_closed_over_a_graft_is_not_a_source():
    p = profile(
        study(
            "Bone Marrow MSC Construct in Osteonecrosis of the Jaw",
            interventions=[
                product(
                    "MSC construct",
                    "Bone marrow MSCs seeded on tricalcium phosphate are grafted. Finally, the "
                    "oral mucosa is closed by sutures.",
                )
            ],
        )
    )
    assert p["source"] == ["bone_marrow"]


def test_a_topical_co_medication_named_in_its_own_sentence_is_not_the_mscs_route():
    p = profile(
        study(
            "Adipose MSCs in Psoriasis",
            interventions=[
                product(
                    "AD-MSCs",
                    "AD-MSCs infused intravenously at 2 million cells/kg. The topical treatment "
                    "in the "
                    "study was calcipotriol ointment twice daily.",
                )
            ],
        )
    )
    assert p["route"] == ["intravenous"]


def test_mscs_from_the_oral_mucosa_are_other():
    p = profile(
        study(
            "Oral Mucosa MSCs in Sinus Lift",
            interventions=[
                product("MMSC", "Autologous MMSCs from oral mucosa seeded on tricalcium phosphate")
            ],
        )
    )
    assert p["source"] == ["other"]


def test_a_word_ending_in_t_before_cells_is_not_t_cells():
    record = study(
        "Umbilical Cord MSCs in Talar Osteochondral Lesions",
        interventions=[
            product(
                "Allogeneic umbilical cord mesenchymal stromal cells", "Given after microfracture"
            )
        ],
    )
    record["protocolSection"]["descriptionModule"]["detailedDescription"] = (
        "Therefore, trials seek to add the intra-articular use of totipotent cells at the end of "
        "the procedure."
    )
    assert profile(record)["route"] == ["intra_articular"]


def test_amsc_in_a_record_that_never_speaks_of_fat_states_no_tissue():
    p = profile(
        study(
            "Utilization of AMSC to Enhance Rotator Cuff Repair",
            interventions=[
                product(
                    "Suspension of human autologous MSC",
                    "hAMSC (1.5 ml) on the surface of the repaired tendon",
                )
            ],
        )
    )
    assert p["source"] == ["not_stated"]
    q = profile(
        study(
            "AMSC in Knee Osteoarthritis",
            interventions=[
                product("AMSC", "AMSCs from liposuction fat, injected into the knee joint")
            ],
        )
    )
    assert q["source"] == ["adipose"]


def test_candidate_cells_of_experimental_models_are_background():
    record = study(
        "Autologous vs Allogeneic hMSCs in Cardiomyopathy",
        interventions=[
            product("Allo-hMSCs", "100 million allogeneic hMSCs by transendocardial injection")
        ],
    )
    record["protocolSection"]["descriptionModule"]["briefSummary"] = (
        "To date, a number of candidate cells have been transplanted in experimental models, "
        "including skeletal myoblasts and several cell types derived from adult bone marrow."
    )
    assert profile(record)["source"] == ["not_stated"]


@pytest.mark.parametrize(
    "text",
    [
        "Umbilical cord MSCs and bone marrow mononuclear cells (BMMC) from the patient, "
        "intrathecally",
        "Umbilical cord MSCs given after receiving informed consent from the patient",
        "Umbilical cord MSCs; the functionality of isolated MSCs at two sites within the same "
        "patient",
    ],
)
def test_the_patient_named_for_something_else_is_no_donor_word(text):
    p = profile(study("Umbilical Cord MSC Study", interventions=[product("UC-MSC", text)]))
    assert p["donor"] == "allogeneic"


# ------------------------------------------------------------ conventions of the labelling protocol


@pytest.mark.parametrize("text", [
    "about 11 endocardial injections of 20 million MSCs in one procedure",
    "MSCs injected into the infarct border zone during surgery",
])
def test_injections_into_the_heart_wall_are_intramyocardial(text):
    p = profile(study("MSCs in Ischaemic Heart Failure", interventions=[product("Allogeneic MSC", text)]))
    assert p["route"] == ["intramyocardial"]


@pytest.mark.parametrize("text", [
    "intracerebral transplantation of autologous MSCs",
    "stereotactic implantation of MSCs into the striatum of each hemisphere",
    "MSCs implanted intrastriatally by stereotactic surgery",
])
def test_implantation_into_the_brain_is_a_local_injection(text):
    p = profile(study("Autologous MSCs in Parkinson's Disease", interventions=[product("Autologous MSC", text)]))
    assert p["route"] == ["local_injection"]


@pytest.mark.parametrize("text", [
    "Stereotactic intraventricular injection of autologous MSCs",
    "Autologous MSCs into the lateral ventricle via an Ommaya reservoir",
    "Intracerebroventricular administration of autologous MSCs",
])
def test_cells_given_into_the_cerebral_ventricles_are_intrathecal_and_a_haemorrhage_is_no_route(text):
    p = profile(study("MSCs After Intracerebral Hemorrhage", interventions=[product("MSC", text)]))
    assert p["route"] == ["intrathecal"]


def test_an_intraosseous_infusion_is_other_and_an_intraosseous_defect_local():
    p = profile(study(
        "Intra-osseous Co-transplant of Cord Blood and MSCs",
        interventions=[product("hMSC", "Donor MSCs infused intra-osseously on day 0")],
    ))
    assert p["route"] == ["other"]
    q = profile(study(
        "Peripheral Blood MSCs in Periodontal Intraosseous Defects",
        interventions=[product("PB-MSC", "Peripheral blood MSCs with a fibrin matrix filled into the intraosseous defect")],
    ))
    assert q["route"] == ["local_injection"]


def test_cells_implanted_into_a_cartilage_defect_are_local_an_injection_intra_articular():
    implanted = profile(study(
        "Autologous MSCs for Cartilage Defects of the Knee",
        conditions=["Cartilage Defect"],
        interventions=[product("Autologous MSC", "MSCs on a collagen scaffold, implanted during arthrotomy")],
    ))
    assert implanted["route"] == ["local_injection"]
    injected = profile(study(
        "Autologous MSCs for Knee Osteoarthritis",
        conditions=["Knee Osteoarthritis"],
        interventions=[product("Autologous MSC", "a single injection of 50 million MSCs")],
    ))
    assert injected["route"] == ["intra_articular"]


# ------------------------------------------------------------ dose forms


@pytest.mark.parametrize("text,unit,low,high", [
    ("a single intravenous dose (2-3 millions/Kg) of allogeneic MSCs", "per_kg", 2e6, 3e6),
    ("MSCs at 1 million cells per body-weight kilogram, intravenously", "per_kg", 1e6, 1e6),
    ("WJ-MSC at a dose of 1E6 ± 30% live cells / Kg of weight", "per_kg", 1e6, 1e6),
    ("MSCs intravenously at a dose of 1-2 x 1000000 MSC/Kg body weight", "per_kg", 1e6, 2e6),
    ("MSC a day-case 2·0×106 cells/kg i.v.", "per_kg", 2e6, 2e6),
    ("Intravenous infusion of autologous MSCs, 1x10/6 cells/kg", "per_kg", 1e6, 1e6),
    ("MSCs, 250,000 cells/kg or 1,000,000 cells/kg, intravenously", "per_kg", 2.5e5, 1e6),
    ("MSCs, 2,500,000 cells per 5 uL per 1 entry site, 30 million cells per brain", "total", 3e7, 3e7),
    ("MSC - low dose (2.5x10ˆ7) intravenously", "total", 2.5e7, 2.5e7),
    ("1x10^6 unit of umbilical-cord derived mesenchymal stem cells (UC-MSCs)/kgBW", "per_kg", 1e6, 1e6),
])
def test_dose_ranges_units_and_typographic_forms(text, unit, low, high):
    dose = profile(study("MSCs in Disease X", interventions=[product("Allogeneic MSC", text)]))["dose"]
    assert (dose["unit"], dose["min"], dose["max"]) == (unit, pytest.approx(low), pytest.approx(high))


# ------------------------------------------------------------ routes into a tissue, and a co-medication's route


@pytest.mark.parametrize("text,route", [
    ("autologous MSCs injected into the vocal folds", "local_injection"),
    ("MSCs divided into 4 injections in the gingival region of one tooth", "local_injection"),
    ("The bone defect will be filled with a collagen membrane with MSCs", "local_injection"),
    ("10^8 MSCs in a collagen scaffold injecting in the infarct region during CABG", "intramyocardial"),
    ("A matrix-cell construct with MSCs will be placed on the ischemic area and fixed with glue",
     "intramyocardial"),
])
def test_the_product_put_into_or_onto_a_tissue(text, route):
    p = profile(study("MSCs in Disease X", interventions=[product("Allogeneic MSC", text)]))
    assert p["route"] == [route]


def test_a_title_naming_a_cartilage_defect_is_not_an_implantation_into_it():
    p = profile(study(
        "Umbilical Cord MSC Transplantation in Articular Cartilage Defect",
        interventions=[product("hUC-MSC", "2x10^7 hUC-MSCs by intra-articular injection, monthly")],
    ))
    assert p["route"] == ["intra_articular"]


def test_the_route_of_a_co_medication_in_the_same_sentence_is_not_the_products():
    p = profile(study(
        "Adipose MSCs in Aplastic Anaemia",
        interventions=[product(
            "AD-MSC",
            "Participants receive rabbit ATG at 3.5 mg/kg/dose IV from day -6 to -2, and then "
            "patient's own AD-MSCs at a dose of 3000000 cells/kg/d on day 1-3.",
        )],
    ))
    assert p["route"] == ["not_stated"] and p["dose"]["cells_per_kg"] == 3e6


# ------------------------------------------------------------ concentrates, grafts and donors


def test_a_marrow_concentrate_made_at_surgery_is_no_msc_product_beside_a_control_without_mscs():
    arms = [
        {"label": "MSC", "type": "EXPERIMENTAL", "interventionNames": ["Procedure: MSC concentrate"],
         "description": "mesenchymal stem cells concentrate into the tendon footprint during the surgery"},
        {"label": "Control", "type": "ACTIVE_COMPARATOR", "interventionNames": ["Procedure: repair"],
         "description": "rotator cuff repair without mesenchymal stem cells"},
    ]
    p = profile_from_study(study(
        "Concentrated Bone Marrow MSCs in Rotator Cuff Repair",
        interventions=[
            product("MSC concentrate", "mesenchymal stem cells concentrate into the tendon footprint",
                    kind="PROCEDURE", arms=["MSC"]),
            product("repair", "rotator cuff repair without mesenchymal stem cells", kind="PROCEDURE",
                    arms=["Control"]),
        ],
        arms=arms,
    ))
    assert not p["is_msc"]


@pytest.mark.parametrize("summary", [
    "Related or unrelated donor marrow or UCB will be infused after conditioning, with third-party "
    "MSCs on day 0 of the stem cell transplant.",
    "To combine intra-osseous umbilical cord blood (UCB) hematopoietic stem cells and human "
    "mesenchymal stromal cells (hMSC) after conditioning.",
    "Bone marrow or umbilical cord blood (UCB) stem cell transplantation with MSCs on day 0.",
])
def test_the_haematopoietic_graft_beside_the_mscs_is_not_their_tissue(summary):
    p = profile(study("MSCs With a Stem Cell Transplant", summary=summary,
                      interventions=[product("Mesenchymal stromal cells", "MSCs infused on day 0")]))
    assert p["source"] == ["not_stated"]


def test_ongoing_trials_and_clinical_implications_are_background():
    p = profile(study(
        "Allogeneic MSCs for Steroid-Resistant GVHD",
        summary="This characteristic of BM derived MSC already has clinical implications. Ongoing "
        "clinical trials of bone marrow MSC for GvHD are run. Present study aimed to test human "
        "UC-MSC for GVHD treatment.",
        interventions=[product("MSC transplantation", "1-2X10^6 MSC per kg", kind="PROCEDURE")],
    ))
    assert p["source"] == ["umbilical_cord"]


def test_mscs_obtained_from_a_donor_are_allogeneic():
    p = profile(study(
        "BM-MSCs in Knee Osteoarthritis",
        interventions=[product(
            "BM-MSC",
            "The BM-MSCs of the product were obtained from the donor recruited in the hospital; "
            "5.0 x 10^7 cells intra-articular",
        )],
    ))
    assert p["donor"] == "allogeneic"


def test_a_product_named_for_cells_in_a_trial_whose_title_names_its_mscs():
    p = profile(study(
        "Regeneration of Ischemic Damage Using Wharton's Jelly as a Source of Mesenchymal Stem Cells",
        interventions=[
            product("CardioCell", "30 000 000 cells injected into the femoral artery and intramuscularly",
                    kind="DRUG"),
            product("Placebo", "0.9% NaCl", kind="DRUG"),
        ],
    ))
    assert p["is_msc"] and p["source"] == ["wharton_jelly"] and p["donor"] == "allogeneic"
    assert p["route"] == ["intra_arterial", "intramuscular"]


def test_an_inhaled_drug_in_a_trial_whose_title_names_exosomes_from_mscs():
    record = study(
        "Safety of Exosome Inhalation in COVID-19 Pneumonia",
        interventions=[product("EXO 1 inhalation", "3 ml of nanoparticles (exosomes) twice a day", kind="DRUG", arms=["EXO-1"]),
                       product("Placebo inhalation", "saline", kind="DRUG", arms=["Placebo"])],
        arms=[{"label": "EXO-1", "type": "EXPERIMENTAL", "interventionNames": ["Drug: EXO 1 inhalation"],
               "description": "Participants receive standard therapy and exosomes of the first type."},
              {"label": "Placebo", "type": "PLACEBO_COMPARATOR",
               "interventionNames": ["Drug: Placebo inhalation"]}],
    )
    record["protocolSection"]["descriptionModule"]["detailedDescription"] = (
        "Many researchers connect the effect of MSC with their secretome, which includes MSC "
        "derived exosomes."
    )
    p = profile(record)
    assert p["is_msc"] and p["product"] == ["extracellular_vesicles"] and p["route"] == ["intratracheal"]


@pytest.mark.parametrize("text,routes", [
    ("MSCs given by intra dermal injection", ["local_injection"]),
    ("Bone marrow MSC injection in the intra testicular artery", ["intra_arterial"]),
    ("MSCs injected percutaneously into the patellar tendinosis", ["local_injection"]),
    ("endoscopic injection of umbilical cord MSCs to fistula", ["local_injection"]),
    ("autologous MSC transplantation into the ischemic foot", ["local_injection"]),
    ("dental implant placement in the adjacent edentulous bone with peripheral blood MSCs",
     ["local_injection"]),
])
def test_routes_written_apart_or_named_by_the_tissue(text, routes):
    p = profile(study("MSCs in Disease X", interventions=[product("MSC", text)]))
    assert p["route"] == routes


def test_a_sentence_about_the_advanced_therapy_medication_may_state_its_route():
    record = study("Treatment of Refractory Knee Pain With Autologous Stem Cells",
                   interventions=[product("Autologous MSC", "autologous bone marrow MSCs")])
    record["protocolSection"]["descriptionModule"]["detailedDescription"] = (
        "To evaluate the safety of the advanced therapy medication when applied by percutaneous "
        "injection into the patellar tendon."
    )
    assert profile(record)["route"] == ["local_injection"]


def test_a_count_per_millilitre_is_a_concentration():
    dose = profile(study("MSCs in Dry Eye", interventions=[product(
        "ASC", "a suspension of 22 million cells per millilitre injected into the lacrimal gland")]))["dose"]
    assert dose["min"] is None


@pytest.mark.parametrize("text", [
    "ex vivo expanded autologous mesenchymal stem cells fixed in allogenic human bone tissue",
    "allogeneic or xenogeneic partially demineralized bone matrix seeded with autologous cultured "
    "bone marrow MSCs",
])
def test_the_donor_of_a_scaffold_is_not_the_donor_of_the_cells(text):
    p = profile(study("Bone Marrow MSCs in Bone Defects", interventions=[product("MSC construct", text)]))
    assert p["donor"] == "autologous"


def test_a_sentence_saying_the_product_is_not_given_states_no_route():
    p = profile(study("Adipose MSCs in Hemifacial Spasm", interventions=[
        product("AD-MSC", "Autologous adipose MSCs, 2 ml injected to the facial nerve during surgery"),
        product("Routine drug therapy",
                "Routine drug therapy; patients do not inject adipose mesenchymal stem cells "
                "intravenously", kind="OTHER"),
    ]))
    assert p["route"] == ["local_injection"]


def test_what_follows_besides_the_mscs_is_another_product():
    p = profile(study("UC-MSCs in Ichthyosis", interventions=[product(
        "UC-MSC",
        "UC-MSCs injected intravenously every 2 weeks. Besides MSCs, moisturizers such as boric "
        "acid ointment will be given to all subjects.",
    )]))
    assert p["route"] == ["intravenous"]


@pytest.mark.parametrize("title,is_msc", [
    ("Mesenchymal Stem Cells for the Treatment of Pneumonia: a Retrospective Cohort Study", True),
    ("Long Term Follow up of Patients Given Gene Therapy Using Autologous Mesenchymal Stem Cells", True),
    ("Osteogenic Effects in Human Mesenchymal Stem Cells: Viral Administration in Vitro", False),
    ("Mesenchymal Stem Cell Levels in the Blood of Patients After Treatment", False),
])
def test_an_observational_study_of_patients_treated_with_mscs(title, is_msc):
    record = study(title, interventions=[product("Observational", "no intervention", kind="OTHER")])
    record["protocolSection"]["designModule"]["studyType"] = "OBSERVATIONAL"
    assert profile_from_study(record)["is_msc"] is is_msc


def test_an_application_to_a_foot_ulcer_is_not_an_injection_into_the_foot():
    p = profile(study("Adipose MSC Sheet for Diabetic Foot Ulcer",
                      interventions=[product("ALLO-ASC-DFU", "Application of ALLO-ASC sheet to diabetic foot ulcer")]))
    assert p["route"] == ["topical"]


def test_a_cell_marker_is_no_tissue():
    p = profile(study("ABCB5+ MSCs in Epidermolysis Bullosa",
                      interventions=[product("allo-APZ2", "allogeneic ABCB5-positive mesenchymal stem cells, intravenously")]))
    assert p["source"] == ["not_stated"]
    q = profile(study("ABCB5+ MSCs in Ulcers",
                      interventions=[product("allo-APZ2", "ABCB5+ skin-derived mesenchymal stem cells, intramuscularly")]))
    assert q["source"] == ["skin"]


def test_an_artery_named_in_a_disease_is_no_route():
    p = profile(study("Intracranial Artery Stenosis: Intravenous MSCs After Stroke",
                      interventions=[product("MSC", "autologous MSCs intravenously")]))
    assert p["route"] == ["intravenous"]


def test_tissue_taken_from_the_donor_site_is_no_donor_word():
    p = profile(study("Adipose MSCs in Scars", interventions=[product(
        "AD-MSC", "Adipose MSCs cultured from fat collected from the donor site, injected into "
        "the scar")]))
    assert p["donor"] == "not_stated"


# ------------------------------------------------------------ the second round of held-out misses


def with_text(record, description="", outcomes=()):
    section = record["protocolSection"]
    section["descriptionModule"]["detailedDescription"] = description
    section["outcomesModule"] = {
        "primaryOutcomes": [{"measure": m, "timeFrame": "1 year"} for m in outcomes]
    }
    return record


def test_a_route_stated_only_in_an_outcome_measure_is_read_last():
    p = profile(with_text(
        study("Umbilical Cord MSCs in Type 1 Diabetes", interventions=[product("UC-MSC", "Allogeneic UC-MSCs")]),
        outcomes=["C-peptide at day 372 following the UC-MSC infusion"],
    ))
    assert p["route"] == ["intravenous"]
    q = profile(with_text(
        study("UC-MSCs in Knee Osteoarthritis",
              interventions=[product("UC-MSC", "UC-MSCs given by intra-articular injection")]),
        outcomes=["Infusion of saline in the control group"],
    ))
    assert q["route"] == ["intra_articular"]  # an outcome never overrides a stated route


def test_a_form_of_label_and_value_lines_describes_one_product():
    description = "Investigational Product Administration:\n\nDrug Name: XY-adMSCs\nRoute: Intravenous\nDose: 200 million"
    p = profile(with_text(
        study("Adipose MSCs for Pain", interventions=[product("XY adipose derived autologous mesenchymal stem cell product")]),
        description=description,
    ))
    assert p["route"] == ["intravenous"]
    assert p["dose"]["min"] == p["dose"]["max"] == 2e8


def test_a_product_given_with_the_control_treatment_is_still_the_product():
    p = profile(study(
        "Mesenchymal Stromal Cells for Meniscus Injury",
        interventions=[
            product("ABC-M-ALPHA and standard rehabilitation",
                    "Intraarticular infusion of autologous ex vivo expanded mesenchymal stromal cells", kind="DRUG"),
            product("Rehabilitation", "Standard rehabilitation program", kind="OTHER"),
        ],
    ))
    assert p["is_msc"] and p["route"] == ["intra_articular"] and p["donor"] == "autologous"


def test_a_sentence_going_on_from_the_product_may_state_its_route():
    p = profile(with_text(
        study("Autologous Adipose MSCs for Gingival Recession",
              summary="Patients are treated with autologous adipose-derived MSCs mixed with collagen gel."),
        description="Patients are treated with autologous adipose-derived MSCs mixed with collagen gel. "
                    "The mixture is divided into 4 injections in the gingival region of one tooth.",
    ))
    assert p["route"] == ["local_injection"]
    q = profile(with_text(
        study("Autologous MSCs for Bone Defects", summary="Autologous bone marrow MSCs are studied."),
        description="Autologous bone marrow MSCs are studied. It is this ability that has seen them "
                    "applied to bony non-union.",
    ))
    assert q["route"] == ["not_stated"]  # what was done before, not in this trial


def test_a_bare_infusion_gives_way_to_the_route_named_later():
    p = profile(with_text(
        study("MSCs for Patellar Tendinopathy", interventions=[product("MSC", "Infusion of autologous MSCs")]),
        description="Autologous MSCs are given by percutaneous intratendinous injection into the patellar tendon.",
    ))
    assert p["route"] == ["local_injection"]


@pytest.mark.parametrize("text,route", [
    ("Autologous MSCs will be injected into superior pancreatico duodenal artery", "intra_arterial"),
    ("Allogeneic MSCs will be injected directly underneath the mucosal lesions", "local_injection"),
    ("1 million MSCs seeded on a scaffold will be engrafted in the cyst", "local_injection"),
    ("Allogeneic BM-MSCs delivered into the cardiopulmonary bypass circuit during surgery", "other"),
    ("Allogeneic BM-MSC delivery through cardiopulmonary bypass (CPB) in infants", "other"),
    ("Injection of amniotic MSCs to local skin lesions once every 3 weeks", "local_injection"),
])
def test_routes_named_by_a_vessel_a_lesion_or_a_circuit(text, route):
    p = profile(study("MSC Therapy", interventions=[product("MSC", text)]))
    assert p["route"] == [route]


def test_perfusion_measured_is_no_infusion_and_a_vaccine_is_no_msc_route():
    p = profile(study(
        "Adipose MSCs in Refractory Angina",
        summary="Treatment with adipose derived MSCs to improve perfusion in the heart muscle.",
        interventions=[product("Adipose MSC", "Adipose derived MSCs")],
    ))
    assert p["route"] == ["not_stated"]
    q = profile(study(
        "Intravenous MSCs and Vaccine Response in Frailty",
        interventions=[product("Allogeneic MSCs", "Intravenously delivered", arms=["MSC"]),
                       product("Influenza Vaccine", "Intramuscular injection", arms=["MSC"])],
        arms=[{"label": "MSC", "type": "EXPERIMENTAL", "interventionNames": ["Biological: Allogeneic MSCs"]}],
    ))
    assert q["route"] == ["intravenous"]


def test_stem_cells_without_expansion_are_an_uncultured_fraction():
    p = profile(study(
        "Stromal Vascular Derived From Adipose Tissue for Recto-vaginal Fistula",
        interventions=[product("Adipose-derived stem cells without expanded", "Intralesional injection", kind="DRUG")],
    ))
    assert not p["is_msc"]


def test_the_tissue_taken_from_the_patients_is_the_source_of_their_own_mscs():
    p = profile(study(
        "Autologous MSCs in Multiple Sclerosis",
        summary="Patients will receive 2 intrathecal autologous MSC injections, 1 and 2 months after bone marrow aspiration.",
        interventions=[product("Autologous MSC", "Autologous MSCs, intrathecal")],
    ))
    assert p["source"] == ["bone_marrow"] and p["donor"] == "autologous"


def test_mscs_called_both_umbilical_cord_and_whartons_jelly_are_whartons_jelly():
    p = profile(study(
        "Umbilical Cord Mesenchymal Stem Cells in PCOS",
        interventions=[product("UC-MSCs", "IV 1 million/kg UC-MSCs once", arms=["WJ-MSCs"])],
        arms=[{"label": "WJ-MSCs", "type": "EXPERIMENTAL", "interventionNames": ["Biological: UC-MSCs"]}],
    ))
    assert p["source"] == ["wharton_jelly"]


def test_mscs_made_from_an_embryonic_stem_cell_line_have_another_source():
    p = profile(study(
        "ABC001 in Multiple Sclerosis",
        interventions=[product("ABC001", "ABC001 is a human embryonic cell derived (hESC) mesenchymal stem cell (MSC).")],
    ))
    assert p["source"] == ["other"]


@pytest.mark.parametrize("text,low,high", [
    ("dose selection of 0.5, 1.0,2.5 million MSCs/kg (3 dose levels)", 5e5, 2.5e6),
    ("five dose levels (1x10^6, 10x10^6, 20x10^6, 40x10^6, 80x10^6 MSCs/kg)", 1e6, 8e7),
    ("Mesenchymal allogeneic cells: 500.000 cells/kg", 5e5, 5e5),
    ("Dose 1 mil/kg of MSCs", 1e6, 1e6),
])
def test_doses_written_as_lists_with_thousands_points_or_abbreviated(text, low, high):
    p = profile(study("Allogeneic MSCs", interventions=[product("Allogeneic MSC", text)]))
    assert (p["dose"]["unit"], p["dose"]["min"], p["dose"]["max"]) == ("per_kg", low, high)


def test_a_donor_word_for_another_product_or_denied_is_not_the_mscs_donor():
    p = profile(study(
        "Chondrons and MSCs for Cartilage Repair",
        interventions=[product("MSC", "The defect is filled with fibrin glue containing autologous chondrons and allogeneic MSCs")],
    ))
    assert p["donor"] == "allogeneic"
    q = profile(study(
        "Autologous Adipose MSCs in Knee Osteoarthritis",
        summary="It uses autologous adipose-derived mesenchymal stem cells. As it does not use allogenic tissues, it is an autologous cell therapy.",
        interventions=[product("Autologous adipose MSC", "autologous adipose-derived MSCs")],
    ))
    assert q["donor"] == "autologous"


def test_an_injection_for_a_tendon_disease_is_local_and_a_treatment_word_implies_no_route():
    p = profile(study(
        "Allogeneic Adipose-derived Stem Cells for Lateral Epicondylitis",
        arms=[{"label": "treatment", "type": "EXPERIMENTAL", "description": "ABC-ASC-TI injection",
               "interventionNames": ["Biological: ABC-ASC-TI"]}],
        interventions=[product("ABC-ASC-TI", "allogeneic adipose-derived MSCs", arms=["treatment"])],
        conditions=["Lateral Epicondylitis"],
    ))
    assert p["route"] == ["local_injection"]
    q = profile(study(
        "Long-term Follow-up of Autologous Adipose MSCs in Knee Osteoarthritis",
        interventions=[product("ABCSTEM", "ABCSTEM is an OA treatment that uses autologous adipose-derived MSCs.")],
        conditions=["Knee Osteoarthritis"],
    ))
    assert q["route"] == ["not_stated"]


def test_a_sentence_about_another_cell_product_names_no_tissue_of_the_mscs():
    p = profile(study(
        "Mesenchymal Stem Cell Infusion for GVHD",
        summary="Following a bone marrow/peripheral blood stem cell transplant, some patients develop GVHD. "
                "Expanded MSCs from the donor are infused.",
        interventions=[product("Mesenchymal Stem Cell Infusion", "Expanded MSCs from the donor")],
    ))
    assert p["source"] == ["not_stated"]


# ------------------------------------------------------------ the third round of held-out misses


@pytest.mark.parametrize("text", [
    "Autologous MSCs seeded on a tricalcium phosphate scaffold",
    "Allogeneic MSCs on an allograft carrier filling the curetted bone void",
    "Autologous MSCs coated on a fistula plug",
])
def test_cells_on_a_scaffold_or_carrier_are_put_in_place(text):
    p = profile(study("MSCs for Bone Repair", interventions=[product("MSC construct", text)]))
    assert p["route"] == ["local_injection"]
    assert p["evidence"]["route"][0].startswith("implied by ")


def test_a_word_ending_in_a_tissue_name_is_no_route():
    p = profile(study(
        "Allogeneic MSCs After Surgery",
        summary="Allogeneic MSCs are given. Assessments are made from the day randomized into the "
                "study until discharge, and 90 days after study drug administration.",
        interventions=[product("Allogeneic MSC", "allogeneic MSCs")],
    ))
    assert p["route"] == ["not_stated"]


def test_other_trials_named_as_background_state_no_route():
    p = profile(study(
        "Bone Marrow MSCs in COVID-19",
        summary="There are also clinical trials exploring nebulized interferon as well as mesenchymal stem cells.",
        interventions=[product("BM-MSC", "Cultured bone marrow MSCs, 2x10^6/kg, administered once")],
    ))
    assert p["route"] == ["not_stated"]


@pytest.mark.parametrize("text,donor", [
    ("AlloStem, a cellular allograft of adipose MSCs on demineralized bone", "allogeneic"),
    ("Human embryonic stem cell-derived MSCs injected into each ovary", "allogeneic"),
    ("Autograft MSCs co-transplanted with the islets", "autologous"),
])
def test_donors_stated_by_the_kind_of_graft_or_cell_line(text, donor):
    p = profile(study("MSC Therapy", interventions=[product("MSC", text)]))
    assert p["donor"] == donor


def test_a_kidney_allograft_and_the_patients_own_immune_system_are_no_donor_words():
    p = profile(study(
        "Autologous Bone Marrow MSCs in Recipients of Living Kidney Allografts",
        interventions=[product("Autologous BM-MSC", "autologous bone marrow MSCs")],
    ))
    assert p["donor"] == "autologous"
    q = profile(study(
        "Umbilical Cord MSCs in Aplastic Anaemia",
        summary="The patient's own immune system damages the stem cells in bone marrow.",
        interventions=[product("UC-MSC", "umbilical cord MSCs 1x10^6/kg IV")],
    ))
    assert q["donor"] == "allogeneic"


def test_a_follow_up_of_a_product_the_keywords_call_mscs_is_an_msc_trial():
    record = study(
        "Long-term Follow-up of Subjects Given AB20 in Lupus Nephritis",
        keywords=["Allogenic bone marrow derived mesenchymal stem cell"],
    )
    record["protocolSection"]["designModule"]["studyType"] = "OBSERVATIONAL"
    p = profile(record)
    assert p["is_msc"] and p["source"] == ["bone_marrow"] and p["donor"] == "allogeneic"


def test_ulcerative_colitis_abbreviated_uc_is_no_umbilical_cord():
    p = profile(study(
        "Remestemcel-L for Medically Refractory Ulcerative Colitis (UC)",
        interventions=[product("Remestemcel-L", "allogeneic bone marrow derived MSCs, endoscopic injection")],
    ))
    assert p["source"] == ["bone_marrow"]


@pytest.mark.parametrize("text,unit,low,high", [
    ("a single intravenous infusion of 0.5, 1.0, or 1.5 million mesenchymal cells per kg", "per_kg", 5e5, 1.5e6),
    ("2 infusions of MSCs endovenously at 1E6cells/Kg per dose", "per_kg", 1e6, 1e6),
    ("MSCs were intravenously injected in a single dose of one hundred million.", "total", 1e8, 1e8),
    ("Intraarticular injection of 10x10^6 unit of umbilical cord mesenchymal stem cells", "total", 1e7, 1e7),
])
def test_doses_in_lists_with_or_glued_units_words_and_units_of_cells(text, unit, low, high):
    p = profile(study("MSC Therapy", interventions=[product("MSC", text)]))
    assert (p["dose"]["unit"], p["dose"]["min"], p["dose"]["max"]) == (unit, low, high)


def test_a_group_named_3b_is_no_dose():
    p = profile(study(
        "MSCs in ALS",
        summary="After 6 months, 8 patients (group 3B) will be treated with MSC intravenously.",
        interventions=[product("MSC", "autologous MSCs")],
    ))
    assert p["dose"]["min"] is None


def test_a_code_named_product_a_title_explains_in_brackets_is_the_msc_product():
    p = profile(study(
        "A Trial of AB-SVT-1001 (Autologous Fat Stem Adult Mesenchymal Cells Expanded and Combined "
        "With a Tricalcium Phosphate Biomaterial) in Pseudarthrosis",
        interventions=[product("AB-SVT-1001(initial protocol); AB-SVT-1002 (amendment)", kind="BIOLOGICAL")],
    ))
    assert p["is_msc"] and p["donor"] == "autologous"
    q = profile(study(
        "Impact of Abcdtide on Fat Derived MSC",
        summary="The purpose is to evaluate abcdtide in gastrointestinal stromal tumor.",
        interventions=[product("Abcdtide", "Abcdtide 45 mg tablets, orally", kind="DRUG")],
    ))
    assert not q["is_msc"]


# ------------------------------------------------------------ the fourth round of held-out misses


def test_it_beside_iv_is_intrathecal_and_alone_it_names_no_route():
    p = profile(study("UC-MSCs in Multiple Sclerosis", interventions=[product("UC-MSC", "UC-MSCs will be IV infusion followed by IT infusion")]))
    assert p["route"] == ["intravenous", "intrathecal"]
    q = profile(study("IT Injection of AB-051, Stem Cell Based Gene Therapeutics in Head and Neck Cancer",
                      interventions=[product("AB-051", "mesenchymal stem cells, intratumoral injection")]))
    assert "intrathecal" not in q["route"]


@pytest.mark.parametrize("text,route", [
    ("Autologous MSCs injected into rete testis", "local_injection"),
    ("Laparoscopic injection of MSCs into ovarian tissue", "local_injection"),
    ("Transcoronary or trans-bypass graft administration of the MSCs", "intra_arterial"),
])
def test_routes_into_a_tissue_without_an_article_and_transcoronary(text, route):
    p = profile(study("MSC Therapy", interventions=[product("MSC", text)]))
    assert p["route"] == [route]


def test_what_the_cells_can_become_is_no_route():
    p = profile(study(
        "MSCs in Heart Failure",
        summary="MSCs are multipotent cells that can differentiate into bone, cartilage and fat tissue.",
        interventions=[product("MSC", "allogeneic MSCs by intravenous infusion")],
    ))
    assert p["route"] == ["intravenous"]


def test_a_list_of_the_kinds_of_stem_cells_is_background():
    p = profile(study(
        "AB-MSC in Knee Osteoarthritis",
        summary="There are three types of stem cells: embryonic stem cells, adult stem cells, and induced pluripotent stem cells.",
        interventions=[product("AB-MSC", "allogeneic MSCs, low and high dose")],
    ))
    assert p["source"] == ["not_stated"]


def test_cord_blood_transplant_beside_third_party_mscs_is_not_their_tissue():
    p = profile(study(
        "MSCs in Cord Blood Transplantation",
        summary="The objective is the feasibility of UCB HSCT with co-infusion of third party mesenchymal stem cells.",
        interventions=[product("MSC", "third party mesenchymal stem cells")],
    ))
    assert p["source"] == ["not_stated"] and p["donor"] == "allogeneic"


def test_mscs_from_a_first_degree_relative_are_allogeneic():
    p = profile(study("MSCs in Lupus", interventions=[product("BM-MSC", "bone marrow MSCs collected from a first-degree relative")]))
    assert p["donor"] == "allogeneic"


@pytest.mark.parametrize("text,unit,value", [
    ("Allogeneic MSCs will be infused intravenously at 106 cells/kg body weight", "per_kg", 1e6),
    ("Patients will receive 10(6) autologous bone marrow-derived MSCs by intravitreal injection", "total", 1e6),
    ("Three injections of allogeneic MSCs up to 2•107cells (target dose up to 6•107 cells)", "total", 2e7),
])
def test_exponents_whose_superscript_was_lost(text, unit, value):
    p = profile(study("MSC Therapy", interventions=[product("MSC", text)]))
    assert (p["dose"]["unit"], p["dose"]["min"]) == (unit, value)


def test_a_cap_on_the_dose_is_no_dose_of_its_own():
    p = profile(study("MSC Therapy", interventions=[product("hCT-MSC", "Targeted dose is 2x10^6 MSCs/kg with a maximum dose of 10 x 10^7 cells/kg.")]))
    assert (p["dose"]["min"], p["dose"]["max"]) == (2e6, 2e6)


@pytest.mark.parametrize("text,route", [
    ("Before infusion of the MSCs at the osteotomy site the implant is dipped in the solution", "local_injection"),
    ("The factor derived from mesenchymal stem cells was injected on the wound", "local_injection"),
    ("Expanded MSCs delivered through the core-decompression tract", "local_injection"),
    ("A Study of Extracorporeal Mesenchymal Stromal Cell Therapy in a CRRT circuit", "other"),
])
def test_routes_at_a_surgical_site_on_a_wound_and_outside_the_body(text, route):
    p = profile(study("MSC Therapy", interventions=[product("MSC", text)]))
    assert p["route"] == [route]


def test_an_oxygenator_outside_the_body_is_no_route_of_the_mscs():
    q = profile(study(
        "MSCs in ARDS",
        summary="Patients on extracorporeal membrane oxygenation receive allogeneic MSCs intravenously.",
        interventions=[product("MSC", "allogeneic MSCs")],
    ))
    assert q["route"] == ["intravenous"]


# ------------------------------------------------------------ sample-h


def described(record, description="", outcomes=()):
    """The record with a detailed description and primary outcome measures."""
    section = record["protocolSection"]
    section["descriptionModule"]["detailedDescription"] = description
    section["outcomesModule"] = {"primaryOutcomes": [{"measure": m} for m in outcomes]}
    return record


@pytest.mark.parametrize("text,route", [
    ("Single intra-articular implantation of autologous bone marrow-derived mesenchymal stem cells", "intra_articular"),
    ("Intracoronary implantation of bone marrow-derived mesenchymal stem cells", "intra_arterial"),
])
def test_implanting_bone_marrow_mscs_is_no_implantation_into_bone(text, route):
    p = profile(study("MSC Therapy", interventions=[product("MSC", text)]))
    assert p["route"] == [route]


@pytest.mark.parametrize("text", [
    "a single intra-articular injection of 50 million donor-derived hMSCs",
    "BM-Allo.MSC for infusion is manufactured from normal donor derived bone marrow product",
    "MSC will be expanded from the donors of all patients who develop GVHD",
    "Mesenchymal Stromal Cells (MSC) from related or unrelated Human Leukocyte Antigen (HLA) identical or HLA mismatched donors",
])
def test_mscs_derived_or_expanded_from_donors_are_allogeneic(text):
    p = profile(study("MSC Therapy", interventions=[product("MSC", text)]))
    assert p["donor"] == "allogeneic"


def test_a_haematopoietic_graft_or_cord_blood_mononuclear_cells_beside_the_mscs_name_no_tissue():
    p = profile(study(
        "Mesenchymal Stem Cell Infusion After Hematopoietic Cell Transplantation",
        interventions=[product("Mesenchymal stem cell infusion", "Infusion of mesenchymal stem cells on the same day as hematopoietic stem cell infusion.", kind="PROCEDURE", arms=["1"])],
        arms=[{"label": "1", "type": "EXPERIMENTAL", "description": "MSC co-infusion with either HLA-mismatched PBSC or cord blood"}],
    ))
    assert p["is_msc"] and p["source"] == ["not_stated"] and p["route"] == ["intravenous"]
    q = profile(study("Stem Cell Therapy in Autism", interventions=[product(
        "human cord blood mononuclear cells and human umbilical cord mesenchymal stem cells", "hCB-MNCs and hUC-MSCs transplantation")]))
    assert q["source"] == ["umbilical_cord"]


@pytest.mark.parametrize("text", [
    "Core decompression with concentrated autologous mesenchymal stromal cells isolated from bone marrow",
    "Stem cells derived from iliac bone marrow with centrifuge and ficoll method, then 40 x 10^6 mesenchymal stem cells injected in the nonunion site",
    "The mesenchymal cells will be separated by a bedside separation system and injected with a bone matrix",
])
def test_concentrated_or_gradient_separated_marrow_cells_are_an_uncultured_fraction(text):
    assert not profile(study("Cell Therapy for Nonunion", interventions=[product("Mesenchymal stem cells", text)]))["is_msc"]
    cultured = text + ". The cells will be seeded at a density of 5,000 cells/cm2 before injection."
    assert profile(study("Cell Therapy for Nonunion", interventions=[product("Mesenchymal stem cells", cultured)]))["is_msc"]


@pytest.mark.parametrize("description", [
    "Autologous bone marrow derived mesenchymal stem cells are transplanted into the ovaries without in vitro expansion or culture, with minimal manipulation.",
    "This study uses adipose-derived stem cells in the form of non-expanded culture, injected intravenously.",
    "Mesenchymal stem cells are isolated from lipoaspirates; expansion in costly facilities is avoidable.",
])
def test_mscs_whose_culture_the_prose_denies_are_an_uncultured_fraction(description):
    p = profile(described(study("Stem Cells for Ovarian Failure", interventions=[product("Autologous stem cells", "Stem cells")]), description))
    assert not p["is_msc"]


def test_cells_co_cultivated_with_mscs_are_no_msc_product():
    p = profile(study("Tolerogenic Dendritic Cells in Type 1 Diabetes", interventions=[product(
        "Autologous tolerogenic dendritic cells", "Dendritic cells co-cultivated with mesenchymal stem cells (MSC-tolDC) injected subcutaneous.")]))
    assert not p["is_msc"]


@pytest.mark.parametrize("name,kind,text", [
    ("Flow cytometry", "OTHER", "Mesenchymal stromal cells of the biopsy (CD105, CD90, CD73) are counted"),
    ("Progenitor potential of gingival mesenchymal cells", "DIAGNOSTIC_TEST", "the tissue is treated to extract the mesenchymal cells"),
])
def test_an_analysis_or_diagnostic_test_of_participants_cells_gives_no_msc_product(name, kind, text):
    p = profile(study("Mesenchymal Cells in Periodontitis", interventions=[product(name, text, kind=kind)]))
    assert not p["is_msc"]


@pytest.mark.parametrize("text,unit,low,high", [
    ("Doses of MSCs will be 1-2x10^6 million MSCs per/kg body weight", "per_kg", 1e6, 2e6),
    ("Allogeneic UC-MSCs 1 x 10~7 diluted in 5 mL of platelet rich plasma", "total", 1e7, 1e7),
    ("25 million cells/unit dose (cumulative dose: 75 million MSCs)", "total", 2.5e7, 2.5e7),
    ("a total of 1.99 x 10^8 (199 million) hMSCs and 1 million C-Kit hCSCs", "total", 1.99e8, 1.99e8),
])
def test_doses_per_slash_kg_with_a_tilde_per_unit_dose_and_beside_another_cell_product(text, unit, low, high):
    p = profile(study("MSC Therapy", interventions=[product("MSC", text)]))
    assert (p["dose"]["unit"], p["dose"]["min"], p["dose"]["max"]) == (unit, pytest.approx(low), pytest.approx(high))


def test_a_dose_made_of_several_syringes_is_their_sum():
    p = profile(study("AstroStem in Alzheimer's Disease", interventions=[product(
        "AstroStem", "Autologous adipose MSCs given intravenously; the dose consists of two syringes and each syringe contains 2.0 x 10^8 cells.")]))
    assert p["dose"]["min"] == 4e8


def test_the_cells_of_a_whole_protocol_are_no_dose_of_one_administration():
    p = profile(study("ADSC in Osteoarthritis", interventions=[product(
        "ADMSC", "intra-articular injection of at least 10 million ADMSC per procedure, maximum four procedures, minimum number of cells per protocol 40 million")]))
    assert (p["dose"]["min"], p["dose"]["max"]) == (1e7, 1e7)


def test_a_total_shared_by_a_stated_number_of_infusions_is_divided_without_an_interval():
    p = profile(study("BM-MSC for Heart Failure", interventions=[product("BM-MSC", "A total of 400 million MSCs given in four intravenous infusions.")]))
    assert (p["dose"]["min"], p["dose"]["n_doses"]) == (1e8, 4)


def test_a_co_medication_for_pain_states_no_route_and_conjunctival_injections_are_ocular():
    p = profile(study("Placental MSCs for Myelomeningocele", interventions=[product(
        "Placental mesenchymal stem cells", "The fetus will be given an intramuscular injection of pain medications and paralytic. The MSC product is placed in the defect.")]))
    assert "intramuscular" not in p["route"]
    q = profile(study("ASC in Cicatricial Conjunctivitis", interventions=[product(
        "ASC", "12,5 million allogeneic mesenchymal stem cells by subcnjunctival injection and topical conjunctival injection")]))
    assert q["route"] == ["ocular"]


def test_an_injection_into_the_mesenteric_artery_is_intra_arterial():
    p = profile(study("UC-MSC for Ulcerative Colitis", interventions=[product(
        "UC-MSC", "Intravenous infusion of UC-MSCs, one week later inject mesenchymal stem cells to mesenteric artery")]))
    assert p["route"] == ["intravenous", "intra_arterial"]


def test_an_amniotic_membrane_carrying_the_mscs_is_no_source_and_wrapping_a_nerve_is_local():
    p = profile(study(
        "Human Amniotic Membrane and Mesenchymal Stem Cells Composite",
        interventions=[product("Nerve transfer with HAM-AdMSC composite wrapping", "The end-to-end anastomosis is wrapped by a composite of human amniotic membrane and allogeneic adipose-derived mesenchymal stem cells", kind="PROCEDURE")],
    ))
    assert p["source"] == ["adipose"] and p["route"] == ["local_injection"]


@pytest.mark.parametrize("description", [
    "The patients who are eligible underwent bone marrow aspiration; after cell separation the mesenchymal stem cells are injected.",
    "The mesenchymal stem cells will be harvested from buccal fat pad tissue of patients receiving the surgery.",
])
def test_patients_who_give_the_tissue_give_their_own_cells(description):
    p = profile(described(study("MSC Therapy", interventions=[product("MSC", "mesenchymal stem cells")]), description))
    assert p["donor"] == "autologous"


def test_results_of_other_trials_are_background():
    p = profile(described(
        study("UC-MSC in Liver Cirrhosis", interventions=[product("Umbilical cord-derived mesenchymal stem cell", "1.0*10E6 UC-MSC/kg intravenously")]),
        "In clinical, autologous BM-MSC have significantly improved liver function in patients with liver cirrhosis.",
    ))
    assert p["donor"] == "allogeneic"


def test_a_donor_word_in_one_title_counts_when_the_other_names_mscs():
    record = study("Autologous Cardiopoietic Cells for Heart Failure", interventions=[product("Injection of C3BS-CQR-1", "Injection of C3BS-CQR-1")])
    record["protocolSection"]["identificationModule"]["officialTitle"] = "Bone Marrow-derived Mesenchymal Cardiopoietic Cells (C3BS-CQR-1) for Heart Failure"
    assert profile(record)["donor"] == "autologous"


def test_autologous_cells_of_one_tissue_beside_perinatal_mscs_are_both():
    p = profile(study(
        "Bone Marrow Derived Autologous Stem Cells + Human Umbilical Cord Derived Mesenchymal Stem Cells for Liver Cirrhosis",
        interventions=[product("Mesenchymal stem cell", "Intravenous dose of mesenchymal stem cell derived from human bone marrow & umbilical cord")],
    ))
    assert p["donor"] == "both"


def test_the_patients_own_marrow_the_mscs_act_on_is_no_source():
    p = profile(study(
        "Allogeneic MSC Infusion in Ischemic Heart Disease",
        summary="Allogeneic MSCs promote endothelial repair through rescue of bone marrow progenitors in diabetic patients.",
        interventions=[product("100 million allogeneic mesenchymal stem cells", "single intravenous infusion")],
    ))
    assert p["source"] == ["not_stated"]


def test_an_abbreviation_the_record_defines_for_the_stem_cells_names_the_product():
    p = profile(study(
        "Buccal Fat Pad Derived Mesenchymal Stem Cells in Maxillary Sinus Augmentation",
        summary="Buccal fat pad derived stem cells (BFPSCs) are loaded on a bone allograft for sinus augmentation.",
        interventions=[product("BFPSCs + DFDBA + PRF", kind="PROCEDURE"), product("DFDBA + PRF", kind="PROCEDURE")],
    ))
    assert p["is_msc"] and p["source"] == ["adipose"] and p["route"] == ["local_injection"]


def test_the_outcome_measures_give_the_tissue_and_the_dose_when_nothing_else_does():
    p = profile(described(
        study("MSC Coated Fistula Plug", interventions=[product("MSC-AFP", "autologous mesenchymal stromal cells on a fistula plug")]),
        outcomes=["Safety of adipose derived, autologous mesenchymal stromal cells bound to the fistula plug",
                  "Adverse events between the 0.5, 1.6 and 5.0 million mesenchymal stem cells per kilogram dose cohorts"],
    ))
    assert p["source"] == ["adipose"]
    assert (p["dose"]["unit"], p["dose"]["min"], p["dose"]["max"]) == ("per_kg", 5e5, 5e6)


def test_an_intraosseous_injection_into_a_lesion_is_local():
    p = profile(study("MSCs for Osteonecrosis of the Femoral Head", interventions=[product(
        "MSC", "Route of administration: local implant intraosseous injection with trocar in the femoral head.")]))
    assert p["route"] == ["local_injection"]


# ------------------------------------------------------------ sample-i


def test_a_product_name_inside_a_word_names_no_product():
    p = profile(study("UC-MSC in Multiple Sclerosis", arms=[{"label": "AllogeneicUmbilicalCordTissue-DerivedMesenchymalStemCells", "type": "EXPERIMENTAL",
                                                             "interventionNames": ["Biological: UC-MSC"]}],
                      interventions=[product("UC-MSC", "Allogeneic umbilical cord tissue-derived mesenchymal stem cells given intravenously",
                                             arms=["AllogeneicUmbilicalCordTissue-DerivedMesenchymalStemCells"])]))
    assert p["source"] == ["umbilical_cord"]
    q = profile(study("Exosomes in COVID-19", interventions=[product("Mesenchymal Stemcells - derived Exosomes", "given intravenously on days 1 and 7")]))
    assert q["source"] == ["not_stated"] and q["donor"] == "not_stated" and q["named_products"] == []


def test_a_concentration_of_cells_is_no_concentrate():
    p = profile(study(
        "Allogeneic Adipose Tissue-derived Mesenchymal Stem Cells in Ischemic Stroke",
        interventions=[product("Allogeneic adipose tissue-derived stem cells", "Concentration of the cells: 10 million cells / ml", kind="OTHER", arms=["Treatment"])],
        arms=[{"label": "Treatment", "type": "EXPERIMENTAL", "description": "intravenous allogeneic adipose tissue-derived stem cells, one million cells per kg"}],
    ))
    assert p["is_msc"] and p["source"] == ["adipose"] and p["route"] == ["intravenous"]


@pytest.mark.parametrize("title,description", [
    ("Cord Blood Ex-Vivo MSC Expansion Plus Fucosylation to Enhance Engraftment", "Patients receive a cord blood transplant IV on day 0."),
    ("Expanded Cord Blood Transplantation in Leukemia", "Cord blood expanded in mesenchymal precursor cell (MPC) co-cultures is infused on day 0."),
])
def test_cord_blood_expanded_on_mscs_gives_no_msc_product(title, description):
    p = profile(study(title, interventions=[product("Umbilical Cord Blood Transplantation", description, kind="PROCEDURE")]))
    assert not p["is_msc"]


def test_total_stromal_cells_containing_mscs_are_an_uncultured_fraction():
    p = profile(study("Adipose-tissue-derived Total-Stromal-cells (TOST) in Knee Osteoarthritis", interventions=[product(
        "Adipose Tissue derived Total-Stromal-Cells (TOST)", "Autologous adipose tissue derived total-stromal-cells containing mesenchymal stem cells injected in each knee")]))
    assert not p["is_msc"]


def test_the_iliac_crest_the_cells_are_given_into_is_no_source():
    p = profile(study("Intraosseous MSCs for Graft Failure", interventions=[product(
        "MSC administration", "Donor MSCs will be administered under local anesthesia to the iliac crests.")]))
    assert p["source"] == ["not_stated"] and p["donor"] == "allogeneic"


def test_mscs_from_the_same_donor_in_brackets_are_allogeneic():
    p = profile(study("MSCs for Severe COVID-19", interventions=[product(
        "BM-MSC", "3 infusions of 3.0 x10^6/kg BM-MSC (from the same donor) at 3-4 days interval")]))
    assert p["donor"] == "allogeneic"


@pytest.mark.parametrize("text,route", [
    ("The MSC product is added on the lesion after arthroscopic microfracture", "local_injection"),
    ("Single intracavitary infusion of hUC-MSCs 1 day after stereotactic aspiration of the hematoma", "local_injection"),
    ("UC-MSCs given by intravertebral disc injection", "local_injection"),
    ("Skin graft with infiltration of mesenchymal stem cells", "local_injection"),
    ("Intra-articular infiltration of umbilical cord derived mesenchymal stromal cells", "intra_articular"),
])
def test_routes_added_on_a_lesion_intracavitary_intravertebral_and_infiltration(text, route):
    p = profile(study("MSC Therapy", interventions=[product("MSC", text)]))
    assert p["route"] == [route]


@pytest.mark.parametrize("text,unit,low,high,n", [
    ("Autologous adipose derived MSCs, 150 million cells deployed via two (2) treatments via intravenous injection", "total", 7.5e7, 7.5e7, 2),
    ("prednisone plus MSC2×1,000,000 MSC/kg, IV twice a week", "per_kg", 2e6, 2e6, None),
    ("Mesenchymal stem cells 1 million * weight (kg)", "per_kg", 1e6, 1e6, None),
    ("1 million umbilical cord mesenchymal stem cells per body kg given intravenously", "per_kg", 1e6, 1e6, None),
    ("3 infusions of (1.5)-3.0 x106/kg BM-MSC at 3-4 days interval", "per_kg", 1.5e6, 3e6, 3),
])
def test_doses_shared_by_numbered_treatments_glued_per_body_weight_and_a_bracketed_lower_end(text, unit, low, high, n):
    d = profile(study("MSC Therapy", interventions=[product("MSC", text)]))["dose"]
    assert (d["unit"], d["min"], d["max"]) == (unit, pytest.approx(low), pytest.approx(high))
    if n:
        assert d["n_doses"] == n


def test_endometrial_regenerative_cells_are_menstrual_blood_mscs():
    p = profile(study("Endometrial Regenerative Cells (ERC) in Critical Limb Ischemia", interventions=[product(
        "ERC", "Allogeneic menstrual derived mesenchymal stem cells (endometrial regenerative cells), intramuscular")]))
    assert p["source"] == ["menstrual_blood"]


def test_stem_cells_in_general_taken_from_the_patient_say_nothing_of_perinatal_mscs():
    p = profile(described(
        study("Umbilical Cord MSCs in Knee Osteoarthritis", interventions=[product("Human umbilical cord mesenchymal stem cells", "injection in the articular cavity")]),
        "Stem cells are extracted from the patient's body and then implanted back.",
    ))
    assert p["donor"] == "allogeneic"
    q = profile(described(
        study("Umbilical Cord MSCs in Knee Osteoarthritis", interventions=[product("Human umbilical cord mesenchymal stem cells", "injection in the articular cavity")]),
        "Autologous umbilical cord mesenchymal stem cells banked at birth are thawed.",
    ))
    assert q["donor"] == "autologous"


@pytest.mark.parametrize("aspiration,msc", [
    ("During the operation the aspirate is transported to the laboratory, where the sample is centrifugated through Ficoll.", False),
    ("The aspirate is sent to the laboratory, where the cells are cultured for three weeks.", True),
])
def test_a_marrow_aspiration_of_the_msc_arm_that_separates_the_cells_at_surgery(aspiration, msc):
    p = profile(study(
        "Combined CABG and Stem-Cell Transplantation for Heart Failure",
        interventions=[product("Bone marrow aspiration (crista iliaca)", aspiration, kind="PROCEDURE", arms=["A"]),
                       product("Intramyocardial mesenchymal stem cell transplantation", "Stem cells are injected directly into the myocardium.", arms=["A"])],
        arms=[{"label": "A", "type": "EXPERIMENTAL", "description": "stem cell injections during the CABG"}],
    ))
    assert p["is_msc"] is msc


def test_a_marrow_aspiration_beside_allogeneic_mscs_and_a_ruled_out_tissue_are_no_source():
    p = profile(described(
        study("MSCs in Rheumatoid Arthritis", interventions=[product("2 million hMSC/kg", "2 million hMSCs/kg infusion")]),
        "Allogeneic mesenchymal stem cells are infused. For those who agree, a bone marrow aspiration will be performed prior to infusion with allogeneic MSCs.",
    ))
    assert p["source"] == ["not_stated"]
    q = profile(described(
        study("MSC Implantation in Degenerative Disc Disease", interventions=[product("Mesenchymal Stem Cell", "mesenchymal stem cells 2 ml")]),
        "Allogenic mesenchymal stem cells from the umbilical cord were chosen because autologous mesenchymal stem cell administration is "
        "not possible in terms of taking the source of cells (bone marrow) in elderly patients.",
    ))
    assert q["source"] == ["umbilical_cord"]


def test_a_concentration_in_brackets_after_the_cells_is_not_the_unit_of_the_count():
    d = profile(study("PLX-PAD in COVID-19", interventions=[product(
        "PLX-PAD", "PLX-PAD 300 million cells (20 million/mL) administered via 15 IM injections (1 mL each).")]))["dose"]
    assert (d["unit"], d["min"], d["max"]) == ("total", 3e8, 3e8)


def test_the_product_text_decides_between_cord_tissues_a_title_names():
    p = profile(study(
        "Umbilical Cord Derived Mesenchymal Stem Cells in Ischemic Cardiomyopathy",
        interventions=[product("mesenchymal stem cells", "Umbilical Cord Blood Derived Mesenchymal Stem Cells at a dose of 150-250 million.")],
    ))
    assert p["source"] == ["cord_blood"]


def test_wharton_jelly_in_the_description_of_umbilical_cord_tissue_mscs():
    p = profile(described(
        study("Umbilical Cord Tissue-Derived MSCs in Multiple Sclerosis", interventions=[product(
            "Allogeneic Human Umbilical Cord Tissue-Derived Mesenchymal Stem Cells", "intravenous and intrathecal administration")]),
        "Investigational therapy product: Wharton Jelly derived allogeneic MSCs.",
    ))
    assert p["source"] == ["wharton_jelly"]
    q = profile(described(
        study("Umbilical Cord MSCs in Multiple Sclerosis", interventions=[product("UC-MSC", "intravenous administration")]),
        "Previous studies have shown that Wharton jelly MSCs reduce inflammation.",
    ))
    assert q["source"] == ["umbilical_cord"]


# ------------------------------------------------------------ the misses left across the development samples


def test_it_as_the_place_the_product_goes_and_an_endolumbal_injection_are_intrathecal():
    p = profile(study("MSCs in Multiple Sclerosis", interventions=[
        product("MSC IT", "Injection to IT (Group 1). After 6 months, patients will be treated with MSC once again in IT.", arms=["IT"]),
        product("MSC IV", "Injection to IV (Group 2).", arms=["IV"]),
    ]))
    assert p["route"] == ["intravenous", "intrathecal"]
    q = profile(study("MSCs in ALS", interventions=[product(
        "autologous MSCs", "Cultured MSCs for intravenous administration and neuroinduced MSCs for a subsequent endolumbal injection.")]))
    assert q["route"] == ["intravenous", "intrathecal"]


def test_an_injection_in_the_myocardium():
    p = profile(study("Adipose Stromal Cells Injection in the Myocardium for Revascularization",
                      interventions=[product("Stromal Cells Injection", "hASC injection (1x10e6 / kg body weight)")]))
    assert p["route"] == ["intramyocardial"]
    q = profile(study("MSCs in Heart Failure", interventions=[product("MSC", "injected in the heart failure patients")]))
    assert q["route"] != ["intramyocardial"]


def test_an_in_situ_injection_of_in_vitro_expanded_mscs_is_local():
    p = profile(study(
        "MSCs in Osteonecrosis", conditions=["Osteonecrosis of the Hip"],
        summary="To assess the safety of an in situ single injection of autologous, in vitro expanded mesenchymal stem cells in osteonecrosis of the femoral head.",
        interventions=[product("MSC", "20x10^6 cells per cc in a single administration of 7cc")],
    ))
    assert p["route"] == ["local_injection"]


def test_a_dose_per_area_of_the_defect_is_put_on_the_defect_unless_a_route_is_stated():
    record = study("Cord Blood MSCs for Cartilage Defects", conditions=["Osteoarthritis, Knee"], interventions=[product(
        "Cord blood MSCs", "Administer 0.5 mL of the combination product per cm^2 of the cartilage defect")])
    assert profile(record)["route"] == ["local_injection"]
    record["protocolSection"]["descriptionModule"]["briefSummary"] = "The MSCs are given via intra-articular injection."
    assert profile(record)["route"] == ["intra_articular"]


def test_an_injection_in_the_testicular_tubules_and_the_testicular_artery():
    p = profile(study("MSC Injection in Azoospermia", interventions=[product(
        "Mesenchymal stem cell injection", "Bone marrow mesenchymal stem cell injection in the testicular tubules and testicular artery")]))
    assert p["route"] == ["intra_arterial", "local_injection"]


def test_an_intradermic_application_beside_another_products_topical_application():
    p = profile(study("MSCs in Venous Ulcers", interventions=[product(
        "MSCs", "Intradermic application of MSCs in four points around the ulcer and topical application of fitostimoline every other day")]))
    assert p["route"] == ["local_injection"]


def test_a_serum_used_on_the_scalp_is_topical():
    p = profile(study("Conditioned Medium of Cord Blood MSCs in Alopecia", interventions=[product(
        "Hair serum with MSC conditioned media", "Hair serum with conditioned media of cord blood MSCs, directed to use on hair and scalp twice a day.")]))
    assert p["route"] == ["topical"]


def test_the_artery_of_the_transplant_surgery_is_no_route():
    p = profile(study("MSCs in Kidney Transplantation", interventions=[product(
        "BM-MSC", "Allogeneic MSCs (10^6/kg) are intravenously given at day 0 (after renal artery reperfusion), day 7 and day 14.")]))
    assert p["route"] == ["intravenous"]


def test_a_full_stop_typed_after_a_space_still_ends_a_sentence():
    p = profile(study(
        "MSCs in Allogeneic HSCT",
        summary="MSCs are known to have immunomodulatory properties in allogeneic transplantation (allo-HSCT) .The study evaluates MSCs infusion during allogeneic HSCT.",
        interventions=[product("Mesenchymal stem cells", "MSCs")],
    ))
    assert p["route"] == ["intravenous"]


def dose_of(description, title="MSCs in Knee Osteoarthritis", name="Mesenchymal stem cells"):
    d = profile(study(title, interventions=[product(name, description)]))["dose"]
    return (d["unit"], d["min"], d["max"])


@pytest.mark.parametrize("text,dose", [
    # Indonesian records write per kg of body weight "kg/bb" or "/kgBB"
    ("IV 0.3 million kg/bb UC-MSCs once", ("per_kg", 3e5, 3e5)),
    ("UC-MSCs 1 x 10^6 cells/kgBB intravenously", ("per_kg", 1e6, 1e6)),
    # a count per ten kilograms
    ("injected with one unit of adipose mesenchymal stem cells (1*10^6/10kg) once a week", ("per_kg", 1e5, 1e5)),
    # an exponent written "x6"
    ("single intrathecal dose of 10x6 cells by lumbar puncture.", ("total", 1e6, 1e6)),
    # a count per kg called a concentration is still a dose
    ("The administration will be intravenous, with a concentration of 2 X 10^6 mesenchymal cells per kilogram of patient weight.", ("per_kg", 2e6, 2e6)),
])
def test_dose_forms_left_across_the_development_samples(text, dose):
    assert dose_of(text) == dose


def test_a_concentration_after_many_words_for_the_cells_is_no_dose():
    assert dose_of("A suspension containing 22 million adipose tissue-derived mesenchymal stem cells per millilitre. "
                   "Approximately 11 million ASCs in a 0.5 ml suspension are injected.") == ("total", 1.1e7, 1.1e7)


def test_the_content_of_a_vial_beside_the_doses_of_the_arms():
    assert dose_of("Drug substance and the amount: 2.5 × 10^7 cells/1 mL/vial, 2 vials for low-dose group. "
                   "Low-dose group (5 x 10^7 cells) or high-dose group (1 x 10^8 cells).") == ("total", 5e7, 1e8)
    # alone, it is the dose ("Dose: 1 x 10^7 cells/1 mL/vial")
    assert dose_of("Dose: 1 x 10^7 cells/1 mL/vial, administered to 15-20 parts of the muscle") == ("total", 1e7, 1e7)


def test_syringes_each_containing_a_count_and_a_count_per_hemisphere_beside_the_total():
    assert dose_of("MSCs in fibrin glue will be delivered in two insulin syringes each containing 5x10E6 cells/100 μl fibrin.") == ("total", 1e7, 1e7)
    assert dose_of("Stereotactic intrastriatal implantation of 3×10^7 per hemisphere (total 6×10^7 cells) or 1×10^8 per hemisphere "
                   "(total 2×10^8 cells) autologous adipose-derived mesenchymal stem cells.") == ("total", 6e7, 2e8)


def test_an_arm_given_another_cell_product_through_the_shared_intervention():
    p = profile(study(
        "Stem Cells Therapy in Critical Limb Ischemia",
        interventions=[product("Stem cell infusion", "Unique stem cell infusion of the randomized group", kind="DRUG",
                               arms=["Autologous mononuclear stem cell from the bone marrow", "Autologous mesenchymal stem cells from the adipose tissue"])],
        arms=[
            {"label": "Autologous mononuclear stem cell from the bone marrow", "type": "EXPERIMENTAL",
             "description": "Autologous mononuclear stem cell from the bone marrow in an unique infusion of 150-250 millions of cells"},
            {"label": "Autologous mesenchymal stem cells from the adipose tissue", "type": "EXPERIMENTAL",
             "description": "Autologous mesenchymal stem cells from the adipose tissue in an unique infusion of 0.5 millions of cells"},
        ],
    ))
    assert p["source"] == ["adipose"]
    assert (p["dose"]["min"], p["dose"]["max"]) == (5e5, 5e5)


def test_a_definition_of_mscs_in_the_product_text_names_no_source():
    p = profile(study("Autologous Adipose Mesenchymal Stem Cells in Airway Injury", interventions=[product(
        "Adipose MSCs", "There are complex sets of non-hematopoietic cells in bone marrow called mesenchymal progenitor cells (MPCs).")]))
    assert p["source"] == ["adipose"]


def test_the_products_making_is_no_background():
    p = profile(described(
        study("Autologous MSCs in Multiple Sclerosis", interventions=[product("Mesenchymal stem cells", "intrathecal injection")]),
        "Cells will be isolated from adipose tissue by subcutaneous biopsy and expanded using an FDA-approved protocol.",
    ))
    assert p["source"] == ["adipose"]
    q = profile(study("MSCs in Vocal Fold Scarring", summary=(
        "Patients receive injection of autologous mesenchymal stroma cells, aMSC (which were previously harvested from each "
        "patient's bone marrow, purified and expanded)."), interventions=[product("aMSC", "injection into the vocal folds")]))
    assert q["source"] == ["bone_marrow"]


def test_a_bone_graft_of_the_iliac_crest_and_the_marrow_the_cells_reach_are_no_source():
    p = profile(study("Buccal Fat Pad MSCs in Alveolar Cleft", interventions=[product("BFP-MSCs", (
        "Treated with anterior iliac crest spongy bone, but buccal fat pad-derived mesenchymal stem cells cultured over bone "
        "mineral were put over the spongy bone."))]))
    assert p["source"] == ["adipose"]
    q = profile(study("Intraosseous MSCs for Graft Failure", summary=(
        "Since only few MSCs reach the BM after intravenous injection, MSCs were implanted into the iliac spine."),
        interventions=[product("Donor MSCs", "Donor MSCs")]))
    assert q["source"] == ["not_stated"]


def test_the_donor_from_the_outcome_measures_when_nothing_else_states_it():
    p = profile(described(
        study("Stem Cells in ALS", interventions=[product("Mesenchymal stem cells", "intra spinal injection")]),
        outcomes=["Effect of intrathecal injection of autologous mesenchymal stem cells in improving the symptoms of ALS"],
    ))
    assert p["donor"] == "autologous"


def test_participants_exposed_to_a_liposuction_give_their_own_cells():
    p = profile(study("Adipose Stem Cells in Knee Osteoarthritis", interventions=[product(
        "Adipose derived mesenchymal stem cells",
        "Participants will be exposed to a simple abdominal liposuction procedure under local anesthesia for stem cells harvesting.")]))
    assert p["donor"] == "autologous"


def test_what_was_done_in_a_past_year_is_background():
    p = profile(described(
        study("Umbilical Cord MSCs in Diabetic Peripheral Neuropathy", interventions=[product("HUC-MSCs", "HUC-MSCs into both lower limbs")]),
        "In 2012, a hospital took the lead in carrying out clinical research on the treatment of neuropathy with autologous bone "
        "marrow stem cells, and patients were relieved.",
    ))
    assert p["donor"] == "allogeneic"
