"""Shared fixtures.

Tests run against a real PostgreSQL: the embedded server under var/ unless DATABASE_URL names
another. Tests that need the bundled catalog ask for ``bundled_catalog``; it is imported once
per run (tests/catalog_template.py), so tests must not use ``transactional_db`` (which would
empty the tables).
"""

import os

import pytest

from tests import catalog_template

# Nor do the servers the tests start judge them by the calendar (catalog.site.statuses): they
# would write to the test database under the other tests.
os.environ["CATALOG_JUDGE_STATUSES_DAILY"] = "0"

# Fixtures that start another process: the tests that use them are system tests (marker
# ``system``), slower than the rest; ``-m "not system"`` leaves them out.
SYSTEM_FIXTURES = {"production_server", "scratch_postgres", "scratch_template", "chromium"}


def pytest_configure(config):
    catalog_template.start_run()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    slow_files, catalog_files = set(), set()
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if SYSTEM_FIXTURES & fixtures or item.get_closest_marker("system"):
            item.add_marker(pytest.mark.system)
        if item.get_closest_marker("system") or item.get_closest_marker("slow"):
            slow_files.add(item.path)
        if "bundled_catalog" in fixtures:
            catalog_files.add(item.path)
    # The files that need no catalog first, while the catalog is imported in the background;
    # then, within each part, the files with system or slow tests first, each file's tests in
    # their order: the workers (``make test`` runs a file per worker at a time, in this order)
    # take the long files while there are short ones left to even out the end, instead of one
    # worker finishing a long file alone.
    items.sort(key=lambda item: (item.path in catalog_files, item.path not in slow_files))
    if catalog_files and not config.option.collectonly:
        catalog_template.start_import()


@pytest.fixture(scope="session")
def bundled_catalog(django_db_setup, django_db_blocker):
    """The bundled 1,536 studies and the five seed trials, imported once for the whole run
    (``tests/catalog_template.py``) and copied into this process's test database."""
    from django.core.management import call_command
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if not name.startswith("test_"):
        # pytest-django sets up the test database only for a run with a test marked django_db;
        # never replace (and later flush) the development database instead.
        pytest.fail(f"bundled_catalog would write to {name!r}: mark the test django_db")
    with django_db_blocker.unblock():
        catalog_template.copy_into(connection)
    yield
    with django_db_blocker.unblock():
        call_command("flush", "--noinput", verbosity=0)


@pytest.fixture
def no_stored_pages(db):
    """No trial page stored (``StoredPage``): each is rendered on its view, with the most
    queries, as on its first view after a change."""
    from catalog.models import StoredPage

    StoredPage.objects.all().delete()


@pytest.fixture
def no_stored_cards(db, monkeypatch):
    """No list result's card current (``StoredCard``; a server's requests and the release step
    store them): each list renders its cards, with the most queries, as on its first view after
    a change. The running code is given a build of its own, where deleting the cards would be a
    write, and a transaction that has written is served no counts kept per catalog version."""
    from catalog.site import cards

    monkeypatch.setattr(cards, "build", lambda: "a test's build")


DATABASE_FIXTURES = {"db", "transactional_db", "bundled_catalog"}


@pytest.fixture(autouse=True)
def no_figures_counted_by_another_test(request):
    """Each test's pages count the catalog the test sees. The whole catalog's counts are kept
    in the database per catalog version (``catalog.site.cache.per_version``), committed by
    whoever counted them: a server under test, a background thread, another test. A test that
    changes the catalog and changes it back would otherwise be served counts of a state it
    never saw, as the counts of the version before."""
    if not (
        DATABASE_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db")
    ):
        return
    from catalog.models import SharedFigures

    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        SharedFigures.forget()


@pytest.fixture
def curator(db):
    """A staff account in the "Curator" group (view, add, change; no delete, no publishing)."""
    return _staff("curator", "Curator")


@pytest.fixture
def editor(db):
    """A staff account in the "Editor" group (also delete, publish and hide)."""
    return _staff("editor", "Editor")


def _staff(username, group):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username, f"{username}@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def imported_trial(db):
    """A real study with arms, interventions and four sites (bundled item 9), imported under
    NCT09000001 for this test."""
    from catalog.models import Trial
    from catalog.registry.importer import Importer
    from tests.factories import real_study

    study = real_study(9)
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT09000001"
    Importer().import_study(study, "test.json")
    return Trial.objects.get(nct_id="NCT09000001")


# Real servers (tests/servers.py) ---------------------------------------------------------------


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """``collectstatic`` as production runs it (hashed, compressed files), in a temporary root."""
    import sys

    from tests.servers import manage, production_env

    root = tmp_path_factory.mktemp("staticfiles")
    # collectstatic reads no database; the address only satisfies the production settings.
    env = production_env("postgres://nobody@127.0.0.1:1/none", root)
    manage(sys.executable, "collectstatic", "--noinput", env=env)
    return root


@pytest.fixture(scope="session")
def production_server(django_db_setup, bundled_catalog, collected_static, tmp_path_factory):
    """gunicorn in production mode (DEBUG off) on 127.0.0.1, serving the test database."""
    from django.db import connection

    from tests.servers import Gunicorn, database_url, production_env

    # Every test of the session reaches this server from 127.0.0.1, so the per-address limit
    # on downloads would ration them between unrelated tests by the order they happen to run
    # in; tests/site/test_downloads.py tests the limit itself.
    env = production_env(
        database_url(connection.settings_dict), collected_static, CATALOG_EXPORT_LIMIT=0
    )
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with Gunicorn(env, log) as server:
        yield server


@pytest.fixture(scope="session")
def scratch_postgres():
    """An embedded PostgreSQL of its own, which tests may stop, start and fill at will.

    Its data lives outside pytest's temporary directory, which pytest keeps private to root
    while the server runs as another user."""
    import shutil
    import tempfile
    from pathlib import Path

    from tests.servers import ScratchPostgres

    directory = Path(tempfile.mkdtemp(prefix="catalog-scratch-"))
    server = ScratchPostgres(directory / "pgdata")
    yield server
    server.cleanup()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def scratch_template(scratch_postgres, collected_static):
    """The name of a migrated, empty catalog database on the scratch server, to copy from."""
    import sys

    from tests.servers import manage, production_env

    url = scratch_postgres.create_database("catalog_template")
    manage(sys.executable, "migrate", "--noinput", env=production_env(url, collected_static))
    return "catalog_template"


# A real Chromium (tests/browser.py) ------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_executable():
    """The system Chromium's path; the test skips where there is none (fails in CI)."""
    from tests.browser import require_chromium

    return require_chromium()


@pytest.fixture(scope="module")
def chromium(chromium_executable, production_server):
    """Headless Chromium, driven by Playwright, for one test module.

    The browser tests are marked ``django_db`` (so that pytest-django sets up the test
    database the server reads) but read only pages. While Playwright's sync API runs, this
    thread has an event loop marked as running, so Django refuses the tests' transactions
    unless DJANGO_ALLOW_ASYNC_UNSAFE is set (it is, until Playwright stops), and the tests run
    in a context of Playwright's, where Django opens database connections of their own: they
    are closed before Playwright stops, and the session's connection is untouched."""
    import os

    from django.db import connections
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright, chromium_executable)
            yield browser
            browser.close()
            connections.close_all()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page(chromium, production_server):
    """A new tab in a fresh browser context on ``production_server`` (relative URLs work), with
    the clipboard allowed and downloads accepted."""
    context = chromium.new_context(base_url=production_server.base_url, accept_downloads=True)
    context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=production_server.base_url
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
