"""The catalog's schema: trials in the shape of a ClinicalTrials.gov record.

Stored values are ClinicalTrials.gov API v2 codes (``RECRUITING``, ``PHASE2``,
``PLACEBO_COMPARATOR`` ...); the choices carry the human labels. Everything people filter or
list by has its own column or model; the source record is kept whole in ``Trial.source_record``
for audit.
"""

import calendar
import datetime
import json
import pickle
import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, models, router, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from catalog.prefetch import Together, prefetch_together

NCT_ID_RE = re.compile(r"\ANCT[0-9]{8}\Z")  # as catalog.registry.ctgov.NCT_ID_RE

# The code lists, each code with its label: ClinicalTrials.gov's enumerations, and the catalog's
# own for MSC profiles and history. They are data (code_lists.json), read once here; a list's
# members are named by its codes in capitals (OverallStatus.RECRUITING, MscSource.BONE_MARROW).
CODE_LISTS = json.loads((Path(__file__).with_name("code_lists.json")).read_text(encoding="utf-8"))


def code_list(name):
    """The code list ``name`` of code_lists.json, as Django choices."""
    members = [(code.upper(), (code, label)) for code, label in CODE_LISTS[name].items()]
    return models.TextChoices(name, members, module=__name__, qualname=name)


OverallStatus = code_list("OverallStatus")


# What each status means for someone reading a trial page.
STATUS_MEANINGS = {
    "NOT_YET_RECRUITING": "The study has not started enrolling participants yet.",
    "RECRUITING": "The study is enrolling participants now.",
    "ENROLLING_BY_INVITATION": "The study enrolls only people it invites.",
    "ACTIVE_NOT_RECRUITING": "The study is under way but no longer enrolls new participants.",
    "SUSPENDED": "The study has stopped for now and may start again.",
    "TERMINATED": "The study stopped early and will not start again.",
    "COMPLETED": "The study has ended normally.",
    "WITHDRAWN": "The study stopped before enrolling its first participant.",
    "UNKNOWN": (
        "The study passed its completion date or has not been verified for over two years: "
        "its status is not known."
    ),
    "AVAILABLE": "Treatment outside a clinical trial (expanded access) is available.",
    "NO_LONGER_AVAILABLE": "Expanded access was available but is not any more.",
    "TEMPORARILY_NOT_AVAILABLE": "Expanded access is not available for now.",
    "APPROVED_FOR_MARKETING": "The treatment is approved and can be sold to the public.",
    "WITHHELD": "Expanded access information is withheld.",
}
# Statuses that say a study is still going on. ClinicalTrials.gov shows such a study as
# "Unknown status" once its status has gone unverified for two years; the catalog applies the
# same rule by today's date (``status_on``), so that an old record never reads as current.
ACTIVE_STATUSES = (
    "NOT_YET_RECRUITING",
    "RECRUITING",
    "ENROLLING_BY_INVITATION",
    "ACTIVE_NOT_RECRUITING",
)
STATUS_STALE_AFTER_YEARS = 2


def verified_through(status_verified_date):
    """The last day a status verified on ``status_verified_date`` (``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``, as records give it) counts as verified: a month counts to its end."""
    parts = (status_verified_date or "").split("-")
    try:
        numbers = [int(part) for part in parts]
        if len(numbers) == 3:
            return datetime.date(*numbers)
        if len(numbers) == 2:
            year, month = numbers
            return datetime.date(year, month, calendar.monthrange(year, month)[1])
        if len(numbers) == 1:
            return datetime.date(numbers[0], 12, 31)
    except ValueError:
        return None
    return None


def status_on(overall_status, status_verified_date, today):
    """The status a record in ``overall_status``, verified on ``status_verified_date``, has on
    ``today``: UNKNOWN once an active status has gone unverified for two years, as
    ClinicalTrials.gov judges it; otherwise the status as registered."""
    if overall_status not in ACTIVE_STATUSES:
        return overall_status
    verified = verified_through(status_verified_date)
    if verified is None:
        return overall_status
    try:
        verified_until = verified.replace(year=verified.year + STATUS_STALE_AFTER_YEARS)
    except ValueError:  # 29 February
        verified_until = verified.replace(year=verified.year + STATUS_STALE_AFTER_YEARS, day=28)
    return OverallStatus.UNKNOWN if today > verified_until else overall_status


# Status groups, for the colour of the status badge (the label always says the status).
STATUS_GROUPS = {
    "NOT_YET_RECRUITING": "open",
    "RECRUITING": "open",
    "ENROLLING_BY_INVITATION": "open",
    "AVAILABLE": "open",
    "ACTIVE_NOT_RECRUITING": "active",
    "COMPLETED": "ended",
    "APPROVED_FOR_MARKETING": "ended",
    "NO_LONGER_AVAILABLE": "ended",
    "SUSPENDED": "stopped",
    "TERMINATED": "stopped",
    "WITHDRAWN": "stopped",
    "TEMPORARILY_NOT_AVAILABLE": "stopped",
    "WITHHELD": "stopped",
}


Phase = code_list("Phase")
StudyType = code_list("StudyType")
DateType = code_list("DateType")
DatePrecision = code_list("DatePrecision")
Allocation = code_list("Allocation")
InterventionModel = code_list("InterventionModel")
PrimaryPurpose = code_list("PrimaryPurpose")
Masking = code_list("Masking")
WhoMasked = code_list("WhoMasked")
ObservationalModel = code_list("ObservationalModel")
TimePerspective = code_list("TimePerspective")
Sex = code_list("Sex")
AgeGroup = code_list("AgeGroup")
EnrollmentType = code_list("EnrollmentType")
ResponsiblePartyType = code_list("ResponsiblePartyType")
AgencyClass = code_list("AgencyClass")
ArmType = code_list("ArmType")
InterventionType = code_list("InterventionType")
OutcomeKind = code_list("OutcomeKind")
# A site's recruitment status (ClinicalTrials.gov's RecruitmentStatus).
RecruitmentStatus = code_list("RecruitmentStatus")
OfficialRole = code_list("OfficialRole")
ContactRole = code_list("ContactRole")
MeshKind = code_list("MeshKind")
# Where a trial's record came from; see docs/records.md for the priority between them.
RecordSource = code_list("RecordSource")
BioSpecRetention = code_list("BioSpecRetention")
IpdSharing = code_list("IpdSharing")
IpdInfoType = code_list("IpdInfoType")
ResultSection = code_list("ResultSection")
FlowStepKind = code_list("FlowStepKind")
AdverseEventKind = code_list("AdverseEventKind")


IPD_INFO_TYPES = tuple(IpdInfoType.values)

# Code lists kept in arrays, and the values each may hold.
ARRAY_CODES = {
    "phases": Phase,
    "std_ages": AgeGroup,
    "who_masked": WhoMasked,
}

# JSON fields holding lists of objects.
JSON_LISTS = (
    "secondary_ids",
    "references",
    "see_also_links",
    "condition_browse_branches",
    "intervention_browse_branches",
)

# Dates that must come in this order, with the precision field of each (None: always a day).
DATE_ORDER = (
    ("start_date", "primary_completion_date", "the primary completion date"),
    ("primary_completion_date", "completion_date", "the study completion date"),
    ("first_posted", "last_update_posted", "the last update"),
)


def _comparable(trial, name):
    """A date as a tuple, cut to month when the date is only known to the month."""
    value = getattr(trial, name)
    if value is None:
        return None
    precision = getattr(trial, f"{name}_precision", "day")
    return (
        (value.year, value.month) if precision == "month" else (value.year, value.month, value.day)
    )


def validation_errors(trial):
    """{field: message} for what makes a trial record inconsistent; empty when it is fine."""
    from catalog.registry.ctgov import age_in_years

    errors = {}
    if not NCT_ID_RE.match(trial.nct_id or ""):
        errors["nct_id"] = (
            f"{trial.nct_id!r} is not an NCT ID: write NCT followed by eight digits, "
            "e.g. NCT01234567."
        )
    if not (trial.brief_title or "").strip():
        errors["brief_title"] = "A trial needs a brief title."
    for earlier, later, later_label in DATE_ORDER:
        a, b = _comparable(trial, earlier), _comparable(trial, later)
        if a is not None and b is not None:
            if len(a) != len(b):
                a, b = a[:2], b[:2]
            if a > b:
                label = trial._meta.get_field(earlier).verbose_name
                errors[later] = (
                    f"{later_label[0].upper()}{later_label[1:]} ({getattr(trial, later)}) "
                    f"comes before the {label} ({getattr(trial, earlier)})."
                )
    if trial.enrollment_count is not None and trial.enrollment_count < 0:
        errors["enrollment_count"] = "Enrollment cannot be negative."
    ages = {}
    for name in ("minimum_age", "maximum_age"):
        text = (getattr(trial, name) or "").strip()
        years = age_in_years(text) if text else None
        if text and years is None:
            errors[name] = (
                f'{text!r} is not an age: write a number and a unit, e.g. "18 Years" or "6 Months".'
            )
        ages[name] = years
    if (
        ages["minimum_age"] is not None
        and ages["maximum_age"] is not None
        and ages["minimum_age"] > ages["maximum_age"]
    ):
        errors["maximum_age"] = (
            f"The maximum age ({trial.maximum_age}) is below the minimum age ({trial.minimum_age})."
        )
    for name, codes in ARRAY_CODES.items():
        unknown = [v for v in getattr(trial, name) or [] if v not in codes.values]
        if unknown:
            errors[name] = (
                f"Unknown code{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(codes.values)}."
            )
    unknown = [v for v in trial.ipd_sharing_info_types or [] if v not in IPD_INFO_TYPES]
    if unknown:
        errors["ipd_sharing_info_types"] = (
            f"Unknown code {', '.join(map(repr, unknown))}; allowed: {', '.join(IPD_INFO_TYPES)}."
        )
    for name in JSON_LISTS:
        value = getattr(trial, name)
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            errors[name] = 'Write a JSON list of objects, e.g. [{"id": "..."}], or [] for none.'
    if not trial.is_public and not (trial.hidden_reason or "").strip():
        errors["hidden_reason"] = (
            "Say why the trial is hidden: the reason is shown at the trial's address."
        )
    return errors


def text_array(**kwargs):
    return ArrayField(models.CharField(max_length=64), default=list, blank=True, **kwargs)


def name_indexes(table, field):
    """The indexes a shared record is looked up by: its name in capitals (an exact match in any
    case) and its name's English words (full-text search)."""
    return [
        models.Index(Upper(field), name=f"{table}_upper_{field}"),
        GinIndex(SearchVector(field, config="english"), name=f"{table}_{field}_search"),
    ]


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
        indexes = [models.Index(Upper("name"), name="organization_upper_name")]

    def __str__(self):
        return self.name


class MeshTerm(models.Model):
    """A MeSH descriptor as ClinicalTrials.gov's derived section gives it."""

    mesh_id = models.CharField(max_length=16, unique=True)
    term = models.CharField(max_length=300, db_index=True)

    class Meta:
        ordering = ["term"]
        verbose_name = "MeSH term"
        indexes = name_indexes("meshterm", "term")

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
        indexes = name_indexes("condition", "name")

    def __str__(self):
        return self.name


class TrialQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)

    def curated(self):
        """Trials with at least one field a curator took over."""
        return self.exclude(curated_fields={})

    def hidden_reason_of(self, nct_id):
        """The public reason the hidden trial ``nct_id`` is hidden for; None if no trial with
        that ID is hidden (public or unknown)."""
        hidden = self.filter(nct_id=nct_id, is_public=False)
        return hidden.values_list("hidden_reason", flat=True).first()

    def current_id_of(self, former_nct_id):
        """The NCT ID of the trial once registered as ``former_nct_id``, or None."""
        trials = self.filter(former_ids__nct_id=former_nct_id).order_by("nct_id")
        return trials.values_list("nct_id", flat=True).first()

    def with_nct_ids(self, nct_ids):
        """Trials with one of ``nct_ids`` as their NCT ID or a former one."""
        former = FormerNctId.objects.filter(trial=OuterRef("pk"), nct_id__in=nct_ids)
        return self.filter(Q(nct_id__in=nct_ids) | Q(Exists(former)))

    def listed_related(self, trial):
        """The trials ``trial``'s seed document lists as related: [(NCT ID, trial or None when
        the catalog does not hold it)], one query (none when it lists none)."""
        if not trial.seed_related_ids:
            return []
        held = {t.nct_id: t for t in self.filter(nct_id__in=trial.seed_related_ids)}
        return [(nct_id, held.get(nct_id)) for nct_id in trial.seed_related_ids]

    # The ids one UPDATE of judge_statuses sets a status on.
    JUDGE_BATCH = 10_000

    def judge_statuses(self, today=None):
        """Judge the status of each trial by ``today`` (by default, today) with ``status_on``
        and store what changed; returns how many changed. A daily run keeps "Recruiting" from
        outliving its record (``catalog.site.statuses``); each changed row bumps the catalog
        version, so no cached page keeps the old status."""
        today = today or timezone.localdate()
        # Rows written without it (COPY) take the registered status first, in one statement.
        # Only when there are some: an UPDATE of no rows still fires the statement triggers
        # that bump the catalog version, and every cached page would be thrown away.
        unjudged = self.filter(current_status="")
        if unjudged.exists():
            unjudged.update(current_status=F("overall_status"))
        aging = self.filter(
            Q(overall_status__in=ACTIVE_STATUSES) | ~Q(current_status=F("overall_status"))
        ).values_list("pk", "overall_status", "status_verified_date", "current_status")
        changed = {}
        for pk, status, verified, current in aging.iterator(chunk_size=5000):
            if (judged := status_on(status, verified, today)) != current:
                changed.setdefault(judged, []).append(pk)
        # One UPDATE per judged status and batch of ids: the judged statuses are few, and a
        # bulk_update's CASE of a thousand branches per row took minutes at 500,000 trials.
        for judged, pks in changed.items():
            for start in range(0, len(pks), self.JUDGE_BATCH):
                batch = pks[start : start + self.JUDGE_BATCH]
                self.model._default_manager.filter(pk__in=batch).update(current_status=judged)
        return sum(len(pks) for pks in changed.values())

    # A trial's own rows that both the export and the page read whole, each by its related name.
    CHILD_ROWS = (
        "interventions",
        "outcomes",
        "sites",
        "central_contacts",
        "officials",
        "documents",
        "former_ids",
    )

    def for_export(self):
        """Everything ``ctgov.study_from_trial`` reads, in a fixed number of queries."""
        return self.select_related("lead_sponsor").prefetch_related(
            "collaboration_set__organization",
            "trialcondition_set__condition",
            "trialmesh_set__mesh_term",
            "arms",
            *self.CHILD_ROWS,
            "result_groups",
            "result_measures__measurements",
            "flow_steps__counts",
            "adverse_events__counts",
        )

    def for_studies(self, *fields):
        """What ``studies_json`` reads, in one query: each trial's stored v2 study and version,
        its NCT ID, its columns among ``fields`` (those a page token reads), and the rows the
        queryset already selects with it (an export's MSC profiles); none of its texts."""
        concrete = {f.name for f in self.model._meta.concrete_fields}
        related = self.query.select_related if isinstance(self.query.select_related, dict) else {}
        joined = [
            f"{name}__{field.name}"
            for name in related
            for field in self.model._meta.get_field(name).related_model._meta.concrete_fields
        ]
        return self.select_related("stored_study").only(
            "nct_id",
            "version",
            "stored_study__version",
            "stored_study__study",
            *(field for field in fields if field in concrete),
            *joined,
        )

    def for_csv(self, columns):
        """What the CSV ``columns`` (``catalog.site.exports.CSV_COLUMNS``) read: the trial's own
        columns and the related rows the columns name; not the stored record, nor the results,
        which a v2 study needs and which cost most of an export."""
        reads = dict.fromkeys(lookup for column in columns for lookup in column.reads)
        return (
            self.select_related("lead_sponsor")
            .defer("source_record", "source_extra", "search_vector", "rank_vector")
            .prefetch_related(*reads)
        )

    def for_msc_profiles(self, *fields):
        """The columns ``/api/msc`` gives (the NCT ID, the title and ``fields``) and each
        trial's stored MSC profile, in one query: the record's other columns (its texts, its
        stored record) are left unread."""
        profile = [f"msc__{field.name}" for field in MscProfile._meta.concrete_fields]
        return self.select_related("msc").only("nct_id", "brief_title", *fields, *profile)

    # What the trial page shows of a trial's relations, read in one statement
    # (``catalog.prefetch``): a dozen queries' worth of Python saved on every page.
    PAGE_RELATIONS = Together(
        relations=(
            ("collaboration_set", ("organization",)),
            ("trialcondition_set", ("condition",)),
            ("trialmesh_set", ("mesh_term",)),
            ("arms", ()),
            *((name, ()) for name in CHILD_ROWS),
        ),
        many_to_many=(("arms", "interventions"),),
    )

    # What a list result's card shows (``catalog.site.cards``).
    CARD_COLUMNS = (
        "nct_id",
        "version",
        "brief_title",
        "acronym",
        "overall_status",
        "current_status",
        "phases",
        "enrollment_count",
        "enrollment_type",
        "start_date",
        "start_date_precision",
        "last_update_posted",
        "brief_summary",
        "has_results",
        "lead_sponsor__name",
        *(f"msc__{name}" for name in ("is_msc", "sources", "donor", "routes", "dose_min")),
        *(f"msc__{name}" for name in ("dose_max", "dose_unit", "n_doses", "dose_implausible")),
    )

    def for_card(self):
        """Everything a list result's card shows, in two queries: the trials with their
        sponsor and MSC profile, then their conditions (as ``condition_links``, a list)."""
        return (
            self.select_related("lead_sponsor", "msc")
            .only(*self.CARD_COLUMNS)
            .prefetch_related(
                # A list (to_attr), not a queryset per trial: Django builds a queryset for each
                # row it prefetches into a manager, which cost more than the query itself.
                models.Prefetch(
                    "trialcondition_set",
                    queryset=TrialCondition.objects.select_related("condition"),
                    to_attr="condition_links",
                )
            )
        )

    def for_page(self):
        """Everything the trial page shows: the trial with its sponsor, MSC profile and stored
        related trials in one query, and its relations (sites, arms with their interventions,
        outcomes, contacts...) in one more when the trials are read."""
        clone = self.select_related("lead_sponsor", "msc", "stored_related").defer(
            "source_record", "source_extra", "search_vector", "rank_vector"
        )
        clone._read_together = self.PAGE_RELATIONS
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._read_together = getattr(self, "_read_together", None)
        return clone

    def _fetch_all(self):
        fetched = self._result_cache is not None
        super()._fetch_all()
        together = getattr(self, "_read_together", None)
        if together and not fetched and self._iterable_class is models.query.ModelIterable:
            prefetch_together(self._result_cache, together)

    # The candidates: at most this many trials per shared condition, MeSH term or intervention
    # name (in a catalog of MSC trials that is nearly all of them; in a registry-sized one a term
    # can be shared by tens of thousands of trials), each then scored on everything it shares,
    # so the trial page's query stays fast at any size.
    RELATED_CANDIDATES_PER_KEY = 100
    # And at most this many per word of the trial's title: a word held by more tells nothing.
    RELATED_CANDIDATES_PER_WORD = 300
    # The keys trials share: a table of them, and when another trial's row holds this one's key.
    RELATED_KEYS = (
        ("condition", "o.condition_id = mine.condition_id"),
        ("mesh", "o.mesh_term_id = mine.mesh_term_id AND o.kind = mine.kind"),
        ("intervention", "lower(o.name) = lower(mine.name)"),
    )

    # What a related trial's line shows.
    RELATED_COLUMNS = (
        "nct_id",
        "brief_title",
        "acronym",
        "overall_status",
        "current_status",
        "phases",
        "study_type",
        "start_date",
        "start_date_precision",
        "last_update_posted",
    )

    def lacking_current(self, renderings):
        """The keys, in order, of these trials that have no current row in ``renderings`` (a
        stored rendering's queryset, already narrowed to the running code's rows): none from
        the trial's present version."""
        current = renderings.filter(trial=OuterRef("pk"), version=OuterRef("version"))
        return list(self.exclude(Exists(current)).order_by("pk").values_list("pk", flat=True))

    def has_current_related(self, trial):
        """Whether ``trial`` (from ``for_page``) has a stored list of related trials scored at
        its version."""
        stored = getattr(trial, "stored_related", None)
        return stored is not None and stored.version == trial.version

    def related_for_page(self, trial, limit=5):
        """The public trials most like ``trial``, best first: its stored list
        (``StoredRelatedTrials``, kept by the writers) read by primary key in one query while
        it is the trial's current one, scored afresh by ``related_to`` otherwise. ``trial`` comes
        from ``for_page``, which reads its stored list with it."""
        if not self.has_current_related(trial):
            return list(self.related_to(trial, limit))
        stored = trial.stored_related
        found = self.public().filter(pk__in=stored.trial_ids).only(*self.RELATED_COLUMNS)
        found = {other.pk: other for other in found}
        return [found[pk] for pk in stored.trial_ids if pk in found][:limit]

    def related_to(self, trial, limit=5):
        """The public trials most like ``trial``, scored in one query by what they share:
        conditions and condition MeSH terms (3 points each), intervention MeSH terms and
        intervention names (2), MeSH ancestors (1); trials that share as much are ordered by the
        words of this trial's title their text holds, each the more for being rare
        (``likeness``). A trial whose record names no condition, MeSH term or shared
        intervention (a seed built from a sparse page) still gets the trials its title finds."""
        tables = {
            "trial": Trial._meta.db_table,
            "condition": TrialCondition._meta.db_table,
            "mesh": TrialMesh._meta.db_table,
            "intervention": Intervention._meta.db_table,
        }
        # Trials sharing a key with this one, at most RELATED_CANDIDATES_PER_KEY per key.
        candidates_by_key = "\n              UNION\n".join(
            f"""
                SELECT other.trial_id
                  FROM {tables[table]} mine
                 CROSS JOIN LATERAL (
                       SELECT o.trial_id FROM {tables[table]} o WHERE {same_key}
                        LIMIT %(per_key)s) other
                 WHERE mine.trial_id = %(pk)s"""
            for table, same_key in self.RELATED_KEYS
        )
        sql = """
            WITH words (lexeme) AS MATERIALIZED (
                SELECT lexeme
                  FROM {trial} me,
                       unnest(tsvector_to_array(to_tsvector('english', me.brief_title))) lexeme
                 WHERE me.id = %(pk)s AND lexeme ~ '^[[:alnum:]]+$'
            ),
            word_hits (lexeme, trial_id) AS MATERIALIZED (
                SELECT words.lexeme, other.trial_id
                  FROM words
                 CROSS JOIN LATERAL (
                       SELECT o.id AS trial_id FROM {trial} o
                        WHERE o.key_terms_search_vector @@ to_tsquery('simple', words.lexeme)
                        LIMIT %(per_word)s) other
            ),
            -- Title words found in other trials' titles, conditions or keywords (the vector's A
            -- and B weights, kept apart by migration 0017; not their criteria). A word held by
            -- as many trials as are looked at tells nothing ("cells"); a rarer one counts the
            -- more the fewer trials hold it, and all of them are found.
            rarity (lexeme, trials) AS MATERIALIZED (
                SELECT lexeme, COUNT(*) FROM word_hits GROUP BY lexeme
                HAVING COUNT(*) < %(per_word)s
            ),
            likeness (trial_id, points) AS (
                SELECT hits.trial_id, SUM(1.0 / rarity.trials)
                  FROM word_hits hits
                  JOIN rarity ON rarity.lexeme = hits.lexeme
                 GROUP BY hits.trial_id
            ),
            candidates (trial_id) AS MATERIALIZED (
                {candidates_by_key}
              UNION
                SELECT trial_id FROM likeness
            ),
            shared (trial_id, points) AS (
                SELECT c.trial_id, 3
                  FROM candidates c
                  JOIN {condition} other ON other.trial_id = c.trial_id
                 WHERE other.condition_id = ANY(ARRAY(
                       SELECT condition_id FROM {condition} WHERE trial_id = %(pk)s))
              UNION ALL
                SELECT c.trial_id,
                       CASE other.kind WHEN 'condition' THEN 3 WHEN 'intervention' THEN 2 ELSE 1 END
                  FROM candidates c
                  JOIN {mesh} other ON other.trial_id = c.trial_id
                 WHERE other.kind || ':' || other.mesh_term_id = ANY(ARRAY(
                       SELECT kind || ':' || mesh_term_id FROM {mesh} WHERE trial_id = %(pk)s))
              UNION ALL
                SELECT c.trial_id, 2
                  FROM candidates c
                  JOIN {intervention} other ON other.trial_id = c.trial_id
                 WHERE lower(other.name) = ANY(ARRAY(
                       SELECT lower(name) FROM {intervention} WHERE trial_id = %(pk)s))
            ),
            score (trial_id, points) AS (
                SELECT trial_id, SUM(points) FROM shared GROUP BY trial_id
            )
            SELECT t.id, t.nct_id, t.brief_title, t.acronym, t.overall_status, t.current_status,
                   t.phases, t.study_type, t.start_date, t.start_date_precision,
                   t.last_update_posted,
                   COALESCE(score.points, 0) AS score,
                   COALESCE(likeness.points, 0) AS likeness
              FROM candidates c
              JOIN {trial} t ON t.id = c.trial_id
              LEFT JOIN score ON score.trial_id = c.trial_id
              LEFT JOIN likeness ON likeness.trial_id = c.trial_id
             WHERE t.is_public AND t.id <> %(pk)s
               AND (score.points > 0 OR likeness.points > 0)
             ORDER BY score DESC, likeness DESC, t.last_update_posted DESC NULLS LAST, t.nct_id
             LIMIT %(limit)s
        """.format(candidates_by_key=candidates_by_key, **tables)
        return self.model.objects.raw(
            sql,
            {
                "pk": trial.pk,
                "limit": limit,
                "per_key": self.RELATED_CANDIDATES_PER_KEY,
                "per_word": self.RELATED_CANDIDATES_PER_WORD,
            },
        )


class UpperAll(models.Func):
    """Every value of an array column upper-cased by PostgreSQL (``catalog_upper_all``,
    migration 0022), as the country filter compares them and their index holds them."""

    function = "catalog_upper_all"
    output_field = ArrayField(models.TextField())


# The weights of the search vector that ``Trial.rank_vector`` keeps (catalog.search.fulltext).
RANK_VECTOR_WEIGHTS = "abc"


class WeightsOf(models.Func):
    """The lexemes of a search vector of the given weights (``ts_filter``)."""

    template = "ts_filter(%(expressions)s, '{%(weights)s}'::\"char\"[])"
    output_field = SearchVectorField()

    def __init__(self, vector, weights, **extra):
        super().__init__(vector, weights=",".join(weights), **extra)


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
    # The status as the catalog shows and filters it: ``overall_status``, or UNKNOWN once an
    # active status has gone unverified for two years (``status_on``). Set on every save and
    # judged again each day (``TrialQuerySet.judge_statuses``).
    current_status = models.CharField(
        max_length=32, choices=OverallStatus.choices, blank=True, db_index=True
    )
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

    # Bio-specimens (observational studies)
    bio_spec_retention = models.CharField(
        "bio-specimen retention", max_length=32, choices=BioSpecRetention.choices, blank=True
    )
    bio_spec_description = models.TextField("bio-specimen description", blank=True)

    # Provenance
    version_holder = models.DateField(
        null=True, blank=True, help_text="The date of the ClinicalTrials.gov data version."
    )
    record_source = models.CharField(
        max_length=16, choices=RecordSource.choices, default=RecordSource.REGISTRY
    )
    record_publisher = models.CharField(
        max_length=200, blank=True, help_text="Who published a seed document (e.g. MedPath)."
    )
    seed_related_ids = ArrayField(
        models.CharField(max_length=11),
        default=list,
        blank=True,
        help_text="The trials a seed document lists as related, as it lists them.",
    )
    source_record = models.JSONField(default=dict, help_text="The record as it was imported.")
    source_extra = models.JSONField(
        default=dict,
        blank=True,
        help_text="What of the source record the catalog does not model: {set: [[path, value]], "
        "drop: [path]}, applied over the export (ctgov.apply_remainder).",
    )
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the normalised source record."
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Catalog state: publishing, curation, search, synthetic data.
    is_public = models.BooleanField(default=True, db_index=True)
    hidden_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    curated_fields = models.JSONField(default=dict, blank=True)
    is_synthetic = models.BooleanField(default=False, db_index=True)
    search_vector = SearchVectorField(null=True, editable=False)
    # What a search ranks by: the vector without its D weight (descriptions, eligibility,
    # MeSH ancestors), kept by PostgreSQL in the row itself (migration 0026). The whole vector
    # lies out of line, and ranking a broad search read it again for every match.
    rank_vector = models.GeneratedField(
        expression=WeightsOf(F("search_vector"), RANK_VECTOR_WEIGHTS),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # The identifiers a search finds the trial by (catalog.search.fulltext), upper-cased.
    search_ids = ArrayField(
        models.CharField(max_length=300), default=list, blank=True, editable=False
    )
    # The distinct countries of the trial's sites (one spelling per country, any case), kept
    # by PostgreSQL from the sites whoever writes them (migration 0022): the country filter and
    # facet read the trial's own row instead of joining its sites.
    countries = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, editable=False
    )
    # In the same way, the distinct cities of its sites and the distinct types of its
    # interventions (migration 0024), for the city and intervention type filters and facets.
    cities = ArrayField(models.CharField(max_length=200), default=list, blank=True, editable=False)
    intervention_types = ArrayField(
        models.CharField(max_length=24), default=list, blank=True, editable=False
    )
    # The MeSH terms (ids) the condition facet counts the trial under: its MeSH condition terms
    # and the terms named as one of its conditions, in any case (migration 0025).
    condition_terms = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)

    objects = TrialQuerySet.as_manager()

    class Meta:
        ordering = ["-last_update_posted", "nct_id"]
        indexes = [
            GinIndex(fields=["phases"], name="trial_phases_gin"),
            GinIndex(fields=["std_ages"], name="trial_std_ages_gin"),
            GinIndex(fields=["search_vector"], name="trial_search_gin"),
            GinIndex(fields=["search_ids"], name="trial_search_ids_gin"),
            # The country filter, in any case (catalog_upper_all: migration 0022).
            GinIndex(UpperAll("countries"), name="trial_country_keys_gin"),
            GinIndex(UpperAll("cities"), name="trial_city_keys_gin"),
            GinIndex(fields=["intervention_types"], name="trial_intervention_types_gin"),
            # The few trials listing others (seed documents), found when one they list changes.
            GinIndex(
                fields=["seed_related_ids"],
                name="trial_seed_related_gin",
                condition=~Q(seed_related_ids=[]),
            ),
            # The list's orders, newest first with missing values last (ascending orders use
            # the single-column indexes).
            models.Index(
                F("last_update_posted").desc(nulls_last=True), "nct_id", name="trial_recent_idx"
            ),
            models.Index(
                F("start_date").desc(nulls_last=True), "nct_id", name="trial_start_desc_idx"
            ),
            models.Index(
                F("enrollment_count").desc(nulls_last=True),
                "nct_id",
                name="trial_enrollment_desc_idx",
            ),
            models.Index(
                fields=["nct_id"], condition=~Q(curated_fields={}), name="trial_curated_idx"
            ),
            models.Index(fields=["healthy_volunteers"], name="trial_healthy_idx"),
            models.Index(fields=["minimum_age_years", "maximum_age_years"], name="trial_ages_idx"),
            models.Index(fields=["lead_sponsor", "nct_id"], name="trial_sponsor_idx"),
            models.Index(fields=["first_posted"], name="trial_first_posted_idx"),
        ]
        permissions = [("publish_trial", "Can publish or hide trials")]

    def __str__(self):
        return f"{self.nct_id}: {self.brief_title}"

    def save(self, *args, **kwargs):
        self.current_status = self.status_on(timezone.localdate())
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "current_status"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("catalog:trial_detail", args=[self.nct_id])

    @property
    def ctgov_url(self):
        return f"https://clinicaltrials.gov/study/{self.nct_id}"

    @property
    def provenance(self):
        """Where the record came from, as the trial page says it."""
        if self.record_source == RecordSource.SEED_DOCUMENT:
            return ", ".join(p for p in ("seed document", self.record_publisher) if p)
        if self.last_update_posted:
            return f"ClinicalTrials.gov record of {self.last_update_posted.isoformat()}"
        return "ClinicalTrials.gov record"

    def get_phases_display(self):
        return _labels(Phase, self.phases)

    def get_std_ages_display(self):
        return _labels(AgeGroup, self.std_ages)

    def get_who_masked_display(self):
        return _labels(WhoMasked, self.who_masked)

    def status_on(self, today):
        return status_on(self.overall_status, self.status_verified_date, today)

    @property
    def status_is_stale(self):
        """Whether the record's active status has aged into "Unknown status"."""
        return self.current_status != self.overall_status

    @property
    def status_meaning(self):
        return STATUS_MEANINGS.get(self.current_status, "")

    @property
    def status_group(self):
        return STATUS_GROUPS.get(self.current_status, "unknown")

    # The trial page's views of the related rows; they read the prefetched rows of
    # ``Trial.objects.for_page()`` and make no query of their own.

    def mesh_terms_of_kind(self, kind):
        return [link.mesh_term for link in self.trialmesh_set.all() if link.kind == kind]

    @property
    def condition_mesh_terms(self):
        return self.mesh_terms_of_kind(MeshKind.CONDITION)

    @property
    def intervention_mesh_terms(self):
        return self.mesh_terms_of_kind(MeshKind.INTERVENTION)

    @property
    def interventions_without_arm(self):
        in_arms = {item.pk for arm in self.arms.all() for item in arm.interventions.all()}
        return [item for item in self.interventions.all() if item.pk not in in_arms]

    def outcomes_by_kind(self):
        """[(kind, label, outcomes)]: primary, then secondary, then other outcomes."""
        groups = []
        for kind, label in OutcomeKind.choices:
            outcomes = [o for o in self.outcomes.all() if o.kind == kind]
            if outcomes:
                groups.append((kind, label, outcomes))
        return groups

    def sites_by_country(self):
        """[(country, sites, recruiting)]: countries with most sites first, their sites by
        place, and how many of them recruit."""
        countries = {}
        for site in self.sites.all():
            countries.setdefault(site.country, []).append(site)
        groups = [
            (
                country,
                sorted(sites, key=lambda s: (s.state, s.city, s.facility)),
                sum(site.status == RecruitmentStatus.RECRUITING for site in sites),
            )
            for country, sites in countries.items()
        ]
        return sorted(groups, key=lambda group: (-len(group[1]), group[0] == "", group[0]))

    def clean(self):
        from catalog.registry.ctgov import age_in_years

        self.minimum_age_years = age_in_years(self.minimum_age)
        self.maximum_age_years = age_in_years(self.maximum_age)
        for name in ("start_date", "primary_completion_date", "completion_date"):
            if getattr(self, name) and not getattr(self, f"{name}_precision"):
                setattr(self, f"{name}_precision", DatePrecision.DAY)
        errors = validation_errors(self)
        if errors:
            raise ValidationError(errors)

    @cached_property
    def record_history(self):
        """The short public record history: the latest changes, newest first (one query)."""
        return list(TrialChange.objects.public_summary(self))


class SharedRecordLink(models.Model):
    """A trial's link to a record that trials share (an organization, a condition, a MeSH
    term), kept in the order of the trial's record."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)
    linked = ""  # the name of the foreign key to the shared record

    class Meta:
        abstract = True
        ordering = ["position"]

    def __str__(self):
        return str(getattr(self, self.linked))


class Collaboration(SharedRecordLink):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)
    linked = "organization"


class TrialCondition(SharedRecordLink):
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT)
    linked = "condition"


class TrialMesh(SharedRecordLink):
    mesh_term = models.ForeignKey(MeshTerm, on_delete=models.PROTECT)
    kind = models.CharField(max_length=24, choices=MeshKind.choices)
    linked = "mesh_term"

    class Meta(SharedRecordLink.Meta):
        ordering = ["kind", "position"]
        indexes = [models.Index(fields=["mesh_term", "kind"])]


class TrialPart(models.Model):
    """A part of one trial's record (an arm, a site, an outcome ...), kept in the record's
    order."""

    position = models.PositiveSmallIntegerField(default=0)
    named_by = ""  # the field that names the part (in the admin and in its history)

    class Meta:
        abstract = True
        # By the trial's id, not "trial": that would join each part's query to the trial
        # table to order by the trial's own ordering.
        ordering = ["trial_id", "position"]

    def __str__(self):
        return getattr(self, self.named_by)


class Intervention(TrialPart):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="interventions")
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

    class Meta(TrialPart.Meta):
        indexes = [
            models.Index(fields=["type"]),
            models.Index(fields=["type", "trial"], name="intervention_type_trial"),
            GinIndex(SearchVector("name", config="english"), name="intervention_name_search"),
            # Related trials: trials giving an intervention of the same name.
            models.Index(Lower("name"), name="intervention_lower_name"),
        ]

    def __str__(self):
        return f"{self.get_type_display()}: {self.name}" if self.type else self.name


class Arm(TrialPart):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="arms")
    label = models.TextField()
    type = models.CharField(max_length=24, choices=ArmType.choices, blank=True)
    description = models.TextField(blank=True)
    intervention_names = ArrayField(
        models.TextField(), default=list, blank=True, help_text="As the record lists them."
    )
    interventions = models.ManyToManyField(Intervention, related_name="arms", blank=True)
    named_by = "label"


class Outcome(TrialPart):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(max_length=9, choices=OutcomeKind.choices)
    measure = models.TextField()
    time_frame = models.TextField(blank=True)
    description = models.TextField(blank=True)
    named_by = "measure"

    class Meta:
        ordering = ["trial_id", "kind", "position"]


GeoSource = code_list("GeoSource")


class Site(TrialPart):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="sites")
    facility = models.TextField(blank=True)
    status = models.CharField(max_length=32, choices=RecruitmentStatus.choices, blank=True)
    city = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=200, blank=True)
    zip = models.CharField("ZIP code", max_length=32, blank=True)
    country = models.CharField(max_length=100, blank=True)
    # The record's geoPoint, or the coordinates of the site's city in the gazetteer
    # (catalog.places), set whenever the importer writes the site; null if neither.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geo_source = models.CharField(
        "coordinates from", max_length=16, choices=GeoSource.choices, blank=True
    )
    contacts = models.JSONField(default=list, blank=True, help_text="{name, role, phone, email}.")

    class Meta(TrialPart.Meta):
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="site_lat_lon"),
            models.Index(fields=["country", "trial"]),
            models.Index(fields=["city"]),
            models.Index(Upper("city"), "trial", name="site_upper_city"),
            models.Index(Upper("country"), "trial", name="site_upper_country"),
            GinIndex(
                SearchVector("facility", "city", "state", "zip", "country", config="simple"),
                name="site_location_search",
            ),
        ]

    def __str__(self):
        return ", ".join(p for p in [self.facility, self.city, self.country] if p)

    def save(self, *args, **kwargs):
        # A curator's save: coordinates typed in are kept as the record's own; a site without
        # any, or placed by a city that changed, is placed again (the importer places its rows
        # before writing them in bulk).
        from catalog.places import placing

        placing.place_saved(self)
        super().save(*args, **kwargs)


class CentralContact(TrialPart):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="central_contacts")
    name = models.CharField(max_length=300, blank=True)
    role = models.CharField(max_length=32, choices=ContactRole.choices, blank=True)
    phone = models.CharField(max_length=100, blank=True)
    phone_ext = models.CharField(max_length=32, blank=True)
    email = models.CharField(max_length=300, blank=True)
    named_by = "name"


class Official(TrialPart):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="officials")
    name = models.CharField(max_length=300, blank=True)
    affiliation = models.CharField(max_length=500, blank=True)
    role = models.CharField(max_length=32, choices=OfficialRole.choices, blank=True)
    named_by = "name"


class TrialDocument(TrialPart):
    """A large document (protocol, statistical analysis plan, consent form) the registry holds."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="documents")
    type_abbrev = models.CharField(max_length=32, blank=True)
    has_protocol = models.BooleanField(null=True, blank=True)
    has_sap = models.BooleanField("has a statistical analysis plan", null=True, blank=True)
    has_icf = models.BooleanField("has an informed consent form", null=True, blank=True)
    label = models.TextField(blank=True)
    date = models.CharField(max_length=10, blank=True, help_text="The document's date, ISO.")
    upload_date = models.CharField(max_length=16, blank=True, help_text="ISO date and time.")
    filename = models.CharField(max_length=300, blank=True)

    def __str__(self):
        return self.label or self.filename

    @property
    def url(self):
        """The file on ClinicalTrials.gov (its large documents live under the NCT ID's last two
        digits)."""
        if not self.filename:
            return ""
        nct_id = self.trial.nct_id
        return f"https://cdn.clinicaltrials.gov/large-docs/{nct_id[-2:]}/{nct_id}/{self.filename}"


class FormerNctId(TrialPart):
    """An NCT ID the trial was registered under before (``nctIdAliases``): it leads here."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="former_ids")
    nct_id = models.CharField("former NCT ID", max_length=11, db_index=True)
    named_by = "nct_id"


# Posted results: the groups each part compares, the measures with their values per group, the
# participant flow and the adverse events per group; what they do not hold stays in
# ``Trial.source_extra`` and comes back in the export.


class ResultMeasure(TrialPart):
    """A baseline characteristic or an outcome measure of the posted results."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="result_measures")
    section = models.CharField(max_length=16, choices=ResultSection.choices)
    type = models.CharField(max_length=24, blank=True, help_text="PRIMARY, SECONDARY, ...")
    title = models.TextField(blank=True)
    description = models.TextField(blank=True)
    population_description = models.TextField(blank=True)
    reporting_status = models.CharField(max_length=16, blank=True)
    param_type = models.CharField(max_length=40, blank=True)
    dispersion_type = models.CharField(max_length=40, blank=True)
    unit_of_measure = models.TextField(blank=True)
    time_frame = models.TextField(blank=True)
    named_by = "title"

    class Meta:
        ordering = ["trial_id", "section", "position"]


class ResultGroup(TrialPart):
    """A group of participants compared in one part of the results (its code, e.g. ``FG000``,
    is what the values of that part point to). Outcome measures have groups of their own."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="result_groups")
    section = models.CharField(max_length=16, choices=ResultSection.choices)
    measure = models.ForeignKey(
        ResultMeasure, null=True, blank=True, on_delete=models.CASCADE, related_name="groups"
    )
    code = models.CharField(max_length=16, blank=True)
    title = models.TextField(blank=True)
    description = models.TextField(blank=True)
    # Adverse-event groups: their totals.
    deaths_affected = models.PositiveIntegerField(null=True, blank=True)
    deaths_at_risk = models.PositiveIntegerField(null=True, blank=True)
    serious_affected = models.PositiveIntegerField(null=True, blank=True)
    serious_at_risk = models.PositiveIntegerField(null=True, blank=True)
    other_affected = models.PositiveIntegerField(null=True, blank=True)
    other_at_risk = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["trial_id", "section", "measure", "position"]
        indexes = [models.Index(fields=["trial", "section"], name="resultgroup_trial_section")]

    def __str__(self):
        return self.title or self.code


class ResultMeasurement(models.Model):
    """One value of a measure for one group, in its class and category (values are text as
    the registry posts them: "12.5", "NA")."""

    measure = models.ForeignKey(
        ResultMeasure, on_delete=models.CASCADE, related_name="measurements"
    )
    group = models.ForeignKey(
        ResultGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="measurements"
    )
    group_code = models.CharField(max_length=16, blank=True)
    class_position = models.PositiveSmallIntegerField(default=0)
    class_title = models.TextField(blank=True)
    category_position = models.PositiveSmallIntegerField(default=0)
    category_title = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    value = models.CharField(max_length=100, blank=True)
    spread = models.CharField(max_length=100, blank=True)
    lower_limit = models.CharField(max_length=100, blank=True)
    upper_limit = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["measure", "class_position", "category_position", "position"]

    def __str__(self):
        return f"{self.group_code}: {self.value}"


class FlowStep(TrialPart):
    """A milestone (STARTED, COMPLETED, ...) or a drop-out reason of a participant-flow period."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="flow_steps")
    period_position = models.PositiveSmallIntegerField(default=0)
    period_title = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=FlowStepKind.choices)
    type = models.TextField(blank=True)

    class Meta:
        ordering = ["trial_id", "period_position", "kind", "position"]

    def __str__(self):
        return self.type


class FlowCount(models.Model):
    step = models.ForeignKey(FlowStep, on_delete=models.CASCADE, related_name="counts")
    group = models.ForeignKey(
        ResultGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="flow_counts"
    )
    group_code = models.CharField(max_length=16, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    num_subjects = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["step", "position"]

    def __str__(self):
        return f"{self.group_code}: {self.num_subjects}"


class AdverseEvent(TrialPart):
    """A serious or other adverse event term, counted per group (``counts``)."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="adverse_events")
    kind = models.CharField(max_length=8, choices=AdverseEventKind.choices)
    term = models.TextField(blank=True)
    organ_system = models.TextField(blank=True)
    source_vocabulary = models.CharField(max_length=100, blank=True)
    assessment_type = models.CharField(max_length=32, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["trial_id", "kind", "position"]

    def __str__(self):
        return self.term


class AdverseEventCount(models.Model):
    event = models.ForeignKey(AdverseEvent, on_delete=models.CASCADE, related_name="counts")
    group = models.ForeignKey(
        ResultGroup,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="adverse_event_counts",
    )
    group_code = models.CharField(max_length=16, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    num_events = models.PositiveIntegerField(null=True, blank=True)
    num_affected = models.PositiveIntegerField(null=True, blank=True)
    num_at_risk = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["event", "position"]

    def __str__(self):
        return f"{self.group_code}: {self.num_affected}"


class SearchWord(models.Model):
    """A word of the catalog's text, for "did you mean" suggestions (trigram-indexed).

    Rebuilt from the trials by ``catalog.search.refresh_vocabulary`` after imports.
    """

    word = models.CharField(max_length=100, unique=True)
    ndoc = models.PositiveIntegerField(default=0, help_text="How many texts hold the word.")

    class Meta:
        ordering = ["word"]
        indexes = [
            GinIndex(OpClass("word", name="gin_trgm_ops"), name="searchword_word_trgm"),
        ]

    def __str__(self):
        return self.word


# Curation: history and sync state ---------------------------------------------------------------

# Related collections, by the curated-field key the importer uses, with their labels.
COLLECTION_LABELS = {
    "lead_sponsor": "lead sponsor",
    "collaborators": "collaborators",
    "conditions": "conditions",
    "mesh_terms": "MeSH terms",
    "arms": "arms",
    "interventions": "interventions",
    "outcomes": "outcomes",
    "sites": "locations",
    "central_contacts": "central contacts",
    "officials": "officials",
    # Parts of the record no curator edits (catalog.registry.importer.RECORD_PARTS).
    "documents": "documents",
    "former_ids": "former NCT IDs",
    "results": "results values",
    "source_extra": "values the catalog keeps as received",
}


def field_label(name):
    """A trial field's or collection's label, for history and the curation panel."""
    if name in COLLECTION_LABELS:
        return COLLECTION_LABELS[name]
    if name in MSC_CHANGE_LABELS:
        return MSC_CHANGE_LABELS[name]
    try:
        return str(Trial._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")


def display_value(name, value):
    """A stored value as people read it: codes by their labels (``RECRUITING`` → Recruiting)."""
    if name in MSC_CHANGE_LABELS:
        return _msc_display(name.removeprefix("msc."), value)
    try:
        field = Trial._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    labels = dict(field.flatchoices) if field.choices else {}
    if not labels and name in ARRAY_CODES:
        labels = dict(ARRAY_CODES[name].choices)
    if not labels:
        return value
    if isinstance(value, list):
        return [labels.get(v, v) for v in value]
    return labels.get(value, value)


# MSC profile values in history entries and the curation panel: ``msc.<public field>``.
MSC_CHANGE_LABELS = {
    "msc.is_msc": "MSC product given",
    "msc.source": "MSC cell source",
    "msc.donor": "MSC donor",
    "msc.product": "MSC product",
    "msc.route": "MSC route",
    "msc.dose": "MSC dose",
}


def _msc_display(field, value):
    """An MSC profile value in its public JSON shape, as people read it."""
    if field == "dose":
        value = value or {}
        unit = dict(DoseUnit.choices).get(value.get("unit") or "", "")
        parts = []
        if value.get("min") is not None or value.get("max") is not None:
            low, high = value.get("min"), value.get("max")
            low, high = (high if low is None else low), (low if high is None else high)
            shown = f"{low:g}" if low == high else f"{low:g}–{high:g}"
            parts.append(f"{shown} {unit}".strip())
        if value.get("total_cells") is not None and value.get("unit") != DoseUnit.TOTAL:
            parts.append(f"{value['total_cells']:g} cells in total")
        if value.get("n_doses"):
            n = value["n_doses"]
            parts.append(f"{n} dose{'s' * (n != 1)}")
        if value.get("interval"):
            parts.append(f"every {value['interval']}")
        if not parts and value.get("text"):
            parts.append(value["text"])
        return ", ".join(parts) if parts else None
    choices = {"source": MscSource, "donor": MscDonor, "product": MscProduct, "route": MscRoute}
    if field in choices:
        labels = dict(choices[field].choices)
        if isinstance(value, list):
            return [labels.get(v, v) for v in value]
        return labels.get(value, value)
    if field == "is_msc":
        return {True: "yes", False: "no"}.get(value, value)
    return value


def _short(value, limit=120):
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    value = str(value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


# Fields that change with every registry update: left out of the public record history.
BOOKKEEPING_FIELDS = {
    "last_update_posted",
    "last_update_posted_type",
    "last_update_submitted",
    "status_verified_date",
    "version_holder",
    "minimum_age_years",
    "maximum_age_years",
    "start_date_precision",
    "primary_completion_date_precision",
    "completion_date_precision",
}


@cache
def _field_order():
    names = [f.name for f in Trial._meta.concrete_fields] + list(COLLECTION_LABELS)
    return {name: index for index, name in enumerate(names)}


ChangeKind = code_list("ChangeKind")


class TrialChangeQuerySet(models.QuerySet):
    def public_summary(self, trial, limit=10):
        """The latest changes of a trial for its public page, newest first."""
        return (
            self.filter(trial=trial)
            .only("trial_id", "version", "created_at", "kind", "changes")
            .order_by("-version", "-pk")[:limit]
        )

    def since(self, trial, version):
        """What happened to a trial after ``version``, oldest first."""
        return (
            self.filter(trial=trial, version__gt=version)
            .select_related("user")
            .order_by("version", "pk")
        )


class TrialChange(models.Model):
    """One change to a trial: by an import, a sync, a curator or a revert to the source.

    ``changes`` maps a field (or collection) name to ``{"old": ..., "new": ...}``: values as
    JSON for fields, counts for collections (with ``"collection": true``). ``"curated": true``
    marks a source value that changed under a curator's value, which stayed.
    """

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField(help_text="The trial's version after this change.")
    created_at = models.DateTimeField("when", default=timezone.now)
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trial_changes",
    )
    actor = models.CharField(
        "who", max_length=300, help_text="The curator, or which import or sync."
    )
    changes = models.JSONField(default=dict, blank=True)

    objects = TrialChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["trial", "-version"], name="trialchange_trial_idx")]
        verbose_name = "trial change"

    def __str__(self):
        return f"{self.trial_id} v{self.version} ({self.get_kind_display()}, {self.actor})"

    @property
    def is_creation(self):
        return self.version == 1

    def ordered_changes(self):
        """(name, change) in the order of the trial's fields, then its collections (the
        database keeps JSON keys in an order of its own)."""
        order = _field_order()
        return sorted(self.changes.items(), key=lambda item: order.get(item[0], len(order)))

    def lines(self):
        """(label, old, new, note) for each change, as people read them."""
        rows = []
        for name, change in self.ordered_changes():
            old, new = change.get("old"), change.get("new")
            if change.get("collection"):
                old, new = f"{old} item{'s' * (old != 1)}", f"{new} item{'s' * (new != 1)}"
                if old == new:
                    new += " (changed)"
            else:
                old, new = display_value(name, old), display_value(name, new)
            note = "source value; the curator's value stays" if change.get("curated") else ""
            rows.append((field_label(name), _short(old), _short(new), note))
        return rows

    def text(self):
        """All changes on one line: ``label: old → new; ...``."""
        if self.is_creation and not self.changes:
            return "added to the catalog"
        return "; ".join(
            f"{label}: {old} → {new}" + (f" ({note})" if note else "")
            for label, old, new, note in self.lines()
        )

    def public_description(self):
        """What changed, in a few words, for the public record history."""
        if self.is_creation and not self.changes:
            return "Added to the catalog"
        what = {
            ChangeKind.IMPORT: "Updated from ClinicalTrials.gov",
            ChangeKind.SYNC: "Updated from ClinicalTrials.gov",
            ChangeKind.CURATOR: "Corrected by the catalog's curators",
            ChangeKind.REVERT: "Restored to the ClinicalTrials.gov record",
        }[self.kind]
        names = [n for n, c in self.ordered_changes() if not c.get("curated")]
        if set(names) <= {"is_public", "hidden_reason"} and "is_public" in names:
            return "Published" if self.changes["is_public"]["new"] else "Hidden"
        update = self.changes.get("last_update_posted", {}).get("new")
        if update and self.kind in (ChangeKind.IMPORT, ChangeKind.SYNC):
            what += f" (its update of {update})"
        labels = [field_label(n) for n in names if n not in BOOKKEEPING_FIELDS]
        if not labels:
            return what if names else f"{what} (curated values kept)"
        if len(labels) > 6:
            labels = labels[:6] + [f"{len(labels) - 6} more"]
        return f"{what}: {', '.join(labels)}"


class StoredStudyQuerySet(models.QuerySet):
    BATCH_SIZE = 500

    def store(self, trials):
        """Build and store the v2 study of each trial of the queryset ``trials`` (a batch at a
        time, in a fixed number of queries per batch); returns how many were stored.

        Writers call it once their writes are done: the importer for the trials a run changed,
        the curation service for the trial a curator changed. A study built while another
        writer moves the trial on is stored under the version it was read at, so it is never
        served for the newer one."""
        from catalog.registry.ctgov import study_json

        stored = 0
        ids = list(trials.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), self.BATCH_SIZE):
            batch = Trial.objects.filter(pk__in=ids[start : start + self.BATCH_SIZE])
            rows = [
                self.model(trial_id=trial.pk, version=trial.version, study=study_json(trial))
                for trial in batch.for_export()
            ]
            self.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["trial"],
                update_fields=["version", "study"],
            )
            stored += len(rows)
        return stored

    def missing(self):
        """The trials without a current stored study (never built, or built for an older
        version): what ``store`` has to build."""
        current = self.filter(trial=OuterRef("pk"), version=OuterRef("version"))
        return Trial.objects.exclude(Exists(current))


class StoredStudy(models.Model):
    """A trial's v2 study, built when the trial is written rather than on every read: the API
    and the downloads serve its text as it is. It is the trial's only while ``version`` is the
    trial's; any other is ignored and the study built afresh (``ctgov.studies_json``)."""

    trial = models.OneToOneField(
        Trial, on_delete=models.CASCADE, primary_key=True, related_name="stored_study"
    )
    version = models.PositiveIntegerField(help_text="The trial's version it was built from.")
    study = models.TextField(help_text="The v2 study, as JSON text.")

    objects = StoredStudyQuerySet.as_manager()

    def __str__(self):
        return f"{self.trial_id} v{self.version}"


class StoredRelatedTrialsQuerySet(models.QuerySet):
    # A trial's list keeps more than the page shows, so that a trial hidden since it was
    # stored leaves the page its five others.
    KEPT = 10

    def store(self, trials):
        """Score and store the related trials of each trial of the queryset ``trials``
        (``TrialQuerySet.related_to``, one query a trial); returns how many were stored.

        Writers call ``store_around`` with the trials they wrote."""
        rows = [
            self.model(
                trial_id=trial.pk,
                version=trial.version,
                trial_ids=[other.pk for other in Trial.objects.related_to(trial, self.KEPT)],
            )
            for trial in trials.order_by("pk").only("pk", "version")
        ]
        self.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["trial"],
            update_fields=["version", "trial_ids"],
        )
        return len(rows)

    def store_around(self, trial_ids):
        """Score and store the lists of the trials ``trial_ids`` (just written), then of the
        trials whose lists writing them can change: the trials they now list (likeness goes
        both ways: a trial sharing conditions with a new one is likely to list it) and those
        that listed them. Returns how many lists were stored."""
        trial_ids = set(trial_ids)
        listing = set(self.filter(trial_ids__overlap=list(trial_ids)).values_list("pk", flat=True))
        stored = self.store(Trial.objects.filter(pk__in=trial_ids))
        listed = self.filter(trial__in=trial_ids).values_list("trial_ids", flat=True)
        around = (listing | {pk for ids in listed for pk in ids}) - trial_ids
        return stored + self.store(Trial.objects.filter(pk__in=around))

    def stale(self):
        """The trials without a current stored list (never scored, or scored for an older
        version of the trial): what ``store`` has to score."""
        current = self.filter(trial=OuterRef("pk"), version=OuterRef("version"))
        return Trial.objects.exclude(Exists(current))


class StoredRelatedTrials(models.Model):
    """A trial's related trials, scored when the trial is written rather than on every view of
    its page (``TrialQuerySet.related_to`` costs about as much as the rest of the page). The
    list is the trial's only while ``version`` is the trial's; otherwise the page scores its
    related trials afresh. Other trials written since it was scored may be missing from it
    until ``relate_trials`` (or a write around them) scores it again."""

    trial = models.OneToOneField(
        Trial, on_delete=models.CASCADE, primary_key=True, related_name="stored_related"
    )
    version = models.PositiveIntegerField(help_text="The trial's version it was scored at.")
    trial_ids = ArrayField(
        models.IntegerField(), default=list, help_text="The related trials' ids, best first."
    )

    objects = StoredRelatedTrialsQuerySet.as_manager()

    class Meta:
        indexes = [GinIndex(fields=["trial_ids"], name="storedrelated_trial_ids_gin")]

    def __str__(self):
        return f"{self.trial_id} v{self.version}"


def _unchanged_since(db, read_at):
    """Whether the catalog is still at version ``read_at``, its version's row locked until the
    transaction ends (as the triggers that forget stored pages and cards lock it first,
    migration 0027): what is stored meanwhile was rendered from the rows as they are."""
    with connections[db].cursor() as cursor:
        # A stored page or card can always be rendered again: its commit need not wait for
        # the disk (a crash may lose the last ones stored, never anything else).
        cursor.execute("SET LOCAL synchronous_commit = off")
    versions = CatalogVersion.objects.using(db).select_for_update(no_key=True)
    return list(versions.filter(pk=1).values_list("version", flat=True)) == [read_at]


class StoredPageQuerySet(models.QuerySet):
    # The one statement of a stored page's view, written out: built by the ORM on each view,
    # it cost twice what it does to run (about 1 ms of Python against 0.5 ms).
    CURRENT_HTML = """
        SELECT page.html
          FROM catalog_storedpage page JOIN catalog_trial trial ON trial.id = page.trial_id
         WHERE trial.nct_id = %s AND trial.is_public
           AND page.version = trial.version AND page.build = %s AND page.built_on = %s
    """

    def current_html(self, nct_id, build):
        """The stored page of the public trial ``nct_id`` if it is current, else None: rendered
        from the trial's version, by ``build`` (``catalog.site.pages.build()``), today (a page
        words dates as "4 years ago" and judges statuses by the day)."""
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.CURRENT_HTML, [nct_id, build, timezone.localdate()])
            row = cursor.fetchone()
        return row[0] if row else None

    def keep(self, pages, build, read_at):
        """Store ``pages`` (``{trial: html}``) as the trials' pages, rendered by ``build`` today
        from the trials as they were at catalog version ``read_at`` (read before the trials).
        Returns whether they were stored: not if the catalog has changed since, for the change
        may be a trial's and its triggers may have run before its page was stored (migration
        0027 locks the same row)."""
        db = router.db_for_write(self.model)
        today = timezone.localdate()
        with transaction.atomic(using=db):
            if not _unchanged_since(db, read_at):
                return False
            rows = [
                self.model(
                    trial_id=trial.pk, version=trial.version, build=build, built_on=today, html=html
                )
                for trial, html in pages.items()
            ]
            self.using(db).bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["trial"],
                update_fields=["version", "build", "built_on", "html"],
            )
        return True


class StoredRendering(models.Model):
    """What a trial's stored renderings (its page, its list card) hold besides their HTML: the
    trial's version and the code they were rendered from, which must both be current."""

    version = models.PositiveIntegerField(help_text="The trial's version it was rendered from.")
    build = models.CharField(max_length=16, help_text="The code and templates it was rendered by.")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.trial_id} v{self.version}"

    def is_current(self, trial, build):
        return self.version == trial.version and self.build == build


class StoredPage(StoredRendering):
    """A trial page, rendered on the first view after the trial changed and then served as it
    is (``catalog.site.pages``) while it is current (``StoredPage.objects.current_html``).
    PostgreSQL forgets it itself when a row it was rendered from changes, whoever writes it
    (migration 0027)."""

    trial = models.OneToOneField(
        Trial, on_delete=models.CASCADE, primary_key=True, related_name="stored_page"
    )
    built_on = models.DateField(help_text="The day it was rendered.")
    html = models.TextField(help_text="The whole page, its origin and compare link to be set.")

    objects = StoredPageQuerySet.as_manager()


class StoredCardQuerySet(models.QuerySet):
    def keep(self, cards, build, read_at):
        """Store ``cards`` (``{trial: parts by field name}``) as the trials' cards, rendered by
        ``build`` from the trials as they were at catalog version ``read_at`` (read before the
        trials). Returns whether they were stored: not if the catalog has changed since."""
        db = router.db_for_write(self.model)
        with transaction.atomic(using=db):
            if not _unchanged_since(db, read_at):
                return False
            rows = [
                self.model(trial_id=trial.pk, version=trial.version, build=build, **parts)
                for trial, parts in cards.items()
            ]
            self.using(db).bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["trial"],
                update_fields=["version", "build", *StoredCard.PARTS],
            )
        return True


class StoredCard(StoredRendering):
    """A list result's card, the parts of it that change only with the trial, rendered on its
    first listing after the trial changed and then served as they are (``catalog.site.cards``).
    The search's snippet and notes and the words for the record's age ("4 years ago") go
    between them on each view. The parts are the trial's only while ``version`` is the trial's
    and ``build`` the running code's; PostgreSQL forgets them with the trial's stored page
    (migration 0028)."""

    PARTS = ("opening", "summary", "closing", "ending")

    trial = models.OneToOneField(
        Trial, on_delete=models.CASCADE, primary_key=True, related_name="stored_card"
    )
    opening = models.TextField(help_text="Title, status, phases, dates and MSC values.")
    summary = models.TextField(help_text="The summary's opening, shown when not searching.")
    closing = models.TextField(help_text="Conditions, and the sponsor up to the record's age.")
    ending = models.TextField(help_text="What follows the record's age.")

    objects = StoredCardQuerySet.as_manager()


class SyncState(models.Model):
    """What ``sync_ctgov`` remembers per query: when it last ran and last succeeded."""

    query = models.TextField(unique=True)
    last_success_at = models.DateTimeField(
        null=True, blank=True, help_text="When the last successful sync started."
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_ok = models.BooleanField(null=True, blank=True)
    last_run_summary = models.TextField(blank=True)

    class Meta:
        verbose_name = "sync state"

    def __str__(self):
        return self.query[:80]


class CatalogLoad(models.Model):
    """A first load (``import_ctgov --if-empty``) that ran to its end with every study stored.

    Recorded only then: a load killed midway leaves no row, so the next start resumes it
    instead of taking the partial catalog for a loaded one.
    """

    sources = models.TextField(help_text="What was loaded (the paths given).")
    summary = models.TextField(blank=True)
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "completed first load"

    def __str__(self):
        return f"{self.sources} ({self.completed_at:%Y-%m-%d %H:%M})"


# MSC profiles ----------------------------------------------------------------------------------
# What the catalog derives from each record (catalog/msc/): where the cells come from, whose they
# are, what product, how it is given and how many. Stored values are the stable codes of
# /api/msc/<NCT ID>, which are also the list filters' values.


MscSource = code_list("MscSource")
MscDonor = code_list("MscDonor")
MscProduct = code_list("MscProduct")
MscRoute = code_list("MscRoute")
DoseUnit = code_list("DoseUnit")


def code_array(choices):
    return ArrayField(models.CharField(max_length=32, choices=choices), default=list, blank=True)


# The curators' queue of MSC profiles: each kind of reason, the rules' review codes it covers
# (catalog.msc.extraction.review) and its label.
MSC_REVIEW_KINDS = {
    "blank": (("blank",), "Blank despite MSC words"),
    "implausible": (("implausible_dose",), "Implausible dose"),
    "weak": (
        ("weak_source", "weak_donor", "weak_route", "weak_product", "weak_dose"),
        "Weak evidence",
    ),
}


class MscProfileQuerySet(models.QuerySet):
    def msc(self):
        """Profiles of trials that give an MSC product (the others have is_msc off)."""
        return self.filter(is_msc=True)

    def needing_review(self, kind=None):
        """Profiles in the curators' queue (for one kind of ``MSC_REVIEW_KINDS``, or any): a
        review code of the rules whose field no curator has set yet."""
        from catalog.msc.extraction.review import REVIEW_FIELDS

        kinds = [kind] if kind else list(MSC_REVIEW_KINDS)
        q = Q()
        for name in kinds:
            for code in MSC_REVIEW_KINDS[name][0]:
                q |= Q(review__contains=[code]) & ~Q(curated__has_key=REVIEW_FIELDS[code])
        return self.filter(q)

    def public(self):
        return self.filter(trial__is_public=True)


class MscProfile(models.Model):
    """A trial's MSC profile: computed by ``catalog.msc.annotate`` from the trial's record, with
    the values a curator set (``curated``) winning over the computed ones.

    ``curated`` maps a public field name (``CURATABLE``) to ``{"value": the curator's value in
    the public JSON shape, "by": username, "at": ISO time, "note": optional text, "computed":
    what the rules give now}``; the columns hold the curator's value.
    """

    # The public fields a curator can set, and the columns each one covers.
    CURATABLE = {
        "is_msc": ("is_msc",),
        "source": ("sources",),
        "donor": ("donor",),
        "product": ("products",),
        "route": ("routes",),
        "dose": (
            "dose_text",
            "cells_per_kg",
            "total_cells",
            "dose_min",
            "dose_max",
            "dose_unit",
            "n_doses",
            "dose_interval",
            "dose_derived",
            "dose_implausible",
        ),
    }
    # The list filters (query parameters) on profiles, and what each takes. Any of them keeps
    # only trials that give an MSC product; see catalog.msc.query.
    FILTER_FIELDS = {
        "source": MscSource,
        "donor": MscDonor,
        "product": MscProduct,
        "route": MscRoute,
        "dose_min": float,
        "dose_max": float,
        "dose_unit": DoseUnit,
        "n_doses": int,
    }
    # What the rules compute: every curatable column, then what only the rules give.
    COMPUTED_FIELDS = (
        *(column for columns in CURATABLE.values() for column in columns),
        "named_products",
        "arms",
        "evidence",
        "review",
    )

    trial = models.OneToOneField(
        Trial, on_delete=models.CASCADE, primary_key=True, related_name="msc"
    )
    is_msc = models.BooleanField(
        "gives an MSC product",
        default=True,
        db_index=True,
        help_text="Off when the record describes no MSC product (e.g. bone marrow mononuclear "
        "cells only); such trials have no source, route or dose.",
    )
    sources = code_array(MscSource.choices)
    donor = models.CharField(
        max_length=16, choices=MscDonor.choices, default=MscDonor.NOT_STATED, db_index=True
    )
    products = code_array(MscProduct.choices)
    routes = code_array(MscRoute.choices)
    dose_text = models.TextField(blank=True, help_text="The dose as the record states it.")
    cells_per_kg = models.FloatField(
        null=True, blank=True, db_index=True, help_text="The highest dose per kg of body weight."
    )
    total_cells = models.FloatField(
        null=True,
        blank=True,
        db_index=True,
        help_text="The highest dose in cells per administration (for a 70 kg adult when the "
        "record states it per kg: then derived).",
    )
    dose_min = models.FloatField(null=True, blank=True, help_text="In dose_unit.")
    dose_max = models.FloatField(null=True, blank=True, help_text="In dose_unit.")
    dose_unit = models.CharField(max_length=8, choices=DoseUnit.choices, blank=True)
    n_doses = models.PositiveSmallIntegerField(
        "number of doses", null=True, blank=True, db_index=True
    )
    dose_interval = models.CharField(max_length=64, blank=True)
    dose_derived = models.BooleanField(
        default=False, help_text="total_cells computed from the per-kg dose for a 70 kg adult."
    )
    dose_implausible = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why the dose is outside the doses seen in MSC practice (empty when it is "
        "within them or a curator set it): such doses are left out of the dose filters and charts.",
    )
    named_products = models.JSONField(default=list, blank=True)
    arms = models.JSONField(default=list, blank=True, help_text="Per-arm profiles.")
    evidence = models.JSONField(
        default=dict, blank=True, help_text="The sentences each value came from, per field."
    )
    curated = models.JSONField(default=dict, blank=True)
    review = ArrayField(
        models.CharField(max_length=32),
        default=list,
        blank=True,
        help_text="Why the rules ask a curator to look (catalog.msc.extraction.review); a code "
        "whose field is curated no longer counts.",
    )
    computed_at = models.DateTimeField()

    objects = MscProfileQuerySet.as_manager()

    class Meta:
        verbose_name = "MSC profile"
        indexes = [
            GinIndex(fields=["sources"], name="msc_sources_gin"),
            GinIndex(fields=["products"], name="msc_products_gin"),
            GinIndex(fields=["routes"], name="msc_routes_gin"),
            models.Index(fields=["dose_unit", "dose_max", "dose_min"], name="msc_dose_range_idx"),
        ]

    def __str__(self):
        return f"MSC profile of {self.trial_id}"

    # Between the rules' output (the public JSON shape) and the columns

    @staticmethod
    def columns_from(field, value):
        """The column values of one public field's value (``dose`` is a dict)."""
        if field == "dose":
            value = value or {}
            return {
                "dose_text": value.get("text") or "",
                "cells_per_kg": value.get("cells_per_kg"),
                "total_cells": value.get("total_cells"),
                "dose_min": value.get("min"),
                "dose_max": value.get("max"),
                "dose_unit": value.get("unit") or "",
                "n_doses": value.get("n_doses"),
                "dose_interval": value.get("interval") or "",
                "dose_derived": bool(value.get("derived")),
                "dose_implausible": value.get("implausible") or "",
            }
        (column,) = MscProfile.CURATABLE[field]
        if column in ("sources", "products", "routes"):
            return {column: list(value or [])}
        if column == "donor":
            return {column: value or MscDonor.NOT_STATED}
        return {column: bool(value)}

    def field_value(self, field):
        """One public field's value, in the public JSON shape."""
        if field == "dose":
            return {
                "text": self.dose_text or None,
                "cells_per_kg": self.cells_per_kg,
                "total_cells": self.total_cells,
                "min": self.dose_min,
                "max": self.dose_max,
                "unit": self.dose_unit or None,
                "n_doses": self.n_doses,
                "interval": self.dose_interval or None,
                "derived": self.dose_derived,
                "implausible": self.dose_implausible or None,
            }
        (column,) = self.CURATABLE[field]
        value = getattr(self, column)
        return list(value) if isinstance(value, list) else value

    @classmethod
    def from_profile(cls, trial_id, profile, curated=None, computed_at=None):
        """An unsaved row from a computed profile (``profile_from_study``'s dict), keeping the
        values a curator set in ``curated`` and noting beside them what the rules give now."""
        values = {}
        for field in cls.CURATABLE:
            values.update(cls.columns_from(field, profile.get(field)))
        curated = {key: dict(entry) for key, entry in (curated or {}).items()}
        for field, entry in curated.items():
            if field in cls.CURATABLE:
                entry["computed"] = profile.get(field)
                values.update(cls.columns_from(field, entry.get("value")))
        return cls(
            trial_id=trial_id,
            named_products=profile.get("named_products") or [],
            arms=profile.get("arms") or [],
            evidence=profile.get("evidence") or {},
            review=list(profile.get("review") or []),
            curated=curated,
            computed_at=computed_at,
            **values,
        )

    def set_curated(self, field, value, user="", note="", at=None):
        """A curator's value for one public field (saved by the caller)."""
        from django.utils import timezone

        if field not in self.CURATABLE:
            raise ValueError(f"{field} is not an MSC profile field a curator can set")
        if field == "dose" and value:
            value = {**value, "implausible": None}  # a curator's dose is a confirmed one
        entry = self.curated.get(field) or {"computed": self.field_value(field)}
        self.curated = {
            **self.curated,
            field: {
                **entry,
                "value": value,
                "by": str(user),
                "at": (at or timezone.now()).isoformat(),
                "note": note,
            },
        }
        for column, column_value in self.columns_from(field, value).items():
            setattr(self, column, column_value)

    def clear_curated(self, field):
        """Give one field back to the rules' value (saved by the caller)."""
        entry = self.curated.get(field)
        if entry is None:
            return
        self.curated = {k: v for k, v in self.curated.items() if k != field}
        for column, column_value in self.columns_from(field, entry.get("computed")).items():
            setattr(self, column, column_value)

    # The public shape

    def as_json(self):
        """The profile as ``/api/msc/<NCT ID>`` serves it."""
        evidence = {
            field: list(self.evidence.get(field) or [])
            for field in ("source", "donor", "product", "route", "dose")
        }
        for field, entry in self.curated.items():
            if field in evidence:
                evidence[field] = [entry.get("note") or "Set by a curator."]
        return {
            "nct_id": self.trial.nct_id,
            "is_msc": self.is_msc,
            "source": list(self.sources),
            "donor": self.donor,
            "product": list(self.products),
            "route": list(self.routes),
            "dose": self.field_value("dose"),
            "named_products": self.named_products,
            "arms": self.arms,
            "evidence": evidence,
            "curated": sorted(self.curated),
            "review": self.open_review,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
        }

    @property
    def open_review(self):
        """The rules' review codes whose field no curator has set (the curators' queue)."""
        from catalog.msc.extraction.review import REVIEW_FIELDS

        return [code for code in self.review if REVIEW_FIELDS.get(code) not in self.curated]

    def get_sources_display(self):
        return _labels(MscSource, self.sources)

    def get_products_display(self):
        return _labels(MscProduct, self.products)

    def get_routes_display(self):
        return _labels(MscRoute, self.routes)


@cache
def choice_labels(choices):
    """A code list's labels by code, built once (a list page shows 25 trials' codes)."""
    return dict(choices.choices)


def _labels(choices, codes):
    labels = choice_labels(choices)
    return ", ".join(labels.get(code, code) for code in codes)


class CatalogVersion(models.Model):
    """The catalog's version: one row that PostgreSQL bumps on every write to a catalog table.

    Statement-level triggers (migration ``0006_scale``) increment it for any INSERT, UPDATE,
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
        from django.db import connections, router

        # From where the request reads (a replica's version matches the pages it builds); a
        # request that has written reads from the primary.
        with connections[router.db_for_read(cls)].cursor() as cursor:
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


class SharedFigures(models.Model):
    """Figures every visitor shares (the whole catalog's total and facet counts, the insights),
    as last computed, with the catalog version they were computed for.

    Kept in the database rather than in each process's cache so that every worker, container
    and restart finds them: a new worker serves the figures already computed instead of
    counting the whole catalog during its first request (``catalog.site.cache.per_version``).
    ``computing_since`` says that a process is computing newer figures, so that only one
    does at a time. No trigger bumps the catalog version for this table: its rows are not part
    of the catalog, only figures about it.
    """

    name = models.CharField(max_length=200, primary_key=True)
    version = models.BigIntegerField()
    value = models.BinaryField()
    computing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "shared figures"

    # A computation that has not finished after this long is taken to have died with its
    # process, and another may start.
    STALE_AFTER_SECONDS = 600

    def __str__(self):
        return f"{self.name} (catalog version {self.version})"

    @classmethod
    def read(cls, name):
        """(version, value) of the figures ``name`` as last computed, or None (one query, from
        where the request reads)."""
        row = cls.objects.filter(name=name).values_list("version", "value").first()
        if row is None:
            return None
        try:
            return row[0], pickle.loads(row[1])
        except Exception:  # stored by code that had other classes: as if never computed
            return None

    @classmethod
    def keep(cls, name, version, value):
        """Store ``value`` as the figures ``name`` of ``version``, unless newer ones are stored."""
        cls._write(
            "INSERT INTO catalog_sharedfigures (name, version, value) VALUES (%s, %s, %s) "
            "ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, "
            "value = EXCLUDED.value, computing_since = NULL "
            "WHERE catalog_sharedfigures.version < EXCLUDED.version",
            [name, version, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)],
        )

    @classmethod
    def claim(cls, name, version):
        """Whether this process may compute the figures ``name`` of ``version``: none newer are
        stored and no other process is computing them. One statement, so two processes never
        both get the claim."""
        return cls._write(
            "UPDATE catalog_sharedfigures SET computing_since = now() "
            "WHERE name = %s AND version < %s AND (computing_since IS NULL "
            "OR computing_since < now() - make_interval(secs => %s))",
            [name, version, cls.STALE_AFTER_SECONDS],
        )

    @classmethod
    def forget(cls, using=None):
        """Forget every figure: each is computed again when next asked for. After migrations
        (``catalog.apps``), so that new code never serves the figures its predecessor made."""
        cls._write("DELETE FROM catalog_sharedfigures", [], using)

    @classmethod
    def release(cls, name):
        """Give up the claim on ``name`` (its computation failed): the next request may retry."""
        cls._write(
            "UPDATE catalog_sharedfigures SET computing_since = NULL WHERE name = %s", [name]
        )

    @classmethod
    def _write(cls, sql, params, using=None):
        from django.db import DEFAULT_DB_ALIAS, connections

        # On a connection of its own to the primary, committed at once: figures about the
        # catalog are no write to it, so they must neither join the request's transaction nor
        # turn the request's reads away from a replica.
        own = connections.create_connection(using or DEFAULT_DB_ALIAS)
        try:
            with own.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.rowcount
        finally:
            own.close()
