"""ClinicalTrials.gov API v2 study format, both ways, and nothing else.

``parse_study`` reads one v2 study object into a ``ParsedStudy`` of plain values shaped like
the catalog's models; ``study_from_trial`` writes a trial (with its related rows prefetched)
back into a v2 study object. Importing a study and exporting it again gives back every field
the catalog keeps.
"""

import datetime
import re
from dataclasses import dataclass, field

# An NCT ID is "NCT" and eight ASCII digits, exactly (``\d`` would also take other scripts'
# digits, and ``$`` a trailing line break). Imported and stored IDs must match it as they are.
NCT_ID_RE = re.compile(r"\ANCT[0-9]{8}\Z")
# A trial address may differ in case only: /trials/nct01234567/ redirects to the stored ID.
ADDRESS_NCT_ID_RE = re.compile(r"\A[Nn][Cc][Tt][0-9]{8}\Z")
# What a visitor may type into a search: spaces, any case, leading zeros left out.
LOOSE_NCT_ID_RE = re.compile(r"^\s*nct\s*0*([0-9]{1,8})\s*$", re.IGNORECASE)

INTERVENTION_TYPE_LABELS = {
    "BEHAVIORAL": "Behavioral",
    "BIOLOGICAL": "Biological",
    "COMBINATION_PRODUCT": "Combination Product",
    "DEVICE": "Device",
    "DIAGNOSTIC_TEST": "Diagnostic Test",
    "DIETARY_SUPPLEMENT": "Dietary Supplement",
    "DRUG": "Drug",
    "GENETIC": "Genetic",
    "PROCEDURE": "Procedure",
    "RADIATION": "Radiation",
    "OTHER": "Other",
}

AGE_UNITS_IN_YEARS = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24),
    "minute": 1 / (365.25 * 24 * 60),
}

OUTCOME_KEYS = (
    ("primary", "primaryOutcomes"),
    ("secondary", "secondaryOutcomes"),
    ("other", "otherOutcomes"),
)
MESH_KEYS = (
    ("condition", "conditionBrowseModule", "meshes"),
    ("condition_ancestor", "conditionBrowseModule", "ancestors"),
    ("intervention", "interventionBrowseModule", "meshes"),
    ("intervention_ancestor", "interventionBrowseModule", "ancestors"),
)


class StudyError(ValueError):
    """A study that cannot be read; ``nct_id`` is what could be read of its ID, if anything."""

    def __init__(self, reason, nct_id=""):
        super().__init__(reason)
        self.reason = reason
        self.nct_id = nct_id


def address_nct_id(value):
    """The NCT ID a trial address names (``nct02883803`` → ``NCT02883803``), or None.

    Only the case may differ: ``NCT123`` names no trial (it is not rewritten to NCT00000123)."""
    if not isinstance(value, str) or not ADDRESS_NCT_ID_RE.match(value):
        return None
    return value.upper()


def normalize_nct_id(value):
    """A loosely typed ID as a search means it: ``nct2883803`` or `` NCT02883803`` →
    ``NCT02883803``; None if it is not an NCT ID. Not for stored IDs or addresses."""
    if not isinstance(value, str):
        return None
    match = LOOSE_NCT_ID_RE.match(value)
    if not match:
        return None
    return f"NCT{int(match.group(1)):08d}"


def parse_date(value, what):
    """An ISO date, full or month-only → (date, precision). Empty → (None, "")."""
    if value in (None, ""):
        return None, ""
    if not isinstance(value, str):
        raise StudyError(f"{what}: expected a date string, got {value!r}")
    try:
        if len(value) == 7:
            return datetime.date.fromisoformat(value + "-01"), "month"
        if len(value) == 10:
            return datetime.date.fromisoformat(value), "day"
    except ValueError:
        pass
    raise StudyError(f"{what}: {value!r} is not a date (YYYY-MM-DD or YYYY-MM)")


def format_date(value, precision):
    if value is None:
        return None
    return value.strftime("%Y-%m") if precision == "month" else value.isoformat()


def age_in_years(text):
    """``18 Years`` → 18.0, ``6 Months`` → 0.5; None when there is no age."""
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+?)s?\s*$", text or "")
    if not match:
        return None
    unit = AGE_UNITS_IN_YEARS.get(match.group(2).lower())
    return None if unit is None else round(float(match.group(1)) * unit, 4)


@dataclass
class ParsedStudy:
    nct_id: str
    fields: dict
    lead_sponsor: tuple | None = None
    collaborators: list = field(default_factory=list)
    conditions: list = field(default_factory=list)
    mesh: list = field(default_factory=list)  # (kind, mesh_id, term)
    arms: list = field(default_factory=list)
    interventions: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    sites: list = field(default_factory=list)
    central_contacts: list = field(default_factory=list)
    officials: list = field(default_factory=list)


def _dict(value, what):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise StudyError(f"{what}: expected an object, got {type(value).__name__}")
    return value


def _list(value, what):
    if value is None:
        return []
    if not isinstance(value, list):
        raise StudyError(f"{what}: expected a list, got {type(value).__name__}")
    return value


def _text(value, what, max_length=None):
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise StudyError(f"{what}: expected text, got {type(value).__name__}")
    value = str(value)
    if max_length and len(value) > max_length:
        raise StudyError(f"{what}: longer than {max_length} characters")
    return value


def _bool(value, what):
    if value is None or isinstance(value, bool):
        return value
    raise StudyError(f"{what}: expected true or false, got {value!r}")


def _texts(value, what):
    return [_text(v, what) for v in _list(value, what)]


def parse_study(study):
    """Read one v2 study object. Raises ``StudyError`` with a reason when it cannot."""
    if not isinstance(study, dict):
        raise StudyError(f"expected a study object, got {type(study).__name__}")
    protocol = _dict(study.get("protocolSection"), "protocolSection")
    ident = _dict(protocol.get("identificationModule"), "identificationModule")
    raw_id = ident.get("nctId")
    if not raw_id:
        raise StudyError("the study has no NCT ID (protocolSection.identificationModule.nctId)")
    if not isinstance(raw_id, str) or not NCT_ID_RE.match(raw_id):
        raise StudyError(
            f"{str(raw_id)[:40]!r} is not an NCT ID (NCT and eight digits 0-9, exactly)",
            nct_id=str(raw_id)[:20],
        )
    nct_id = raw_id
    try:
        return _parse(study, protocol, ident, nct_id)
    except StudyError as error:
        error.nct_id = nct_id
        raise


def _parse(study, protocol, ident, nct_id):
    status = _dict(protocol.get("statusModule"), "statusModule")
    sponsors = _dict(protocol.get("sponsorCollaboratorsModule"), "sponsorCollaboratorsModule")
    oversight = _dict(protocol.get("oversightModule"), "oversightModule")
    description = _dict(protocol.get("descriptionModule"), "descriptionModule")
    conditions = _dict(protocol.get("conditionsModule"), "conditionsModule")
    design = _dict(protocol.get("designModule"), "designModule")
    design_info = _dict(design.get("designInfo"), "designInfo")
    masking = _dict(design_info.get("maskingInfo"), "maskingInfo")
    enrollment = _dict(design.get("enrollmentInfo"), "enrollmentInfo")
    arms_module = _dict(protocol.get("armsInterventionsModule"), "armsInterventionsModule")
    outcomes = _dict(protocol.get("outcomesModule"), "outcomesModule")
    eligibility = _dict(protocol.get("eligibilityModule"), "eligibilityModule")
    contacts = _dict(protocol.get("contactsLocationsModule"), "contactsLocationsModule")
    references = _dict(protocol.get("referencesModule"), "referencesModule")
    ipd = _dict(protocol.get("ipdSharingStatementModule"), "ipdSharingStatementModule")
    derived = _dict(study.get("derivedSection"), "derivedSection")
    misc = _dict(derived.get("miscInfoModule"), "miscInfoModule")
    org_id = _dict(ident.get("orgStudyIdInfo"), "orgStudyIdInfo")
    organization = _dict(ident.get("organization"), "organization")
    party = _dict(sponsors.get("responsibleParty"), "responsibleParty")

    brief_title = _text(ident.get("briefTitle"), "briefTitle")
    if not brief_title.strip():
        raise StudyError("the study has no brief title")

    f = {
        "brief_title": brief_title,
        "official_title": _text(ident.get("officialTitle"), "officialTitle"),
        "acronym": _text(ident.get("acronym"), "acronym", 100),
        "org_study_id": _text(org_id.get("id"), "orgStudyIdInfo.id", 200),
        "org_study_id_type": _text(org_id.get("type"), "orgStudyIdInfo.type", 64),
        "org_study_id_link": _text(org_id.get("link"), "orgStudyIdInfo.link", 500),
        "secondary_ids": [
            _dict(s, "secondaryIdInfos[]")
            for s in _list(ident.get("secondaryIdInfos"), "secondaryIdInfos")
        ],
        "organization_name": _text(organization.get("fullName"), "organization.fullName", 500),
        "organization_class": _text(organization.get("class"), "organization.class", 16),
        "overall_status": _text(status.get("overallStatus"), "overallStatus", 32),
        "last_known_status": _text(status.get("lastKnownStatus"), "lastKnownStatus", 32),
        "why_stopped": _text(status.get("whyStopped"), "whyStopped"),
        "status_verified_date": _text(status.get("statusVerifiedDate"), "statusVerifiedDate", 10),
        "has_expanded_access": _bool(
            _dict(status.get("expandedAccessInfo"), "expandedAccessInfo").get("hasExpandedAccess"),
            "hasExpandedAccess",
        ),
        "has_results": bool(_bool(study.get("hasResults"), "hasResults")),
        "responsible_party_type": _text(party.get("type"), "responsibleParty.type", 32),
        "responsible_party_name": _text(
            party.get("investigatorFullName"), "investigatorFullName", 300
        ),
        "responsible_party_title": _text(party.get("investigatorTitle"), "investigatorTitle", 300),
        "responsible_party_affiliation": _text(
            party.get("investigatorAffiliation"), "investigatorAffiliation", 500
        ),
        "oversight_has_dmc": _bool(oversight.get("oversightHasDmc"), "oversightHasDmc"),
        "is_fda_regulated_drug": _bool(oversight.get("isFdaRegulatedDrug"), "isFdaRegulatedDrug"),
        "is_fda_regulated_device": _bool(
            oversight.get("isFdaRegulatedDevice"), "isFdaRegulatedDevice"
        ),
        "brief_summary": _text(description.get("briefSummary"), "briefSummary"),
        "detailed_description": _text(
            description.get("detailedDescription"), "detailedDescription"
        ),
        "keywords": _texts(conditions.get("keywords"), "keywords"),
        "study_type": _text(design.get("studyType"), "studyType", 16),
        "patient_registry": _bool(design.get("patientRegistry"), "patientRegistry"),
        "phases": _texts(design.get("phases"), "phases"),
        "allocation": _text(design_info.get("allocation"), "allocation", 16),
        "intervention_model": _text(design_info.get("interventionModel"), "interventionModel", 16),
        "intervention_model_description": _text(
            design_info.get("interventionModelDescription"), "interventionModelDescription"
        ),
        "primary_purpose": _text(design_info.get("primaryPurpose"), "primaryPurpose", 32),
        "masking": _text(masking.get("masking"), "masking", 16),
        "masking_description": _text(masking.get("maskingDescription"), "maskingDescription"),
        "who_masked": _texts(masking.get("whoMasked"), "whoMasked"),
        "observational_model": _text(
            design_info.get("observationalModel"), "observationalModel", 32
        ),
        "time_perspective": _text(design_info.get("timePerspective"), "timePerspective", 16),
        "enrollment_type": _text(enrollment.get("type"), "enrollmentInfo.type", 9),
        "eligibility_criteria": _text(
            eligibility.get("eligibilityCriteria"), "eligibilityCriteria"
        ),
        "healthy_volunteers": _bool(eligibility.get("healthyVolunteers"), "healthyVolunteers"),
        "sex": _text(eligibility.get("sex"), "sex", 6),
        "minimum_age": _text(eligibility.get("minimumAge"), "minimumAge", 32),
        "maximum_age": _text(eligibility.get("maximumAge"), "maximumAge", 32),
        "std_ages": _texts(eligibility.get("stdAges"), "stdAges"),
        "study_population": _text(eligibility.get("studyPopulation"), "studyPopulation"),
        "sampling_method": _text(eligibility.get("samplingMethod"), "samplingMethod", 32),
        "ipd_sharing": _text(ipd.get("ipdSharing"), "ipdSharing", 16),
        "ipd_sharing_description": _text(ipd.get("description"), "ipdSharing description"),
        "ipd_sharing_info_types": _texts(ipd.get("infoTypes"), "ipdSharing infoTypes"),
        "ipd_sharing_time_frame": _text(ipd.get("timeFrame"), "ipdSharing timeFrame"),
        "ipd_sharing_access_criteria": _text(
            ipd.get("accessCriteria"), "ipdSharing accessCriteria"
        ),
        "ipd_sharing_url": _text(ipd.get("url"), "ipdSharing url", 500),
        "references": [
            _dict(r, "references[]") for r in _list(references.get("references"), "references")
        ],
        "see_also_links": [
            _dict(r, "seeAlsoLinks[]")
            for r in _list(references.get("seeAlsoLinks"), "seeAlsoLinks")
        ],
        "condition_browse_branches": _list(
            _dict(derived.get("conditionBrowseModule"), "conditionBrowseModule").get(
                "browseBranches"
            ),
            "browseBranches",
        ),
        "intervention_browse_branches": _list(
            _dict(derived.get("interventionBrowseModule"), "interventionBrowseModule").get(
                "browseBranches"
            ),
            "browseBranches",
        ),
    }
    count = enrollment.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        raise StudyError(f"enrollmentInfo.count: {count!r} is not a whole number of participants")
    f["enrollment_count"] = count
    f["minimum_age_years"] = age_in_years(f["minimum_age"])
    f["maximum_age_years"] = age_in_years(f["maximum_age"])

    for prefix, key in (
        ("start_date", "startDateStruct"),
        ("primary_completion_date", "primaryCompletionDateStruct"),
        ("completion_date", "completionDateStruct"),
    ):
        struct = _dict(status.get(key), key)
        f[prefix], f[prefix + "_precision"] = parse_date(struct.get("date"), key)
        f[prefix + "_type"] = _text(struct.get("type"), key + ".type", 9)
    for name, key in (
        ("first_posted", "studyFirstPostDateStruct"),
        ("last_update_posted", "lastUpdatePostDateStruct"),
        ("results_first_posted", "resultsFirstPostDateStruct"),
    ):
        struct = _dict(status.get(key), key)
        f[name], _ = parse_date(struct.get("date"), key)
        f[name + "_type"] = _text(struct.get("type"), key + ".type", 9)
    for name, key in (
        ("first_submitted", "studyFirstSubmitDate"),
        ("first_submitted_qc", "studyFirstSubmitQcDate"),
        ("last_update_submitted", "lastUpdateSubmitDate"),
        ("results_first_submitted", "resultsFirstSubmitDate"),
    ):
        f[name], _ = parse_date(status.get(key), key)
    f["version_holder"], _ = parse_date(misc.get("versionHolder"), "versionHolder")

    parsed = ParsedStudy(nct_id=nct_id, fields=f)
    lead = _dict(sponsors.get("leadSponsor"), "leadSponsor")
    if lead.get("name"):
        parsed.lead_sponsor = (
            _text(lead["name"], "leadSponsor.name", 500),
            _text(lead.get("class"), "leadSponsor.class", 16),
        )
    for c in _list(sponsors.get("collaborators"), "collaborators"):
        c = _dict(c, "collaborators[]")
        parsed.collaborators.append(
            (
                _text(c.get("name"), "collaborator name", 500),
                _text(c.get("class"), "collaborator class", 16),
            )
        )
    parsed.conditions = [c for c in _texts(conditions.get("conditions"), "conditions") if c.strip()]
    for kind, module, key in MESH_KEYS:
        for term in _list(_dict(derived.get(module), module).get(key), f"{module}.{key}"):
            term = _dict(term, f"{module}.{key}[]")
            if term.get("id"):
                parsed.mesh.append(
                    (
                        kind,
                        _text(term["id"], "MeSH id", 16),
                        _text(term.get("term"), "MeSH term", 300),
                    )
                )

    for arm in _list(arms_module.get("armGroups"), "armGroups"):
        arm = _dict(arm, "armGroups[]")
        parsed.arms.append(
            {
                "label": _text(arm.get("label"), "armGroups.label"),
                "type": _text(arm.get("type"), "armGroups.type", 24),
                "description": _text(arm.get("description"), "armGroups.description"),
                "intervention_names": _texts(arm.get("interventionNames"), "interventionNames"),
            }
        )
    for item in _list(arms_module.get("interventions"), "interventions"):
        item = _dict(item, "interventions[]")
        parsed.interventions.append(
            {
                "type": _text(item.get("type"), "interventions.type", 24),
                "name": _text(item.get("name"), "interventions.name"),
                "description": _text(item.get("description"), "interventions.description"),
                "other_names": _texts(item.get("otherNames"), "otherNames"),
                "arm_group_labels": _texts(item.get("armGroupLabels"), "armGroupLabels"),
            }
        )
    for kind, key in OUTCOME_KEYS:
        for item in _list(outcomes.get(key), key):
            item = _dict(item, f"{key}[]")
            parsed.outcomes.append(
                {
                    "kind": kind,
                    "measure": _text(item.get("measure"), f"{key}.measure"),
                    "time_frame": _text(item.get("timeFrame"), f"{key}.timeFrame"),
                    "description": _text(item.get("description"), f"{key}.description"),
                }
            )
    for item in _list(contacts.get("locations"), "locations"):
        item = _dict(item, "locations[]")
        geo = _dict(item.get("geoPoint"), "geoPoint")
        parsed.sites.append(
            {
                "facility": _text(item.get("facility"), "locations.facility"),
                "status": _text(item.get("status"), "locations.status", 32),
                "city": _text(item.get("city"), "locations.city", 200),
                "state": _text(item.get("state"), "locations.state", 200),
                "zip": _text(item.get("zip"), "locations.zip", 32),
                "country": _text(item.get("country"), "locations.country", 100),
                "latitude": geo.get("lat"),
                "longitude": geo.get("lon"),
                "contacts": [
                    _dict(c, "locations.contacts[]")
                    for c in _list(item.get("contacts"), "contacts")
                ],
            }
        )
    for item in _list(contacts.get("centralContacts"), "centralContacts"):
        item = _dict(item, "centralContacts[]")
        parsed.central_contacts.append(
            {
                "name": _text(item.get("name"), "centralContacts.name", 300),
                "role": _text(item.get("role"), "centralContacts.role", 32),
                "phone": _text(item.get("phone"), "centralContacts.phone", 100),
                "phone_ext": _text(item.get("phoneExt"), "centralContacts.phoneExt", 32),
                "email": _text(item.get("email"), "centralContacts.email", 300),
            }
        )
    for item in _list(contacts.get("overallOfficials"), "overallOfficials"):
        item = _dict(item, "overallOfficials[]")
        parsed.officials.append(
            {
                "name": _text(item.get("name"), "overallOfficials.name", 300),
                "affiliation": _text(item.get("affiliation"), "overallOfficials.affiliation", 500),
                "role": _text(item.get("role"), "overallOfficials.role", 32),
            }
        )
    return parsed


def sparse(value):
    """Drop empty values so the output has the sparse shape ClinicalTrials.gov gives."""
    if isinstance(value, dict):
        cleaned = {k: sparse(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        cleaned = [sparse(v) for v in value]
        return [v for v in cleaned if v not in (None, "", [], {})]
    return value


def _date_struct(value, type_, precision="day"):
    return {"date": format_date(value, precision), "type": type_ or None}


def study_from_trial(trial):
    """The trial as a v2 study object. Prefetch its relations (``Trial.objects.for_export()``)."""
    t = trial
    sponsor = t.lead_sponsor
    mesh = {kind: [] for kind, _, _ in MESH_KEYS}
    for link in t.trialmesh_set.all():
        mesh[link.kind].append({"id": link.mesh_term.mesh_id, "term": link.mesh_term.term})
    outcomes = {key: [] for _, key in OUTCOME_KEYS}
    keys = dict(OUTCOME_KEYS)
    for o in t.outcomes.all():
        outcomes[keys[o.kind]].append(
            {"measure": o.measure, "description": o.description, "timeFrame": o.time_frame}
        )

    study = {
        "protocolSection": {
            "identificationModule": {
                "nctId": t.nct_id,
                "orgStudyIdInfo": {
                    "id": t.org_study_id,
                    "type": t.org_study_id_type,
                    "link": t.org_study_id_link,
                },
                "secondaryIdInfos": t.secondary_ids,
                "organization": {"fullName": t.organization_name, "class": t.organization_class},
                "briefTitle": t.brief_title,
                "officialTitle": t.official_title,
                "acronym": t.acronym,
            },
            "statusModule": {
                "statusVerifiedDate": t.status_verified_date,
                "overallStatus": t.overall_status,
                "lastKnownStatus": t.last_known_status,
                "whyStopped": t.why_stopped,
                "expandedAccessInfo": {"hasExpandedAccess": t.has_expanded_access},
                "startDateStruct": _date_struct(
                    t.start_date, t.start_date_type, t.start_date_precision
                ),
                "primaryCompletionDateStruct": _date_struct(
                    t.primary_completion_date,
                    t.primary_completion_date_type,
                    t.primary_completion_date_precision,
                ),
                "completionDateStruct": _date_struct(
                    t.completion_date, t.completion_date_type, t.completion_date_precision
                ),
                "studyFirstSubmitDate": format_date(t.first_submitted, "day"),
                "studyFirstSubmitQcDate": format_date(t.first_submitted_qc, "day"),
                "studyFirstPostDateStruct": _date_struct(t.first_posted, t.first_posted_type),
                "resultsFirstSubmitDate": format_date(t.results_first_submitted, "day"),
                "resultsFirstPostDateStruct": _date_struct(
                    t.results_first_posted, t.results_first_posted_type
                ),
                "lastUpdateSubmitDate": format_date(t.last_update_submitted, "day"),
                "lastUpdatePostDateStruct": _date_struct(
                    t.last_update_posted, t.last_update_posted_type
                ),
            },
            "sponsorCollaboratorsModule": {
                "responsibleParty": {
                    "type": t.responsible_party_type,
                    "investigatorFullName": t.responsible_party_name,
                    "investigatorTitle": t.responsible_party_title,
                    "investigatorAffiliation": t.responsible_party_affiliation,
                },
                "leadSponsor": {"name": sponsor.name, "class": sponsor.agency_class}
                if sponsor
                else {},
                "collaborators": [
                    {"name": c.organization.name, "class": c.organization.agency_class}
                    for c in t.collaboration_set.all()
                ],
            },
            "oversightModule": {
                "oversightHasDmc": t.oversight_has_dmc,
                "isFdaRegulatedDrug": t.is_fda_regulated_drug,
                "isFdaRegulatedDevice": t.is_fda_regulated_device,
            },
            "descriptionModule": {
                "briefSummary": t.brief_summary,
                "detailedDescription": t.detailed_description,
            },
            "conditionsModule": {
                "conditions": [c.condition.name for c in t.trialcondition_set.all()],
                "keywords": t.keywords,
            },
            "designModule": {
                "studyType": t.study_type,
                "patientRegistry": t.patient_registry,
                "phases": t.phases,
                "designInfo": {
                    "allocation": t.allocation,
                    "interventionModel": t.intervention_model,
                    "interventionModelDescription": t.intervention_model_description,
                    "primaryPurpose": t.primary_purpose,
                    "observationalModel": t.observational_model,
                    "timePerspective": t.time_perspective,
                    "maskingInfo": {
                        "masking": t.masking,
                        "maskingDescription": t.masking_description,
                        "whoMasked": t.who_masked,
                    },
                },
                "enrollmentInfo": {"count": t.enrollment_count, "type": t.enrollment_type},
            },
            "armsInterventionsModule": {
                "armGroups": [
                    {
                        "label": a.label,
                        "type": a.type,
                        "description": a.description,
                        "interventionNames": a.intervention_names,
                    }
                    for a in t.arms.all()
                ],
                "interventions": [
                    {
                        "type": i.type,
                        "name": i.name,
                        "description": i.description,
                        "armGroupLabels": i.arm_group_labels,
                        "otherNames": i.other_names,
                    }
                    for i in t.interventions.all()
                ],
            },
            "outcomesModule": outcomes,
            "eligibilityModule": {
                "eligibilityCriteria": t.eligibility_criteria,
                "healthyVolunteers": t.healthy_volunteers,
                "sex": t.sex,
                "minimumAge": t.minimum_age,
                "maximumAge": t.maximum_age,
                "stdAges": t.std_ages,
                "studyPopulation": t.study_population,
                "samplingMethod": t.sampling_method,
            },
            "contactsLocationsModule": {
                "centralContacts": [
                    {
                        "name": c.name,
                        "role": c.role,
                        "phone": c.phone,
                        "phoneExt": c.phone_ext,
                        "email": c.email,
                    }
                    for c in t.central_contacts.all()
                ],
                "overallOfficials": [
                    {"name": o.name, "affiliation": o.affiliation, "role": o.role}
                    for o in t.officials.all()
                ],
                "locations": [
                    {
                        "facility": s.facility,
                        "status": s.status,
                        "city": s.city,
                        "state": s.state,
                        "zip": s.zip,
                        "country": s.country,
                        "contacts": s.contacts,
                        "geoPoint": {"lat": s.latitude, "lon": s.longitude},
                    }
                    for s in t.sites.all()
                ],
            },
            "referencesModule": {"references": t.references, "seeAlsoLinks": t.see_also_links},
            "ipdSharingStatementModule": {
                "ipdSharing": t.ipd_sharing,
                "description": t.ipd_sharing_description,
                "infoTypes": t.ipd_sharing_info_types,
                "timeFrame": t.ipd_sharing_time_frame,
                "accessCriteria": t.ipd_sharing_access_criteria,
                "url": t.ipd_sharing_url,
            },
        },
        "derivedSection": {
            "miscInfoModule": {"versionHolder": format_date(t.version_holder, "day")},
            "conditionBrowseModule": {
                "meshes": mesh["condition"],
                "ancestors": mesh["condition_ancestor"],
                "browseBranches": t.condition_browse_branches,
            },
            "interventionBrowseModule": {
                "meshes": mesh["intervention"],
                "ancestors": mesh["intervention_ancestor"],
                "browseBranches": t.intervention_browse_branches,
            },
        },
    }
    study = sparse(study)
    study["hasResults"] = t.has_results
    return study
