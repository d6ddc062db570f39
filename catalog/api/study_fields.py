"""The ``fields`` parameter of ClinicalTrials.gov's API v2: piece names and study paths.

A field is a piece name (``NCTId``, ``BriefTitle``, ``LocationCity``, ``ConditionsModule`` ...)
or a dotted path into the study (``protocolSection.identificationModule``). A study is cut down
to the named parts with ``select``; lists are walked through (``LocationCity`` keeps the city of
every location).
"""

_P = "protocolSection"
_ID = f"{_P}.identificationModule"
_ST = f"{_P}.statusModule"
_SP = f"{_P}.sponsorCollaboratorsModule"
_OV = f"{_P}.oversightModule"
_DE = f"{_P}.descriptionModule"
_CO = f"{_P}.conditionsModule"
_DS = f"{_P}.designModule"
_AI = f"{_P}.armsInterventionsModule"
_OU = f"{_P}.outcomesModule"
_EL = f"{_P}.eligibilityModule"
_CL = f"{_P}.contactsLocationsModule"
_RE = f"{_P}.referencesModule"
_IP = f"{_P}.ipdSharingStatementModule"
_DV = "derivedSection"

PIECES = {
    # Sections and modules
    "ProtocolSection": _P,
    "IdentificationModule": _ID,
    "StatusModule": _ST,
    "SponsorCollaboratorsModule": _SP,
    "OversightModule": _OV,
    "DescriptionModule": _DE,
    "ConditionsModule": _CO,
    "DesignModule": _DS,
    "ArmsInterventionsModule": _AI,
    "OutcomesModule": _OU,
    "EligibilityModule": _EL,
    "ContactsLocationsModule": _CL,
    "ReferencesModule": _RE,
    "IPDSharingStatementModule": _IP,
    "DerivedSection": _DV,
    "MiscInfoModule": f"{_DV}.miscInfoModule",
    "ConditionBrowseModule": f"{_DV}.conditionBrowseModule",
    "InterventionBrowseModule": f"{_DV}.interventionBrowseModule",
    "HasResults": "hasResults",
    # Identification
    "NCTId": f"{_ID}.nctId",
    "OrgStudyIdInfo": f"{_ID}.orgStudyIdInfo",
    "OrgStudyId": f"{_ID}.orgStudyIdInfo.id",
    "OrgStudyIdType": f"{_ID}.orgStudyIdInfo.type",
    "OrgStudyIdLink": f"{_ID}.orgStudyIdInfo.link",
    "SecondaryIdInfo": f"{_ID}.secondaryIdInfos",
    "SecondaryId": f"{_ID}.secondaryIdInfos.id",
    "SecondaryIdType": f"{_ID}.secondaryIdInfos.type",
    "SecondaryIdDomain": f"{_ID}.secondaryIdInfos.domain",
    "SecondaryIdLink": f"{_ID}.secondaryIdInfos.link",
    "Organization": f"{_ID}.organization",
    "OrgFullName": f"{_ID}.organization.fullName",
    "OrgClass": f"{_ID}.organization.class",
    "BriefTitle": f"{_ID}.briefTitle",
    "OfficialTitle": f"{_ID}.officialTitle",
    "Acronym": f"{_ID}.acronym",
    # Status
    "StatusVerifiedDate": f"{_ST}.statusVerifiedDate",
    "OverallStatus": f"{_ST}.overallStatus",
    "LastKnownStatus": f"{_ST}.lastKnownStatus",
    "WhyStopped": f"{_ST}.whyStopped",
    "ExpandedAccessInfo": f"{_ST}.expandedAccessInfo",
    "HasExpandedAccess": f"{_ST}.expandedAccessInfo.hasExpandedAccess",
    "StartDateStruct": f"{_ST}.startDateStruct",
    "StartDate": f"{_ST}.startDateStruct.date",
    "StartDateType": f"{_ST}.startDateStruct.type",
    "PrimaryCompletionDateStruct": f"{_ST}.primaryCompletionDateStruct",
    "PrimaryCompletionDate": f"{_ST}.primaryCompletionDateStruct.date",
    "PrimaryCompletionDateType": f"{_ST}.primaryCompletionDateStruct.type",
    "CompletionDateStruct": f"{_ST}.completionDateStruct",
    "CompletionDate": f"{_ST}.completionDateStruct.date",
    "CompletionDateType": f"{_ST}.completionDateStruct.type",
    "StudyFirstSubmitDate": f"{_ST}.studyFirstSubmitDate",
    "StudyFirstSubmitQCDate": f"{_ST}.studyFirstSubmitQcDate",
    "StudyFirstPostDateStruct": f"{_ST}.studyFirstPostDateStruct",
    "StudyFirstPostDate": f"{_ST}.studyFirstPostDateStruct.date",
    "StudyFirstPostDateType": f"{_ST}.studyFirstPostDateStruct.type",
    "ResultsFirstSubmitDate": f"{_ST}.resultsFirstSubmitDate",
    "ResultsFirstPostDateStruct": f"{_ST}.resultsFirstPostDateStruct",
    "ResultsFirstPostDate": f"{_ST}.resultsFirstPostDateStruct.date",
    "ResultsFirstPostDateType": f"{_ST}.resultsFirstPostDateStruct.type",
    "LastUpdateSubmitDate": f"{_ST}.lastUpdateSubmitDate",
    "LastUpdatePostDateStruct": f"{_ST}.lastUpdatePostDateStruct",
    "LastUpdatePostDate": f"{_ST}.lastUpdatePostDateStruct.date",
    "LastUpdatePostDateType": f"{_ST}.lastUpdatePostDateStruct.type",
    # Sponsor and collaborators
    "ResponsibleParty": f"{_SP}.responsibleParty",
    "ResponsiblePartyType": f"{_SP}.responsibleParty.type",
    "ResponsiblePartyInvestigatorFullName": f"{_SP}.responsibleParty.investigatorFullName",
    "ResponsiblePartyInvestigatorTitle": f"{_SP}.responsibleParty.investigatorTitle",
    "ResponsiblePartyInvestigatorAffiliation": f"{_SP}.responsibleParty.investigatorAffiliation",
    "LeadSponsor": f"{_SP}.leadSponsor",
    "LeadSponsorName": f"{_SP}.leadSponsor.name",
    "LeadSponsorClass": f"{_SP}.leadSponsor.class",
    "Collaborator": f"{_SP}.collaborators",
    "CollaboratorName": f"{_SP}.collaborators.name",
    "CollaboratorClass": f"{_SP}.collaborators.class",
    # Oversight
    "OversightHasDMC": f"{_OV}.oversightHasDmc",
    "IsFDARegulatedDrug": f"{_OV}.isFdaRegulatedDrug",
    "IsFDARegulatedDevice": f"{_OV}.isFdaRegulatedDevice",
    # Description
    "BriefSummary": f"{_DE}.briefSummary",
    "DetailedDescription": f"{_DE}.detailedDescription",
    # Conditions
    "Condition": f"{_CO}.conditions",
    "Keyword": f"{_CO}.keywords",
    # Design
    "StudyType": f"{_DS}.studyType",
    "PatientRegistry": f"{_DS}.patientRegistry",
    "Phase": f"{_DS}.phases",
    "DesignInfo": f"{_DS}.designInfo",
    "DesignAllocation": f"{_DS}.designInfo.allocation",
    "DesignInterventionModel": f"{_DS}.designInfo.interventionModel",
    "DesignInterventionModelDescription": f"{_DS}.designInfo.interventionModelDescription",
    "DesignPrimaryPurpose": f"{_DS}.designInfo.primaryPurpose",
    "DesignObservationalModel": f"{_DS}.designInfo.observationalModel",
    "DesignTimePerspective": f"{_DS}.designInfo.timePerspective",
    "DesignMaskingInfo": f"{_DS}.designInfo.maskingInfo",
    "DesignMasking": f"{_DS}.designInfo.maskingInfo.masking",
    "DesignMaskingDescription": f"{_DS}.designInfo.maskingInfo.maskingDescription",
    "DesignWhoMasked": f"{_DS}.designInfo.maskingInfo.whoMasked",
    "EnrollmentInfo": f"{_DS}.enrollmentInfo",
    "EnrollmentCount": f"{_DS}.enrollmentInfo.count",
    "EnrollmentType": f"{_DS}.enrollmentInfo.type",
    # Arms and interventions
    "ArmGroup": f"{_AI}.armGroups",
    "ArmGroupLabel": f"{_AI}.armGroups.label",
    "ArmGroupType": f"{_AI}.armGroups.type",
    "ArmGroupDescription": f"{_AI}.armGroups.description",
    "ArmGroupInterventionName": f"{_AI}.armGroups.interventionNames",
    "Intervention": f"{_AI}.interventions",
    "InterventionType": f"{_AI}.interventions.type",
    "InterventionName": f"{_AI}.interventions.name",
    "InterventionDescription": f"{_AI}.interventions.description",
    "InterventionArmGroupLabel": f"{_AI}.interventions.armGroupLabels",
    "InterventionOtherName": f"{_AI}.interventions.otherNames",
    # Outcomes
    "PrimaryOutcome": f"{_OU}.primaryOutcomes",
    "PrimaryOutcomeMeasure": f"{_OU}.primaryOutcomes.measure",
    "PrimaryOutcomeDescription": f"{_OU}.primaryOutcomes.description",
    "PrimaryOutcomeTimeFrame": f"{_OU}.primaryOutcomes.timeFrame",
    "SecondaryOutcome": f"{_OU}.secondaryOutcomes",
    "SecondaryOutcomeMeasure": f"{_OU}.secondaryOutcomes.measure",
    "SecondaryOutcomeDescription": f"{_OU}.secondaryOutcomes.description",
    "SecondaryOutcomeTimeFrame": f"{_OU}.secondaryOutcomes.timeFrame",
    "OtherOutcome": f"{_OU}.otherOutcomes",
    "OtherOutcomeMeasure": f"{_OU}.otherOutcomes.measure",
    "OtherOutcomeDescription": f"{_OU}.otherOutcomes.description",
    "OtherOutcomeTimeFrame": f"{_OU}.otherOutcomes.timeFrame",
    # Eligibility
    "EligibilityCriteria": f"{_EL}.eligibilityCriteria",
    "HealthyVolunteers": f"{_EL}.healthyVolunteers",
    "Sex": f"{_EL}.sex",
    "MinimumAge": f"{_EL}.minimumAge",
    "MaximumAge": f"{_EL}.maximumAge",
    "StdAge": f"{_EL}.stdAges",
    "StudyPopulation": f"{_EL}.studyPopulation",
    "SamplingMethod": f"{_EL}.samplingMethod",
    # Contacts and locations
    "CentralContact": f"{_CL}.centralContacts",
    "CentralContactName": f"{_CL}.centralContacts.name",
    "CentralContactRole": f"{_CL}.centralContacts.role",
    "CentralContactPhone": f"{_CL}.centralContacts.phone",
    "CentralContactPhoneExt": f"{_CL}.centralContacts.phoneExt",
    "CentralContactEMail": f"{_CL}.centralContacts.email",
    "OverallOfficial": f"{_CL}.overallOfficials",
    "OverallOfficialName": f"{_CL}.overallOfficials.name",
    "OverallOfficialAffiliation": f"{_CL}.overallOfficials.affiliation",
    "OverallOfficialRole": f"{_CL}.overallOfficials.role",
    "Location": f"{_CL}.locations",
    "LocationFacility": f"{_CL}.locations.facility",
    "LocationStatus": f"{_CL}.locations.status",
    "LocationCity": f"{_CL}.locations.city",
    "LocationState": f"{_CL}.locations.state",
    "LocationZip": f"{_CL}.locations.zip",
    "LocationCountry": f"{_CL}.locations.country",
    "LocationContact": f"{_CL}.locations.contacts",
    "LocationGeoPoint": f"{_CL}.locations.geoPoint",
    # References
    "Reference": f"{_RE}.references",
    "ReferencePMID": f"{_RE}.references.pmid",
    "ReferenceType": f"{_RE}.references.type",
    "ReferenceCitation": f"{_RE}.references.citation",
    "SeeAlsoLink": f"{_RE}.seeAlsoLinks",
    "SeeAlsoLinkLabel": f"{_RE}.seeAlsoLinks.label",
    "SeeAlsoLinkURL": f"{_RE}.seeAlsoLinks.url",
    # Individual participant data sharing
    "IPDSharing": f"{_IP}.ipdSharing",
    "IPDSharingDescription": f"{_IP}.description",
    "IPDSharingInfoType": f"{_IP}.infoTypes",
    "IPDSharingTimeFrame": f"{_IP}.timeFrame",
    "IPDSharingAccessCriteria": f"{_IP}.accessCriteria",
    "IPDSharingURL": f"{_IP}.url",
    # Derived
    "VersionHolder": f"{_DV}.miscInfoModule.versionHolder",
    "ConditionMesh": f"{_DV}.conditionBrowseModule.meshes",
    "ConditionMeshId": f"{_DV}.conditionBrowseModule.meshes.id",
    "ConditionMeshTerm": f"{_DV}.conditionBrowseModule.meshes.term",
    "ConditionAncestor": f"{_DV}.conditionBrowseModule.ancestors",
    "ConditionAncestorId": f"{_DV}.conditionBrowseModule.ancestors.id",
    "ConditionAncestorTerm": f"{_DV}.conditionBrowseModule.ancestors.term",
    "ConditionBrowseBranch": f"{_DV}.conditionBrowseModule.browseBranches",
    "InterventionMesh": f"{_DV}.interventionBrowseModule.meshes",
    "InterventionMeshId": f"{_DV}.interventionBrowseModule.meshes.id",
    "InterventionMeshTerm": f"{_DV}.interventionBrowseModule.meshes.term",
    "InterventionAncestor": f"{_DV}.interventionBrowseModule.ancestors",
    "InterventionAncestorId": f"{_DV}.interventionBrowseModule.ancestors.id",
    "InterventionAncestorTerm": f"{_DV}.interventionBrowseModule.ancestors.term",
    "InterventionBrowseBranch": f"{_DV}.interventionBrowseModule.browseBranches",
}
# Every path a study can hold (the piece paths and their prefixes), for dotted fields.
KNOWN_PATHS = frozenset(
    ".".join(path.split(".")[: i + 1])
    for path in PIECES.values()
    for i in range(len(path.split(".")))
)


def field_path(name):
    """The study path a field names (a piece name or a path), or None."""
    name = name.strip()
    return name if name in KNOWN_PATHS else PIECES.get(name)


def select(study, paths):
    """The parts of ``study`` at ``paths`` (dotted), keeping its nesting."""
    return _project(study, [tuple(p.split(".")) for p in paths])


def _project(value, paths):
    if any(not p for p in paths):
        return value
    if isinstance(value, list):
        items = [_project(item, paths) for item in value]
        return [i for i in items if i not in (None, {}, [])]
    if not isinstance(value, dict):
        return None
    out = {}
    for key in dict.fromkeys(p[0] for p in paths):
        if key in value:
            part = _project(value[key], [p[1:] for p in paths if p[0] == key])
            if part not in (None, {}, []):
                out[key] = part
    return out
