"""Rules every request meets: public pages answer GET and HEAD only; absolute addresses carry no
port the server does not listen on (or the configured CANONICAL_ORIGIN); a bad Host header is
one warning line; the static files' manifest is not served."""

import json
import logging
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.public_urls import EXAMPLE_ID

pytestmark = pytest.mark.django_db

TRIAL = f"/trials/{EXAMPLE_ID}/"
PAGES = ["/", "/trials/", TRIAL, "/insights/", "/trials/feed/", "/sitemap.xml", "/robots.txt"]


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "PUT", "DELETE", "POST"])
@pytest.mark.parametrize("path", PAGES + ["/api/v2/studies", "/trials/export.csv"])
def test_other_methods_than_get_and_head_get_a_405_not_the_page(
    client, bundled_catalog, method, path
):
    response = client.generic(method, path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.content == b""


def test_the_admin_still_takes_its_forms(client, bundled_catalog):
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 200


def canonical(response):
    return re.search(r'<link rel="canonical" href="([^"]+)"', response.content.decode()).group(1)


def sitemap_locations(response):
    root = ET.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return [loc.text for loc in root.findall("s:url/s:loc", ns)]


def test_a_port_the_server_does_not_listen_on_stays_out_of_addresses(client, bundled_catalog):
    host = {"HTTP_HOST": "localhost:6666"}
    assert canonical(client.get(TRIAL, **host)) == f"http://localhost{TRIAL}"
    locations = sitemap_locations(client.get("/sitemap.xml", **host))
    assert locations and all(loc.startswith("http://localhost/") for loc in locations)
    assert "http://localhost/sitemap.xml" in client.get("/robots.txt", **host).content.decode()
    # The port the server listens on stays (a development server on 127.0.0.1:8000).
    listening = {"HTTP_HOST": "localhost:8000", "SERVER_PORT": "8000"}
    assert canonical(client.get(TRIAL, **listening)) == f"http://localhost:8000{TRIAL}"


def test_a_configured_canonical_origin_builds_every_absolute_address(
    client, bundled_catalog, settings
):
    settings.CANONICAL_ORIGIN = "https://catalog.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "catalog.example.org"]  # as settings do
    host = {"HTTP_HOST": "localhost:6666"}
    assert canonical(client.get(TRIAL, **host)) == f"https://catalog.example.org{TRIAL}"
    locations = sitemap_locations(client.get("/sitemap.xml", **host))
    assert all(loc.startswith("https://catalog.example.org/") for loc in locations)
    feed = client.get("/trials/feed/?q=knee", **host).content.decode()
    assert "https://catalog.example.org/trials/NCT" in feed and "6666" not in feed


def test_a_bad_host_header_is_one_warning_line_without_a_traceback(client, caplog):
    with caplog.at_level(logging.DEBUG):
        response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    records = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert len(records) == 1
    (record,) = records
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "evil.example" in record.getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_the_static_files_manifest_is_not_served(production_server):
    assert production_server.get("/static/staticfiles.json").status == 404
    assert production_server.get("/static/staticfiles.json.gz").status == 404
    root = Path(production_server.env["STATIC_ROOT"])
    manifest = json.loads((root / "staticfiles.json").read_text())
    css = manifest["paths"]["css/site.css"]
    assert production_server.get(f"/static/{css}").status == 200
