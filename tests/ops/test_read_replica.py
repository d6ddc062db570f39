"""A primary and a streaming read replica: anonymous reads are answered from the replica, writes
and logged-in visitors from the primary; the site keeps answering when the replica stops, and
avoids it while it lags. Real servers: the scratch PostgreSQL as the primary, a hot standby
made from it with pg_basebackup (the same binaries), and gunicorn in production mode.

Which server answered is proved by the data, not assumed: with the replica's replay paused, a
title changed on the primary is seen only by requests that read from the primary."""

import re
import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.servers import (
    Gunicorn,
    StreamingReplica,
    manage,
    production_env,
    query_value,
    wait_for,
)

pytestmark = pytest.mark.system

DATABASE = "replicated"
TRIAL = "NCT04194671"  # one of the seed trials (data/seeds)
PAGES = [f"/trials/{TRIAL}/", f"/api/v2/studies/{TRIAL}", "/trials/"]
CURATOR_PASSWORD = secrets.token_urlsafe(16)


@pytest.fixture(scope="module")
def primary_url(scratch_postgres, scratch_template, collected_static):
    url = scratch_postgres.create_database(DATABASE, template=scratch_template)
    env = production_env(url, collected_static, CURATOR_PASSWORD=CURATOR_PASSWORD)
    manage(sys.executable, "import_ctgov", "data/seeds", env=env)
    manage(sys.executable, "create_curator", "replica-curator", env=env)
    return url


@pytest.fixture(scope="module")
def replica(scratch_postgres, primary_url):
    # Outside pytest's temporary directory, which is private to root (see scratch_postgres).
    directory = Path(tempfile.mkdtemp(prefix="catalog-replica-"))
    server = StreamingReplica(scratch_postgres, directory)
    yield server
    server.cleanup()
    shutil.rmtree(directory, ignore_errors=True)


def _site(primary_url, replica, collected_static, tmp_path_factory, *, max_lag, check, workers):
    env = production_env(
        primary_url,
        collected_static,
        DATABASE_REPLICA_URL=replica.url(DATABASE),
        DATABASE_REPLICA_MAX_LAG=max_lag,
        DATABASE_REPLICA_CHECK_SECONDS=check,
        # Every answer built afresh, so that it shows the database it was read from.
        CATALOG_CACHE_PAGES=0,
    )
    log = tmp_path_factory.mktemp("replica-site") / "gunicorn.log"
    return Gunicorn(env, log, workers=workers)


@pytest.fixture(scope="module")
def site(primary_url, replica, collected_static, tmp_path_factory):
    """Tolerates an hour of lag: it reads from the replica whenever the replica answers."""
    with _site(
        primary_url, replica, collected_static, tmp_path_factory, max_lag=3600, check=0.5, workers=2
    ) as server:
        yield server


@pytest.fixture(scope="module")
def strict_site(primary_url, replica, collected_static, tmp_path_factory):
    """Tolerates one second of lag."""
    with _site(
        primary_url, replica, collected_static, tmp_path_factory, max_lag=1, check=0.5, workers=1
    ) as server:
        yield server


@pytest.fixture(scope="module")
def steady_site(primary_url, replica, collected_static, tmp_path_factory):
    """Checks the replica once an hour: it learns that the replica is gone only from a request
    that fails on it."""
    with _site(
        primary_url, replica, collected_static, tmp_path_factory, max_lag=3600, check=3600,
        workers=1,
    ) as server:  # fmt: skip
        yield server


@pytest.fixture
def caught_up(replica):
    """The replica replaying and level with the primary, before and after the test."""
    replica.resume()
    replica.wait_until_caught_up()
    yield replica
    replica.resume()


def set_title(primary_url, title):
    query_value(
        primary_url,
        "UPDATE catalog_trial SET brief_title = %s WHERE nct_id = %s RETURNING nct_id",
        [title, TRIAL],
    )


def new_title():
    return f"Replica check {secrets.token_hex(6)}"


def shows(server, title, path=PAGES[0], **kwargs):
    response = server.get(path, **kwargs)
    assert response.status == 200, (path, response)
    return title in response.text


def post_login_form(server, username, password):
    """The admin's login form, fetched and posted as a browser does; the POST's response."""
    form = server.get("/admin/login/")
    csrf_cookie = form.cookies["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    return server.request(
        "POST",
        "/admin/login/?next=/admin/",
        body=urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
        },
    )


def log_in(server):
    """A curator's cookies, for requests made as that logged-in curator."""
    response = post_login_form(server, "replica-curator", CURATOR_PASSWORD)
    assert response.status == 302, response
    cookies = response.cookies
    return {"Cookie": f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"}


def test_anonymous_reads_come_from_the_replica_and_everything_else_from_the_primary(
    site, primary_url, caught_up
):
    replica = caught_up
    before = new_title()
    set_title(primary_url, before)
    replica.wait_until_caught_up()
    wait_for(lambda: shows(site, before), what="the site to show the replicated title")

    replica.pause()
    edited = new_title()
    set_title(primary_url, edited)
    # Several rounds, so that both workers answer every page.
    for _ in range(4):
        for path in PAGES:
            assert shows(site, before, path) and not shows(site, edited, path), path

    # A logged-in curator reads from the primary, on the public pages and in the admin.
    curator = log_in(site)
    assert shows(site, edited, headers=curator)
    change_page = site.get(f"/admin/catalog/trial/?q={TRIAL}", headers=curator)
    assert change_page.status == 200 and edited in change_page.text

    # An anonymous visitor's failed login is recorded (django-axes) on the primary; the replica,
    # read-only, would have refused the write with an error page.
    stranger = f"stranger-{secrets.token_hex(4)}"
    failed = post_login_form(site, stranger, "not the password")
    assert failed.status == 200 and "Please enter the correct username" in failed.text
    attempts = "SELECT count(*) FROM axes_accessattempt WHERE username = %s"
    assert query_value(primary_url, attempts, [stranger]) == 1

    replica.resume()
    wait_for(lambda: shows(site, edited), what="the replica to replay the new title")


def test_the_site_keeps_answering_from_the_primary_while_the_replica_is_stopped(
    site, steady_site, primary_url, caught_up
):
    replica = caught_up
    title = new_title()
    set_title(primary_url, title)
    replica.wait_until_caught_up()
    for server in (site, steady_site):
        wait_for(lambda server=server: shows(server, title), what="the replicated title")
    replica.pause()
    changed = new_title()
    set_title(primary_url, changed)
    # Both read from the replica, which lacks the change; their connections to it are open.
    assert not shows(site, changed) and not shows(steady_site, changed)

    replica.stop()
    try:
        # Every request answers, and from the primary. The steady site's next check of the
        # replica is an hour away: its first requests fail on the replica and run again on the
        # primary.
        for _ in range(3):
            for path in PAGES:
                assert shows(steady_site, changed, path), path
                assert shows(site, changed, path), path
        health = site.get("/healthz")
        assert health.status == 200, health
        assert health.json()["replica"]["status"].startswith("unreachable")
    finally:
        replica.start()

    # Back on the replica once it answers again: with its replay paused, the anonymous page
    # loses a title the primary has and the replica lacks.
    replica.wait_until_caught_up()
    replica.pause()
    unreplicated = new_title()
    set_title(primary_url, unreplicated)
    wait_for(lambda: not shows(site, unreplicated), what="reads to return to the replica")


def test_a_replica_lagging_beyond_the_bound_is_avoided(site, strict_site, primary_url, caught_up):
    replica = caught_up
    wait_for(
        lambda: strict_site.get("/healthz").json()["replica"]["status"] == "ok",
        what="the strict site to find the replica level",
    )
    replica.pause()
    title = new_title()
    set_title(primary_url, title)

    # The strict site (one second of lag at most) soon reads the new title from the primary...
    wait_for(lambda: shows(strict_site, title), what="the strict site to leave the replica")
    replica_state = strict_site.get("/healthz").json()["replica"]
    assert replica_state["status"] == "lagging" and replica_state["lag_seconds"] > 1
    # ...while the site that tolerates an hour still reads the replica, which lacks it.
    assert not shows(site, title)

    replica.resume()
    wait_for(
        lambda: strict_site.get("/healthz").json()["replica"]["status"] == "ok",
        what="the strict site to return to the replica once it has caught up",
    )
