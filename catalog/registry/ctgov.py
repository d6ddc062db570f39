"""ClinicalTrials.gov API v2 study format, both ways, and nothing else.

``parse_study`` reads one v2 study object into a ``ParsedStudy`` of plain values shaped like
the catalog's models; ``study_from_trial`` writes a trial (with its related rows prefetched)
back into a v2 study object. What of a record the catalog does not model (keys it has never
seen, parts of the results it does not keep as rows) is its *remainder*: the difference between
the record and the export of its modelled values, kept beside the trial and applied over the
export again (``remainder``, ``apply_remainder``). So importing a study and exporting it gives
back every key and value of the record, modelled or not.
"""

import copy
import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from types import SimpleNamespace

from django.apps import apps

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

OUTCOME_KEYS = tuple((kind, f"{kind}Outcomes") for kind in ("primary", "secondary", "other"))
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


# Where a record says it came from (a key of our seed documents; the registry never writes it).
REGISTRY, SEED_DOCUMENT = "REGISTRY", "SEED_DOCUMENT"
RECORD_SOURCES = (REGISTRY, SEED_DOCUMENT)


def content_hash(study):
    """The SHA-256 of the record normalised (keys sorted, no whitespace): equal for equal content
    whatever the key order."""
    text = json.dumps(study, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


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
    documents: list = field(default_factory=list)
    former_ids: list = field(default_factory=list)
    # {"groups", "measures", "flow", "events"}: see ``_parse_results``.
    results: dict = field(default_factory=dict)
    # What ``study_from_parsed`` does not give back: see ``remainder``.
    extra: dict = field(default_factory=dict)


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


def _nct_ids(value, what):
    ids = _texts(value, what)
    wrong = [i for i in ids if not NCT_ID_RE.match(i)]
    if wrong:
        raise StudyError(f"{what}: {wrong[0][:20]!r} is not an NCT ID")
    return ids


def _count(value, what):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StudyError(f"{what}: {value!r} is not a whole number")
    return value


def camel_case(name):
    """ClinicalTrials.gov's key for a catalog field (``lower_limit`` → ``lowerLimit``)."""
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)


class ObjectKeys:
    """How a list of objects is read, key by key, into rows of the catalog's ``model_name``:
    each of ``names`` from its camelCase key (``phone_ext`` from ``phoneExt``), as text no longer
    than the model's column allows, or as true or false for a boolean column. Iterating gives
    (name, key, what the value is: the longest text allowed, None for any length, or _bool)."""

    def __init__(self, model_name, *names):
        self.model_name = model_name
        self.names = names

    @cached_property
    def readers(self):
        # Looked up on first use: the models are loaded by then, and stay the one place a
        # column's length is written.
        model = apps.get_model("catalog", self.model_name)
        readers = []
        for name in self.names:
            column = model._meta.get_field(name)
            kind = _bool if column.get_internal_type() == "BooleanField" else column.max_length
            readers.append((name, camel_case(name), kind))
        return tuple(readers)

    def __iter__(self):
        return iter(self.readers)


CENTRAL_CONTACT_KEYS = ObjectKeys("CentralContact", "name", "role", "phone", "phone_ext", "email")
OFFICIAL_KEYS = ObjectKeys("Official", "name", "affiliation", "role")
DOCUMENT_KEYS = ObjectKeys(
    "TrialDocument",
    "type_abbrev",
    "has_protocol",
    "has_sap",
    "has_icf",
    "label",
    "date",
    "upload_date",
    "filename",
)


def _rows(module, key, keys):
    """The objects listed under ``module[key]`` as rows, read by ``keys`` (see above)."""
    rows = []
    for item in _list(module.get(key), key):
        item = _dict(item, f"{key}[]")
        rows.append(
            {
                name: kind(item.get(name_in_record), f"{key}.{name_in_record}")
                if callable(kind)
                else _text(item.get(name_in_record), f"{key}.{name_in_record}", kind)
                for name, name_in_record, kind in keys
            }
        )
    return rows


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
    bio_spec = _dict(design.get("bioSpec"), "bioSpec")
    provenance = _dict(study.get("provenance"), "provenance")

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
        "bio_spec_retention": _text(bio_spec.get("retention"), "bioSpec.retention", 32),
        "bio_spec_description": _text(bio_spec.get("description"), "bioSpec.description"),
        "record_source": _text(provenance.get("source"), "provenance.source", 16) or REGISTRY,
        "record_publisher": _text(provenance.get("publisher"), "provenance.publisher", 200),
        "seed_related_ids": _nct_ids(provenance.get("relatedNctIds"), "provenance.relatedNctIds"),
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
    if f["record_source"] not in RECORD_SOURCES:
        raise StudyError(
            f"provenance.source: {f['record_source']!r} is not one of {RECORD_SOURCES}"
        )
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
    parsed.central_contacts += _rows(contacts, "centralContacts", CENTRAL_CONTACT_KEYS)
    parsed.officials += _rows(contacts, "overallOfficials", OFFICIAL_KEYS)
    documents = _dict(study.get("documentSection"), "documentSection")
    large = _dict(documents.get("largeDocumentModule"), "largeDocumentModule")
    parsed.documents += _rows(large, "largeDocs", DOCUMENT_KEYS)
    for alias in _texts(ident.get("nctIdAliases"), "nctIdAliases"):
        if len(alias) > 11:
            raise StudyError(f"nctIdAliases: {alias[:20]!r} is not an NCT ID")
        parsed.former_ids.append(alias)
    parsed.results = _parse_results(_dict(study.get("resultsSection"), "resultsSection"))
    parsed.extra = remainder(study, study_from_parsed(parsed))
    return parsed


def _result_group(item, section, what, measure=None):
    item = _dict(item, what)
    group = {
        "section": section,
        "measure": measure,
        "code": _text(item.get("id"), f"{what}.id", 16),
        "title": _text(item.get("title"), f"{what}.title"),
        "description": _text(item.get("description"), f"{what}.description"),
    }
    if section == "adverse_events":
        for name, key in AE_GROUP_TOTALS:
            group[name] = _count(item.get(key), f"{what}.{key}")
    return group


AE_GROUP_TOTALS = (
    ("deaths_affected", "deathsNumAffected"),
    ("deaths_at_risk", "deathsNumAtRisk"),
    ("serious_affected", "seriousNumAffected"),
    ("serious_at_risk", "seriousNumAtRisk"),
    ("other_affected", "otherNumAffected"),
    ("other_at_risk", "otherNumAtRisk"),
)
MEASURE_KEYS = ObjectKeys(
    "ResultMeasure",
    "type",
    "title",
    "description",
    "population_description",
    "reporting_status",
    "param_type",
    "dispersion_type",
    "unit_of_measure",
    "time_frame",
)
MEASUREMENT_KEYS = tuple(
    (name, camel_case(name)) for name in ("value", "spread", "lower_limit", "upper_limit")
)
FLOW_STEP_KEYS = (
    ("milestone", "milestones", "achievements"),
    ("drop_withdraw", "dropWithdraws", "reasons"),
)
EVENT_KEYS = (("serious", "seriousEvents"), ("other", "otherEvents"))
EVENT_TEXTS = ObjectKeys(
    "AdverseEvent", "term", "organ_system", "source_vocabulary", "assessment_type", "notes"
)


def _parse_results(section):
    """The results' groups, measures (with their measurements), participant-flow steps (with
    their counts) and adverse events (with their counts per group), as plain values."""
    results = {"groups": [], "measures": [], "flow": [], "events": []}
    if not section:
        return results
    flow = _dict(section.get("participantFlowModule"), "participantFlowModule")
    baseline = _dict(section.get("baselineCharacteristicsModule"), "baselineCharacteristicsModule")
    outcomes = _dict(section.get("outcomeMeasuresModule"), "outcomeMeasuresModule")
    events = _dict(section.get("adverseEventsModule"), "adverseEventsModule")
    for section_name, module, key, what in (
        ("flow", flow, "groups", "participantFlowModule.groups[]"),
        ("baseline", baseline, "groups", "baselineCharacteristicsModule.groups[]"),
        ("adverse_events", events, "eventGroups", "adverseEventsModule.eventGroups[]"),
    ):
        for item in _list(module.get(key), what):
            results["groups"].append(_result_group(item, section_name, what))
    measures = [("baseline", m) for m in _list(baseline.get("measures"), "baseline measures")]
    measures += [("outcome", m) for m in _list(outcomes.get("outcomeMeasures"), "outcomeMeasures")]
    for section_name, item in measures:
        what = f"{section_name} measure"
        item = _dict(item, what)
        measure = {
            name: _text(item.get(key), f"{what}.{key}", length)
            for name, key, length in MEASURE_KEYS
        }
        measure["section"] = section_name
        measure["measurements"] = []
        if section_name == "outcome":
            index = sum(m["section"] == "outcome" for m in results["measures"])
            for group in _list(item.get("groups"), f"{what}.groups"):
                results["groups"].append(
                    _result_group(group, "outcome", f"{what}.groups[]", measure=index)
                )
        for c, klass in enumerate(_list(item.get("classes"), f"{what}.classes")):
            klass = _dict(klass, f"{what}.classes[]")
            for g, category in enumerate(_list(klass.get("categories"), "categories")):
                category = _dict(category, "categories[]")
                for value in _list(category.get("measurements"), "measurements"):
                    value = _dict(value, "measurements[]")
                    measure["measurements"].append(
                        {
                            "group_code": _text(value.get("groupId"), "groupId", 16),
                            "class_position": c,
                            "class_title": _text(klass.get("title"), "classes.title"),
                            "category_position": g,
                            "category_title": _text(category.get("title"), "categories.title"),
                            **{
                                name: _text(value.get(key), f"measurements.{key}", 100)
                                for name, key in MEASUREMENT_KEYS
                            },
                        }
                    )
        results["measures"].append(measure)
    for p, period in enumerate(_list(flow.get("periods"), "participantFlowModule.periods")):
        period = _dict(period, "periods[]")
        for kind, key, counts_key in FLOW_STEP_KEYS:
            for step in _list(period.get(key), f"periods.{key}"):
                step = _dict(step, f"periods.{key}[]")
                results["flow"].append(
                    {
                        "period_position": p,
                        "period_title": _text(period.get("title"), "periods.title"),
                        "kind": kind,
                        "type": _text(step.get("type"), f"{key}.type"),
                        "counts": [
                            {
                                "group_code": _text(
                                    _dict(n, counts_key).get("groupId"), "groupId", 16
                                ),
                                "num_subjects": _text(n.get("numSubjects"), "numSubjects", 32),
                            }
                            for n in _list(step.get(counts_key), f"{key}.{counts_key}")
                        ],
                    }
                )
    for kind, key in EVENT_KEYS:
        for item in _list(events.get(key), f"adverseEventsModule.{key}"):
            item = _dict(item, f"{key}[]")
            event = {name: _text(item.get(k), f"{key}.{k}", n) for name, k, n in EVENT_TEXTS}
            event["kind"] = kind
            event["counts"] = []
            for stat in _list(item.get("stats"), f"{key}.stats"):
                stat = _dict(stat, f"{key}.stats[]")
                event["counts"].append(
                    {
                        "group_code": _text(stat.get("groupId"), "stats.groupId", 16),
                        "num_events": _count(stat.get("numEvents"), "stats.numEvents"),
                        "num_affected": _count(stat.get("numAffected"), "stats.numAffected"),
                        "num_at_risk": _count(stat.get("numAtRisk"), "stats.numAtRisk"),
                    }
                )
            results["events"].append(event)
    return results


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
    """The trial as a v2 study object: its modelled values, with the remainder of its source
    record applied over them (except under collections a curator took over, whose curated rows
    win). Prefetch its relations (``Trial.objects.for_export()``)."""
    study = _study(
        trial,
        documents=[_row_values(d, DOCUMENT_FIELDS) for d in trial.documents.all()],
        former_ids=[a.nct_id for a in trial.former_ids.all()],
        results=results_from_trial(trial),
    )
    skip = [path for name in trial.curated_fields for path in CURATED_PATHS.get(name, ())]
    return apply_remainder(study, trial.source_extra, skip=skip)


def study_json(trial):
    """The trial's v2 study as the JSON text the API serves (``trial`` prefetched with
    ``Trial.objects.for_export()``)."""
    return json.dumps(study_from_trial(trial), ensure_ascii=False)


def studies_json(trials):
    """The v2 study of each of ``trials`` as JSON text, in order: the stored one where it is
    current (``StoredStudy``), the others built afresh in one batch of queries. ``trials`` come
    from a queryset with ``for_studies()``."""
    texts = {}
    stale = []
    for trial in trials:
        stored = getattr(trial, "stored_study", None)
        if stored is not None and stored.version == trial.version:
            texts[trial.pk] = stored.study
        else:
            stale.append(trial.pk)
    if stale:
        Trial = apps.get_model("catalog", "Trial")
        for trial in Trial.objects.filter(pk__in=stale).for_export():
            texts[trial.pk] = study_json(trial)
    return [texts[trial.pk] for trial in trials]


def study_from_parsed(parsed):
    """The v2 study object of a parsed study's modelled values (what ``study_from_trial`` gives
    for a trial imported from it, before its remainder)."""
    f = parsed.fields
    row = SimpleNamespace
    t = row(
        nct_id=parsed.nct_id,
        **f,
        lead_sponsor=row(name=parsed.lead_sponsor[0], agency_class=parsed.lead_sponsor[1])
        if parsed.lead_sponsor
        else None,
        collaboration_set=_Rows(
            row(organization=row(name=name, agency_class=class_))
            for name, class_ in parsed.collaborators
        ),
        trialcondition_set=_Rows(row(condition=row(name=name)) for name in parsed.conditions),
        trialmesh_set=_Rows(
            row(kind=kind, mesh_term=row(mesh_id=mesh_id, term=term))
            for kind, mesh_id, term in parsed.mesh
        ),
        **{
            name: _Rows(row(**item) for item in getattr(parsed, name))
            for name in ("arms", "interventions", "outcomes", "sites")
        },
        central_contacts=_Rows(row(**item) for item in parsed.central_contacts),
        officials=_Rows(row(**item) for item in parsed.officials),
    )
    return _study(
        t, documents=parsed.documents, former_ids=parsed.former_ids, results=parsed.results
    )


class _Rows(list):
    """A list that answers ``.all()`` like a prefetched related manager."""

    def all(self):
        return self


DOCUMENT_FIELDS = DOCUMENT_KEYS.names

# Where in a v2 study each collection a curator may take over lives: the remainder of the source
# record gives way there, so the curated rows are what the export says.
_P = "protocolSection"
CURATED_PATHS = {
    "lead_sponsor": [[_P, "sponsorCollaboratorsModule", "leadSponsor"]],
    "collaborators": [[_P, "sponsorCollaboratorsModule", "collaborators"]],
    "conditions": [[_P, "conditionsModule", "conditions"]],
    "mesh_terms": [
        ["derivedSection", module, key]
        for module in ("conditionBrowseModule", "interventionBrowseModule")
        for key in ("meshes", "ancestors")
    ],
    "arms": [[_P, "armsInterventionsModule", "armGroups"]],
    "interventions": [[_P, "armsInterventionsModule", "interventions"]],
    "outcomes": [[_P, "outcomesModule"]],
    "sites": [[_P, "contactsLocationsModule", "locations"]],
    "central_contacts": [[_P, "contactsLocationsModule", "centralContacts"]],
    "officials": [[_P, "contactsLocationsModule", "overallOfficials"]],
}


def _row_values(row, names):
    return {name: getattr(row, name) for name in names}


def results_from_trial(trial):
    """The trial's results rows (prefetched) as the plain values ``_parse_results`` gives."""
    measures = sorted(
        trial.result_measures.all(), key=lambda m: (m.section != "baseline", m.position)
    )
    outcome_index = {m.pk: i for i, m in enumerate(m for m in measures if m.section == "outcome")}
    groups = []
    for g in sorted(trial.result_groups.all(), key=lambda g: g.position):
        group = {
            "section": g.section,
            "measure": outcome_index.get(g.measure_id),
            "code": g.code,
            "title": g.title,
            "description": g.description,
        }
        if g.section == "adverse_events":
            group.update(_row_values(g, [name for name, _ in AE_GROUP_TOTALS]))
        groups.append(group)
    return {
        "groups": groups,
        "measures": [
            {
                "section": m.section,
                **_row_values(m, MEASURE_KEYS.names),
                "measurements": [
                    _row_values(
                        v,
                        [
                            "group_code",
                            "class_position",
                            "class_title",
                            "category_position",
                            "category_title",
                            *(name for name, _ in MEASUREMENT_KEYS),
                        ],
                    )
                    for v in m.measurements.all()
                ],
            }
            for m in measures
        ],
        "flow": [
            {
                **_row_values(step, ["period_position", "period_title", "kind", "type"]),
                "counts": [
                    _row_values(c, ["group_code", "num_subjects"]) for c in step.counts.all()
                ],
            }
            for step in trial.flow_steps.all()
        ],
        "events": [
            {
                "kind": e.kind,
                **_row_values(e, EVENT_TEXTS.names),
                "counts": [
                    _row_values(c, ["group_code", "num_events", "num_affected", "num_at_risk"])
                    for c in e.counts.all()
                ],
            }
            for e in trial.adverse_events.all()
        ],
    }


def _results_section(results):
    """The v2 ``resultsSection`` of the plain results values (empty parts left out)."""

    def groups(section, measure=None):
        out = []
        for g in results["groups"]:
            if g["section"] == section and g["measure"] == measure:
                item = {"id": g["code"], "title": g["title"], "description": g["description"]}
                if section == "adverse_events":
                    item.update({key: g[name] for name, key in AE_GROUP_TOTALS})
                out.append(item)
        return out

    def classes(measurements):
        out = {}
        for v in measurements:
            klass = out.setdefault(v["class_position"], {"title": v["class_title"], "cats": {}})
            category = klass["cats"].setdefault(
                v["category_position"], {"title": v["category_title"], "measurements": []}
            )
            category["measurements"].append(
                {"groupId": v["group_code"], **{key: v[name] for name, key in MEASUREMENT_KEYS}}
            )
        return [
            {"title": k["title"], "categories": [k["cats"][i] for i in sorted(k["cats"])]}
            for _, k in sorted(out.items())
        ]

    def measure(m, index=None):
        item = {key: m[name] for name, key, _ in MEASURE_KEYS}
        if m["section"] == "outcome":
            item["groups"] = groups("outcome", index)
        item["classes"] = classes(m["measurements"])
        return item

    periods = {}
    for step in results["flow"]:
        period = periods.setdefault(
            step["period_position"], {"title": step["period_title"], "steps": []}
        )
        period["steps"].append(step)
    outcome_measures = [m for m in results["measures"] if m["section"] == "outcome"]
    return {
        "participantFlowModule": {
            "groups": groups("flow"),
            "periods": [
                {
                    "title": period["title"],
                    **{
                        key: [
                            {
                                "type": step["type"],
                                counts_key: [
                                    {"groupId": c["group_code"], "numSubjects": c["num_subjects"]}
                                    for c in step["counts"]
                                ],
                            }
                            for step in period["steps"]
                            if step["kind"] == kind
                        ]
                        for kind, key, counts_key in FLOW_STEP_KEYS
                    },
                }
                for _, period in sorted(periods.items())
            ],
        },
        "baselineCharacteristicsModule": {
            "groups": groups("baseline"),
            "measures": [measure(m) for m in results["measures"] if m["section"] == "baseline"],
        },
        "outcomeMeasuresModule": {
            "outcomeMeasures": [measure(m, i) for i, m in enumerate(outcome_measures)],
        },
        "adverseEventsModule": {
            "eventGroups": groups("adverse_events"),
            **{
                key: [
                    {
                        **{k: e[name] for name, k, _ in EVENT_TEXTS},
                        "stats": [
                            {
                                "groupId": c["group_code"],
                                "numEvents": c["num_events"],
                                "numAffected": c["num_affected"],
                                "numAtRisk": c["num_at_risk"],
                            }
                            for c in e["counts"]
                        ],
                    }
                    for e in results["events"]
                    if e["kind"] == kind
                ]
                for kind, key in EVENT_KEYS
            },
        },
    }


# The remainder: what of a record its modelled values do not give back ---------------------------


def _same(a, b):
    """Equal as JSON: ``True`` is not ``1`` and ``1`` is not ``1.0``."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def remainder(source, modelled):
    """What turns ``modelled`` back into ``source``: {"set": [[path, value]], "drop": [path]}
    ({} when nothing), where a path is a list of keys and list indexes. Objects are compared key
    by key and lists of the same length item by item; anything else that differs is set whole."""
    sets, drops = [], []

    def walk(src, out, path):
        if _same(src, out):
            return
        if isinstance(src, dict) and isinstance(out, dict):
            for key, value in src.items():
                if key in out:
                    walk(value, out[key], [*path, key])
                else:
                    sets.append([[*path, key], value])
            drops.extend([*path, key] for key in out if key not in src)
        elif isinstance(src, list) and isinstance(out, list) and len(src) == len(out):
            for i, (a, b) in enumerate(zip(src, out, strict=True)):
                walk(a, b, [*path, i])
        else:
            sets.append([path, src])

    walk(source, modelled, [])
    # In path order, so that the same record gives the same remainder whatever its key order
    # (PostgreSQL's jsonb keeps its own).
    sets.sort(key=lambda item: json.dumps(item[0]))
    drops.sort(key=json.dumps)
    return {key: value for key, value in (("set", sets), ("drop", drops)) if value}


def apply_remainder(study, extra, skip=()):
    """``study`` with the remainder ``extra`` applied (in place; also returned). A path under one
    of ``skip`` or no longer fitting the study's shape (a curator changed the rows it pointed
    into) is left out: the catalog's own value wins there."""

    def skipped(path):
        return any(path[: len(prefix)] == prefix for prefix in skip)

    for path, value in extra.get("set", ()):
        if not path or skipped(path):
            continue
        parent = study
        for key, next_key in zip(path, path[1:], strict=False):
            if isinstance(parent, dict) and isinstance(key, str):
                parent = parent.setdefault(key, [] if isinstance(next_key, int) else {})
            elif isinstance(parent, list) and isinstance(key, int) and key < len(parent):
                parent = parent[key]
            else:
                parent = None
                break
        last = path[-1]
        if isinstance(parent, dict) and isinstance(last, str):
            parent[last] = copy.deepcopy(value)
        elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            parent[last] = copy.deepcopy(value)
    for path in extra.get("drop", ()):
        if skipped(path):
            continue
        parent = study
        for key in path[:-1]:
            if isinstance(parent, dict) and key in parent:
                parent = parent[key]
            elif isinstance(parent, list) and isinstance(key, int) and key < len(parent):
                parent = parent[key]
            else:
                parent = None
                break
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    return study


def _study(t, documents, former_ids, results):
    """The v2 study object of a trial's modelled values (``t`` a trial with prefetched rows, or
    the same shape built from a parsed study)."""
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
                "nctIdAliases": former_ids,
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
                "bioSpec": {
                    "retention": t.bio_spec_retention,
                    "description": t.bio_spec_description,
                },
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
                        # Only the record's own point: a city's from the gazetteer is ours.
                        "geoPoint": {"lat": s.latitude, "lon": s.longitude}
                        if getattr(s, "geo_source", "") != "gazetteer"
                        else None,
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
    if t.record_source != REGISTRY:
        study["provenance"] = {
            "source": t.record_source,
            "publisher": t.record_publisher,
            "relatedNctIds": t.seed_related_ids,
        }
    study["documentSection"] = {
        "largeDocumentModule": {
            "largeDocs": [
                {
                    "typeAbbrev": d["type_abbrev"],
                    "hasProtocol": d["has_protocol"],
                    "hasSap": d["has_sap"],
                    "hasIcf": d["has_icf"],
                    "label": d["label"],
                    "date": d["date"],
                    "uploadDate": d["upload_date"],
                    "filename": d["filename"],
                }
                for d in documents
            ]
        }
    }
    study["resultsSection"] = _results_section(results)
    study = sparse(study)
    study["hasResults"] = t.has_results
    return study
