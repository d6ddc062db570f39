"""Downloads against gunicorn in production mode (gthread workers, gunicorn.conf.py's default):
full exports and slow readers at once all arrive whole (Content-Length and content), while the
API and trial pages keep answering. The timings are measured by ``make load-test``
(bench/downloads.py, docs/benchmarks/load.md), not asserted here."""

import hashlib
import json
import threading

from bench.downloads import EXPORT, fetch
from tests.public_urls import EXAMPLE_ID


def test_full_exports_and_slow_readers_all_arrive_whole(production_server):
    port = production_server.port
    fetch(port, EXPORT)  # built (and sent as it is built) if it is not stored yet
    status, size, length, reference, error = fetch(port, EXPORT)
    assert (status, size, error) == (200, length, "")
    results, probes = [], []

    def full():
        for _ in range(2):
            results.append(fetch(port, EXPORT))

    def slow():
        results.append(fetch(port, EXPORT, rate=4_000_000))

    def probe():
        while any(t.is_alive() for t in downloads):
            for path in ("/api/v2/version", f"/trials/{EXAMPLE_ID}/"):
                probes.append(production_server.get(path).status)

    downloads = [threading.Thread(target=full) for _ in range(4)]
    downloads += [threading.Thread(target=slow) for _ in range(3)]
    prober = threading.Thread(target=probe)
    for thread in downloads:
        thread.start()
    prober.start()
    for thread in [*downloads, prober]:
        thread.join()

    assert len(results) == 11
    for status, received, content_length, digest, error in results:
        assert (status, error) == (200, "")
        assert received == content_length == size
        assert digest == reference
    assert probes and set(probes) == {200}


def test_a_download_is_the_whole_catalog_as_valid_json(production_server):
    first = production_server.get(EXPORT)
    response = production_server.get(EXPORT)
    assert first.body == response.body
    assert int(response.headers["Content-Length"]) == len(response.body)
    studies = json.loads(response.body)
    assert len(studies) == 1538
    assert hashlib.sha256(response.body).hexdigest() == fetch(production_server.port, EXPORT)[3]


def test_a_cut_download_resumes_with_a_range(production_server):
    whole = production_server.get(EXPORT).body
    cut = production_server.get(EXPORT, max_bytes=1_000_000)
    assert len(cut.body) == 1_000_000 < int(cut.headers["Content-Length"])
    rest = production_server.get(
        EXPORT, headers={"Range": "bytes=1000000-", "If-Range": cut.headers["ETag"]}
    )
    assert rest.status == 206
    assert cut.body + rest.body == whole
