"""The database connection is set up for a catalog read from memory."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_the_planner_prices_random_reads_as_memory_reads():
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == pytest.approx(1.1)


def test_a_cost_that_is_no_number_is_refused_with_a_clear_message():
    env = {**os.environ, "DEBUG": "1", "DATABASE_RANDOM_PAGE_COST": "fast"}
    env.setdefault("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "trialsite.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "DATABASE_RANDOM_PAGE_COST must be a number" in run.stderr
