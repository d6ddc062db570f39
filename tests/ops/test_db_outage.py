"""With the database stopped, pages answer 503 with a friendly page (JSON for the API), and the
site recovers on its own once the database is back: gunicorn in production mode against an
embedded PostgreSQL of its own, stopped and started during the test."""

import json
import sys
import time

import pytest

from tests.public_urls import ADMIN_LOGIN_URL, PUBLIC_URLS, example
from tests.servers import Gunicorn, manage, production_env

URLS = [example(url) for url in PUBLIC_URLS]
# The pages that read the database whatever the visitor (the home page only redirects).
NEED_THE_DATABASE = [example(url) for url in ("/trials/", "/trials/{id}/", "/api/v2/studies/{id}")]


@pytest.fixture(scope="module")
def site(scratch_postgres, scratch_template, collected_static, tmp_path_factory):
    url = scratch_postgres.create_database("outage", template=scratch_template)
    env = production_env(url, collected_static)
    manage(sys.executable, "import_ctgov", "data/seeds", env=env)
    log = tmp_path_factory.mktemp("outage") / "gunicorn.log"
    with Gunicorn(env, log, workers=2) as server:
        yield server


def statuses(server, rounds=3):
    """Each URL's statuses over a few rounds, so that every worker answers."""
    return {url: {server.get(url).status for _ in range(rounds)} for url in URLS}


def test_pages_answer_503_while_the_database_is_down_and_recover(site, scratch_postgres):
    assert all(codes <= {200, 301, 302} for codes in statuses(site).values())

    scratch_postgres.stop()
    try:
        during = statuses(site)
        pages = {url: site.get(url) for url in NEED_THE_DATABASE}
        health = site.get("/healthz")
        login = site.request(
            "POST", ADMIN_LOGIN_URL, body="username=a&password=b", headers=FORM_HEADERS
        )
    finally:
        scratch_postgres.start()

    for url in NEED_THE_DATABASE:
        assert during[url] == {503}, (url, during[url])
    assert all(code < 500 or code == 503 for codes in during.values() for code in codes)
    page = pages[example("/trials/{id}/")]
    assert "The catalog is briefly unavailable" in page.text
    assert "Traceback" not in page.text and "OperationalError" not in page.text
    assert page.headers["Retry-After"] == "30"
    assert page.headers["Cache-Control"] == "no-store"
    api = pages[example("/api/v2/studies/{id}")]
    assert api.headers["Content-Type"] == "application/json"
    assert json.loads(api.body)["error"]["status"] == 503
    assert health.status == 503 and json.loads(health.body)["status"] == "unavailable"
    assert login.status in (403, 503)  # the CSRF check may answer before the database is asked

    # Back on its own: no restart of gunicorn, no request needed to "wake" anything.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        after = statuses(site)
        if all(codes <= {200, 301, 302} for codes in after.values()):
            break
        time.sleep(0.5)
    assert all(codes <= {200, 301, 302} for codes in after.values()), after


def test_the_outage_is_logged_as_json_lines(site, scratch_postgres):
    scratch_postgres.stop()
    try:
        site.get(example("/trials/{id}/"))
    finally:
        scratch_postgres.start()
    entries = [json.loads(line) for line in site.log().splitlines() if line.startswith("{")]
    outage = [e for e in entries if e["logger"] == "trialsite.outage"]
    # The server's log is shared with the other outage tests: the last entry is this request's.
    assert outage and outage[-1]["level"] == "ERROR"
    assert outage[-1]["message"].startswith("database unavailable: GET /trials/")


FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Host": "localhost"}
