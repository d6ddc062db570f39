"""Uploading a ClinicalTrials.gov v2 file from the admin: every shape the importer takes, its
summary and failures on the page, and a clear message (never a 500) for a bad file."""

import gzip
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Trial
from tests.factories import study

pytestmark = pytest.mark.django_db

URL = "/admin/catalog/trial/upload/"


def upload(client, name, data, **fields):
    return client.post(URL, {"file": SimpleUploadedFile(name, data), **fields})


def page_of(response):
    assert response.status_code == 200
    return response.content.decode()


def zipped(*studies):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for s in studies:
            nct_id = s["protocolSection"]["identificationModule"]["nctId"]
            archive.writestr(f"ctg-studies/{nct_id}.json", json.dumps(s))
    return buffer.getvalue()


def test_the_trial_list_links_to_the_upload_page(curator_client):
    assert URL in curator_client.get("/admin/catalog/trial/").content.decode()
    assert "Upload a ClinicalTrials.gov file" in page_of(curator_client.get(URL))


def test_one_study_as_json(curator_client, curator):
    page = page_of(upload(curator_client, "one.json", json.dumps(study("NCT09000001")).encode()))
    assert "1 created, 0 updated, 0 unchanged, 0 skipped as older, 0 failed" in page
    trial = Trial.objects.get(nct_id="NCT09000001")
    assert f"/admin/catalog/trial/{trial.pk}/change/" in page
    change = trial.changes.get()
    assert change.kind == "import" and change.user == curator
    assert change.actor == "upload of one.json by curator"


def test_a_gzipped_api_page(curator_client):
    document = {"studies": [study("NCT09000001"), study("NCT09000002")], "nextPageToken": "x"}
    page = page_of(
        upload(curator_client, "page.json.gz", gzip.compress(json.dumps(document).encode()))
    )
    assert "2 created" in page
    assert Trial.objects.filter(nct_id__in=["NCT09000001", "NCT09000002"]).count() == 2


def test_the_website_download_zip(curator_client):
    data = zipped(study("NCT09000001"), study("NCT09000002"), study("NCT09000003"))
    page = page_of(upload(curator_client, "ctg-studies.json.zip", data))
    assert "3 created" in page


def test_an_update_lists_what_changed_and_keeps_curated_fields(curator_client, imported_trial):
    imported_trial.curated_fields = {"brief_title": {"source": imported_trial.brief_title}}
    imported_trial.brief_title = "Curated title"
    imported_trial.save()
    newer = json.loads(json.dumps(imported_trial.source_record))
    newer["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2099-01-01"
    newer["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    newer["protocolSection"]["identificationModule"]["briefTitle"] = "Registry title"

    page = page_of(upload(curator_client, "newer.json", json.dumps(newer).encode()))

    assert "1 updated" in page
    assert "NCT09000001: " in page and "overall status: Completed → Terminated" in page
    assert "brief title: " in page and "→ Registry title (source value; the curator" in page
    imported_trial.refresh_from_db()
    assert imported_trial.brief_title == "Curated title"
    assert imported_trial.overall_status == "TERMINATED"


def test_an_older_record_is_skipped_unless_forced(curator_client, imported_trial):
    older = json.loads(json.dumps(imported_trial.source_record))
    older["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2001-01-01"
    older["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    data = json.dumps(older).encode()
    assert "1 skipped as older" in page_of(upload(curator_client, "old.json", data))
    assert "1 updated" in page_of(upload(curator_client, "old.json", data, force="on"))
    imported_trial.refresh_from_db()
    assert imported_trial.overall_status == "TERMINATED"


def test_a_bad_study_fails_alone_with_its_reason(curator_client):
    broken = study("NCT09000002")
    broken["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": -4}
    document = [study("NCT09000001"), broken]
    page = page_of(upload(curator_client, "mixed.json", json.dumps(document).encode()))
    assert "1 created" in page and "1 failed" in page
    assert "NCT09000002 in mixed.json: enrollmentInfo.count: -4 is not a whole number" in page
    assert not Trial.objects.filter(nct_id="NCT09000002").exists()


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("picture.json", b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        ("notes.json", b"these are my notes", "malformed JSON at line 1"),
        ("cut.json.gz", gzip.compress(b'{"studies": []}' * 50, mtime=0)[:30], "damaged or truncated gzip"),
        ("broken.zip", b"PK\x03\x04 not really a zip", "damaged zip"),
        ("other.json", b'{"hello": "world"}', "not a ClinicalTrials.gov v2 study"),
        ("deep.json", b"[" * 100000, "malformed JSON"),
    ],
)
def test_a_bad_file_gets_a_clear_message(curator_client, name, data, message):
    page = page_of(upload(curator_client, name, data))
    assert "0 created, 0 updated, 0 unchanged, 0 skipped as older, 1 failed" in page
    assert message in page


def test_an_empty_file_or_no_file_is_refused_by_the_form(curator_client):
    assert "The submitted file is empty." in page_of(upload(curator_client, "empty.json", b""))
    assert "This field is required." in page_of(curator_client.post(URL, {}))


def test_a_zip_without_studies_says_so(curator_client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "nothing here")
    page = page_of(upload(curator_client, "empty.zip", buffer.getvalue()))
    assert "mpty.zip holds no studies." in page


def test_a_file_over_the_limit_is_refused(curator_client, settings):
    settings.CATALOG_UPLOAD_MAX_BYTES = 100
    page = page_of(upload(curator_client, "big.json", json.dumps(study()).encode()))
    assert "the limit is 100" in page
    assert not Trial.objects.filter(nct_id="NCT09000001").exists()


def test_only_curators_upload(client, db):
    from django.contrib.auth.models import User

    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(User.objects.create_user("visitor", is_staff=True))
    assert client.get(URL).status_code == 403
