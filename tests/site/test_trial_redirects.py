"""Every spelling of a trial's address leads, in one permanent redirect, to the canonical one."""

import pytest

pytestmark = pytest.mark.django_db

CANONICAL = "/trials/NCT02883803/"


@pytest.mark.parametrize(
    "path",
    [
        "/trials/nct02883803/",  # lower case
        "/trials/NCT02883803",  # no trailing slash
        "/trials/nct02883803",  # lower case, no slash
        "/trials/Nct02883803/",
    ],
)
def test_a_variant_address_redirects_permanently_in_one_step(client, bundled_catalog, path):
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == CANONICAL
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/trials/NCT2883803/",  # fewer digits: another number, not rewritten into this one
        "/trials/NCT002883803/",  # more digits
        "/trials/nct2883803",
        "/trials/NCT\u0660\u0662\u0668\u0668\u0663\u0668\u0660\u0663/",  # Arabic-Indic digits
        "/trials/NCT02883803%0A/",
    ],
)
def test_an_address_that_is_not_exactly_an_nct_id_is_not_rewritten(client, bundled_catalog, path):
    response = client.get(path, follow=True)
    assert response.status_code == 404
    assert all("NCT02883803/" not in url for url, _ in response.redirect_chain)
    assert "The catalog has no public trial" not in response.content.decode()


def test_the_canonical_address_does_not_redirect(client, bundled_catalog):
    assert client.get(CANONICAL).status_code == 200


def test_the_query_string_survives_the_redirect(client, bundled_catalog):
    response = client.get("/trials/nct02883803?utm_source=mail")
    assert response.status_code == 301
    assert response["Location"] == CANONICAL + "?utm_source=mail"


def test_a_head_request_redirects_too(client, bundled_catalog):
    response = client.head("/trials/nct02883803/")
    assert response.status_code == 301
    assert response["Location"] == CANONICAL


def test_other_addresses_without_a_slash_get_the_slash_first(client, bundled_catalog):
    response = client.get("/trials/stem-cells")
    assert response.status_code == 301
    assert response["Location"] == "/trials/stem-cells/"
