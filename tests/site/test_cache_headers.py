"""Cache headers: public pages and the API briefly cacheable, the admin and anything personal
never, static files hashed, compressed and cached for years."""

import re

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from tests.public_urls import ADMIN_LOGIN_URL, example, pages
from trialsite.cache_headers import CacheControlMiddleware

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", pages())
def test_public_pages_are_briefly_cacheable(client, bundled_catalog, url):
    response = client.get(url, follow=True)
    assert response["Cache-Control"] == "public, max-age=60"


def test_api_answers_are_briefly_cacheable(client, bundled_catalog):
    response = client.get(example("/api/v2/studies/{id}"))
    assert response["Cache-Control"] == "public, max-age=300"


def private(cache_control):
    parts = {part.strip() for part in cache_control.split(",")}
    return {"private", "no-store"} <= parts and not any(p.startswith("public") for p in parts)


def test_the_admin_is_never_stored(client):
    assert private(client.get(ADMIN_LOGIN_URL)["Cache-Control"])
    client.force_login(User.objects.create_superuser("curator", "c@example.org", "long passphrase"))
    assert private(client.get("/admin/")["Cache-Control"])
    assert private(client.get("/admin/auth/user/")["Cache-Control"])


@pytest.mark.parametrize(
    "personal",
    [
        lambda response: response.set_cookie("sessionid", "abc"),
        lambda response: patch_vary_headers(response, ["Cookie"]),
    ],
    ids=["sets-a-cookie", "varies-on-cookie"],
)
def test_a_response_that_depends_on_the_visitor_is_not_shared(rf, personal):
    def view(request):
        response = HttpResponse("for one visitor")
        personal(response)
        return response

    response = CacheControlMiddleware(view)(rf.get("/trials/"))
    assert response["Cache-Control"] == "private, no-store"


def test_posts_and_errors_are_not_stored(client, bundled_catalog):
    assert client.post("/trials/")["Cache-Control"] == "private, no-store"


def test_the_maximum_ages_come_from_the_settings(client, bundled_catalog, settings):
    settings.PAGE_MAX_AGE = 5
    assert client.get("/trials/")["Cache-Control"] == "public, max-age=5"


def test_static_files_are_hashed_compressed_and_cached_for_years(production_server):
    page = production_server.get("/trials/").text
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the page links the hashed stylesheet"
    response = production_server.get(stylesheet.group(1), headers={"Accept-Encoding": "gzip, br"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] in ("gzip", "br")
    cache_control = response.headers["Cache-Control"]
    assert "max-age=315360000" in cache_control and "immutable" in cache_control
