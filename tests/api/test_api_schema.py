"""The API against its own OpenAPI document, with schemathesis: generated requests (valid and
invalid) to every operation of ``/api/v2/openapi.json``, against gunicorn in production mode.
Every check schemathesis has (``--checks all``): no server error, every response matches the
document (status, content type, headers, body), what the document allows is accepted and what
it forbids is refused, undeclared methods get a 405.

Skipped, saying so, while the catalog publishes no OpenAPI document.
"""

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

OPENAPI_PATH = "/api/v2/openapi.json"
SCHEMATHESIS = Path(sys.executable).parent / "st"
CONFIG = Path(__file__).with_name("schemathesis.toml")

# The server reads the test database, which pytest-django sets up for django_db tests.
pytestmark = pytest.mark.django_db


def base_url(server, schema):
    """Where the document's operations live on the test server (its servers' path kept)."""
    servers = schema.get("servers") or [{"url": "/"}]
    path = urlsplit(servers[0]["url"]).path.rstrip("/")
    return f"{server.base_url}{path}"


def test_the_api_answers_as_its_schema_says(production_server, tmp_path):
    document = production_server.get(OPENAPI_PATH)
    if document.status == 404:
        pytest.skip(
            f"{OPENAPI_PATH} does not exist yet: the schemathesis run starts as soon as the "
            "API publishes its OpenAPI document"
        )
    assert document.status == 200
    assert document.headers["Content-Type"].startswith("application/json")
    schema = json.loads(document.body)
    assert schema["openapi"].startswith("3.")
    (tmp_path / "openapi.json").write_bytes(document.body)

    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        str(tmp_path / "openapi.json"),
        "--url",
        base_url(production_server, schema),
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "50",
        "--workers",
        "1",
        "--seed",
        "20221001",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "too_slow",
        "--no-color",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]
