"""Downloads are built once per catalog version, stored as files (with a gzip), and served with
their length, byte ranges and validators; each address may start a limited number of them."""

import gzip
import json
import shutil

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Trial
from catalog.site import downloads

pytestmark = pytest.mark.django_db

FULL = "/trials/export.json"


def body(response):
    return b"".join(response.streaming_content)


def test_the_first_download_is_sent_as_it_is_built_then_served_from_its_file(
    client, bundled_catalog
):
    # Another test of this database may have built the file for this version already.
    stored = downloads.export_path(downloads.catalog_edition(), "json", "").parent
    shutil.rmtree(stored, ignore_errors=True)
    # Another file: this one is built below. Read to its end, as a client does: a streamed
    # download left unread holds a server-side cursor whose generator, collected in the middle
    # of the next query on the same connection, would wait on that connection for ever.
    body(client.get("/trials/export.json?q=knee"))
    first = client.get(FULL)
    content = body(first)
    assert "Content-Length" not in first  # sent as it is written
    assert len(json.loads(content)) == Trial.objects.public().count()
    with CaptureQueriesContext(connection) as queries:
        second = client.get(FULL)
        assert body(second) == content
    assert not any("catalog_trial" in q["sql"] for q in queries.captured_queries)
    assert int(second["Content-Length"]) == len(content)
    assert second["Accept-Ranges"] == "bytes"
    assert second["ETag"] == client.get(FULL)["ETag"]
    assert second["Content-Disposition"].startswith('attachment; filename="msc-trials-')


def test_a_client_that_takes_gzip_gets_the_same_file_gzipped(client, bundled_catalog):
    plain = body(client.get("/trials/export.csv?q=knee"))
    response = client.get("/trials/export.csv?q=knee", HTTP_ACCEPT_ENCODING="br, gzip")
    packed = body(response)
    assert response["Content-Encoding"] == "gzip"
    assert response["Vary"] == "Accept-Encoding"
    assert int(response["Content-Length"]) == len(packed) < len(plain)
    assert gzip.decompress(packed) == plain
    assert response["ETag"] != client.get("/trials/export.csv?q=knee")["ETag"]


def test_byte_ranges_resume_a_download(client, bundled_catalog):
    whole = body(client.get(FULL))
    response = client.get(FULL, HTTP_RANGE="bytes=1000-")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-{len(whole) - 1}/{len(whole)}"
    assert body(response) == whole[1000:]
    response = client.get(FULL, HTTP_RANGE="bytes=10-19")
    assert (response.status_code, body(response)) == (206, whole[10:20])
    response = client.get(FULL, HTTP_RANGE="bytes=-5")
    assert body(response) == whole[-5:]


def test_a_range_past_the_end_is_a_416_and_a_stale_if_range_gets_the_whole_file(
    client, bundled_catalog
):
    whole = body(client.get(FULL))
    response = client.get(FULL, HTTP_RANGE=f"bytes={len(whole)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(whole)}"
    response = client.get(FULL, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"another-version"')
    assert response.status_code == 200 and body(response) == whole
    response = client.get(FULL, HTTP_RANGE="bytes=0-1,5-9")  # several ranges: the whole file
    assert response.status_code == 200 and body(response) == whole


def test_a_change_to_the_catalog_builds_a_new_file_and_removes_the_old(client, bundled_catalog):
    query = "/trials/export.csv?ids=NCT02883803"
    body(client.get(query))  # built
    before = client.get(query)
    database = downloads.catalog_edition()[0]

    def directories():
        return [p for p in downloads.export_dir().iterdir() if p.name.startswith(f"{database}-")]

    (old_directory,) = directories()
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    title = Trial.objects.get(nct_id="NCT02883803").brief_title
    # Committed by another connection, as a curator's edit would be.
    with psycopg.connect(**params, autocommit=True) as other:
        try:
            other.execute(
                "UPDATE catalog_trial SET brief_title = 'Renamed by a curator' "
                "WHERE nct_id = 'NCT02883803'"
            )
            assert "Renamed by a curator" in body(client.get(query)).decode()
            after = client.get(query)
            assert after["ETag"] != before["ETag"]
            assert directories() != [old_directory]
            assert len(directories()) == 1
        finally:
            other.execute(
                "UPDATE catalog_trial SET brief_title = %s WHERE nct_id = 'NCT02883803'",
                [title],
            )


def test_each_address_may_start_a_limited_number_of_downloads(client, bundled_catalog, settings):
    settings.CATALOG_EXPORT_LIMIT = 3
    settings.CATALOG_EXPORT_WINDOW = 600
    address = "198.51.100.23"
    for _ in range(3):
        download = client.get("/trials/export.csv?q=knee", REMOTE_ADDR=address)
        assert download.status_code == 200
        body(download)  # read to the end, as a client does
    refused = client.get("/trials/export.json?q=knee", REMOTE_ADDR=address)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 601
    assert "Too many downloads from your address" in refused.content.decode()
    assert refused["Cache-Control"] == "no-store"
    other = client.get("/trials/export.csv?q=knee", REMOTE_ADDR="198.51.100.24")
    assert other.status_code == 200
    body(other)
    # The list itself is not limited.
    assert client.get("/trials/?q=knee", REMOTE_ADDR=address).status_code == 200
