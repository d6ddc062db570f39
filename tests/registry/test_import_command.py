"""``import_ctgov``: every input shape, bad input, the older-record rule and idempotence."""

import gzip
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.models import Site, Trial
from catalog.registry.importer import Importer
from tests.factories import real_study, study

pytestmark = pytest.mark.django_db


def run(*paths, force=False):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_ctgov", *map(str, paths), force=force, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def write_json(path, document):
    path.write_text(json.dumps(document))
    return path


def test_one_study_object(tmp_path):
    out, _, error = run(write_json(tmp_path / "one.json", study("NCT09000001")))
    assert error is None
    assert "1 created" in out
    assert Trial.objects.filter(nct_id="NCT09000001").exists()


def test_an_api_page(tmp_path):
    page = {"studies": [study("NCT09000001"), study("NCT09000002")], "nextPageToken": "abc"}
    out, _, error = run(write_json(tmp_path / "page.json", page))
    assert error is None and "2 created" in out


def test_a_gzipped_json_array(tmp_path):
    path = tmp_path / "list.json.gz"
    path.write_bytes(
        gzip.compress(json.dumps([study("NCT09000001"), study("NCT09000002")]).encode())
    )
    out, _, error = run(path)
    assert error is None and "2 created" in out


def test_a_directory_of_files(tmp_path):
    write_json(tmp_path / "a.json", study("NCT09000001"))
    (tmp_path / "sub").mkdir()
    write_json(tmp_path / "sub" / "b.json", {"studies": [study("NCT09000002")]})
    out, _, error = run(tmp_path)
    assert error is None and "2 created" in out


def test_the_website_download_zip(tmp_path):
    path = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for nct_id in ("NCT09000001", "NCT09000002", "NCT09000003"):
            archive.writestr(f"{nct_id}.json", json.dumps(study(nct_id)))
    out, _, error = run(path)
    assert error is None and "3 created" in out


def test_malformed_json_is_reported_and_the_rest_imported(tmp_path):
    (tmp_path / "bad.json").write_text('{"studies": [')
    write_json(tmp_path / "good.json", study("NCT09000001"))
    out, err, error = run(tmp_path)
    assert error is not None
    assert "malformed JSON" in err
    assert "1 created" in out and "1 failed" in out
    assert Trial.objects.filter(nct_id="NCT09000001").exists()


def test_a_truncated_gzip_is_reported(tmp_path):
    data = gzip.compress(json.dumps([study("NCT09000001")]).encode())
    (tmp_path / "cut.json.gz").write_bytes(data[: len(data) // 2])
    _, err, error = run(tmp_path / "cut.json.gz")
    assert error is not None and "gzip" in err
    assert not Trial.objects.filter(nct_id="NCT09000001").exists()


def test_a_damaged_zip_is_reported_and_the_rest_imported(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    write_json(tmp_path / "good.json", study("NCT09000001"))
    out, err, error = run(tmp_path)
    assert error is not None and "damaged zip" in err
    assert "1 created" in out and "1 failed" in out


def test_a_study_missing_its_nct_id_fails_alone(tmp_path):
    nameless = study("NCT09000002")
    del nameless["protocolSection"]["identificationModule"]["nctId"]
    page = {"studies": [study("NCT09000001"), nameless, study("NCT09000003")]}
    out, err, error = run(write_json(tmp_path / "page.json", page))
    assert error is not None
    assert "no NCT ID" in err
    assert "2 created" in out and "1 failed" in out


def test_a_bad_study_is_never_half_written(tmp_path):
    broken = study("NCT09000001")
    # Valid up to the sites, which come after the trial row and its arms are written.
    broken["protocolSection"]["contactsLocationsModule"]["locations"] = [{"zip": "x" * 100}]
    _, err, error = run(write_json(tmp_path / "broken.json", broken))
    assert error is not None and "NCT09000001" in err
    assert not Trial.objects.filter(nct_id="NCT09000001").exists()


def test_running_twice_changes_nothing(tmp_path):
    path = write_json(tmp_path / "page.json", {"studies": [study("NCT09000001")]})
    run(path)
    before = Trial.objects.get(nct_id="NCT09000001")
    out, _, error = run(path)
    after = Trial.objects.get(nct_id="NCT09000001")
    assert error is None and "1 unchanged" in out
    assert after.updated_at == before.updated_at and after.version == before.version


def test_an_older_record_does_not_overwrite_a_newer_one(tmp_path):
    run(
        write_json(
            tmp_path / "new.json", study("NCT09000001", title="New title", updated="2023-01-05")
        )
    )
    out, _, _ = run(
        write_json(
            tmp_path / "old.json", study("NCT09000001", title="Old title", updated="2021-01-05")
        )
    )
    assert "1 skipped as older" in out
    assert Trial.objects.get(nct_id="NCT09000001").brief_title == "New title"


def test_force_overwrites_with_an_older_record(tmp_path):
    run(
        write_json(
            tmp_path / "new.json", study("NCT09000001", title="New title", updated="2023-01-05")
        )
    )
    old = write_json(
        tmp_path / "old.json", study("NCT09000001", title="Old title", updated="2021-01-05")
    )
    out, _, _ = run(old, force=True)
    assert "1 updated" in out
    assert Trial.objects.get(nct_id="NCT09000001").brief_title == "Old title"


def test_a_newer_record_updates_and_replaces_children(tmp_path):
    first = study("NCT09000001", updated="2022-01-01")
    run(write_json(tmp_path / "a.json", first))
    second = study("NCT09000001", title="Renamed", updated="2022-02-01")
    second["protocolSection"]["contactsLocationsModule"]["locations"] = [
        {"facility": "Only site", "city": "Lyon", "country": "France"}
    ]
    out, _, _ = run(write_json(tmp_path / "b.json", second))
    trial = Trial.objects.get(nct_id="NCT09000001")
    assert "1 updated" in out
    assert trial.brief_title == "Renamed"
    assert [s.city for s in trial.sites.all()] == ["Lyon"]


def test_the_summary_is_one_line_with_every_count(tmp_path):
    out, _, _ = run(write_json(tmp_path / "a.json", study("NCT09000001")))
    assert (
        out.strip()
        .splitlines()[-1]
        .startswith("1 created, 0 updated, 0 unchanged, 0 skipped as older, 0 failed")
    )


def planner_rows(table):
    """The row count PostgreSQL's planner holds for ``table`` (-1: never analyzed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def test_an_import_that_writes_much_of_the_catalog_leaves_its_tables_analyzed(tmp_path):
    # Searches are planned on the tables' statistics: after a first load they must describe
    # the trials loaded, not the empty tables before it.
    path = tmp_path / "studies.json"
    path.write_text(json.dumps([real_study(i) for i in range(30)]))
    Importer().run([path])
    assert planner_rows("catalog_trial") == Trial.objects.count() == 30
    assert planner_rows("catalog_site") == Site.objects.count()
