"""Compute and store MSC profiles (``MscProfile``) for trials: the Django side of the rules.

``annotate(trials)`` profiles a queryset of trials in batches, each batch read in two queries and
written in one upsert. ``annotate_study(trial, study)`` profiles one trial just imported (the
importer calls it inside the study's transaction, so import and sync annotate).

What the rules read: the trial's ``source_record`` when no curator has changed the trial (the
export ``ctgov.study_from_trial`` gives back exactly that record for such trials, which the
round-trip tests check over the whole catalog, and reading the stored record is several times
faster), otherwise the export, so that a curator's corrections to the record count. Trials
without a source record (created in the admin) are read from the export too.

Values a curator set (``MscProfile.curated``) are kept: the upsert writes the curator's value
and notes beside it what the rules give now.
"""

import logging
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from catalog.models import MscProfile, Trial
from catalog.msc.extract import profile_from_study
from catalog.registry.ctgov import study_from_trial

BATCH_SIZE = 500
logger = logging.getLogger(__name__)


@dataclass
class AnnotateSummary:
    profiled: int = 0
    msc: int = 0
    curated: int = 0
    failures: list = field(default_factory=list)
    seconds: float = 0.0  # set when the run ends

    def __str__(self):
        return (
            f"{self.profiled} trials profiled, {self.msc} with an MSC product, "
            f"{self.curated} with curated values kept, {len(self.failures)} failed "
            f"({self.seconds:.1f} s)"
        )


def annotate(trials, batch_size=BATCH_SIZE, progress=None):
    """Compute and store the profile of every trial in the queryset ``trials``."""
    started = time.monotonic()
    summary = AnnotateSummary()
    ids = list(trials.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        profiles = {}
        for pk, nct_id, study in _studies(chunk):
            try:
                profiles[pk] = profile_from_study(study)
            except Exception as error:
                logger.exception("MSC profile rules failed on %s", nct_id)
                summary.failures.append(f"{nct_id}: {error!r}")
        rows = write_profiles(profiles) if profiles else []
        summary.profiled += len(rows)
        summary.msc += sum(1 for row in rows if row.is_msc)
        summary.curated += sum(1 for row in rows if row.curated)
        if progress:
            progress(summary)
    summary.seconds = time.monotonic() - started
    return summary


def annotate_study(trial, study):
    """Profile one trial from the study just written for it (called by the importer).

    A failure of the rules never fails the import: it is logged, the trial keeps its previous
    profile (if any) and ``annotate_msc`` will profile it again."""
    if trial.curated_fields or not study:
        study = study_from_trial(Trial.objects.for_export().get(pk=trial.pk))
    try:
        profile = profile_from_study(study)
    except Exception:
        logger.exception("MSC profile rules failed on %s", trial.nct_id)
        return None
    return write_profiles({trial.pk: profile})[0]


def profile_of(trial):
    """The profile the rules give ``trial`` now, unsaved: for a reader who finds none stored
    (a trial written before profiling ran), without writing during a read."""
    ((_pk, _nct_id, study),) = _studies([trial.pk])
    return MscProfile.from_profile(trial.pk, profile_from_study(study), None, timezone.now())


def attach_profiles(trials):
    """Give each trial of ``trials`` (read with ``select_related("msc")``) its profile as
    ``trial.msc``: the stored one, or for trials without one the rules' answer now, unsaved,
    computed for all of them at once (a constant number of queries, however many)."""
    missing = [t for t in trials if getattr(t, "msc", None) is None]
    if not missing:
        return trials
    by_pk = {t.pk: t for t in missing}
    now = timezone.now()
    for pk, _nct_id, study in _studies(list(by_pk)):
        by_pk[pk].msc = MscProfile.from_profile(pk, profile_from_study(study), None, now)
    return trials


def write_profiles(profiles):
    """Upsert ``{trial pk: computed profile}``, keeping curated values; returns the rows."""
    now = timezone.now()
    # No savepoint of its own: inside an import, the study's transaction holds it whole.
    with transaction.atomic(savepoint=False):
        # Lock the curated rows so a curator's save cannot slip in between read and write.
        curated = dict(
            MscProfile.objects.select_for_update()
            .filter(trial_id__in=list(profiles))
            .exclude(curated={})
            .values_list("trial_id", "curated")
        )
        rows = [
            MscProfile.from_profile(pk, profile, curated.get(pk), now)
            for pk, profile in profiles.items()
        ]
        MscProfile.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["trial"],
            update_fields=[*MscProfile.COMPUTED_FIELDS, "curated", "computed_at"],
        )
    return rows


def _studies(pks):
    """(pk, NCT ID, study record) for each trial of ``pks``, as the rules should read it."""
    exported = []
    rows = Trial.objects.filter(pk__in=pks).values_list(
        "pk", "nct_id", "source_record", "curated_fields"
    )
    for pk, nct_id, record, curated_fields in rows:
        if record and not curated_fields:
            yield pk, nct_id, record
        else:
            exported.append(pk)
    if exported:
        for trial in Trial.objects.filter(pk__in=exported).for_export():
            yield trial.pk, trial.nct_id, study_from_trial(trial)
