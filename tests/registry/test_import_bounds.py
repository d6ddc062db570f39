"""Imports are bounded: a file that inflates past CATALOG_IMPORT_MAX_BYTES, a study larger than
CATALOG_IMPORT_MAX_STUDY_BYTES and an NCT ID that is not exactly ``NCT`` and eight ASCII digits
are refused with their reason, the command exits non-zero, and the rest is imported."""

import gzip
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Trial
from tests.factories import study

pytestmark = pytest.mark.django_db


def run(*paths):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_ctgov", *map(str, paths), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def inflating_page(size):
    """An API page of one study padded with ``size`` bytes of whitespace: it gzips to almost
    nothing."""
    return json.dumps({"studies": [study("NCT09100001")]}).encode()[:-1] + b" " * size + b"}"


def test_a_gzip_that_inflates_past_the_cap_is_refused(tmp_path, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 1_000_000
    bomb = tmp_path / "bomb.json.gz"
    bomb.write_bytes(gzip.compress(inflating_page(20_000_000), 9))
    assert bomb.stat().st_size < 100_000
    (tmp_path / "good.json").write_text(json.dumps(study("NCT09100002")))
    out, err, error = run(tmp_path)
    assert error is not None
    assert "bomb.json.gz: larger than 1,000,000 bytes once decompressed" in err
    assert "CATALOG_IMPORT_MAX_BYTES" in err
    assert "1 created" in out and "1 failed" in out
    assert not Trial.objects.filter(nct_id="NCT09100001").exists()


def test_a_zip_member_that_inflates_past_the_cap_is_refused(tmp_path, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 1_000_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.json", inflating_page(20_000_000))
        archive.writestr("NCT09100002.json", json.dumps(study("NCT09100002")))
    path = tmp_path / "download.zip"
    path.write_bytes(buffer.getvalue())
    out, err, error = run(path)
    assert error is not None
    assert "download.zip:bomb.json: larger than 1,000,000 bytes" in err
    assert "1 created" in out and "1 failed" in out


def test_a_plain_file_past_the_cap_is_refused(tmp_path, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 1_000_000
    path = tmp_path / "big.json"
    path.write_bytes(inflating_page(2_000_000))
    before = Trial.objects.count()
    _, err, error = run(path)
    assert error is not None and "big.json: larger than 1,000,000 bytes" in err
    assert Trial.objects.count() == before


def test_a_study_past_the_per_study_cap_fails_alone(tmp_path, settings):
    settings.CATALOG_IMPORT_MAX_STUDY_BYTES = 200_000
    huge = study("NCT09100001")
    huge["protocolSection"]["descriptionModule"] = {"briefSummary": "cells " * 50_000}
    page = {"studies": [study("NCT09100002"), huge, study("NCT09100003")]}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    before = set(Trial.objects.values_list("nct_id", flat=True))
    out, err, error = run(path)
    assert error is not None
    assert "NCT09100001" in err
    assert "more than the 200,000 allowed (CATALOG_IMPORT_MAX_STUDY_BYTES)" in err
    assert "2 created" in out and "1 failed" in out
    added = set(Trial.objects.values_list("nct_id", flat=True)) - before
    assert added == {"NCT09100002", "NCT09100003"}


@pytest.mark.parametrize(
    "raw",
    [
        "NCT123",  # never rewritten to NCT00000123
        "NCT000000123",
        "nct00000123",
        " NCT00000123",
        "NCT00000123\n",
        "NCT\u0660\u0660\u0660\u0660\u0660\u0661\u0662\u0663",  # Arabic-Indic digits
        "NCT0000012\uff13",  # a full-width 3
    ],
)
def test_an_nct_id_that_is_not_exactly_nct_and_eight_digits_is_refused(tmp_path, raw):
    path = tmp_path / "study.json"
    path.write_text(json.dumps(study(raw)))
    before = Trial.objects.count()
    out, err, error = run(path)
    assert error is not None
    assert "is not an NCT ID (NCT and eight digits 0-9, exactly)" in err
    assert "0 created" in out and "1 failed" in out
    assert Trial.objects.count() == before
