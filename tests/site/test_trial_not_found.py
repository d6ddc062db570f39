"""An address that names no public trial gets a helpful 404 page, never a 500."""

import pytest

from tests.pages import element, text

pytestmark = pytest.mark.django_db


def test_an_unknown_nct_id_offers_a_search_for_it(client, bundled_catalog):
    response = client.get("/trials/NCT99999999/")
    assert response.status_code == 404
    assert "catalog/trial_not_found.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "The catalog has no public trial NCT99999999." in text(page)
    form = element(page, "form", role="search")
    assert 'action="/trials/"' in form
    assert 'name="q" value="NCT99999999"' in form
    assert '<label for="not-found-q">' in form
    assert 'href="https://clinicaltrials.gov/study/NCT99999999"' in page
    assert '<meta name="robots" content="noindex">' in page


def test_a_short_id_is_not_named_as_another_trial(client, bundled_catalog):
    response = client.get("/trials/nct1/", follow=True)
    assert response.status_code == 404
    page = response.content.decode()
    assert "NCT00000001" not in page
    assert "“nct1” is not a trial in the catalog." in text(page)
    assert 'value="nct1"' in page


@pytest.mark.parametrize(
    "path", ["/trials/stem-cells/", "/trials/NCT123456789/", "/trials/12345678/", "/trials/%20/"]
)
def test_an_address_that_is_no_nct_id_is_a_404_with_a_search(client, bundled_catalog, path):
    response = client.get(path)
    assert response.status_code == 404
    assert 'name="q"' in response.content.decode()


def test_what_was_asked_is_escaped_on_the_404_page(client, bundled_catalog):
    response = client.get("/trials/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%22/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<img" not in page
    assert "“&lt;img src=x onerror=alert(1)&gt;&quot;” is not a trial" in page
    assert 'value="&lt;img src=x onerror=alert(1)&gt;&quot;"' in page


def test_a_very_long_address_is_a_404(client, bundled_catalog):
    response = client.get("/trials/" + "x" * 5000 + "/")
    assert response.status_code == 404
    assert "x" * 201 not in response.content.decode()
