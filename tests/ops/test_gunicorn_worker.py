"""The workers gunicorn.conf.py runs (trialsite/workers.py) against real gunicorn processes:
they answer every request of a crowd, close each connection after its response, keep taking
connections after clients that leave early, and serve other requests while a slow client
reads a download. How fast they are under load is measured by ``make load-test``
(docs/benchmarks/), not asserted here."""

import socket
import threading

from bench.downloads import EXPORT, fetch
from tests.servers import Gunicorn, database_url, production_env

NO_DATABASE = "postgres://nobody@127.0.0.1:1/none"
# A page answered without the database (WhiteNoise serves it).
PAGE = "/static/css/site.css"


def test_one_worker_answers_a_crowd_and_closes_each_connection(collected_static, tmp_path):
    env = production_env(NO_DATABASE, collected_static)
    responses = []
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=1) as server:

        def client():
            for _ in range(4):
                responses.append(server.get(PAGE))

        clients = [threading.Thread(target=client) for _ in range(12)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
    assert len(responses) == 48
    assert {r.status for r in responses} == {200}
    assert {r.headers.get("Connection", "").lower() for r in responses} == {"close"}
    assert "Using worker: trialsite.workers.SerialThreadWorker" in server.log()


def _leave_early(port, sent):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        if sent:
            sock.sendall(sent)


def test_clients_that_leave_early_do_not_stop_a_worker_taking_connections(
    collected_static, tmp_path
):
    env = production_env(NO_DATABASE, collected_static)
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=1) as server:
        for sent in (b"", b"GET /heal", b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n") * 10:
            _leave_early(server.port, sent)
        # Each would have kept the worker from taking the next connection, had it been
        # counted as a request still to compute.
        answers = [server.get(PAGE, timeout=10).status for _ in range(3)]
    assert answers == [200, 200, 200]


def test_a_worker_serves_others_while_a_slow_client_reads_a_download(
    production_server, collected_static, tmp_path
):
    from django.db import connection

    env = production_env(database_url(connection.settings_dict), collected_static)
    env["CATALOG_EXPORT_LIMIT"] = "0"
    fetch(production_server.port, EXPORT)  # the export stored, as a running site has it
    reference = fetch(production_server.port, EXPORT)
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=1) as server:
        slow = []
        reader = threading.Thread(
            target=lambda: slow.append(fetch(server.port, EXPORT, rate=4_000_000))
        )
        reader.start()
        answers = []
        while reader.is_alive():
            answers.append(server.get("/api/v2/version", timeout=10).status)
        reader.join()
    status, received, length, digest, error = slow[0]
    assert (status, error, received, digest) == (200, "", reference[2], reference[3])
    # A sync worker would answer one request before the download and the next after it.
    assert len(answers) >= 3 and set(answers) == {200}
