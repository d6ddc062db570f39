"""The benchmark harness runs end to end at a smoke size and reports every measure.

It measures the bundled catalog of the test database: in process, through gunicorn on
loopback under load, and against Datasette where requirements-bench.txt is installed. Pages
that do not exist yet are reported as not available rather than failing the run.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.system]

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    """The test database as a URL, for the harness process."""
    p = connection.get_connection_params()
    auth = quote(p.get("user") or "", safe="")
    if p.get("password"):
        auth += ":" + quote(p["password"], safe="")
    port = f":{p['port']}" if p.get("port") else ""
    return f"postgres://{auth}@{quote(p.get('host') or '', safe='')}{port}/{p['dbname']}"


def test_the_smoke_benchmark_prints_and_writes_its_table(bundled_catalog, tmp_path):
    out = tmp_path / "bench.md"
    # Its collectstatic writes into a folder of its own: rewriting the checkout's staticfiles/
    # while another test process reads it would pull files from under that process.
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "BENCH_PORTS": "8190-8199",
        "STATIC_ROOT": str(tmp_path / "staticfiles"),
    }
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "smoke", "--repeats", "3", "--seconds", "1"]
        + ["--workers", "2", "--concurrency", "4", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    for measure in (
        "unfiltered list",
        "one-word search",
        "search + 3 filters + facets",
        "facet counts of that search",
        "whole-catalog counts, once per change",
        "trial page (~70 sites)",
        "API v2 page of 100",
        "CSV export of 10,000",
        "Datasette",
        "trial page (cache on)",
        "trial page, cache on",
    ):
        assert measure in run.stdout
    trial_row = next(line for line in run.stdout.splitlines() if line.startswith("trial page (~70"))
    assert " ok " in trial_row
    csv_row = next(line for line in run.stdout.splitlines() if line.startswith("CSV export"))
    assert " ok " in csv_row
    text = out.read_text()
    assert "<!-- bench:smoke -->" in text and "PostgreSQL" in text and "cores" in text
