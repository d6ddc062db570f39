"""An import killed in the middle (SIGKILL) leaves no half-written trial: every trial in the
database has all its children, exactly as its source record gives them."""

import gzip
import json
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from tests.servers import BASE_DIR, manage, production_env

# The import is killed once this many trials are in, out of a file of STUDIES of the bundled
# studies: enough to kill it in the middle, few enough that the resumed load is quick.
KILL_AT = 50
STUDIES = 150


@pytest.fixture(scope="module")
def studies_file(tmp_path_factory):
    """The first STUDIES bundled studies, as a gzipped JSON array."""
    with gzip.open(BASE_DIR / "data" / "msc-trials-2022.json.gz", "rt", encoding="utf-8") as f:
        studies = json.load(f)
    path = tmp_path_factory.mktemp("studies") / "studies.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(studies[:STUDIES], f)
    return str(path)


# Run inside the catalog: every trial present must export exactly as its source record.
CHECK = """
import json
from catalog.registry.ctgov import sparse, study_from_trial
from catalog.models import Trial
trials = Trial.objects.for_export()
broken = [t.nct_id for t in trials if study_from_trial(t) != sparse(t.source_record)]
unindexed = list(Trial.objects.filter(search_vector__isnull=True).values_list("nct_id", flat=True))
print(json.dumps({"count": trials.count(), "broken": broken, "unindexed": unindexed}))
"""


def trial_count(url):
    with psycopg.connect(url, connect_timeout=5) as connection:
        return connection.execute("SELECT count(*) FROM catalog_trial").fetchone()[0]


def test_a_killed_import_leaves_no_half_written_trial(
    scratch_postgres, scratch_template, collected_static, studies_file
):
    url = scratch_postgres.create_database("killed_import", template=scratch_template)
    env = production_env(url, collected_static)
    importer = subprocess.Popen(
        [sys.executable, "manage.py", "import_ctgov", studies_file],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while trial_count(url) < KILL_AT and time.monotonic() < deadline:
            assert importer.poll() is None, "the import ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.kill(importer.pid, signal.SIGKILL)
        importer.wait()
    assert importer.returncode == -signal.SIGKILL

    result = manage(sys.executable, "shell", "-c", CHECK, env=env)
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert KILL_AT <= state["count"] < STUDIES, "killed in the middle"
    assert state["broken"] == []
    assert state["unindexed"] == []


FIRST_LOAD = ["manage.py", "import_ctgov", "--if-empty"]
STATE = """
import json
from catalog.models import CatalogLoad, SearchWord, Trial
print(json.dumps({"trials": Trial.objects.count(), "words": SearchWord.objects.count(),
                  "loads": CatalogLoad.objects.count()}))
"""


def catalog_state(env):
    result = manage(sys.executable, "shell", "-c", STATE, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_killed_first_load_is_resumed_by_the_next_start(
    scratch_postgres, scratch_template, collected_static, studies_file
):
    url = scratch_postgres.create_database("killed_first_load", template=scratch_template)
    env = production_env(url, collected_static)
    loader = subprocess.Popen(
        [sys.executable, *FIRST_LOAD, studies_file],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while trial_count(url) < KILL_AT and time.monotonic() < deadline:
            assert loader.poll() is None, "the load ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.kill(loader.pid, signal.SIGKILL)
        loader.wait()
    partial = catalog_state(env)
    assert KILL_AT <= partial["trials"] < STUDIES and partial["loads"] == 0

    # The next start resumes the load and finishes it...
    resumed = subprocess.run(
        [sys.executable, *FIRST_LOAD, studies_file],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming the first load: the catalog holds {partial['trials']} trials" in (
        resumed.stdout
    )
    state = catalog_state(env)
    assert state["trials"] == STUDIES and state["loads"] == 1
    assert state["words"] > 1000  # the "did you mean" vocabulary of the whole catalog

    # ...and the start after that leaves the complete catalog alone.
    again = subprocess.run(
        [sys.executable, *FIRST_LOAD, studies_file],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0
    assert "The first load is complete" in again.stdout
    assert catalog_state(env) == state
