"""Security headers: a Content-Security-Policy without inline script on every page (the admin
included), frame protection, nosniff, the referrer policy, and HSTS, HTTPS redirects and secure
cookies when the site is served over HTTPS."""

import re

import pytest
from django.contrib.auth.models import User

from tests.public_urls import ADMIN_LOGIN_URL, HTML_PAGES, PUBLIC_URLS, example
from tests.servers import Gunicorn, database_url, production_env

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/(ld\+)?json\")")
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def directives(header):
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_no_inline_script(html, where):
    assert not INLINE_SCRIPT.search(html), f"inline <script> in {where}"
    assert not EVENT_HANDLER.search(html), f"inline event handler in {where}"
    assert not JAVASCRIPT_URL.search(html), f"javascript: URL in {where}"


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_url_sends_the_policy_and_headers(client, bundled_catalog, url):
    response = client.get(example(url), follow=True)
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end, as a client does
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("url", HTML_PAGES)
def test_pages_need_no_inline_script_or_style(client, bundled_catalog, url):
    response = client.get(example(url), follow=True)
    html = response.content.decode()
    assert_no_inline_script(html, url)
    assert "<style" not in html and " style=" not in html, f"inline style in {url}"
    assert response["X-Frame-Options"] == "DENY"


def test_json_ld_data_blocks_are_not_inline_script():
    data_block = '<script type="application/ld+json">{"@type": "MedicalTrial"}</script>'
    assert not INLINE_SCRIPT.search(data_block)
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")


def test_the_admin_works_under_its_policy(client):
    login = client.get(ADMIN_LOGIN_URL)
    policy = directives(login["Content-Security-Policy"])
    # Only inline styles are allowed in the admin; scripts stay external.
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["frame-ancestors"] == ["'none'"]
    admin = User.objects.create_superuser("curator", "curator@example.org", "a long passphrase")
    client.force_login(admin)
    for url in [
        "/admin/",
        "/admin/auth/user/",
        f"/admin/auth/user/{admin.pk}/change/",
        "/admin/auth/user/add/",
        "/admin/auth/group/add/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_inline_script(response.content.decode(), url)


def test_a_logged_in_curator_gets_the_same_site_policy(client, bundled_catalog):
    client.force_login(User.objects.create_user("reader", password="a long passphrase"))
    response = client.get(example("/trials/{id}/"))
    assert directives(response["Content-Security-Policy"])["style-src"] == ["'self'"]


@pytest.fixture(scope="module")
def https_server(django_db_setup, collected_static, tmp_path_factory):
    """Production behind a TLS proxy: HTTPS=1, and the proxy's X-Forwarded-Proto trusted."""
    from django.db import connection

    env = production_env(
        database_url(connection.settings_dict), collected_static, HTTPS=1, BEHIND_PROXY=1
    )
    with Gunicorn(env, tmp_path_factory.mktemp("https") / "log", workers=1) as server:
        yield server


def test_plain_http_is_redirected_to_https(https_server):
    response = https_server.get("/trials/", headers={"Host": "localhost"})
    assert response.status == 301
    assert response.headers["Location"] == "https://localhost/trials/"


def test_https_sends_hsts_and_secure_cookies(https_server):
    response = https_server.get(
        ADMIN_LOGIN_URL, headers={"Host": "localhost", "X-Forwarded-Proto": "https"}
    )
    assert response.status == 200
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("csrftoken=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "upgrade-insecure-requests" in response.headers["Content-Security-Policy"]
