"""``export_ctgov``: the whole catalog as a v2 study array that imports back into the same
catalog."""

import gzip
import io
import json
import sys

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Trial
from tests.servers import manage, production_env

pytestmark = [pytest.mark.django_db, pytest.mark.system]


def export(path, *args):
    out = io.StringIO()
    call_command("export_ctgov", str(path), *args, stdout=out)
    return out.getvalue()


def read(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def exported(bundled_catalog, django_db_blocker, tmp_path_factory):
    """The bundled catalog, exported once for the module: (path, the command's output)."""
    path = tmp_path_factory.mktemp("export") / "catalog.json.gz"
    with django_db_blocker.unblock():
        return path, export(path)


def only_public(*nct_ids):
    """Leave only ``nct_ids`` published (in the test's transaction), for small exports."""
    Trial.objects.exclude(nct_id__in=nct_ids).update(is_public=False)


def test_an_export_imports_into_an_empty_database_as_the_same_trials(
    bundled_catalog, tmp_path, scratch_postgres, scratch_template, collected_static
):
    # Every fifth trial and every one with posted results (the records with the most parts),
    # through the commands in a fresh process and database. The whole catalog's export is
    # checked against its source records in test_roundtrip.py, and the tests' catalog is
    # itself those records imported into an empty database (tests/catalog_template.py).
    every_fifth = list(Trial.objects.order_by("nct_id").values_list("nct_id", flat=True))[::5]
    with_results = Trial.objects.filter(has_results=True).values_list("nct_id", flat=True)
    sample = {*every_fifth, *with_results}
    only_public(*sample)
    first = tmp_path / "sample.json.gz"
    assert f"{len(sample)} studies written" in export(first, "--public-only")

    empty = scratch_postgres.create_database("export_roundtrip", template=scratch_template)
    env = production_env(empty, collected_static)
    imported = manage(sys.executable, "import_ctgov", str(first), env=env, timeout=1200)
    assert f"{len(sample)} created, 0 updated, 0 unchanged" in imported.stdout
    assert "0 skipped as older, 0 failed" in imported.stdout
    second = tmp_path / "again.json.gz"
    manage(sys.executable, "export_ctgov", str(second), env=env)
    assert second.read_bytes() == first.read_bytes()


def test_the_export_holds_every_trial_as_its_source_record(exported):
    studies = read(exported[0])
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in studies]
    assert len(ids) == 1538 and ids == sorted(ids)
    by_id = dict(zip(ids, studies, strict=True))
    for trial in Trial.objects.only("nct_id", "source_record").iterator():
        assert by_id[trial.nct_id] == trial.source_record, trial.nct_id


SOME = ["NCT02883803", "NCT04194671", "NCT05016804", "NCT05741099", "NCT06518902"]


def test_batches_do_not_change_the_output(bundled_catalog, tmp_path):
    only_public(*SOME)
    export(tmp_path / "default.json.gz", "--public-only")
    export(tmp_path / "small.json.gz", "--public-only", "--batch-size", "2")
    assert (tmp_path / "small.json.gz").read_bytes() == (tmp_path / "default.json.gz").read_bytes()
    assert len(read(tmp_path / "small.json.gz")) == 5


def test_plain_json_and_standard_output(bundled_catalog, tmp_path, capsys):
    only_public(*SOME)
    export(tmp_path / "catalog.json", "--public-only")
    studies = json.loads((tmp_path / "catalog.json").read_text())
    assert [s["protocolSection"]["identificationModule"]["nctId"] for s in studies] == SOME
    call_command("export_ctgov", "-", "--public-only")
    assert json.loads(capsys.readouterr().out) == studies


def test_every_trial_by_default_and_only_published_ones_when_asked(exported, tmp_path):
    only_public(*SOME[1:])
    export(tmp_path / "public.json.gz", "--public-only")
    public = [
        s["protocolSection"]["identificationModule"]["nctId"]
        for s in read(tmp_path / "public.json.gz")
    ]
    assert public == SOME[1:]
    assert "1538 studies written" in exported[1]


def test_an_empty_catalog_is_an_empty_array(bundled_catalog, tmp_path):
    only_public()
    assert "0 studies written" in export(tmp_path / "empty.json.gz", "--public-only")
    assert read(tmp_path / "empty.json.gz") == []


def test_a_failed_export_leaves_nothing_behind(tmp_path):
    with pytest.raises(CommandError, match="No directory"):
        export(tmp_path / "missing" / "out.json.gz")
    with pytest.raises(CommandError, match="--batch-size"):
        export(tmp_path / "out.json.gz", "--batch-size", "0")
    assert list(tmp_path.iterdir()) == []
