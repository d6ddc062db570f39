"""The catalog's schema: trials in the shape of a ClinicalTrials.gov record.

Stored values are ClinicalTrials.gov API v2 codes (``RECRUITING``, ``PHASE2``,
``PLACEBO_COMPARATOR`` ...); the choices carry the human labels. Everything people filter or
list by has its own column or model; the source record is kept whole in ``Trial.source_record``
for audit.
"""

import re

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse

NCT_ID_RE = re.compile(r"^NCT\d{8}$")


class OverallStatus(models.TextChoices):
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING", "Not yet recruiting"
    RECRUITING = "RECRUITING", "Recruiting"
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION", "Enrolling by invitation"
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING", "Active, not recruiting"
    SUSPENDED = "SUSPENDED", "Suspended"
    TERMINATED = "TERMINATED", "Terminated"
    COMPLETED = "COMPLETED", "Completed"
    WITHDRAWN = "WITHDRAWN", "Withdrawn"
    UNKNOWN = "UNKNOWN", "Unknown status"
    AVAILABLE = "AVAILABLE", "Available"
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE", "No longer available"
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE", "Temporarily not available"
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING", "Approved for marketing"
    WITHHELD = "WITHHELD", "Withheld"


class Phase(models.TextChoices):
    NA = "NA", "Not applicable"
    EARLY_PHASE1 = "EARLY_PHASE1", "Early phase 1"
    PHASE1 = "PHASE1", "Phase 1"
    PHASE2 = "PHASE2", "Phase 2"
    PHASE3 = "PHASE3", "Phase 3"
    PHASE4 = "PHASE4", "Phase 4"


class StudyType(models.TextChoices):
    INTERVENTIONAL = "INTERVENTIONAL", "Interventional"
    OBSERVATIONAL = "OBSERVATIONAL", "Observational"
    EXPANDED_ACCESS = "EXPANDED_ACCESS", "Expanded access"


class DateType(models.TextChoices):
    ACTUAL = "ACTUAL", "Actual"
    ESTIMATED = "ESTIMATED", "Estimated"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"


class Allocation(models.TextChoices):
    RANDOMIZED = "RANDOMIZED", "Randomized"
    NON_RANDOMIZED = "NON_RANDOMIZED", "Non-randomized"
    NA = "NA", "Not applicable"


class InterventionModel(models.TextChoices):
    SINGLE_GROUP = "SINGLE_GROUP", "Single group"
    PARALLEL = "PARALLEL", "Parallel"
    CROSSOVER = "CROSSOVER", "Crossover"
    FACTORIAL = "FACTORIAL", "Factorial"
    SEQUENTIAL = "SEQUENTIAL", "Sequential"


class PrimaryPurpose(models.TextChoices):
    TREATMENT = "TREATMENT", "Treatment"
    PREVENTION = "PREVENTION", "Prevention"
    DIAGNOSTIC = "DIAGNOSTIC", "Diagnostic"
    ECT = "ECT", "Educational/counseling/training"
    SUPPORTIVE_CARE = "SUPPORTIVE_CARE", "Supportive care"
    SCREENING = "SCREENING", "Screening"
    HEALTH_SERVICES_RESEARCH = "HEALTH_SERVICES_RESEARCH", "Health services research"
    BASIC_SCIENCE = "BASIC_SCIENCE", "Basic science"
    DEVICE_FEASIBILITY = "DEVICE_FEASIBILITY", "Device feasibility"
    OTHER = "OTHER", "Other"


class Masking(models.TextChoices):
    NONE = "NONE", "None (open label)"
    SINGLE = "SINGLE", "Single"
    DOUBLE = "DOUBLE", "Double"
    TRIPLE = "TRIPLE", "Triple"
    QUADRUPLE = "QUADRUPLE", "Quadruple"


class WhoMasked(models.TextChoices):
    PARTICIPANT = "PARTICIPANT", "Participant"
    CARE_PROVIDER = "CARE_PROVIDER", "Care provider"
    INVESTIGATOR = "INVESTIGATOR", "Investigator"
    OUTCOMES_ASSESSOR = "OUTCOMES_ASSESSOR", "Outcomes assessor"


class ObservationalModel(models.TextChoices):
    COHORT = "COHORT", "Cohort"
    CASE_CONTROL = "CASE_CONTROL", "Case-control"
    CASE_ONLY = "CASE_ONLY", "Case-only"
    CASE_CROSSOVER = "CASE_CROSSOVER", "Case-crossover"
    ECOLOGIC_OR_COMMUNITY = "ECOLOGIC_OR_COMMUNITY", "Ecologic or community"
    FAMILY_BASED = "FAMILY_BASED", "Family-based"
    DEFINED_POPULATION = "DEFINED_POPULATION", "Defined population"
    NATURAL_HISTORY = "NATURAL_HISTORY", "Natural history"
    OTHER = "OTHER", "Other"


class TimePerspective(models.TextChoices):
    RETROSPECTIVE = "RETROSPECTIVE", "Retrospective"
    PROSPECTIVE = "PROSPECTIVE", "Prospective"
    CROSS_SECTIONAL = "CROSS_SECTIONAL", "Cross-sectional"
    OTHER = "OTHER", "Other"


class Sex(models.TextChoices):
    ALL = "ALL", "All"
    FEMALE = "FEMALE", "Female"
    MALE = "MALE", "Male"


class AgeGroup(models.TextChoices):
    CHILD = "CHILD", "Child (birth–17)"
    ADULT = "ADULT", "Adult (18–64)"
    OLDER_ADULT = "OLDER_ADULT", "Older adult (65+)"


class EnrollmentType(models.TextChoices):
    ACTUAL = "ACTUAL", "Actual"
    ESTIMATED = "ESTIMATED", "Estimated"


class ResponsiblePartyType(models.TextChoices):
    SPONSOR = "SPONSOR", "Sponsor"
    PRINCIPAL_INVESTIGATOR = "PRINCIPAL_INVESTIGATOR", "Principal investigator"
    SPONSOR_INVESTIGATOR = "SPONSOR_INVESTIGATOR", "Sponsor-investigator"


class AgencyClass(models.TextChoices):
    NIH = "NIH", "NIH"
    FED = "FED", "Other U.S. federal agency"
    OTHER_GOV = "OTHER_GOV", "Other government"
    INDIV = "INDIV", "Individual"
    INDUSTRY = "INDUSTRY", "Industry"
    NETWORK = "NETWORK", "Network"
    AMBIG = "AMBIG", "Ambiguous"
    OTHER = "OTHER", "Other"
    UNKNOWN = "UNKNOWN", "Unknown"


class ArmType(models.TextChoices):
    EXPERIMENTAL = "EXPERIMENTAL", "Experimental"
    ACTIVE_COMPARATOR = "ACTIVE_COMPARATOR", "Active comparator"
    PLACEBO_COMPARATOR = "PLACEBO_COMPARATOR", "Placebo comparator"
    SHAM_COMPARATOR = "SHAM_COMPARATOR", "Sham comparator"
    NO_INTERVENTION = "NO_INTERVENTION", "No intervention"
    OTHER = "OTHER", "Other"


class InterventionType(models.TextChoices):
    BEHAVIORAL = "BEHAVIORAL", "Behavioral"
    BIOLOGICAL = "BIOLOGICAL", "Biological"
    COMBINATION_PRODUCT = "COMBINATION_PRODUCT", "Combination product"
    DEVICE = "DEVICE", "Device"
    DIAGNOSTIC_TEST = "DIAGNOSTIC_TEST", "Diagnostic test"
    DIETARY_SUPPLEMENT = "DIETARY_SUPPLEMENT", "Dietary supplement"
    DRUG = "DRUG", "Drug"
    GENETIC = "GENETIC", "Genetic"
    PROCEDURE = "PROCEDURE", "Procedure"
    RADIATION = "RADIATION", "Radiation"
    OTHER = "OTHER", "Other"


class OutcomeKind(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    OTHER = "other", "Other"


class RecruitmentStatus(models.TextChoices):
    """A site's recruitment status (ClinicalTrials.gov's RecruitmentStatus)."""

    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING", "Active, not recruiting"
    COMPLETED = "COMPLETED", "Completed"
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION", "Enrolling by invitation"
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING", "Not yet recruiting"
    RECRUITING = "RECRUITING", "Recruiting"
    SUSPENDED = "SUSPENDED", "Suspended"
    TERMINATED = "TERMINATED", "Terminated"
    WITHDRAWN = "WITHDRAWN", "Withdrawn"
    AVAILABLE = "AVAILABLE", "Available"


class OfficialRole(models.TextChoices):
    STUDY_CHAIR = "STUDY_CHAIR", "Study chair"
    STUDY_DIRECTOR = "STUDY_DIRECTOR", "Study director"
    PRINCIPAL_INVESTIGATOR = "PRINCIPAL_INVESTIGATOR", "Principal investigator"
    SUB_INVESTIGATOR = "SUB_INVESTIGATOR", "Sub-investigator"


class ContactRole(models.TextChoices):
    STUDY_CHAIR = "STUDY_CHAIR", "Study chair"
    STUDY_DIRECTOR = "STUDY_DIRECTOR", "Study director"
    PRINCIPAL_INVESTIGATOR = "PRINCIPAL_INVESTIGATOR", "Principal investigator"
    SUB_INVESTIGATOR = "SUB_INVESTIGATOR", "Sub-investigator"
    CONTACT = "CONTACT", "Contact"


class MeshKind(models.TextChoices):
    CONDITION = "condition", "Condition MeSH term"
    CONDITION_ANCESTOR = "condition_ancestor", "Condition MeSH ancestor"
    INTERVENTION = "intervention", "Intervention MeSH term"
    INTERVENTION_ANCESTOR = "intervention_ancestor", "Intervention MeSH ancestor"


def text_array(**kwargs):
    return ArrayField(models.CharField(max_length=64), default=list, blank=True, **kwargs)


class Organization(models.Model):
    """A sponsor or collaborator, with its ClinicalTrials.gov agency class."""

    name = models.CharField(max_length=500)
    agency_class = models.CharField(
        max_length=16, choices=AgencyClass.choices, blank=True, db_index=True
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "agency_class"], name="unique_organization")
        ]

    def __str__(self):
        return self.name


class MeshTerm(models.Model):
    """A MeSH descriptor as ClinicalTrials.gov's derived section gives it."""

    mesh_id = models.CharField(max_length=16, unique=True)
    term = models.CharField(max_length=300, db_index=True)

    class Meta:
        ordering = ["term"]
        verbose_name = "MeSH term"

    def __str__(self):
        return self.term


class Condition(models.Model):
    """A condition as a trial names it, linked to its MeSH term where one matches."""

    name = models.CharField(max_length=500, unique=True)
    mesh_term = models.ForeignKey(
        MeshTerm, null=True, blank=True, on_delete=models.SET_NULL, related_name="conditions"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TrialQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)

    def for_export(self):
        """Everything ``ctgov.study_from_trial`` reads, in a fixed number of queries."""
        return self.select_related("lead_sponsor").prefetch_related(
            "collaboration_set__organization",
            "trialcondition_set__condition",
            "trialmesh_set__mesh_term",
            "arms",
            "interventions",
            "outcomes",
            "sites",
            "central_contacts",
            "officials",
        )


class Trial(models.Model):
    # Identification
    nct_id = models.CharField("NCT ID", max_length=11, unique=True)
    brief_title = models.TextField()
    official_title = models.TextField(blank=True)
    acronym = models.CharField(max_length=100, blank=True)
    org_study_id = models.CharField("organization's study ID", max_length=200, blank=True)
    org_study_id_type = models.CharField(max_length=64, blank=True)
    org_study_id_link = models.URLField(max_length=500, blank=True)
    secondary_ids = models.JSONField(
        default=list, blank=True, help_text="List of {id, type, domain, link}."
    )
    organization_name = models.CharField(max_length=500, blank=True)
    organization_class = models.CharField(max_length=16, choices=AgencyClass.choices, blank=True)

    # Status and dates
    overall_status = models.CharField(max_length=32, choices=OverallStatus.choices, db_index=True)
    last_known_status = models.CharField(max_length=32, choices=OverallStatus.choices, blank=True)
    why_stopped = models.TextField(blank=True)
    status_verified_date = models.CharField(max_length=10, blank=True)
    has_expanded_access = models.BooleanField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True, db_index=True)
    start_date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    start_date_type = models.CharField(max_length=9, choices=DateType.choices, blank=True)
    primary_completion_date = models.DateField(null=True, blank=True)
    primary_completion_date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, blank=True
    )
    primary_completion_date_type = models.CharField(
        max_length=9, choices=DateType.choices, blank=True
    )
    completion_date = models.DateField(null=True, blank=True)
    completion_date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, blank=True
    )
    completion_date_type = models.CharField(max_length=9, choices=DateType.choices, blank=True)
    first_submitted = models.DateField(null=True, blank=True)
    first_submitted_qc = models.DateField(null=True, blank=True)
    first_posted = models.DateField(null=True, blank=True)
    first_posted_type = models.CharField(max_length=9, choices=DateType.choices, blank=True)
    last_update_submitted = models.DateField(null=True, blank=True)
    last_update_posted = models.DateField(null=True, blank=True, db_index=True)
    last_update_posted_type = models.CharField(max_length=9, choices=DateType.choices, blank=True)
    results_first_submitted = models.DateField(null=True, blank=True)
    results_first_posted = models.DateField(null=True, blank=True)
    results_first_posted_type = models.CharField(max_length=9, choices=DateType.choices, blank=True)
    has_results = models.BooleanField(default=False, db_index=True)

    # Sponsor and oversight
    lead_sponsor = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="led_trials"
    )
    collaborators = models.ManyToManyField(
        Organization, through="Collaboration", related_name="collaborations", blank=True
    )
    responsible_party_type = models.CharField(
        max_length=32, choices=ResponsiblePartyType.choices, blank=True
    )
    responsible_party_name = models.CharField(max_length=300, blank=True)
    responsible_party_title = models.CharField(max_length=300, blank=True)
    responsible_party_affiliation = models.CharField(max_length=500, blank=True)
    oversight_has_dmc = models.BooleanField(
        "has a data monitoring committee", null=True, blank=True
    )
    is_fda_regulated_drug = models.BooleanField(null=True, blank=True)
    is_fda_regulated_device = models.BooleanField(null=True, blank=True)

    # Description
    brief_summary = models.TextField(blank=True)
    detailed_description = models.TextField(blank=True)
    keywords = ArrayField(models.CharField(max_length=300), default=list, blank=True)
    conditions = models.ManyToManyField(
        Condition, through="TrialCondition", related_name="trials", blank=True
    )
    mesh_terms = models.ManyToManyField(
        MeshTerm, through="TrialMesh", related_name="trials", blank=True
    )
    condition_browse_branches = models.JSONField(
        default=list, blank=True, help_text="ClinicalTrials.gov's browse branches {abbrev, name}."
    )
    intervention_browse_branches = models.JSONField(default=list, blank=True)

    # Design
    study_type = models.CharField(max_length=16, choices=StudyType.choices, db_index=True)
    patient_registry = models.BooleanField(null=True, blank=True)
    phases = text_array()
    allocation = models.CharField(max_length=16, choices=Allocation.choices, blank=True)
    intervention_model = models.CharField(
        max_length=16, choices=InterventionModel.choices, blank=True
    )
    intervention_model_description = models.TextField(blank=True)
    primary_purpose = models.CharField(max_length=32, choices=PrimaryPurpose.choices, blank=True)
    masking = models.CharField(max_length=16, choices=Masking.choices, blank=True)
    masking_description = models.TextField(blank=True)
    who_masked = text_array()
    observational_model = models.CharField(
        max_length=32, choices=ObservationalModel.choices, blank=True
    )
    time_perspective = models.CharField(max_length=16, choices=TimePerspective.choices, blank=True)
    enrollment_count = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    enrollment_type = models.CharField(max_length=9, choices=EnrollmentType.choices, blank=True)

    # Eligibility
    eligibility_criteria = models.TextField(blank=True)
    healthy_volunteers = models.BooleanField(null=True, blank=True)
    sex = models.CharField(max_length=6, choices=Sex.choices, blank=True, db_index=True)
    minimum_age = models.CharField(max_length=32, blank=True, help_text="As stated, e.g. 18 Years.")
    maximum_age = models.CharField(max_length=32, blank=True)
    minimum_age_years = models.FloatField(null=True, blank=True)
    maximum_age_years = models.FloatField(null=True, blank=True)
    std_ages = text_array()
    study_population = models.TextField(blank=True)
    sampling_method = models.CharField(max_length=32, blank=True)

    # Sharing and references
    ipd_sharing = models.CharField(max_length=16, blank=True)
    ipd_sharing_description = models.TextField(blank=True)
    ipd_sharing_info_types = text_array()
    ipd_sharing_time_frame = models.TextField(blank=True)
    ipd_sharing_access_criteria = models.TextField(blank=True)
    ipd_sharing_url = models.URLField(max_length=500, blank=True)
    references = models.JSONField(default=list, blank=True, help_text="{pmid, type, citation}.")
    see_also_links = models.JSONField(default=list, blank=True, help_text="{label, url}.")

    # Provenance
    version_holder = models.DateField(
        null=True, blank=True, help_text="The date of the ClinicalTrials.gov data version."
    )
    source_record = models.JSONField(default=dict, help_text="The record as it was imported.")
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Catalog state: publishing, curation, search, synthetic data.
    is_public = models.BooleanField(default=True, db_index=True)
    hidden_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    curated_fields = models.JSONField(default=dict, blank=True)
    is_synthetic = models.BooleanField(default=False, db_index=True)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = TrialQuerySet.as_manager()

    class Meta:
        ordering = ["-last_update_posted", "nct_id"]
        indexes = [
            GinIndex(fields=["phases"], name="trial_phases_gin"),
            GinIndex(fields=["std_ages"], name="trial_std_ages_gin"),
            GinIndex(fields=["search_vector"], name="trial_search_gin"),
            models.Index(fields=["-last_update_posted", "nct_id"], name="trial_recent_idx"),
        ]

    def __str__(self):
        return f"{self.nct_id}: {self.brief_title}"

    def get_absolute_url(self):
        return reverse("catalog:trial_detail", args=[self.nct_id])

    @property
    def ctgov_url(self):
        return f"https://clinicaltrials.gov/study/{self.nct_id}"

    def get_phases_display(self):
        labels = dict(Phase.choices)
        return ", ".join(labels.get(p, p) for p in self.phases)


class Collaboration(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return str(self.organization)


class TrialCondition(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE)
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return str(self.condition)


class TrialMesh(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE)
    mesh_term = models.ForeignKey(MeshTerm, on_delete=models.PROTECT)
    kind = models.CharField(max_length=24, choices=MeshKind.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["kind", "position"]
        indexes = [models.Index(fields=["mesh_term", "kind"])]

    def __str__(self):
        return str(self.mesh_term)


class Intervention(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="interventions")
    position = models.PositiveSmallIntegerField(default=0)
    type = models.CharField(max_length=24, choices=InterventionType.choices, blank=True)
    name = models.TextField()
    description = models.TextField(blank=True)
    other_names = ArrayField(models.TextField(), default=list, blank=True)
    arm_group_labels = ArrayField(
        models.TextField(),
        default=list,
        blank=True,
        help_text="The arms, as the record lists them.",
    )

    class Meta:
        ordering = ["trial", "position"]
        indexes = [models.Index(fields=["type"])]

    def __str__(self):
        return f"{self.get_type_display()}: {self.name}" if self.type else self.name


class Arm(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="arms")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.TextField()
    type = models.CharField(max_length=24, choices=ArmType.choices, blank=True)
    description = models.TextField(blank=True)
    intervention_names = ArrayField(
        models.TextField(), default=list, blank=True, help_text="As the record lists them."
    )
    interventions = models.ManyToManyField(Intervention, related_name="arms", blank=True)

    class Meta:
        ordering = ["trial", "position"]

    def __str__(self):
        return self.label


class Outcome(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(max_length=9, choices=OutcomeKind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    measure = models.TextField()
    time_frame = models.TextField(blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["trial", "kind", "position"]

    def __str__(self):
        return self.measure


class Site(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="sites")
    position = models.PositiveSmallIntegerField(default=0)
    facility = models.TextField(blank=True)
    status = models.CharField(max_length=32, choices=RecruitmentStatus.choices, blank=True)
    city = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=200, blank=True)
    zip = models.CharField("ZIP code", max_length=32, blank=True)
    country = models.CharField(max_length=100, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    contacts = models.JSONField(default=list, blank=True, help_text="{name, role, phone, email}.")

    class Meta:
        ordering = ["trial", "position"]
        indexes = [
            models.Index(fields=["country", "trial"]),
            models.Index(fields=["city"]),
        ]

    def __str__(self):
        return ", ".join(p for p in [self.facility, self.city, self.country] if p)


class CentralContact(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="central_contacts")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=300, blank=True)
    role = models.CharField(max_length=32, choices=ContactRole.choices, blank=True)
    phone = models.CharField(max_length=100, blank=True)
    phone_ext = models.CharField(max_length=32, blank=True)
    email = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["trial", "position"]

    def __str__(self):
        return self.name


class Official(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="officials")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=300, blank=True)
    affiliation = models.CharField(max_length=500, blank=True)
    role = models.CharField(max_length=32, choices=OfficialRole.choices, blank=True)

    class Meta:
        ordering = ["trial", "position"]

    def __str__(self):
        return self.name


class CatalogVersion(models.Model):
    """The catalog's version: one row that PostgreSQL bumps on every write to a catalog table.

    Statement-level triggers (migration ``0002_scale``) increment it for any INSERT, UPDATE,
    DELETE or TRUNCATE, whoever makes it; cached pages are keyed by it (``catalog.cache``).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    BUMP_SQL = (
        "INSERT INTO catalog_catalogversion (id, version) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = catalog_catalogversion.version + 1"
    )

    def __str__(self):
        return str(self.version)

    @classmethod
    def current(cls):
        """(version, whether this transaction has written anything yet), in one query."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT version FROM catalog_catalogversion WHERE id = 1), "
                "pg_current_xact_id_if_assigned() IS NOT NULL"
            )
            version, own_writes = cursor.fetchone()
        return version or 0, own_writes

    @classmethod
    def bump(cls):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(cls.BUMP_SQL)
