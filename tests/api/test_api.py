"""``GET /api/v2/studies/<NCT ID>``."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_study_in_the_v2_format(client, bundled_catalog):
    response = client.get("/api/v2/studies/NCT06518902")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    study = response.json()
    ident = study["protocolSection"]["identificationModule"]
    assert ident["nctId"] == "NCT06518902"
    assert study["protocolSection"]["statusModule"]["overallStatus"] == "NOT_YET_RECRUITING"


def test_an_unknown_study_is_a_404_with_a_json_error(client, bundled_catalog):
    response = client.get("/api/v2/studies/NCT99999999")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Study NCT99999999 not found."


def test_not_an_nct_id_is_a_404_with_a_json_error(client, bundled_catalog):
    response = client.get("/api/v2/studies/hello")
    assert response.status_code == 404
    assert "error" in response.json()
