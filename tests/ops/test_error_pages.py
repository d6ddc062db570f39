"""Custom error pages: a friendly 404 with a search box (and a way to the trial when the address
holds an NCT ID), a JSON 404 under /api/, and a static 500 page that shows no internals."""

import pytest

from tests.public_urls import EXAMPLE_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    """The error handlers production uses (with DEBUG on, Django shows its own pages)."""
    settings.DEBUG = False
    return settings


def test_an_unknown_address_gets_the_friendly_404(client, production, bundled_catalog):
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'role="search"' in html and 'name="q"' in html
    assert "/no/such/page/" in html
    assert 'href="/trials/"' in html


def test_an_nct_id_in_a_wrong_address_leads_to_the_trial(client, production, bundled_catalog):
    response = client.get(f"/study/{EXAMPLE_ID.lower()}")
    html = response.content.decode()
    assert response.status_code == 404
    assert f'href="/trials/{EXAMPLE_ID}/"' in html
    assert f'value="{EXAMPLE_ID}"' in html


def test_an_nct_id_not_in_the_catalog_points_where_else_to_look(
    client, production, bundled_catalog
):
    response = client.get("/trials/NCT99999999/")
    html = response.content.decode()
    assert response.status_code == 404
    # No link into a search that finds nothing: ClinicalTrials.gov instead.
    assert 'href="/trials/?q=NCT99999999"' not in html
    assert "https://clinicaltrials.gov/study/NCT99999999" in html
    assert 'href="/trials/NCT99999999/"' not in html


def test_the_404_page_escapes_the_address(client, production):
    response = client.get("/%3Cscript%3Ealert(1)%3C/script%3E/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_an_unknown_api_address_answers_json(client, production):
    response = client.get("/api/v2/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["status"] == 404


def test_a_failing_view_gets_the_static_500_page(client, production):
    production.ROOT_URLCONF = "tests.failing_urls"
    client.raise_request_exception = False
    response = client.get("/failing-view/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html
    assert response["Cache-Control"] == "private, no-store"


def test_the_500_page_needs_no_context_or_database():
    from django.template import loader

    html = loader.render_to_string("500.html")
    assert "Something went wrong" in html
    assert "{%" not in html and "{{" not in html


def test_production_serves_the_friendly_404(production_server):
    response = production_server.get("/no/such/page/")
    assert response.status == 404
    assert "Page not found" in response.text


def test_a_database_error_outside_a_view_still_gets_the_503_page(rf):
    """An outage met by a middleware reaches the 500 handler, which answers 503 all the same."""
    from django.db import OperationalError

    from trialsite.errors import server_error

    try:
        raise OperationalError("connection to server failed")
    except OperationalError:
        response = server_error(rf.get("/trials/"))
    assert response.status_code == 503
    assert "The catalog is briefly unavailable" in response.content.decode()
    assert response["Retry-After"] == "30"
