"""Re-importing the refreshed file over a catalog loaded from its earlier version updates
exactly the trials whose content changed, although their last-update dates did not; their
history says what changed, and curated fields survive.

The earlier version is a committed slice of it (tests/registry/fixtures): its 18 studies that
the refresh left as they were, and 25 that it changed, among them studies that gained results,
documents and former NCT IDs, NCT02674399 (whose two sites were fixed) and the seed trial
NCT02883803."""

import gzip
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from catalog.curation.service import record_edit
from catalog.models import ChangeKind, Trial, TrialChange

pytestmark = pytest.mark.django_db

EARLIER = Path(__file__).parent / "fixtures" / "msc-trials-2022-earlier.json.gz"
REFRESHED = Path(settings.BASE_DIR) / "data" / "msc-trials-2022.json.gz"
SEEDS = Path(settings.BASE_DIR) / "data" / "seeds"


def by_id(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return {s["protocolSection"]["identificationModule"]["nctId"]: s for s in json.load(f)}


def last_update(study):
    return study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]


@pytest.fixture
def refreshed_slice(tmp_path):
    """The refreshed records of the studies in the earlier slice, as a file to import."""
    earlier = by_id(EARLIER)
    refreshed = by_id(REFRESHED)
    path = tmp_path / "msc-trials-2022.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump([refreshed[nct_id] for nct_id in earlier], f)
    return path


def import_files(*paths):
    out = io.StringIO()
    call_command("import_ctgov", *map(str, paths), stdout=out)
    return out.getvalue()


def curate(trial, user, **values):
    for name, value in values.items():
        setattr(trial, name, value)
    trial.save()
    changes = {name: {"old": None, "new": value} for name, value in values.items()}
    record_edit(trial, changes, list(values), user)


def test_reimport_updates_exactly_the_changed_studies_and_keeps_curated_fields(
    refreshed_slice, curator
):
    earlier, refreshed = by_id(EARLIER), by_id(REFRESHED)
    changed = {n for n in earlier if refreshed[n] != earlier[n]}
    # Same studies, same dates: only the content moved.
    assert all(last_update(refreshed[n]) == last_update(earlier[n]) for n in earlier)
    assert (len(earlier), len(changed)) == (43, 25)

    import_files(EARLIER, SEEDS / "NCT02883803.json")
    assert Trial.objects.get(nct_id="NCT02883803").record_source == "SEED_DOCUMENT"
    titled = sorted(changed - {"NCT02883803"})[0]
    curate(Trial.objects.get(nct_id=titled), curator, brief_title="A curator's title")
    unchanged = sorted(set(earlier) - changed)[0]
    curate(Trial.objects.get(nct_id=unchanged), curator, overall_status="TERMINATED")
    sites_trial = Trial.objects.get(nct_id="NCT02674399")
    sites_trial.sites.exclude(position=0).delete()
    record_edit(
        sites_trial, {"sites": {"old": 2, "new": 1, "collection": True}}, ["sites"], curator
    )
    versions = dict(Trial.objects.values_list("nct_id", "version"))
    before = set(TrialChange.objects.values_list("pk", flat=True))

    output = import_files(refreshed_slice)

    # The seed document outranks the 2022 record (it states no date of its own).
    updated = changed - {"NCT02883803"}
    assert (
        "0 created, 24 updated, 18 unchanged, 0 skipped as older, 0 failed, 1 left to the seed documents that outrank them"
        in output
    )
    new_changes = TrialChange.objects.exclude(pk__in=before).select_related("trial")
    assert {c.trial.nct_id for c in new_changes} == updated
    assert all(c.kind == ChangeKind.IMPORT for c in new_changes)
    for trial in Trial.objects.all():
        moved = trial.version - versions[trial.nct_id]
        assert moved == (1 if trial.nct_id in updated else 0), trial.nct_id
    # The history names what changed: results, documents, former IDs, unmodelled values.
    named = {name for c in new_changes for name in c.changes}
    assert {"results", "documents", "former_ids", "source_extra", "sites"} <= named

    # Curated values survive, with the new source value beside them.
    trial = Trial.objects.get(nct_id=titled)
    assert trial.brief_title == "A curator's title"
    assert (
        trial.curated_fields["brief_title"]["source"]
        == refreshed[titled]["protocolSection"]["identificationModule"]["briefTitle"]
    )
    assert Trial.objects.get(nct_id=unchanged).overall_status == "TERMINATED"
    sites_trial = Trial.objects.get(nct_id="NCT02674399")
    assert sites_trial.sites.count() == 1
    fixed_sites = refreshed["NCT02674399"]["protocolSection"]["contactsLocationsModule"][
        "locations"
    ]
    assert len(sites_trial.curated_fields["sites"]["source"]) == len(fixed_sites)

    # Everything refreshed is in the catalog's rows: results, documents, former IDs.
    with_results = [n for n in updated if "resultsSection" in refreshed[n]]
    assert with_results
    for nct_id in with_results:
        trial = Trial.objects.get(nct_id=nct_id)
        assert trial.result_groups.exists()
        assert trial.adverse_events.exists() or trial.result_measures.exists()

    # A second import changes nothing.
    assert "0 updated, 42 unchanged, 0 skipped as older, 0 failed, 1 left" in import_files(
        refreshed_slice
    )


def test_changed_content_at_the_same_date_updates_the_trial(imported_trial):
    study = imported_trial.source_record
    study["protocolSection"]["oversightModule"]["isUsExport"] = True
    from catalog.registry.importer import Importer

    assert Importer().import_study(study, "same-date.json") == "updated"
    change = imported_trial.changes.order_by("-version").first()
    assert set(change.changes) == {"source_extra"}
    assert change.changes["source_extra"]["new"] == change.changes["source_extra"]["old"] + 1
    assert Importer().import_study(study, "same-date.json") == "unchanged"
