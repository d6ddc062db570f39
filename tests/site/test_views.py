"""The trial list and the trial page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_list_shows_trials_newest_update_first(client, bundled_catalog):
    response = client.get("/trials/")
    assert response.status_code == 200
    trials = list(response.context["page"])
    dates = [t.last_update_posted for t in trials]
    assert dates == sorted(dates, reverse=True)
    assert response.context["count"] == 1538


def test_the_list_paginates(client, bundled_catalog):
    response = client.get("/trials/?page=2")
    assert response.context["page"].number == 2


def test_a_bad_page_number_does_not_fail(client, bundled_catalog):
    assert client.get("/trials/?page=abc").status_code == 200


def test_the_trial_page_shows_what_the_record_holds(client, bundled_catalog):
    response = client.get("/trials/NCT02883803/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Treatment of Severe Infections With Mesenchymal Stem Cells" in page
    assert "SOFA score" in page
    assert "Vandoeuvre-les-Nancy" in page
    assert "Central Hospital, Nancy, France" in page


def test_a_lower_case_id_redirects_permanently_to_the_canonical_address(client, bundled_catalog):
    response = client.get("/trials/nct02883803/")
    assert response.status_code == 301
    assert response["Location"] == reverse("catalog:trial_detail", args=["NCT02883803"])


def test_an_unknown_trial_is_a_404(client, bundled_catalog):
    assert client.get("/trials/NCT99999999/").status_code == 404
