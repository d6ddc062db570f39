"""The database connection is set up for a catalog read from memory."""

import json
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


def setting(name):
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_queries_may_hash_the_facet_filters_sets_in_memory():
    assert setting("work_mem") == "64MB"


@pytest.mark.django_db
def test_queries_are_not_compiled_just_in_time():
    assert setting("jit") == "off"


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("DATABASE_WORK_MEM", "lots", "DATABASE_WORK_MEM must be a size in kB, MB or GB"),
        ("DATABASE_JIT", "sometimes", "DATABASE_JIT must be on or off"),
    ],
)
def test_a_setting_of_the_wrong_kind_is_refused_with_a_clear_message(variable, value, message):
    run = _settings(**{variable: value})
    assert run.returncode != 0
    assert message in run.stderr


def _settings(**environment):
    """The settings a process started with ``environment`` gets, as JSON (or the failure)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_REPLICA_")}
    env.update(DEBUG="1", **environment)
    env.setdefault("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'databases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS, "
        "'middleware': s.MIDDLEWARE, 'replica': s.DATABASES.get('replica', {}).get('OPTIONS')}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "trialsite.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_a_replica_there_is_one_database_and_no_router():
    run = _settings()
    assert run.returncode == 0, run.stderr
    configured = json.loads(run.stdout)
    assert configured["databases"] == ["default"] and configured["routers"] == []
    assert not any("replica" in name for name in configured["middleware"])


def test_a_replica_url_adds_the_replica_the_router_and_its_middleware():
    run = _settings(DATABASE_REPLICA_URL="postgres://reader@127.0.0.1:1/catalog")
    assert run.returncode == 0, run.stderr
    configured = json.loads(run.stdout)
    assert configured["databases"] == ["default", "replica"]
    assert configured["routers"] == ["trialsite.replica.ReplicaRouter"]
    assert configured["middleware"][-1] == "trialsite.replica.ReplicaReadsMiddleware"
    # The replica is asked with the primary's settings, and given up on sooner.
    assert "random_page_cost=1.1" in configured["replica"]["options"]
    assert "work_mem=64MB" in configured["replica"]["options"]
    assert configured["replica"]["connect_timeout"] == 2


def test_a_replica_lag_that_is_no_number_is_refused_with_a_clear_message():
    run = _settings(
        DATABASE_REPLICA_URL="postgres://reader@127.0.0.1:1/catalog",
        DATABASE_REPLICA_MAX_LAG="a little",
    )
    assert run.returncode != 0
    assert "DATABASE_REPLICA_MAX_LAG must be a number" in run.stderr
