"""Every spelling of a trial's address leads, in one permanent redirect, to the canonical one."""

import pytest

pytestmark = pytest.mark.django_db

CANONICAL = "/trials/NCT02883803/"


@pytest.mark.parametrize(
    "path",
    [
        "/trials/nct02883803/",  # lower case
        "/trials/NCT02883803",  # no trailing slash
        "/trials/nct2883803",  # fewer leading zeros, lower case, no slash
        "/trials/NCT2883803/",  # fewer leading zeros
        "/trials/NCT002883803/",  # more leading zeros
        "/trials/Nct02883803/",
    ],
)
def test_a_variant_address_redirects_permanently_in_one_step(client, bundled_catalog, path):
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == CANONICAL
    assert client.get(response["Location"]).status_code == 200


def test_the_canonical_address_does_not_redirect(client, bundled_catalog):
    assert client.get(CANONICAL).status_code == 200


def test_the_query_string_survives_the_redirect(client, bundled_catalog):
    response = client.get("/trials/nct2883803?utm_source=mail")
    assert response.status_code == 301
    assert response["Location"] == CANONICAL + "?utm_source=mail"


def test_a_head_request_redirects_too(client, bundled_catalog):
    response = client.head("/trials/nct2883803/")
    assert response.status_code == 301
    assert response["Location"] == CANONICAL


def test_other_addresses_without_a_slash_get_the_slash_first(client, bundled_catalog):
    response = client.get("/trials/stem-cells")
    assert response.status_code == 301
    assert response["Location"] == "/trials/stem-cells/"
