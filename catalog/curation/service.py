"""What curators do to a trial: edit it (the fields they change become curated), publish or hide
it, and revert it to its source record.

Every step runs under the trial's row lock, moves ``Trial.version`` on and is recorded in the
trial's history (``TrialChange``). The import rules themselves stay in ``catalog.importer``.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalog.models import (
    ChangeKind,
    MscProfile,
    StoredRelatedTrials,
    StoredStudy,
    Trial,
    TrialChange,
    display_value,
    field_label,
)
from catalog.msc.annotate import annotate_study
from catalog.registry.importer import (
    COLLECTIONS,
    LINKED_COLLECTIONS,
    RELATED_NAMES,
    Importer,
    source_values,
)
from catalog.search.fulltext import update_search_vectors

# History entries and revert links name MSC profile fields so: ``msc.route``.
MSC_PREFIX = "msc."

# The catalog's own state: never taken from a source record, so never "curated".
NOT_CURATED = {
    "id",
    "nct_id",
    "source_record",
    "imported_at",
    "updated_at",
    "is_public",
    "hidden_reason",
    "version",
    "curated_fields",
    "is_synthetic",
    "search_vector",
    "rank_vector",
    "search_ids",
    "countries",
}
# Fields that change together: curating one curates the others.
FIELD_GROUPS = {
    "minimum_age": ("minimum_age", "minimum_age_years"),
    "maximum_age": ("maximum_age", "maximum_age_years"),
    "start_date": ("start_date", "start_date_precision"),
    "start_date_precision": ("start_date", "start_date_precision"),
    "primary_completion_date": ("primary_completion_date", "primary_completion_date_precision"),
    "primary_completion_date_precision": (
        "primary_completion_date",
        "primary_completion_date_precision",
    ),
    "completion_date": ("completion_date", "completion_date_precision"),
    "completion_date_precision": ("completion_date", "completion_date_precision"),
    **LINKED_COLLECTIONS,
}


class StaleVersion(Exception):
    """The trial changed since the curator loaded it; ``changes`` says how."""

    def __init__(self, loaded, current, changes):
        super().__init__(f"version {loaded} is stale; the trial is at version {current}")
        self.loaded, self.current, self.changes = loaded, current, changes

    def messages(self):
        """The refusal, as lines a curator reads."""
        lines = [
            "Not saved: someone changed this trial after you opened it (you opened version "
            f"{self.loaded}; it is now version {self.current}). Nothing was overwritten."
        ]
        for change in self.changes:
            when = timezone.localtime(change.created_at).strftime("%Y-%m-%d %H:%M")
            lines.append(
                f"Version {change.version}, {when}, {change.actor} "
                f"({change.get_kind_display().lower()}): {change.text()}"
            )
        lines.append(
            "Open the trial again to see the current record, then make your changes again."
        )
        return lines


def lock(trial_pk, loaded_version):
    """Lock the trial's row for this transaction; raise ``StaleVersion`` if it moved on."""
    current = (
        Trial.objects.select_for_update().filter(pk=trial_pk).values_list("version", flat=True)
    ).first()
    if current is None:
        raise Trial.DoesNotExist(f"no trial {trial_pk}")
    if loaded_version is None or int(loaded_version) != current:
        loaded = loaded_version if loaded_version is not None else "unknown"
        since = TrialChange.objects.since(trial_pk, loaded_version or 0)
        raise StaleVersion(loaded, current, list(since))
    return current


def _move_version_on(trial, **fields):
    """Write ``fields`` of ``trial`` (its row locked by the caller) with the next version, in
    one UPDATE, and read them back onto ``trial``."""
    Trial.objects.filter(pk=trial.pk).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    trial.refresh_from_db(fields=["version", "updated_at", *fields])


def _record(trial, user, kind, changes):
    """The history entry of a step a curator took, at the trial's version after it; the step's
    writes are done, so the trial's v2 study is stored again here too."""
    StoredStudy.objects.store(Trial.objects.filter(pk=trial.pk))
    StoredRelatedTrials.objects.store_around([trial.pk])
    return TrialChange.objects.create(
        trial=trial,
        version=trial.version,
        kind=kind,
        user=user,
        actor=user.get_username(),
        changes=changes,
    )


def curatable(names):
    """The curated-field keys a change to ``names`` (form fields or collections) takes over."""
    keys = set()
    for name in names:
        for key in FIELD_GROUPS.get(name, (name,)):
            if key not in NOT_CURATED:
                keys.add(key)
    return keys


def record_edit(trial, changes, names, user, *, created=False):
    """Record a curator's edit of ``trial`` (already saved, row locked): mark ``names`` curated
    beside their source values, move the version on, and write the history entry."""
    if created:
        return _record(trial, user, ChangeKind.CURATOR, {})
    if not changes:
        return None
    curated = dict(Trial.objects.filter(pk=trial.pk).values_list("curated_fields", flat=True).get())
    keys = curatable(names)
    if keys - set(curated):
        sources = source_values(trial)
        now = timezone.now().isoformat()
        for key in sorted(keys):
            entry = curated.get(key) or {"source": sources.get(key)}
            curated[key] = {**entry, "by": user.get_username(), "at": now}
    _move_version_on(trial, curated_fields=curated)
    update_search_vectors(Trial.objects.filter(pk=trial.pk))
    # The MSC profile follows the corrected record.
    annotate_study(trial, None)
    return _record(trial, user, ChangeKind.CURATOR, changes)


def set_published(trial, user, *, public, reason=""):
    """Publish or hide one trial; returns its TrialChange, or None if it already was so."""
    with transaction.atomic():
        locked = Trial.objects.select_for_update().only(
            "pk", "is_public", "hidden_reason", "version"
        )
        trial = locked.get(pk=trial.pk)
        reason = "" if public else reason.strip()
        if trial.is_public == public and trial.hidden_reason == reason:
            return None
        changes = {}
        if trial.is_public != public:
            changes["is_public"] = {"old": trial.is_public, "new": public}
        if trial.hidden_reason != reason:
            changes["hidden_reason"] = {"old": trial.hidden_reason, "new": reason}
        trial.is_public, trial.hidden_reason = public, reason
        trial.version += 1
        trial.save(update_fields=["is_public", "hidden_reason", "version", "updated_at"])
        return _record(trial, user, ChangeKind.CURATOR, changes)


def revert_fields(trial, names, user):
    """Give curated fields of ``trial`` back to its source record; returns the TrialChange."""
    importer = Importer(kind=ChangeKind.REVERT, actor=user.get_username(), user=user)
    return importer.revert_fields(trial, names)


def revert_trials(trials, user):
    """Re-import each trial's source record, dropping every curated value; returns the import
    summary (a trial without a readable source record fails, with the reason)."""
    importer = Importer(kind=ChangeKind.REVERT, actor=user.get_username(), user=user)
    for trial in trials:
        importer.revert_trial(trial)
    return importer.summary


def curated_rows(trial):
    """(key, label, curator's value, source value, by, at) for each curated field of a trial."""
    rows = []
    for key, entry in sorted(trial.curated_fields.items()):
        rows.append(
            {
                "key": key,
                "label": field_label(key),
                "current": _current_value(trial, key),
                "source": _source_text(key, entry.get("source")),
                "by": entry.get("by", ""),
                "at": entry.get("at", "")[:16].replace("T", " "),
            }
        )
    return rows


def _current_value(trial, key):
    if key == "lead_sponsor":
        return trial.lead_sponsor.name if trial.lead_sponsor else "—"
    if key in COLLECTIONS:
        count = getattr(trial, RELATED_NAMES[key]).count()
        return f"{count} item{'s' * (count != 1)}"
    value = getattr(trial, key, None)
    return _text(display_value(key, value.isoformat() if hasattr(value, "isoformat") else value))


def _source_text(key, value):
    if key == "lead_sponsor":
        return value[0] if value else "—"
    if key in COLLECTIONS:
        count = len(value or [])
        return f"{count} item{'s' * (count != 1)}"
    return _text(display_value(key, value))


def _text(value):
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


# The MSC profile's curated values ---------------------------------------------------------------


def msc_curated_rows(trial):
    """(key, label, curator's value, derived value, by, at, note) for each curated value of the
    trial's MSC profile."""
    profile = MscProfile.objects.filter(trial=trial).only("trial_id", "curated").first()
    if profile is None:
        return []
    rows = []
    for name, entry in sorted(profile.curated.items()):
        key = MSC_PREFIX + name
        rows.append(
            {
                "key": key,
                "label": field_label(key),
                "current": _text(display_value(key, entry.get("value"))),
                "source": _text(display_value(key, entry.get("computed"))),
                "by": entry.get("by", ""),
                "at": str(entry.get("at", ""))[:16].replace("T", " "),
                "note": entry.get("note", ""),
            }
        )
    return rows


def revert_msc_field(trial, key, user):
    """Give one curated MSC profile value back to the rules (the trial's row locked by the
    caller): the profile takes the derived value, the version moves on, the history records it.
    Returns the TrialChange, or None if the value was not curated."""
    name = key.removeprefix(MSC_PREFIX)
    profile = MscProfile.objects.select_for_update().filter(trial=trial).first()
    if profile is None or name not in profile.curated:
        return None
    old = profile.field_value(name)
    profile.clear_curated(name)
    profile.save()
    _move_version_on(trial)
    return _record(
        trial, user, ChangeKind.REVERT, {key: {"old": old, "new": profile.field_value(name)}}
    )


def confirm_msc_review(trial, user, note="Confirmed in the curators' queue."):
    """Confirm the values of the trial's MSC profile that are in the curators' queue: each field
    with an open review reason becomes curated with its current value (so a confirmed dose is no
    longer implausible, and the filters and charts count it). Under the trial's row lock, moving
    its version on and recorded in its history. Returns the TrialChange, or None if nothing was
    open."""
    from catalog.msc.extraction.review import REVIEW_FIELDS

    with transaction.atomic():
        Trial.objects.select_for_update().filter(pk=trial.pk).first()
        profile = MscProfile.objects.select_for_update().filter(trial=trial).first()
        if profile is None:
            return None
        fields = []
        for code in profile.open_review:
            if REVIEW_FIELDS[code] not in fields:
                fields.append(REVIEW_FIELDS[code])
        if not fields:
            return None
        changes = {}
        for name in fields:
            old = profile.field_value(name)
            profile.set_curated(name, old, user=user.get_username(), note=note)
            changes[MSC_PREFIX + name] = {"old": old, "new": profile.field_value(name)}
        profile.save()
        _move_version_on(trial)
        return _record(trial, user, ChangeKind.CURATOR, changes)
