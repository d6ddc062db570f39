"""Hostile and malformed requests (tests/hostile_requests.py) against every public URL and the
admin login: no server error, no reflected script, nothing written to the database. Sent twice:
through Django in the test (production error handlers, CSRF enforced) and over real sockets to
gunicorn in production mode, with what only raw bytes can express."""

import http.client
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client

from tests.hostile_requests import RAW_REQUESTS, XSS, corpus
from tests.public_urls import ADMIN_LOGIN_URL

pytestmark = pytest.mark.django_db

# Apps whose job is to record failed logins: their rows are writes on purpose.
RECORDS_ATTEMPTS = {"axes"}
# Figures and pages about the catalog that any visit may compute and keep, as a cache would.
COMPUTED_FIGURES = {"catalog.SharedFigures", "catalog.StoredPage", "catalog.StoredCard"}


class ScriptFinder(HTMLParser):
    """Finds the payload where a browser would run it: in a script element, an event-handler
    attribute or a javascript: URL (escaped text and attribute values are harmless)."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_script = False
        self.found = False

    def handle_starttag(self, tag, attrs):
        self.in_script = tag == "script"
        for name, value in attrs:
            value = (value or "").strip().lower()
            if XSS in value and (
                name.startswith("on")
                or (name in self.URL_ATTRIBUTES and value.startswith("javascript:"))
            ):
                self.found = True

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script and XSS in data:
            self.found = True


def reflects_script(html):
    finder = ScriptFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label not in RECORDS_ATTEMPTS
        and model._meta.label not in COMPUTED_FIGURES
    }


def problems(status, content_type, body, headers):
    found = []
    if status >= 500:
        found.append(f"server error {status}")
    if "html" in content_type and reflects_script(body):
        found.append("reflected script")
    if any("injected" in f"{k}: {v}".lower() for k, v in headers.items()):
        found.append("injected header")
    return found


# Streamed downloads (all matching trials, up to the whole catalog each) are sent to gunicorn
# only, which is read until the client stops: the status, headers and first trials show what a
# bad parameter did to them (the downloads are tested whole in tests/site/test_exports.py; their
# parameters are read as the list page's, which the in-process run covers).
DOWNLOAD_BYTES = 256 * 1024
DOWNLOADS = "/trials/export."


def send(hostile):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    body = hostile.body
    if hostile.csrf != "none":
        client.get("/admin/login/")
        token = client.cookies["csrftoken"].value
        if hostile.csrf == "wrong":
            body += b"&csrfmiddlewaretoken=" + b"x" * 64
        elif hostile.csrf == "valid":
            body += b"&csrfmiddlewaretoken=" + token.encode()
    extra = {"content_type": hostile.content_type} if hostile.content_type else {}
    return client.generic(hostile.method, hostile.path, data=body, headers=hostile.headers, **extra)


def test_the_corpus_is_large_and_covers_every_public_url():
    from tests.public_urls import PUBLIC_URLS, example

    requests = corpus()
    assert len(requests) >= 200
    for url in [*PUBLIC_URLS, ADMIN_LOGIN_URL]:
        assert any(r.path.startswith(example(url).split("?")[0]) for r in requests), url


def sent_in_process(requests):
    """The problems of each request sent through Django, with the exception behind a 500."""
    failures = []
    for hostile in requests:
        response = send(hostile)
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode("utf-8", "replace")
        found = problems(
            response.status_code, response.get("Content-Type", ""), body, dict(response.items())
        )
        if found:
            error = getattr(response, "exc_info", None)
            detail = f" ({error[0].__name__}: {error[1]})" if error else ""
            failures.append(f"{hostile}: {', '.join(found)}{detail}")
    return failures


@pytest.mark.slow
def test_no_server_error_no_reflected_script_nothing_written(bundled_catalog, settings):
    settings.DEBUG = False  # production's error handling
    settings.CATALOG_CACHE_PAGES = True  # and its caches
    # Streamed downloads are sent to gunicorn below (and tested whole elsewhere).
    requests = [h for h in corpus() if not h.path.startswith(DOWNLOADS)]
    public = [h for h in requests if h.path.split("?")[0] != ADMIN_LOGIN_URL]
    login = [h for h in requests if h.path.split("?")[0] == ADMIN_LOGIN_URL]
    # The public URLs first, on a transaction that has written nothing: one that has skips
    # every cache (catalog.site.cache), which no production request does.
    before_public = row_counts()
    failures = sent_in_process(public)
    after_public = row_counts()
    # Then the admin login, with a curator to guess the password of.
    User.objects.create_user("curator", password="the right passphrase")
    before_login = row_counts()
    failures += sent_in_process(login)
    assert failures == []
    assert after_public == before_public
    assert row_counts() == before_login


# Bodies larger than Django accepts in memory (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).
OVERSIZED = 2_621_440


def test_the_same_against_gunicorn_in_production(production_server):
    before = row_counts()
    failures = []
    for hostile in corpus():
        headers = {**hostile.headers}
        if hostile.content_type:
            headers["Content-Type"] = hostile.content_type
        headers.setdefault("Host", "127.0.0.1")
        try:
            response = production_server.request(
                hostile.method,
                hostile.path,
                body=hostile.body or None,
                headers=headers,
                max_bytes=DOWNLOAD_BYTES if hostile.path.startswith(DOWNLOADS) else None,
            )
        except (http.client.HTTPException, ConnectionError) as error:
            if isinstance(error, ConnectionError) and len(hostile.body or b"") > OVERSIZED:
                # The server may answer and close before an oversized body is all sent.
                continue
            failures.append(f"{hostile}: broken response ({type(error).__name__})")
            continue
        found = problems(
            response.status,
            response.headers.get("Content-Type", ""),
            response.text,
            response.headers,
        )
        if found:
            failures.append(f"{hostile}: {', '.join(found)}")
    for label, data in RAW_REQUESTS.items():
        status, received = production_server.raw(data)
        if status == 0 or status >= 500 or reflects_script(received.decode("latin-1")):
            failures.append(f"raw {label}: {status or 'no answer'}")
    assert failures == []
    assert row_counts() == before


def test_a_reflected_payload_would_be_caught():
    assert reflects_script(f"<p><script>{XSS}</script></p>")
    assert reflects_script(f"<img src=x onerror={XSS}>")
    assert reflects_script(f'<a href=" JavaScript:{XSS}">')
    assert not reflects_script(f"&lt;script&gt;{XSS}&lt;/script&gt;")
    assert not reflects_script(f'<input value="&quot;&gt;&lt;img src=x onerror={XSS}&gt;">')
    assert not reflects_script(f'<input value="javascript:{XSS}">')
