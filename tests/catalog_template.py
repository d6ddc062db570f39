"""The bundled catalog, imported once per test run into a template database.

Importing the 1,536 bundled studies and the seeds takes a minute or more, and each test process
(one per ``make test`` worker) needs the catalog. So the first process that collects a test
needing it starts the import in the background (``python -m tests.catalog_template``) while the
tests that need no catalog run; each process then copies the template into its own test
database (``CREATE DATABASE ... TEMPLATE``, a second) when its first catalog test starts. The
import is the real one (``Importer().run``), into a database migrated as the test databases are.

Processes of one run find each other through ``CATALOG_TEST_RUN`` (set by the run's first
process, inherited by pytest-xdist's workers) and a directory named after it, where the import
leaves ``done`` or ``failed`` and its log. The import outlives the process that started it (an
xdist worker may end before the others) but not the run's first process: it stops with it, and
drops the template once it is gone.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

RUN_VARIABLE = "CATALOG_TEST_RUN"
OWNER_VARIABLE = "CATALOG_TEST_RUN_OWNER"
# Long enough for a slow machine's import under a full test load.
WAIT_SECONDS = 30 * 60


def start_run():
    """Name this test run (once, in the first process; workers inherit the name and the pid
    of the process that owns the run)."""
    if RUN_VARIABLE not in os.environ:
        os.environ[RUN_VARIABLE] = uuid.uuid4().hex[:12]
        os.environ[OWNER_VARIABLE] = str(os.getpid())


def _run():
    return os.environ[RUN_VARIABLE]


def template_name():
    return f"test_catalog_template_{_run()}"


def _directory():
    return Path(tempfile.gettempdir()) / f"catalog-template-{_run()}"


def start_import():
    """Start the import in the background unless another process of this run did."""
    directory = _directory()
    directory.mkdir(exist_ok=True)
    try:
        os.close(os.open(directory / "started", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "trialsite.test_settings"}
    with open(directory / "import.log", "wb") as log:
        subprocess.Popen(
            [sys.executable, "-m", "tests.catalog_template", template_name(), str(directory)],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait():
    """Wait for the background import; fail with its log if it failed."""
    directory = _directory()
    deadline = time.monotonic() + WAIT_SECONDS
    while not (directory / "done").exists():
        if (directory / "failed").exists() or time.monotonic() > deadline:
            log = (directory / "import.log").read_text(errors="replace")
            raise RuntimeError(f"the bundled catalog's import did not finish:\n{log[-5000:]}")
        time.sleep(0.2)


def copy_into(connection):
    """Replace ``connection``'s (test) database with a copy of the template."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import caches
    from django.db import connections

    wait()
    name = connection.settings_dict["NAME"]
    connections.close_all()
    # Django's own connection to the maintenance database, as its test database creation uses.
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name()}"')
    # What this process remembered of the database it had before.
    ContentType.objects.clear_cache()
    for cache in caches.all():
        cache.clear()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _watch_owner(pid, directory):
    """Stop the import if the run it serves ends first (a failure, an interrupted run)."""
    while _alive(pid):
        if (directory / "done").exists():
            return
        time.sleep(1)
    os._exit(1)


def build(name, directory):
    """Create the template database ``name``: migrated, the bundled catalog imported, and its
    statuses judged by the tests' fixed day."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    from catalog.models import Trial
    from catalog.registry.importer import Importer
    from tests.statuses import STATUSES_JUDGED_ON

    # As the test runner has it: no query log kept for the whole import.
    settings.DEBUG = False
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connections.close_all()
    connection.settings_dict["NAME"] = name
    call_command("migrate", interactive=False, verbosity=0)
    print(Importer().run(settings.CATALOG_BUNDLED_DATA), flush=True)
    # Statuses judged by a fixed day, not the calendar's, so that no test changes its answer as
    # records age (tests/site/test_statuses.py judges by days of its own).
    Trial.objects.judge_statuses(STATUSES_JUDGED_ON)
    # A template cannot be copied while anyone is connected to it.
    connections.close_all()
    (directory / "done").touch()


def drop(name, directory, owner):
    """Once the run is over, drop the template and the run's directory."""
    from django.db import connection

    while _alive(owner):
        time.sleep(0.5)
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    name, directory, owner = sys.argv[1], Path(sys.argv[2]), int(os.environ[OWNER_VARIABLE])
    threading.Thread(target=_watch_owner, args=(owner, directory), daemon=True).start()
    try:
        build(name, directory)
    except BaseException:
        (directory / "failed").touch()
        raise
    drop(name, directory, owner)
