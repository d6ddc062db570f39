"""/sitemap.xml lists the home, the list and every public trial; /robots.txt points to it."""

import xml.etree.ElementTree as ET

import pytest

from catalog.models import Trial

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return {
        url.find("s:loc", NS).text: getattr(url.find("s:lastmod", NS), "text", None)
        for url in root.findall("s:url", NS)
    }


def test_every_public_trial_is_listed_with_its_last_update(client, bundled_catalog):
    urls = sitemap(client)
    trials = [u for u in urls if u.startswith("http://testserver/trials/NCT")]
    assert len(trials) == Trial.objects.public().count() == 1538
    # A seed document that states no update date: the day the catalog last changed the page.
    seed = Trial.objects.get(nct_id="NCT02883803")
    assert seed.last_update_posted is None
    assert urls["http://testserver/trials/NCT02883803/"] == seed.updated_at.date().isoformat()
    assert urls["http://testserver/trials/NCT06518902/"] == "2024-07-25"


def test_the_home_and_list_pages_are_listed(client, bundled_catalog):
    urls = sitemap(client)
    assert "http://testserver/" in urls
    assert "http://testserver/trials/" in urls


def test_hidden_trials_are_not_listed(client, bundled_catalog):
    Trial.objects.filter(nct_id="NCT02883803").update(is_public=False)
    assert "http://testserver/trials/NCT02883803/" not in sitemap(client)


def test_the_sitemap_takes_a_constant_number_of_queries(
    client, bundled_catalog, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        sitemap(client)


def test_robots_txt_points_to_the_sitemap(client, bundled_catalog):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
