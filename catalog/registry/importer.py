"""The import rules, in one place: reading files, upserting studies, protecting curated fields.

Used by ``import_ctgov``, the admin upload and ``sync_ctgov``. The rules:

- A study is upserted by NCT ID, each in its own transaction: it is written whole or not at all.
- A study is compared by content: one whose normalised record hashes as the stored one
  (``Trial.content_hash``) changes nothing ("unchanged"); any other content is written, also
  at the same last-update date (a corrected or fuller record of the same version).
- A study whose last-update date is older than the stored one is skipped, unless ``force``.
- Source priority: a trial whose record came from a seed document is not replaced by a
  registry record unless that record was last updated after the seed document's own date (a
  seed that states none keeps its trial until ``force`` or a curator's revert); see
  docs/records.md.
- What of a record the catalog does not model is kept beside the trial (``source_extra``) and
  comes back in every export.
- Fields a curator set (``Trial.curated_fields``) keep the curator's value; the new source value
  is remembered beside it.
- A study that cannot be read fails alone, with its NCT ID and the reason.
- Every change is recorded in the trial's history (``TrialChange``: which fields, old and new
  values, who or which import) and moves the trial's ``version`` on, under a row lock.
- Reverting gives curated fields (or a whole trial) back to the stored source record.
- Each study written gets its MSC profile (``catalog.msc.annotate``) in the same transaction.
"""

import gzip
import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction

from catalog.models import (
    AdverseEvent,
    AdverseEventCount,
    Arm,
    CentralContact,
    ChangeKind,
    Collaboration,
    Condition,
    FlowCount,
    FlowStep,
    FormerNctId,
    Intervention,
    MeshTerm,
    Official,
    Organization,
    Outcome,
    RecordSource,
    ResultGroup,
    ResultMeasure,
    ResultMeasurement,
    Site,
    StoredRelatedTrials,
    StoredStudy,
    Trial,
    TrialChange,
    TrialCondition,
    TrialDocument,
    TrialMesh,
)
from catalog.msc.annotate import annotate_study
from catalog.places import placing
from catalog.registry import ctgov
from catalog.search.fulltext import refresh_vocabulary, update_search_vectors

CREATED, UPDATED, UNCHANGED, SKIPPED, OUTRANKED, FAILED = (
    "created",
    "updated",
    "unchanged",
    "skipped",
    "outranked",
    "failed",
)

# Related collections a curator may take over as a whole; their names are curated-field keys.
COLLECTIONS = (
    "lead_sponsor",
    "collaborators",
    "conditions",
    "mesh_terms",
    "arms",
    "interventions",
    "outcomes",
    "sites",
    "central_contacts",
    "officials",
)
# Arms link to interventions: the two are written, curated and reverted together.
LINKED_COLLECTIONS = {"arms": ("arms", "interventions"), "interventions": ("arms", "interventions")}
# Where each collection's rows are, from a trial.
RELATED_NAMES = {
    "collaborators": "collaboration_set",
    "conditions": "trialcondition_set",
    "mesh_terms": "trialmesh_set",
    "arms": "arms",
    "interventions": "interventions",
    "outcomes": "outcomes",
    "sites": "sites",
    "central_contacts": "central_contacts",
    "officials": "officials",
}
# Parts of a record kept as rows that curators do not edit: written whole with every import.
RECORD_PARTS = ("documents", "former_ids", "results")
# The pseudo-field the history names when what the catalog does not model changes.
UNMODELLED = "source_extra"
# The public reason a trial imported unpublished (CATALOG_PUBLISH_IMPORTED off) is hidden for.
UNREVIEWED_REASON = "Not yet reviewed by the catalog's curators."
# A run that writes at least this share of the catalog's trials analyzes its tables.
ANALYZE_SHARE = 0.1


class SourceError(Exception):
    """A file that cannot be read at all (not JSON, truncated, not a study format)."""


@dataclass
class Failure:
    origin: str
    nct_id: str
    reason: str

    def __str__(self):
        return f"{self.nct_id or '(no NCT ID)'} in {self.origin}: {self.reason}"


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    # Registry records left aside because a seed document outranks them (source priority).
    outranked: int = 0
    failed: int = 0
    failures: list = field(default_factory=list)
    changed_ids: list = field(default_factory=list)
    # {nct_id: {field: {"old": ..., "new": ...}}} for updated trials (what would change, dry).
    changes: dict = field(default_factory=dict)

    def count(self, result):
        setattr(self, result, getattr(self, result) + 1)

    @property
    def total(self):
        return (
            self.created
            + self.updated
            + self.unchanged
            + self.skipped
            + self.outranked
            + self.failed
        )

    def __str__(self):
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} skipped as older, {self.failed} failed"
            + (
                f", {self.outranked} left to the seed documents that outrank them"
                if self.outranked
                else ""
            )
        )


# Reading files ---------------------------------------------------------------------------------


def studies_in_document(document, origin):
    """The studies in a parsed JSON document: one study, an API page, or a list."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if "studies" in document:
            if not isinstance(document["studies"], list):
                raise SourceError(f"{origin}: 'studies' is not a list")
            return document["studies"]
        if "protocolSection" in document:
            return [document]
    raise SourceError(
        f'{origin}: not a ClinicalTrials.gov v2 study, API page ({{"studies": [...]}}) or list'
    )


def max_file_bytes():
    """The most bytes one file may hold once decompressed (``CATALOG_IMPORT_MAX_BYTES``)."""
    return settings.CATALOG_IMPORT_MAX_BYTES


def _too_large(origin, limit):
    return SourceError(
        f"{origin}: larger than {limit:,} bytes once decompressed (CATALOG_IMPORT_MAX_BYTES); "
        "nothing of it was imported"
    )


def read_limited(stream, origin, limit=None):
    """At most ``limit`` bytes of ``stream``, or SourceError: a small archive that inflates to
    gigabytes (a "zip bomb") is refused after ``limit`` bytes, not read into memory whole."""
    limit = max_file_bytes() if limit is None else limit
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(origin, limit)
    return data


def parse_bytes(data, origin):
    """Decode (and gunzip) one file's bytes into its list of studies."""
    if len(data) > max_file_bytes():
        raise _too_large(origin, max_file_bytes())
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                data = read_limited(stream, origin)
        except (OSError, EOFError, zlib.error) as error:
            raise SourceError(f"{origin}: damaged or truncated gzip ({error})") from error
    try:
        document = json.loads(data)
    except UnicodeDecodeError as error:
        raise SourceError(f"{origin}: not UTF-8 text ({error.reason})") from error
    except json.JSONDecodeError as error:
        raise SourceError(
            f"{origin}: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    except RecursionError:
        raise SourceError(f"{origin}: malformed JSON (nested too deeply)") from None
    return studies_in_document(document, origin)


def read_zip(data, origin):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        yield origin, SourceError(f"{origin}: damaged zip ({error})")
        return
    with archive:
        for name in sorted(archive.namelist()):
            if name.endswith("/") or not name.lower().endswith((".json", ".json.gz", ".gz")):
                continue
            try:
                with archive.open(name) as stream:
                    member = read_limited(stream, f"{origin}:{name}")
            except SourceError as error:
                yield f"{origin}:{name}", error
                continue
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
                yield f"{origin}:{name}", SourceError(f"{origin}:{name}: unreadable ({error})")
                continue
            yield f"{origin}:{name}", member


def iter_files(path):
    """(origin, bytes or SourceError) for each file at ``path`` (a file, zip or directory)."""
    path = Path(path)
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.name.lower().endswith((".json", ".gz", ".zip")):
                yield from iter_files(child)
        return
    try:
        with path.open("rb") as stream:
            data = read_limited(stream, str(path))
    except SourceError as error:
        yield str(path), error
        return
    except OSError as error:
        yield str(path), SourceError(f"{path}: cannot read ({error.strerror})")
        return
    yield from iter_data(data, str(path))


def iter_data(data, origin):
    """(origin, bytes or SourceError) for one file's bytes: itself, or a zip's members."""
    if data[:4] == b"PK\x03\x04" or origin.lower().endswith(".zip"):
        yield from read_zip(data, origin)
    else:
        yield origin, data


def studies_in_files(files):
    """(origin, study or SourceError) for every study in (origin, bytes or SourceError)."""
    for origin, data in files:
        if isinstance(data, SourceError):
            yield origin, data
            continue
        try:
            studies = parse_bytes(data, origin)
        except SourceError as error:
            yield origin, error
            continue
        for study in studies:
            yield origin, study


def iter_studies(paths):
    """(origin, study or SourceError) for every study in every path."""
    for path in paths:
        yield from studies_in_files(iter_files(path))


# Writing studies -------------------------------------------------------------------------------


def _json_value(value):
    """A model value as JSON (dates as ISO text), for remembering curated fields' sources."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class Importer:
    """Upserts studies. Keep one for a whole run: it caches organizations, conditions, MeSH.

    ``kind``, ``actor`` and ``user`` say who changes the trials, for their history: an import
    (``actor`` defaults to "import of FILE"), a sync, or a curator reverting to the source.
    """

    def __init__(
        self,
        *,
        force=False,
        publish=None,
        dry_run=False,
        kind=ChangeKind.IMPORT,
        actor="",
        user=None,
    ):
        self.force = force
        self.dry_run = dry_run
        self.publish = settings.CATALOG_PUBLISH_IMPORTED if publish is None else publish
        self.kind = kind
        self.actor = actor
        self.user = user
        # Set by ``revert_trial``: curated fields give way to the source record.
        self.release_curated = False
        # Trials written whose v2 study is still to be stored: a run stores them at its end,
        # a batch at a time; a study imported on its own, at once.
        self._unstored = []
        self._in_run = False
        self.summary = ImportSummary()
        self._organizations = {(o.name, o.agency_class): o.pk for o in Organization.objects.all()}
        self._conditions = dict(Condition.objects.values_list("name", "pk"))
        self._mesh = dict(MeshTerm.objects.values_list("mesh_id", "pk"))

    # Public API

    def run(self, paths, progress=None):
        return self._run(iter_studies(paths), progress)

    def run_data(self, name, data, progress=None):
        """Import one file given as bytes (an upload): any shape ``run`` takes but a directory."""
        return self._run(studies_in_files(iter_data(data, name)), progress)

    def _run(self, studies, progress):
        self._in_run = True
        try:
            for origin, study in studies:
                if isinstance(study, SourceError):
                    self.fail(origin, "", str(study))
                else:
                    self.import_study(study, origin)
                if progress:
                    progress(self.summary)
        finally:
            self._in_run = False
        # An interrupted run leaves its trials' studies to be built when they are read.
        self.store_studies()
        written = 0 if self.dry_run else self.summary.created + self.summary.updated
        if written:
            # The "did you mean" vocabulary follows the catalog's words.
            refresh_vocabulary()
        if written and written >= ANALYZE_SHARE * Trial.objects.count():
            # A run that rewrote much of the catalog (a first load, a full re-import) leaves
            # the planner's statistics and the visibility map behind until autovacuum comes
            # round: searches planned on them took half as long again at 1,538 trials.
            from catalog.registry import bulkload  # it imports this module

            bulkload.analyze(bulkload.TABLES)
        return self.summary

    def import_study(self, study, origin="(study)"):
        """Upsert one study; returns the result name and counts it in the summary."""
        nct_id = ""
        if not self.force and self._stored_as_is(study):
            self.summary.count(UNCHANGED)
            return UNCHANGED
        try:
            self._check_size(study)
            parsed = ctgov.parse_study(study)
            nct_id = parsed.nct_id
            result = self._upsert(parsed, study, origin)
        except ctgov.StudyError as error:
            self.fail(origin, error.nct_id, error.reason)
            return FAILED
        except DatabaseError as error:
            # Rolled back whole (each study is one transaction); the run goes on.
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
            self.fail(origin, nct_id, f"could not be stored: {reason}")
            return FAILED
        self.summary.count(result)
        if result in (CREATED, UPDATED):
            self.summary.changed_ids.append(parsed.nct_id)
            self._unstored.append(parsed.nct_id)
            if not self._in_run:
                self.store_studies()
        return result

    def store_studies(self):
        """Store the v2 study of each trial written since the last call (``StoredStudy``),
        and score again the related trials around them (``StoredRelatedTrials``)."""
        written, self._unstored = self._unstored, []
        if written and not self.dry_run:
            trials = Trial.objects.filter(nct_id__in=written)
            StoredStudy.objects.store(trials)
            StoredRelatedTrials.objects.store_around(trials.values_list("pk", flat=True))

    def _stored_as_is(self, study):
        """Whether the trial holds exactly this record already (by its content hash): then
        nothing is parsed, and a start-up import of unchanged files costs one query a study."""
        try:
            raw_id = study["protocolSection"]["identificationModule"]["nctId"]
        except (KeyError, TypeError):
            return False
        nct_id = ctgov.normalize_nct_id(raw_id)
        if nct_id is None:
            return False
        try:
            digest = ctgov.content_hash(study)
        except (TypeError, ValueError):
            return False
        return Trial.objects.filter(nct_id=nct_id, content_hash=digest).exists()

    @staticmethod
    def _check_size(study):
        """Refuse a study larger than ``CATALOG_IMPORT_MAX_STUDY_BYTES`` (as UTF-8 JSON): the
        largest real records are tens of kilobytes, so a huge one is a damaged or hostile file."""
        limit = settings.CATALOG_IMPORT_MAX_STUDY_BYTES
        size = len(json.dumps(study, ensure_ascii=False).encode())
        if size > limit:
            identification = (
                study.get("protocolSection", {}).get("identificationModule", {})
                if isinstance(study, dict) and isinstance(study.get("protocolSection"), dict)
                else {}
            )
            raw_id = identification.get("nctId") if isinstance(identification, dict) else ""
            raise ctgov.StudyError(
                f"the study is {size:,} bytes, more than the {limit:,} allowed "
                "(CATALOG_IMPORT_MAX_STUDY_BYTES)",
                nct_id=str(raw_id or "")[:20],
            )

    def fail(self, origin, nct_id, reason):
        self.summary.count(FAILED)
        self.summary.failures.append(Failure(origin, nct_id, reason))

    def revert_trial(self, trial):
        """Give a whole trial back to its stored source record: curated values are dropped."""
        self.force = True
        self.release_curated = True
        return self.import_study(trial.source_record, origin=f"{trial.nct_id} source record")

    def revert_fields(self, trial, names):
        """Give some curated fields back to the source record; returns the TrialChange or None.

        Raises ``ctgov.StudyError`` when the trial has no readable source record.
        """
        pending = {"organizations": {}, "conditions": {}, "mesh": {}}
        with transaction.atomic():
            trial = self._existing(trial.nct_id, lock=True)
            parsed = ctgov.parse_study(trial.source_record)
            curated = dict(trial.curated_fields)
            names = {n for name in names for n in LINKED_COLLECTIONS.get(name, (name,))}
            names = [n for n in curated if n in names]
            if not names:
                return None
            for name in names:
                del curated[name]
            changes = self._changes(trial, parsed, curated, released=set(names), only=names)
            for name in names:
                if name in parsed.fields:
                    setattr(trial, name, parsed.fields[name])
            if "lead_sponsor" in names:
                trial.lead_sponsor_id = (
                    self._organization(parsed.lead_sponsor, pending)
                    if parsed.lead_sponsor
                    else None
                )
            trial.curated_fields = curated
            trial.version += 1
            trial.save()
            collections = {
                linked
                for name in names
                if name in RELATED_NAMES
                for linked in LINKED_COLLECTIONS.get(name, (name,))
            }
            if collections:
                self._write_related(
                    trial, parsed, curated, replace=True, pending=pending, only=collections
                )
            change = self._record(trial, changes, origin="")
            update_search_vectors(Trial.objects.filter(pk=trial.pk))
            annotate_study(trial, trial.source_record)
            StoredStudy.objects.store(Trial.objects.filter(pk=trial.pk))
        self._organizations.update(pending["organizations"])
        self._conditions.update(pending["conditions"])
        self._mesh.update(pending["mesh"])
        return change

    # The rules

    def _existing(self, nct_id, lock):
        trials = Trial.objects.filter(nct_id=nct_id).select_related("lead_sponsor")
        if lock:
            trials = trials.select_for_update(of=("self",))
        return trials.defer("search_vector", "rank_vector").first()

    def _verdict(self, existing, parsed, study):
        """UNCHANGED or SKIPPED when the stored trial stays as it is; None to write."""
        if existing and not self.force:
            # A trial stored before the catalog kept hashes is written again once (without
            # history when nothing it keeps changes), so that what it models since (results,
            # documents, the unmodelled remainder) is filled in from its record.
            if existing.content_hash == ctgov.content_hash(study):
                return UNCHANGED
            new_date = parsed.fields["last_update_posted"]
            old_date = existing.last_update_posted
            sources = (existing.record_source, parsed.fields["record_source"])
            if sources[0] != sources[1]:
                # Source priority: a seed document outranks registry records up to its own date
                # (all of them when it states none); a later registry record outranks it.
                seed_date, registry_date = (
                    (old_date, new_date)
                    if sources[0] == RecordSource.SEED_DOCUMENT
                    else (new_date, old_date)
                )
                registry_later = seed_date is not None and (
                    registry_date is not None and registry_date > seed_date
                )
                if registry_later != (sources[1] == RecordSource.REGISTRY):
                    return OUTRANKED if sources[1] == RecordSource.REGISTRY else SKIPPED
                return None
            if old_date and (new_date is None or new_date < old_date):
                return SKIPPED
        return None

    def _upsert(self, parsed, study, origin):
        if self.dry_run:
            existing = self._existing(parsed.nct_id, lock=False)
            verdict = self._verdict(existing, parsed, study)
            if verdict:
                return verdict
            if not existing:
                return CREATED
            curated = {} if self.release_curated else dict(existing.curated_fields)
            released = set(existing.curated_fields) if self.release_curated else set()
            changes = self._changes(existing, parsed, curated, released)
            if not changes and not released:
                return UNCHANGED
            self.summary.changes[parsed.nct_id] = changes
            return UPDATED
        pending = {"organizations": {}, "conditions": {}, "mesh": {}}
        with transaction.atomic():
            # The row lock keeps a curator's save and this write from crossing.
            existing = self._existing(parsed.nct_id, lock=True)
            verdict = self._verdict(existing, parsed, study)
            if verdict:
                return verdict
            trial, changes = self._write(parsed, study, existing, pending, origin)
            update_search_vectors(Trial.objects.filter(pk=trial.pk))
            annotate_study(trial, study)
        # Only now, with the transaction committed, do new rows join the caches.
        self._organizations.update(pending["organizations"])
        self._conditions.update(pending["conditions"])
        self._mesh.update(pending["mesh"])
        if existing is None:
            return CREATED
        if changes is None:
            return UNCHANGED
        self.summary.changes[parsed.nct_id] = changes
        return UPDATED

    def _write(self, parsed, study, existing, pending, origin):
        """Write the trial; returns it and its changes (None when nothing the catalog keeps
        changed, which moves neither the version nor the history)."""
        curated = dict(existing.curated_fields) if existing else {}
        released = set()
        if existing and self.release_curated:
            released, curated = set(curated), {}
        changes = self._changes(existing, parsed, curated, released) if existing else {}
        values = dict(parsed.fields)
        lead = self._organization(parsed.lead_sponsor, pending) if parsed.lead_sponsor else None
        values["lead_sponsor_id"] = lead
        for name in list(values):
            key = "lead_sponsor" if name == "lead_sponsor_id" else name
            if key in curated:
                curated[key] = {**curated[key], "source": _json_value(values.pop(name))}
        values["source_record"] = study
        values["source_extra"] = parsed.extra
        values["content_hash"] = ctgov.content_hash(study)
        values["curated_fields"] = curated
        if existing:
            trial = existing
            for name, value in values.items():
                setattr(trial, name, value)
            changed = bool(changes or released)
            if changed:
                trial.version = existing.version + 1
            trial.save()
        else:
            trial = Trial.objects.create(
                nct_id=parsed.nct_id,
                is_public=self.publish,
                hidden_reason="" if self.publish else UNREVIEWED_REASON,
                version=1,
                **values,
            )
            changed = True
        self._write_related(trial, parsed, curated, replace=existing is not None, pending=pending)
        if not changed:
            return trial, None
        self._record(trial, changes, origin)
        return trial, changes

    def _record(self, trial, changes, origin):
        actor = self.actor or f"import of {Path(origin).name}"
        return TrialChange.objects.create(
            trial=trial,
            version=trial.version,
            kind=self.kind,
            user=self.user,
            actor=actor[:300],
            changes=changes,
        )

    def _changes(self, existing, parsed, curated, released=(), only=None):
        """What writing ``parsed`` changes in ``existing``: {name: {"old", "new"}}.

        Curated names compare the remembered source value with the new one (``"curated"``);
        collections compare their counts (``"collection"``); ``released`` names were curated
        until now, so the stored rows, not the old source, are what changes.
        """
        changes = {}
        for name, new in parsed.fields.items():
            if only is not None and name not in only:
                continue
            if name in curated:
                old_source, new_source = curated[name].get("source"), _json_value(new)
                if old_source != new_source:
                    changes[name] = {"old": old_source, "new": new_source, "curated": True}
                continue
            old = getattr(existing, name)
            if old != new:
                changes[name] = {"old": _json_value(old), "new": _json_value(new)}
        if only is None or "lead_sponsor" in only:
            new_lead = list(parsed.lead_sponsor) if parsed.lead_sponsor else None
            if "lead_sponsor" in curated:
                old_lead, note = curated["lead_sponsor"].get("source"), {"curated": True}
            else:
                sponsor = existing.lead_sponsor
                old_lead = [sponsor.name, sponsor.agency_class] if sponsor else None
                note = {}
            if old_lead != new_lead:
                changes["lead_sponsor"] = {
                    "old": old_lead[0] if old_lead else None,
                    "new": new_lead[0] if new_lead else None,
                    **note,
                }
        old_parsed = None
        for name in RELATED_NAMES:
            if only is not None and name not in only:
                continue
            new_items = _collection_source(parsed, name)
            if name in curated:
                old_items = curated[name].get("source") or []
                if old_items != new_items:
                    changes[name] = _counted(len(old_items), len(new_items), curated=True)
                continue
            if name not in released:
                if old_parsed is None:
                    old_parsed = _parse_or_none(existing.source_record)
                if old_parsed is not None:
                    old_items = _collection_source(old_parsed, name)
                    if old_items != new_items:
                        changes[name] = _counted(len(old_items), len(new_items))
                    continue
            # Rows a curator set (or with no readable source behind them): count what is there.
            old_count = getattr(existing, RELATED_NAMES[name]).count()
            changes[name] = _counted(old_count, len(new_items))
        if only is None:
            if old_parsed is None:
                old_parsed = _parse_or_none(existing.source_record)
            for name in RECORD_PARTS:
                old_items = _part_source(old_parsed, name) if old_parsed else None
                new_items = _part_source(parsed, name)
                if old_items != new_items:
                    changes[name] = _counted(_part_size(old_items), _part_size(new_items))
            # What the catalog does not model: counted in the places of the record it fills.
            old_extra = old_parsed.extra if old_parsed else existing.source_extra
            if old_extra != parsed.extra:
                changes[UNMODELLED] = _counted(_extra_size(old_extra), _extra_size(parsed.extra))
        return changes

    def _write_related(self, trial, parsed, curated, replace, pending, only=None):
        kept = []

        def take(name):
            if only is not None and name not in only:
                return False
            if name in curated:
                curated[name] = {**curated[name], "source": _collection_source(parsed, name)}
                kept.append(name)
                return False
            return True

        if take("collaborators"):
            if replace:
                Collaboration.objects.filter(trial=trial).delete()
            Collaboration.objects.bulk_create(
                Collaboration(
                    trial=trial, organization_id=self._organization(org, pending), position=i
                )
                for i, org in enumerate(parsed.collaborators)
            )
        if take("conditions"):
            if replace:
                TrialCondition.objects.filter(trial=trial).delete()
            mesh_names = {
                term.lower(): mesh_id for kind, mesh_id, term in parsed.mesh if kind == "condition"
            }
            TrialCondition.objects.bulk_create(
                TrialCondition(
                    trial=trial,
                    condition_id=self._condition(name, mesh_names, parsed.mesh, pending),
                    position=i,
                )
                for i, name in enumerate(parsed.conditions)
            )
        if take("mesh_terms"):
            if replace:
                TrialMesh.objects.filter(trial=trial).delete()
            positions = {}
            links = []
            for kind, mesh_id, term in parsed.mesh:
                positions[kind] = positions.get(kind, -1) + 1
                links.append(
                    TrialMesh(
                        trial=trial,
                        kind=kind,
                        position=positions[kind],
                        mesh_term_id=self._mesh_term(mesh_id, term, pending),
                    )
                )
            TrialMesh.objects.bulk_create(links)
        # Both names are taken (their sources remembered) before deciding.
        take_interventions, take_arms = take("interventions"), take("arms")
        if take_interventions and take_arms:
            if replace:
                Arm.objects.filter(trial=trial).delete()
                Intervention.objects.filter(trial=trial).delete()
            interventions = Intervention.objects.bulk_create(
                Intervention(trial=trial, position=i, **item)
                for i, item in enumerate(parsed.interventions)
            )
            arms = Arm.objects.bulk_create(
                Arm(trial=trial, position=i, **item) for i, item in enumerate(parsed.arms)
            )
            Arm.interventions.through.objects.bulk_create(arm_links(arms, interventions))
        for name, model in (
            ("outcomes", Outcome),
            ("sites", Site),
            ("central_contacts", CentralContact),
            ("officials", Official),
        ):
            if take(name):
                if replace:
                    model.objects.filter(trial=trial).delete()
                rows = [
                    model(trial=trial, position=i, **item)
                    for i, item in enumerate(getattr(parsed, name))
                ]
                if model is Site:
                    placing.place_all(rows)  # the record's geoPoint, or the city's
                model.objects.bulk_create(rows)
        if only is None:
            self._write_record_parts(trial, parsed, replace)
        if kept:
            # The collections' new source values, beside the curators' rows.
            trial.curated_fields = curated
            trial.save(update_fields=["curated_fields"])

    def _write_record_parts(self, trial, parsed, replace):
        """Documents, former NCT IDs and results: rows no curator edits, written whole."""
        if replace:
            for model in (TrialDocument, FormerNctId, ResultGroup, ResultMeasure, FlowStep):
                model.objects.filter(trial=trial).delete()
            AdverseEvent.objects.filter(trial=trial).delete()
        TrialDocument.objects.bulk_create(
            TrialDocument(trial=trial, position=i, **item)
            for i, item in enumerate(parsed.documents)
        )
        FormerNctId.objects.bulk_create(
            FormerNctId(trial=trial, position=i, nct_id=nct_id)
            for i, nct_id in enumerate(parsed.former_ids)
        )
        results = parsed.results
        if not any(results.values()):
            return
        positions = {}

        def position(*key):
            positions[key] = positions.get(key, -1) + 1
            return positions[key]

        measures = ResultMeasure.objects.bulk_create(
            ResultMeasure(
                trial=trial,
                position=position("measure", m["section"]),
                **{k: v for k, v in m.items() if k != "measurements"},
            )
            for m in results["measures"]
        )
        outcome_measures = [m for m in measures if m.section == "outcome"]
        groups = ResultGroup.objects.bulk_create(
            ResultGroup(
                trial=trial,
                position=position("group", g["section"], g["measure"]),
                **{k: v for k, v in g.items() if k != "measure"},
                measure=outcome_measures[g["measure"]] if g["measure"] is not None else None,
            )
            for g in results["groups"]
        )
        # The values point at their part's groups by code; outcome measures have their own.
        group_pk = {(g.section, g.measure_id, g.code): g.pk for g in groups}
        ResultMeasurement.objects.bulk_create(
            ResultMeasurement(
                measure=measure,
                group_id=group_pk.get(
                    (
                        measure.section,
                        measure.pk if measure.section == "outcome" else None,
                        value["group_code"],
                    )
                ),
                position=i,
                **value,
            )
            for measure, m in zip(measures, results["measures"], strict=True)
            for i, value in enumerate(m["measurements"])
        )

        def write_with_counts(model, items, position_within, count_model, link, part):
            """Write ``items`` as ``model`` rows, then each one's counts (one per group of
            ``part`` of the results) as ``count_model`` rows linked to it by ``link``."""
            rows = model.objects.bulk_create(
                model(
                    trial=trial,
                    position=position(model, *(item[f] for f in position_within)),
                    **{k: v for k, v in item.items() if k != "counts"},
                )
                for item in items
            )
            count_model.objects.bulk_create(
                count_model(
                    **{link: row},
                    group_id=group_pk.get((part, None, count["group_code"])),
                    position=i,
                    **count,
                )
                for row, item in zip(rows, items, strict=True)
                for i, count in enumerate(item["counts"])
            )

        write_with_counts(
            FlowStep, results["flow"], ("period_position", "kind"), FlowCount, "step", "flow"
        )
        write_with_counts(
            AdverseEvent, results["events"], ("kind",), AdverseEventCount, "event", "adverse_events"
        )

    # Shared rows

    def _organization(self, org, pending):
        key = (org[0], org[1])
        pk = self._organizations.get(key) or pending["organizations"].get(key)
        if pk is None:
            pk = Organization.objects.get_or_create(name=org[0], agency_class=org[1])[0].pk
            pending["organizations"][key] = pk
        return pk

    def _mesh_term(self, mesh_id, term, pending):
        pk = self._mesh.get(mesh_id) or pending["mesh"].get(mesh_id)
        if pk is None:
            pk = MeshTerm.objects.get_or_create(mesh_id=mesh_id, defaults={"term": term})[0].pk
            pending["mesh"][mesh_id] = pk
        return pk

    def _condition(self, name, mesh_names, mesh, pending):
        pk = self._conditions.get(name) or pending["conditions"].get(name)
        if pk is None:
            mesh_id = mesh_names.get(name.lower())
            term = next((t for k, i, t in mesh if i == mesh_id), "") if mesh_id else ""
            condition, _ = Condition.objects.get_or_create(
                name=name,
                defaults={
                    "mesh_term_id": self._mesh_term(mesh_id, term, pending) if mesh_id else None
                },
            )
            pk = condition.pk
            pending["conditions"][name] = pk
        return pk


def arm_links(arms, interventions):
    """Link arms to interventions as the record does: by ``Type: name`` or by arm label."""
    through = Arm.interventions.through
    by_label = {}
    for item in interventions:
        by_label.setdefault(item.name.strip().lower(), []).append(item)
        type_label = ctgov.INTERVENTION_TYPE_LABELS.get(item.type, "")
        by_label.setdefault(f"{type_label}: {item.name}".strip().lower(), []).append(item)
    links = set()
    for arm in arms:
        for name in arm.intervention_names:
            for item in by_label.get(name.strip().lower(), []):
                links.add((arm.pk, item.pk))
        for item in interventions:
            if arm.label in item.arm_group_labels:
                links.add((arm.pk, item.pk))
    return [through(arm_id=a, intervention_id=i) for a, i in sorted(links)]


def _counted(old, new, **note):
    """The change of a collection, told as its sizes before and after."""
    return {"old": old, "new": new, "collection": True, **note}


def _parse_or_none(study):
    try:
        return ctgov.parse_study(study)
    except ctgov.StudyError:
        return None


def source_values(trial):
    """Every curatable field's value in the trial's stored source record, as JSON ({} if the
    trial has no readable source record): what a curator's value is kept beside."""
    parsed = _parse_or_none(trial.source_record) if trial.source_record else None
    if parsed is None:
        return {}
    values = {name: _json_value(value) for name, value in parsed.fields.items()}
    for name in COLLECTIONS:
        values[name] = _collection_source(parsed, name)
    return values


def _part_source(parsed, name):
    return getattr(parsed, name)


def _part_size(value):
    """How many values a record part holds (for the history's "old → new" counts)."""
    if isinstance(value, dict):
        return sum(_part_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(_part_size(v) for v in value) if value else 0
    return 0 if value in (None, "") else 1


def _extra_size(extra):
    return len(extra.get("set", ())) + len(extra.get("drop", ()))


def _collection_source(parsed, name):
    if name == "lead_sponsor":
        return list(parsed.lead_sponsor) if parsed.lead_sponsor else None
    if name == "mesh_terms":
        return [list(m) for m in parsed.mesh]
    return [list(item) if isinstance(item, tuple) else item for item in getattr(parsed, name)]
