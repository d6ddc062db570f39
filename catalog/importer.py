"""The import rules, in one place: reading files, upserting studies, protecting curated fields.

Used by ``import_ctgov``, the admin upload and ``sync_ctgov``. The rules:

- A study is upserted by NCT ID, each in its own transaction: it is written whole or not at all.
- A study identical to the stored source record changes nothing ("unchanged").
- A study whose last-update date is older than the stored one is skipped, unless ``force``.
- Fields a curator set (``Trial.curated_fields``) keep the curator's value; the new source value
  is remembered beside it.
- A study that cannot be read fails alone, with its NCT ID and the reason.
"""

import gzip
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from catalog import ctgov
from catalog.models import (
    Arm,
    CentralContact,
    Collaboration,
    Condition,
    Intervention,
    MeshTerm,
    Official,
    Organization,
    Outcome,
    Site,
    Trial,
    TrialCondition,
    TrialMesh,
)
from catalog.search import refresh_vocabulary, update_search_vectors

CREATED, UPDATED, UNCHANGED, SKIPPED, FAILED = (
    "created",
    "updated",
    "unchanged",
    "skipped",
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
    failed: int = 0
    failures: list = field(default_factory=list)
    changed_ids: list = field(default_factory=list)

    def count(self, result):
        setattr(self, result, getattr(self, result) + 1)

    @property
    def total(self):
        return self.created + self.updated + self.unchanged + self.skipped + self.failed

    def __str__(self):
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} skipped as older, {self.failed} failed"
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


def parse_bytes(data, origin):
    """Decode (and gunzip) one file's bytes into its list of studies."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise SourceError(f"{origin}: damaged or truncated gzip ({error})") from error
    try:
        document = json.loads(data)
    except UnicodeDecodeError as error:
        raise SourceError(f"{origin}: not UTF-8 text ({error.reason})") from error
    except json.JSONDecodeError as error:
        raise SourceError(
            f"{origin}: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    return studies_in_document(document, origin)


def read_zip(data, origin):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise SourceError(f"{origin}: damaged zip ({error})") from error
    with archive:
        for name in sorted(archive.namelist()):
            if name.endswith("/") or not name.lower().endswith((".json", ".json.gz", ".gz")):
                continue
            try:
                member = archive.read(name)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
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
        data = path.read_bytes()
    except OSError as error:
        yield str(path), SourceError(f"{path}: cannot read ({error.strerror})")
        return
    if data[:4] == b"PK\x03\x04" or path.suffix.lower() == ".zip":
        yield from read_zip(data, str(path))
    else:
        yield str(path), data


def iter_studies(paths):
    """(origin, study or SourceError) for every study in every path."""
    for path in paths:
        for origin, data in iter_files(path):
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


# Writing studies -------------------------------------------------------------------------------


def _json_value(value):
    """A model value as JSON (dates as ISO text), for remembering curated fields' sources."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class Importer:
    """Upserts studies. Keep one for a whole run: it caches organizations, conditions, MeSH."""

    def __init__(self, *, force=False, publish=None, dry_run=False):
        self.force = force
        self.dry_run = dry_run
        self.publish = settings.CATALOG_PUBLISH_IMPORTED if publish is None else publish
        self.summary = ImportSummary()
        self._organizations = {(o.name, o.agency_class): o.pk for o in Organization.objects.all()}
        self._conditions = dict(Condition.objects.values_list("name", "pk"))
        self._mesh = dict(MeshTerm.objects.values_list("mesh_id", "pk"))

    # Public API

    def run(self, paths, progress=None):
        for origin, study in iter_studies(paths):
            if isinstance(study, SourceError):
                self.fail(origin, "", str(study))
            else:
                self.import_study(study, origin)
            if progress:
                progress(self.summary)
        if not self.dry_run and (self.summary.created or self.summary.updated):
            # The "did you mean" vocabulary follows the catalog's words.
            refresh_vocabulary()
        return self.summary

    def import_study(self, study, origin="(study)"):
        """Upsert one study; returns the result name and counts it in the summary."""
        try:
            parsed = ctgov.parse_study(study)
            result = self._upsert(parsed, study)
        except ctgov.StudyError as error:
            self.fail(origin, error.nct_id, error.reason)
            return FAILED
        self.summary.count(result)
        if result in (CREATED, UPDATED):
            self.summary.changed_ids.append(parsed.nct_id)
        return result

    def fail(self, origin, nct_id, reason):
        self.summary.count(FAILED)
        self.summary.failures.append(Failure(origin, nct_id, reason))

    # The rules

    def _upsert(self, parsed, study):
        existing = (
            Trial.objects.filter(nct_id=parsed.nct_id)
            .only("pk", "source_record", "last_update_posted", "curated_fields", "version")
            .first()
        )
        if existing and not self.force:
            if existing.source_record == study:
                return UNCHANGED
            new_date = parsed.fields["last_update_posted"]
            if existing.last_update_posted and (
                new_date is None or new_date < existing.last_update_posted
            ):
                return SKIPPED
        if self.dry_run:
            return UPDATED if existing else CREATED
        pending = {"organizations": {}, "conditions": {}, "mesh": {}}
        with transaction.atomic():
            trial = self._write(parsed, study, existing, pending)
            update_search_vectors(Trial.objects.filter(pk=trial.pk))
        # Only now, with the transaction committed, do new rows join the caches.
        self._organizations.update(pending["organizations"])
        self._conditions.update(pending["conditions"])
        self._mesh.update(pending["mesh"])
        return UPDATED if existing else CREATED

    def _write(self, parsed, study, existing, pending):
        curated = dict(existing.curated_fields) if existing else {}
        values = dict(parsed.fields)
        lead = self._organization(parsed.lead_sponsor, pending) if parsed.lead_sponsor else None
        values["lead_sponsor_id"] = lead
        for name in list(values):
            key = "lead_sponsor" if name == "lead_sponsor_id" else name
            if key in curated:
                curated[key] = {**curated[key], "source": _json_value(values.pop(name))}
        values["source_record"] = study
        values["curated_fields"] = curated
        if existing:
            trial = existing
            for name, value in values.items():
                setattr(trial, name, value)
            trial.version = existing.version + 1
            trial.save()
        else:
            trial = Trial.objects.create(nct_id=parsed.nct_id, is_public=self.publish, **values)
        self._write_related(trial, parsed, curated, replace=existing is not None, pending=pending)
        return trial

    def _write_related(self, trial, parsed, curated, replace, pending):
        def take(name):
            if name in curated:
                curated[name] = {**curated[name], "source": _collection_source(parsed, name)}
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
        if take("interventions") and take("arms"):
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
            Arm.interventions.through.objects.bulk_create(_arm_links(arms, interventions))
        for name, model in (
            ("outcomes", Outcome),
            ("sites", Site),
            ("central_contacts", CentralContact),
            ("officials", Official),
        ):
            if take(name):
                if replace:
                    model.objects.filter(trial=trial).delete()
                model.objects.bulk_create(
                    model(trial=trial, position=i, **item)
                    for i, item in enumerate(getattr(parsed, name))
                )
        if curated != trial.curated_fields:
            trial.curated_fields = curated
            trial.save(update_fields=["curated_fields"])

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


def _arm_links(arms, interventions):
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


def _collection_source(parsed, name):
    if name == "lead_sponsor":
        return list(parsed.lead_sponsor) if parsed.lead_sponsor else None
    if name == "mesh_terms":
        return [list(m) for m in parsed.mesh]
    return [list(item) if isinstance(item, tuple) else item for item in getattr(parsed, name)]
