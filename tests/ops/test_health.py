"""``/healthz``: 200 with the database reachable, 503 without, for probes on any address."""

import json
import os
import subprocess
import sys

import pytest

from tests.servers import BASE_DIR, Gunicorn, production_env

pytestmark = pytest.mark.django_db


def probe(server):
    """The container's HEALTHCHECK command against ``server``."""
    env = {**os.environ, "HEALTHCHECK_URL": f"{server.base_url}/healthz"}
    return subprocess.run(
        [sys.executable, "-m", "trialsite.healthcheck"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_healthy_with_the_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_answers_whatever_the_host_and_without_redirecting_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200


def test_only_reads(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_the_probe_passes_against_production(production_server):
    response = production_server.get("/healthz")
    assert response.status == 200
    assert json.loads(response.body) == {"status": "ok", "database": "ok"}
    result = probe(production_server)
    assert result.returncode == 0, result.stderr


def test_unavailable_without_the_database(collected_static, tmp_path):
    # A database address where nothing listens (port 1 is never a database's).
    nowhere = "postgres://catalog@127.0.0.1:1/catalog"
    with Gunicorn(production_env(nowhere, collected_static), tmp_path / "log") as server:
        response = server.get("/healthz")
        result = probe(server)
    assert response.status == 503
    body = json.loads(response.body)
    assert body["status"] == "unavailable"
    assert body["database"].startswith("unreachable")
    assert result.returncode == 1
