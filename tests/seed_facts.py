"""Facts stated on the five seed trial pages, as (dotted path into a ClinicalTrials.gov
API v2 study, expected value) pairs.

Paths use dots between keys and [n] to index lists, e.g.
"protocolSection.armsInterventionsModule.armGroups[0].label". A final segment "len()"
gives the length of the list (or string) reached so far, e.g.
"protocolSection.contactsLocationsModule.locations.len()".

Plain module: no Django, no database. Used by tests/registry/test_seed_files.py.
"""

import re

# --- NCT02883803: MedPath page
NCT02883803_SUMMARY = "The main purpose at the early phase of septic shock on the evolution of organ failure judged by the SOFA (Sepsis Organ Failure Assessment score) score on Day 7 (or the day of death or the day of discharge from the intensive care unit if before Day 7) compared to SOFA score observed in patients in the control group. The secondary purpose is to assess the role of heterologous mesenchymal stem cells on the occurrence and duration of failure of each organ and on the mortality at day 28 and day 90. The safety of administration will be also assessed."
NCT02883803_DESCRIPTION = "Patients hospitalized in recovery unit and having a very severe septic shock with community origin (≥ 2 organ failures other than hemodynamic) since less than 12 hours, will receive 10\\^6/kg heterologous mesenchymal stem cells in 250 ml albumin 4%, infused for 30 minutes in central venous line or 250 ml albumin 4% alone."
NCT02883803_ARM_PLACEBO = "Patients hospitalized in recovery unit and having a very severe septic shock with community origin (≥ 2 organ failures other than hemodynamic) since less than 12 hours, will receive 250 ml albumin 4%, infused for 30 minutes in central venous line."
NCT02883803_ARM_MSC = "Patients hospitalized in recovery unit and having a very severe septic shock with community origin (≥ 2 organ failures other than hemodynamic) since less than 12 hours, will receive 10\\^6/kg heterologous mesenchymal stem cells in 250 ml albumin 4%, infused for 30 minutes in central venous line."

NCT02883803_CRITERIA = (
    "Inclusion Criteria:\n\n"
    + "\n".join(
        [
            "* Septic shock of community origin since less than 12 hours. The onset time of septic shock is the time of catecholamine introduction( adrenaline, noradrenaline, or dopamine > 8μg/kg/min)",
            "* At least 2 organ failure other than hemodynamic",
            "* Occurrence between Monday 8am and Friday 8am (for availability reasons of staff)",
            "* Signature of informed consent (patient/close relative or reliable person)",
            "* Affiliation to social security plan",
        ]
    )
    + "\n\nExclusion Criteria:\n\n"
    + "\n".join(
        [
            "* Non-septic shock",
            "* Nosocomial septic shock",
            "* PaO2/FiO2 <100",
            "* Pregnant or breast-feeding woman",
            "* Brain death",
            "* Dying person",
            "* Therapeutic limitations",
            "* Participation to another current interventional clinical trial or since less than 30 days",
        ]
    )
)

# --- NCT04194671: Veeva ClinicalTrials page
NCT04194671_SUMMARY = "Acute kidney injury(AKI) is a common, severe emergency case in clinics,especially severe AKI ,which is associated with higher morbidity and mortality. Effect of routine therapy is limited and mesenchymal stem cells (MSC)are considered a new therapy for treating severe acute kidney injury. Patients will be randomized to receive intravenous infusion of MSC, or placebo control. This trial is to investigate whether MSC can improve renal recovery and mortality of patients with AKI."

NCT04194671_CRITERIA = (
    "Inclusion Criteria:\n\n"
    + "\n".join(
        [
            "* Have severe AKI defined as more than two-fold increase serum creatinine level compared with baseline within 48 hours and/or urinary output consistently<0.5 ml/kg/h over 12 hours",
            "* Age between 18 and 65 years",
            "* Willing or having a legally acceptable representative to give a written informed consent",
            "* Able to comply with visit schedule and study procedures including post-hospitalization discharge follow-up",
        ]
    )
    + "\n\nExclusion Criteria:\n\n"
    + "\n".join(
        [
            "* AKI due to post-renal outflow obstruction,glomerulonephritis,lupus nephritis, antineutrophil cytoplasmic antibody (ANCA) related nephritis, antiglomerular basement membrane disease, cryoglobulinemia, thrombotic microangiopathy, and AKI caused by purpura nephritis",
            "* Pregnant or lactating woman",
            "* Allergic person",
            "* Organ transplant or hematopoietic stem cell transplant",
            "* Patients with malignant tumors or those with a history of cancer",
            "* Life expectancy is less than 3 months",
            "* Known end-stage liver disease",
            "* Uncontrollable infection",
            "* Patients younger than 65 years old ,whose estimated glomerular filtration rate (eGFR) were less than 60",
            "* Severe pulmonary dysfunction",
            "* Severe cardiac dysfunction,left ventricular ejection fraction is less than 40%, or severe arrhythmia patients",
            "* Hemodynamically unstable patients",
            "* Organ failure affecting more than 2 non-renal organs",
            "* Acute or chronic vasculitis of any cause",
            "* History of chronic systemic infection of any cause",
            "* The investigators believe that subjects may need to gradually increase the dose of vasopressor to achieve and / or maintain hemodynamic stability",
            "* Systemic immunosuppressive therapy that has not been stabilized for greater than 4 months, or in the case of chronic corticosteroid therapy, a dose of >15 mg/day of prednisone or the equivalent within the past 30 days",
            "* Platelet count <25,000/uL or other severe hematologic abnormalities, causing the subject to be at risk of death",
            "* Patients need mechanical ventilation",
            "* Participate in other clinical trials",
        ]
    )
)

# --- NCT05741099: Veeva ClinicalTrials page
NCT05741099_SUMMARY = "This study is to evaluate the safety and efficacy of umbilical cord mesenchymal stem cells Therapy for COVID-19."
NCT05741099_DESCRIPTION = "Since 2019, novel coronavirus Disease 2019 (COVID-19) has spread and prevailed all over the world. COVID-19 has a wide range of clinical manifestations of respiratory and non-respiratory symptoms, including mild or severe influenza-like syndrome, respiratory distress or respiratory failure, and may end in multiple organ failure. Mesenchymal stem cells (MSCS) are considered as ideal seed cells for the treatment of various diseases due to their unique immune regulation, self-renewal and multiple differentiation potentials. The safety of MSC transplantation in the treatment of COVID-19 patients has been proved by a number of clinical studies, and has shown good clinical efficacy in shortening the course of the disease, alleviating lung damage, and reducing the level of inflammatory factors. However, previous clinical studies mainly focused on the efficacy of MSC transplantation in critically ill patients of COVID-19, ignoring the important role of cell transplantation in delaying or preventing COVID-19 's progress and preventing reinfection.COVID-19 has spread throughout the country and even the world, and the increase in severe and critical cases has caused a great impact on national medical and health resources. Stem cell transplantation offers new treatment ideas for COVID-19 patients. Since the role of cell transplantation in delaying or preventing the progression of light and medium novel coronavirus infection and preventing reinfection has not been clearly reported, this study intends to use MSC transplantation to evaluate the role of stem cells in the occurrence and development of novel coronavirus infection, so as to provide an important reference for the prevention and treatment of COVID-19 by MSC."

NCT05741099_CRITERIA = (
    "Inclusion Criteria:\n\n"
    + "\n".join(
        [
            "* Age 18-85 years;The diagnosis of COVID-19 infection was clinically classified as Moderate cases, and the criteria were based on Diagnosis and Treatment Protocol for Novel Coronavirus Pneumonia(Trial Version 10)",
            "* Having the relevant clinical manifestations of COVID-19 infection.",
            "* Having one or more of the following etiological and serological examination results",
            "* Tested positive for Novel Coronavirus nucleic acid",
            "* Tested positive for Novel Coronavirus antigen",
            "* Novel Coronavirus was isolated and cultured positive",
            "* Novel Coronavirus specific immunoglobulin G reaches a titration of at least 4-fold increase during convalescence compared with the acute phase.",
            "* Moderate cases diagnostic criteria:Persistent high fever > 3 days or (and) cough, Tachypnea etc,but respiratory rate≧30 breaths/ min ,oxygen saturation > 93% on finger pulse oximeter taken at rest. Radiology shows the characteristic manifestations of COVID-19 pneumonia",
            "* There are one or more of the following risk factors for the development of severe / critical severity:",
            "* Patients over 65 years old, especially those who have not been vaccinated against novel coronavirus",
            "* Patients with cardiovascular and cerebrovascular diseases (including hypertension), chronic lung disease, diabetes, chronic liver and kidney disease, tumors and other underlying diseases, as well as maintenance dialysis",
            "* Patients with immune deficiency (such as AIDS, long-term use of corticosteroids or other immunosuppressive drugs resulting in immune dysfunction)",
            "* Patients with Obesity (body mass index ≥30)",
            "* late trimester of pregnancy and perinatal women",
            "* Heavy smoker.",
        ]
    )
    + "\n\nExclusion Criteria:\n\n"
    + "\n".join(
        [
            "* Patients with prior or present tumor history,or precancerous lesions confirmed by pathological examination.",
            "* Patients with active acute myocardial infarction or acute cerebral infarction.",
            "* Pregnant or lactating patients.",
            "* Patients with poorly controlled mental illness.",
            "* Patients addicted to alcohol or drugs.",
            "* Patients Unable or unwilling to sign informed consent or poor compliance.",
            "* Patients with active tuberculosis or influenza virus, adenovirus and other acute respiratory virus infection.",
            "* Patients deemed unsuitable for stem cell therapy by clinicians.",
            "* Patients enrolled in other clinical trials within 3 months.",
        ]
    )
)

# --- NCT05016804: trial-search site page
NCT05016804_DESCRIPTION = "\n\n".join(
    [
        "Studies have shown that stem cell treatment is safe and efficacious for the treatment of Systemic Sclerosis. Patients with Systemic Sclerosis will receive a single intravenous infusion of cultured allogeneic adult umbilical cord derived mesenchymal stem cells. The total dose will be 100 million cells. Patients will be evaluated within one month pre treatment and at 1, 6, 12, 24, 36, and 48 months post treatment for safety and efficacy.",
        "For patients with more severe disease requiring chemotherapeutic drugs such as methotrexate, an autologous T Cell vaccine will be utilized created from the patient's own T cells obtained by apheresis.",
    ]
)

# The page lists the criteria without headings; the first two are the inclusion criteria
# (as in the 2022 record), the rest exclusion criteria.
NCT05016804_CRITERIA = (
    "Inclusion Criteria:\n\n"
    + "\n".join(
        [
            "* Diagnosis of Systemic Sclerosis",
            "* Understanding and willingness to sign a written informed consent document",
        ]
    )
    + "\n\nExclusion Criteria:\n\n"
    + "\n".join(
        [
            "* Active infection",
            "* Active cancer",
            "* Chronic multisystem organ failure",
            "* Pregnancy",
            "* Clinically significant Abnormalities on pre-treatment laboratory evaluation",
            "* Medical condition that would (based on the opinion of the investigator) compromise patient's safety.",
            "* Continued drug abuse",
            "* Pre-menopausal women not using contraception",
            "* Previous organ transplant",
            "* Hypersensitivity to sulfur",
        ]
    )
)

# --- NCT06518902: trial-search site page
NCT06518902_SUMMARY = "\n\n".join(
    [
        "Identify the dose-limiting toxicity (DLT) of drug mesenchymal stem cells (umbilical cord) injection in acute ischemic stroke patients.",
        "Dose the drug mesenchymal stem cells (umbilical cord) injection improves the mRS score, NIHSS score, Fugl-Meyer score and and Barthel index of acute ischemic stroke patients? What is the pharmacokinetic characteristics and immunogenic response of mesenchymal stem cells (umbilical cord) injection in the treatment of acute ischemic stroke patients.",
        "What is the the possible molecular mechanisms of mesenchymal stem cells (umbilical cord) injection in the treatment of acute ischemic stroke patients.",
        "Participants will:",
        "Take drug drug mesenchymal stem cells (umbilical cord) injection once or once a week for three consecutive weeks.",
        "After receiving the corresponding dose of mesenchymal stem cells (umbilical cord) injection, the subjects entered a 6-month safety, efficacy observation and further safety evaluation period. Long term efficacy and survival follow-up up to 2 years.",
    ]
)

# Numbered as on the page (items "1." are missing there); the restarted 1.-4. lists under
# exclusion items 6 and 7 are sub-items, indented by three spaces.
NCT06518902_CRITERIA = (
    "Inclusion Criteria:\n\n"
    + "\n".join(
        [
            "2. The clinical diagnosis of this episode is anterior circulation ischemic stroke, confirmed by MRI/CT, and the patient can receive experimental drugs within one month after the onset of stroke symptoms;",
            "3. Individuals with a National Institutes of Health Stroke Scale (NIHSS) score of 6-20 (inclusive) and a NIHSS score of Ia\\<2 points;",
            "4. Female subjects with fertility or male subjects with fertility partners who have no fertility plans and voluntarily take effective contraceptive measures during the study period;",
            "5. Individuals with self-reported or family reported mRS scores of 0 or 1 prior to the onset of current stroke symptoms;",
            "6. After receiving complete information about the study, all participants voluntarily participate in the clinical study by signing an informed consent form themselves or their guardians.",
        ]
    )
    + "\n\nExclusion Criteria:\n\n"
    + "\n".join(
        [
            "2. Bleeding transformation occurred, and according to the researchers' judgment, it is not suitable to participate in clinical trials;",
            "3. Patients with malignant tumors, excluding low-grade malignant tumors such as basal cell carcinoma, papillary thyroid carcinoma, and localized prostate cancer in situ, who have received curative treatment for more than five years;",
            "4. Serious infections, including sepsis, septic shock, severe pneumonia (diagnostic criteria for severe pneumonia refer to the 2007 American College of Infectious Diseases/American Thoracic Society diagnostic criteria for adult severe pneumonia), etc;",
            "5. Patients with respiratory failure, or those with current evidence of pulmonary embolism or suspected pulmonary embolism;",
            "6. Organ function levels that meet any one or more of the following criteria:",
            "   1. ALT or AST\\>2 × ULN; TBil\\>1.5×ULN; Scr\\>2×ULN;",
            "   2. Thrombocytopenia (platelet count\\<75000/mm3) or heparin induced thrombocytopenia;",
            "   3. For patients who have not received anticoagulant therapy, activated partial thromboplastin time (APTT)\\>2.5 × ULN or prothrombin time (PT)\\>2.5 × ULN; Patients who have received anticoagulant therapy and have been assessed by researchers to have a serious risk of bleeding;",
            "   4. Hemoglobin (Hb)\\<90g/L;",
            "7. Individuals who have had or currently have severe cardiovascular disease:",
            "   1. Suffering from CTCAE grade II or above myocardial ischemia or myocardial infarction, or unstable angina pectoris;",
            "   2. Researchers believe that severe arrhythmias with clinical significance;",
            "   3. NYHA standard III-IV cardiac dysfunction;",
            "   4. Other acute and severe complications that endanger life;",
            "8. Poorly controlled hypertensive patients (defined as those who have undergone antihypertensive treatment but have sustained systolic blood pressure\\>220mmHg or diastolic blood pressure\\>120mmHg);",
            "9. Poorly controlled diabetes (defined as blood glucose still\\>16.8 mmol/L after treatment) or hypoglycemia (blood glucose\\<2.8 mmol/L);",
            "10. Individuals with a history of immunodeficiency, including HIV positive, other acquired or congenital immunodeficiency diseases, idiopathic IgA deficiency, or those who require systemic steroid hormone (≥ 10 mg/day of prednisone equivalent)/immunosuppressive drug treatment within 14 days prior to or during the trial period;",
            "11. Patients who are positive for hepatitis B surface antigen (HBsAg) or hepatitis B core antibody (HBcAb), as well as positive for HBV DNA, hepatitis C antibody (HCV), or Treponema pallidum antibody (TPAb/PRR);",
            "12. Screening individuals who have participated in clinical trials of other drugs within the previous 3 months;",
            "13. Individuals known to be allergic to the investigational drug or any component of the investigational drug (including human serum albumin, dimethyl sulfoxide, or compound electrolyte injection, as well as bovine derived products);",
            "14. Individuals who are unable to undergo cranial CT/MRI examination due to various reasons;",
            "15. Patients who have undergone major surgery, suffered severe trauma, or plan to undergo neurological function assessment during the trial period within the 3 months prior to the first administration of medication;",
            "16. Breastfeeding or pregnant women (pregnancy diagnosis is evaluated through a combination of blood pregnancy test/urine pregnancy test and/or obstetric ultrasound examination);",
            "17. Combining other serious systemic diseases, or having a medical history of any disease or laboratory abnormality that may confuse the study results, interfere with subject participation in the study procedure, or not be in the best interest of subject participation in the study, based on the researcher's judgment, is not suitable for inclusion.",
        ]
    )
)

P = "protocolSection."
ID = P + "identificationModule."
ST = P + "statusModule."
SP = P + "sponsorCollaboratorsModule."
DS = P + "descriptionModule."
CO = P + "conditionsModule."
DE = P + "designModule."
AR = P + "armsInterventionsModule.armGroups"
IV = P + "armsInterventionsModule.interventions"
OU = P + "outcomesModule."
EL = P + "eligibilityModule."
CL = P + "contactsLocationsModule."
LO = CL + "locations"

SEED_FACTS = {
    # MedPath page
    "NCT02883803": [
        (ID + "nctId", "NCT02883803"),
        (ID + "briefTitle", "Treatment of Severe Infections With Mesenchymal Stem Cells"),
        (SP + "leadSponsor.name", "Central Hospital, Nancy, France"),
        (ST + "overallStatus", "UNKNOWN"),
        (DE + "phases", ["NA"]),
        (DE + "studyType", "INTERVENTIONAL"),
        (DE + "designInfo.interventionModel", "PARALLEL"),
        (DE + "enrollmentInfo.count", 66),
        (CO + "conditions", ["Septic Shock"]),
        (DS + "briefSummary", NCT02883803_SUMMARY),
        (DS + "detailedDescription", NCT02883803_DESCRIPTION),
        (EL + "sex", "ALL"),
        (EL + "eligibilityCriteria", NCT02883803_CRITERIA),
        (AR + ".len()", 2),
        (AR + "[0].label", "MSC"),
        (AR + "[0].description", NCT02883803_ARM_MSC),
        (AR + "[0].interventionNames", ["Biological: Injection of mesenchymal stem cells"]),
        (AR + "[1].label", "Placebo"),
        (AR + "[1].description", NCT02883803_ARM_PLACEBO),
        (AR + "[1].interventionNames", ["Biological: Injection of albumin alone"]),
        (IV + ".len()", 2),
        (IV + "[0].type", "BIOLOGICAL"),
        (IV + "[0].name", "Injection of mesenchymal stem cells"),
        (IV + "[0].armGroupLabels", ["MSC"]),
        (IV + "[1].type", "BIOLOGICAL"),
        (IV + "[1].name", "Injection of albumin alone"),
        (IV + "[1].armGroupLabels", ["Placebo"]),
        (OU + "primaryOutcomes.len()", 1),
        (OU + "primaryOutcomes[0].measure", "SOFA score"),
        (
            OU + "primaryOutcomes[0].timeFrame",
            "Day 7 (or death day or day of recovery unit exit if before day 7)",
        ),
        (OU + "primaryOutcomes[0].description", "To assess the efficacy of a recovery treatment"),
        (OU + "secondaryOutcomes[0].measure", "Number of living days without catecholamines"),
        (OU + "secondaryOutcomes[0].timeFrame", "Day 28"),
        (
            OU + "secondaryOutcomes[1].measure",
            "Number of living days without mechanical ventilation",
        ),
        (OU + "secondaryOutcomes[1].timeFrame", "Day 28"),
        (OU + "secondaryOutcomes[2].measure", "Number of living days without dialysis"),
        (OU + "secondaryOutcomes[2].timeFrame", "Day 28"),
        (OU + "secondaryOutcomes[3].measure", "Duration of residence time in recovery unit"),
        (OU + "secondaryOutcomes[3].timeFrame", "Day of exit from recovery unit, up to 90 days"),
        # [4] is the 2022 record's "Mortality, across all causes" at Day 28, kept (see data/seeds/README.md)
        (OU + "secondaryOutcomes[5].measure", "Mortality, across all causes"),
        (OU + "secondaryOutcomes[5].timeFrame", "Day 90"),
        (OU + "secondaryOutcomes[6].measure", "Administration safety (i.e. side effects)"),
        (OU + "secondaryOutcomes[6].timeFrame", "up to 90 days"),
        (LO + ".len()", 4),
        (LO + "[0].facility", "Service de Réanimation Médicale, Hôpital Bocage"),
        (LO + "[0].city", "Dijon"),
        (LO + "[0].country", "France"),
        (LO + "[1].facility", "Service de Réanimation Médicale, Hôpital Central"),
        (LO + "[1].city", "Nancy"),
        (LO + "[1].country", "France"),
        (LO + "[2].facility", "Hôpital Hautepierre, Service de réanimation médicale"),
        (LO + "[2].city", "Strasbourg"),
        (LO + "[2].country", "France"),
        (LO + "[3].facility", "UTCT, Hôpital Brabois"),
        (LO + "[3].city", "Vandoeuvre-les-Nancy"),
        (LO + "[3].country", "France"),
    ],
    # Veeva ClinicalTrials page
    "NCT04194671": [
        (ID + "nctId", "NCT04194671"),
        (ID + "orgStudyIdInfo.id", "MSC-001"),
        (
            ID + "briefTitle",
            "Clinical Trial of Mesenchymal Stem Cells in the Treatment of Severe Acute Kidney Injury",
        ),
        (SP + "leadSponsor.name", "Chinese PLA General Hospital (301 Hospital)"),
        (SP + "leadSponsor.class", "OTHER"),  # "Funder types: Other"
        (ST + "overallStatus", "UNKNOWN"),
        (DE + "phases", ["PHASE1", "PHASE2"]),
        (DE + "studyType", "INTERVENTIONAL"),
        (DE + "designInfo.primaryPurpose", "TREATMENT"),
        (DE + "designInfo.allocation", "RANDOMIZED"),
        (DE + "designInfo.interventionModel", "PARALLEL"),
        (DE + "designInfo.maskingInfo.masking", "SINGLE"),
        (DE + "enrollmentInfo.count", 80),
        (DE + "enrollmentInfo.type", "ESTIMATED"),
        (CO + "conditions", ["Acute Kidney Injury", "Mesenchymal Stem Cells"]),
        (DS + "briefSummary", NCT04194671_SUMMARY),
        (EL + "sex", "ALL"),
        (EL + "minimumAge", "18 Years"),
        (EL + "maximumAge", "65 Years"),
        (EL + "healthyVolunteers", False),
        (EL + "eligibilityCriteria", NCT04194671_CRITERIA),
        (AR + ".len()", 2),
        (AR + "[0].label", "Mesenchymal stem cells cohort"),
        (AR + "[0].type", "EXPERIMENTAL"),
        (AR + "[0].interventionNames", ["Biological: Mesenchymal stem cells"]),
        (AR + "[1].label", "Saline cohort"),
        (AR + "[1].type", "PLACEBO_COMPARATOR"),
        (AR + "[1].interventionNames", ["Other: Saline"]),
        (IV + ".len()", 2),
        (IV + "[0].type", "BIOLOGICAL"),
        (IV + "[0].name", "Mesenchymal stem cells"),
        (IV + "[0].armGroupLabels", ["Mesenchymal stem cells cohort"]),
        (IV + "[1].type", "OTHER"),
        (IV + "[1].name", "Saline"),
        (IV + "[1].armGroupLabels", ["Saline cohort"]),
        (LO + ".len()", 1),  # "Trial contacts and locations: 1"
    ],
    # Veeva ClinicalTrials page
    "NCT05741099": [
        (ID + "nctId", "NCT05741099"),
        (ID + "orgStudyIdInfo.id", "2023-MSCs-COVID-19"),
        (
            ID + "briefTitle",
            "Application and Research of Mesenchymal Stem Cells in Alleviating Severe Development of COVID-19 Infection",
        ),
        (SP + "leadSponsor.name", "Hebei Medical University"),
        (SP + "leadSponsor.class", "OTHER"),  # "Funder types: Other"
        (ST + "overallStatus", "RECRUITING"),  # Veeva "Enrolling"
        (DE + "phases", ["PHASE1", "PHASE2"]),
        (DE + "studyType", "INTERVENTIONAL"),
        (DE + "designInfo.primaryPurpose", "TREATMENT"),
        (DE + "designInfo.allocation", "RANDOMIZED"),
        (DE + "designInfo.interventionModel", "PARALLEL"),
        (DE + "designInfo.maskingInfo.masking", "TRIPLE"),
        (DE + "enrollmentInfo.count", 20),
        (DE + "enrollmentInfo.type", "ESTIMATED"),
        (CO + "conditions", ["COVID-19"]),
        (DS + "briefSummary", NCT05741099_SUMMARY),
        (DS + "detailedDescription", NCT05741099_DESCRIPTION),
        (EL + "sex", "ALL"),
        (EL + "minimumAge", "18 Years"),
        (EL + "maximumAge", "85 Years"),
        (EL + "healthyVolunteers", False),
        (EL + "eligibilityCriteria", NCT05741099_CRITERIA),
        (AR + ".len()", 2),
        (AR + "[0].label", "MSCs group"),
        (AR + "[0].type", "EXPERIMENTAL"),
        (
            AR + "[0].description",
            "Patient in Mscs group will receive MSCs implantation by intravenous injection Within 10-15 days of infection",
        ),
        (
            AR + "[0].interventionNames",
            ["Biological: Umbilical cord mesenchymal stem cells implantation"],
        ),
        (AR + "[1].label", "comparator"),
        (AR + "[1].type", "PLACEBO_COMPARATOR"),
        (
            AR + "[1].description",
            "Patients in comparator group will receive placebo treatment Within 10-15 days of infection",
        ),
        (AR + "[1].interventionNames", ["Other: Comparator"]),
        (IV + ".len()", 2),
        (IV + "[0].type", "OTHER"),
        (IV + "[0].name", "Comparator"),
        (IV + "[0].armGroupLabels", ["comparator"]),
        (IV + "[1].type", "BIOLOGICAL"),
        (IV + "[1].name", "Umbilical cord mesenchymal stem cells implantation"),
        (IV + "[1].armGroupLabels", ["MSCs group"]),
        (CL + "centralContacts[0].name", "Xianyun Wang, Doctor"),
        (CL + "centralContacts[0].role", "CONTACT"),
        (LO + ".len()", 1),  # "Trial contacts and locations: 1" (no details given)
    ],
    # trial-search site page
    "NCT05016804": [
        (ID + "nctId", "NCT05016804"),
        (
            ID + "briefTitle",
            "Safety of Cultured Allogeneic Adult Umbilical Cord Derived Mesenchymal Stem Cell IV Infusion for Systemic Sclerosis",
        ),
        (SP + "leadSponsor.name", "The Foundation for Orthopaedics and Regenerative Medicine"),
        (ST + "overallStatus", "RECRUITING"),
        (DE + "studyType", "INTERVENTIONAL"),
        (DE + "designInfo.interventionModel", "SINGLE_GROUP"),
        (DE + "enrollmentInfo.count", 20),
        (
            DS + "briefSummary",
            "This trial will study the safety and efficacy of intravenous infusion of cultured allogeneic adult umbilical cord derived mesenchymal stem cells for the treatment of Systemic Sclerosis",
        ),
        (DS + "detailedDescription", NCT05016804_DESCRIPTION),
        (EL + "sex", "ALL"),
        (EL + "eligibilityCriteria", NCT05016804_CRITERIA),
        (AR + ".len()", 1),
        (AR + "[0].label", "Treatment Group"),
        (AR + "[0].description", "Single intravenous infusion of 100 million cells"),
        (AR + "[0].interventionNames", ["Biological: AlloRx"]),
        (IV + ".len()", 1),
        (IV + "[0].name", "AlloRx"),
        (IV + "[0].armGroupLabels", ["Treatment Group"]),
        (OU + "primaryOutcomes.len()", 1),
        (OU + "primaryOutcomes[0].measure", "Safety (adverse events)"),
        (OU + "primaryOutcomes[0].timeFrame", "Four year follow-up"),
        (
            OU + "primaryOutcomes[0].description",
            "Clinical monitoring of possible adverse events or complications",
        ),
        (OU + "secondaryOutcomes.len()", 2),
        (OU + "secondaryOutcomes[0].measure", "Efficacy: skin score"),
        (OU + "secondaryOutcomes[0].timeFrame", "Four year follow-up"),
        (OU + "secondaryOutcomes[0].description", "It will be completed for each follow up point."),
        (OU + "secondaryOutcomes[1].measure", "Efficacy: Forced vital capacity (FVC)"),
        (OU + "secondaryOutcomes[1].timeFrame", "Four year follow-up"),
        (OU + "secondaryOutcomes[1].description", "It will be completed for each follow up point."),
        (LO + ".len()", 2),
        (LO + "[0].facility", "Medical Surgical Associates Center"),
        (LO + "[0].city", "St. John's"),
        (LO + "[0].country", "Antigua and Barbuda"),
        (
            LO + "[1].facility",
            "Center for Investigation in Tissue Engineering and Cellular Therapy",
        ),
        (LO + "[1].city", "Buenos Aires"),
        (LO + "[1].country", "Argentina"),
    ],
    # trial-search site page
    "NCT06518902": [
        (ID + "nctId", "NCT06518902"),
        (ID + "orgStudyIdInfo.id", "MSCTAISP-01"),
        (
            ID + "briefTitle",
            "Umbilical Cord-derived Mesenchymal Stem Cell Infusion for Treating Acute Ischemic Stroke",
        ),
        (SP + "leadSponsor.name", "National Engineering Center of Cell Products"),
        (SP + "leadSponsor.class", "OTHER"),
        (ST + "overallStatus", "NOT_YET_RECRUITING"),
        (ST + "lastUpdatePostDateStruct.date", "2024-07-25"),  # "Last Updated: 2024-07-25"
        (ST + "lastUpdateSubmitDate", "2024-07-25"),
        (ST + "startDateStruct.date", "2024-08-31"),
        (ST + "completionDateStruct.date", "2025-12-31"),
        ("hasResults", False),
        (DE + "phases", ["PHASE1"]),
        (DE + "studyType", "INTERVENTIONAL"),
        (DE + "enrollmentInfo.count", 18),
        (DE + "designInfo.allocation", "NA"),
        (DE + "designInfo.interventionModel", "SINGLE_GROUP"),
        (DE + "designInfo.primaryPurpose", "TREATMENT"),
        (DE + "designInfo.maskingInfo.masking", "NONE"),
        (DS + "briefSummary", NCT06518902_SUMMARY),
        (EL + "eligibilityCriteria", NCT06518902_CRITERIA),
        (EL + "minimumAge", "18 Years"),
        (EL + "maximumAge", "80 Years"),
        (EL + "sex", "ALL"),
        (EL + "healthyVolunteers", False),
        (AR + ".len()", 1),
        (AR + "[0].label", "MSCs group"),
        (
            AR + "[0].description",
            "mesenchymal stem cells (umbilical cord) injection once or once a week for three consecutive weeks.",
        ),
        (IV + ".len()", 1),
        (IV + "[0].name", "mesenchymal stem cells (umbilical cord) injection"),
        (
            IV + "[0].description",
            "Patients receive mesenchymal stem cells (umbilical cord) injection once or once a week for three consecutive weeks",
        ),
        (IV + "[0].armGroupLabels", ["MSCs group"]),
    ],
}

# Where each seed record came from: the page's publisher (data/seeds/README.md).
SEED_PUBLISHERS = {
    "NCT02883803": "MedPath",
    "NCT04194671": "Veeva ClinicalTrials",
    "NCT05741099": "Veeva ClinicalTrials",
    "NCT05016804": "a trial-search site",
    "NCT06518902": "a trial-search site",
}
for _nct, _publisher in SEED_PUBLISHERS.items():
    SEED_FACTS[_nct] += [
        ("provenance.source", "SEED_DOCUMENT"),
        ("provenance.publisher", _publisher),
    ]

# Dates each seed document states (the only dates besides its 2022 record's that may be shown).
SEED_DATES = {
    "NCT06518902": {"2024-07-25", "2024-08-31", "2025-12-31"},  # last updated, start, completion
}

# The trials the seed page lists as related ("Related Clinical Trials"), and those of them the
# catalog holds (NCT07197606, NCT07084012 and NCT03004976 are not in it).
SEED_FACTS["NCT06518902"].append(
    (
        "provenance.relatedNctIds",
        ["NCT07197606", "NCT07084012", "NCT03004976", "NCT03176498", "NCT01849887"],
    )
)
SEED_RELATED = {
    "NCT06518902": ["NCT03176498", "NCT01849887"],
}

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]|\.")


def resolve(study, path):
    """Return the value at a dotted path such as "a.b[0].c" in a v2 study dict.

    A last segment "len()" returns len() of the value reached. Raises KeyError or
    IndexError when the path does not exist.
    """
    value = study
    pos = 0
    while pos < len(path):
        m = _SEGMENT.match(path, pos)
        if not m or m.end() == pos:
            raise ValueError(f"bad path {path!r} at {pos}")
        pos = m.end()
        key, index = m.group(1), m.group(2)
        if key is not None:
            if key == "len()" and pos == len(path):
                return len(value)
            if not isinstance(value, dict):
                raise KeyError(f"{path!r}: {key!r} applied to {type(value).__name__}")
            value = value[key]
        elif index is not None:
            if not isinstance(value, list):
                raise IndexError(f"{path!r}: [{index}] applied to {type(value).__name__}")
            value = value[int(index)]
    return value
