"""``GET /api/msc/<NCT ID>``: a trial's MSC profile as JSON, with stable codes."""

import pytest

from catalog.models import MscProfile, Trial

pytestmark = pytest.mark.django_db

DOSE_KEYS = {
    "text",
    "cells_per_kg",
    "total_cells",
    "min",
    "max",
    "unit",
    "n_doses",
    "interval",
    "derived",
    "implausible",
}


def test_a_profile_as_json(client, bundled_catalog):
    response = client.get("/api/msc/NCT02923375")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["nct_id"] == "NCT02923375"
    assert data["is_msc"] is True
    assert data["source"] == ["ipsc"]
    assert data["donor"] == "allogeneic"
    assert data["product"] == ["cells"]
    assert data["route"] == ["intravenous"]
    assert set(data["dose"]) == DOSE_KEYS
    assert data["dose"]["cells_per_kg"] == 2e6
    assert (data["dose"]["min"], data["dose"]["max"]) == (1e6, 2e6)
    assert data["dose"]["total_cells"] == 1.4e8 and data["dose"]["derived"] is True
    assert (data["dose"]["n_doses"], data["dose"]["interval"]) == (2, "1 week")
    assert set(data["evidence"]) == {"source", "donor", "product", "route", "dose"}
    assert all(isinstance(s, str) and s for s in data["evidence"]["source"])
    assert data["named_products"][0]["name"].startswith("CYP-001")
    assert data["curated"] == [] and data["review"] == []
    assert data["dose"]["implausible"] is None


def test_a_trial_without_a_stated_dose(client, bundled_catalog):
    dose = client.get("/api/msc/NCT06518902").json()["dose"]
    assert dose["text"] is None and dose["cells_per_kg"] is None and dose["unit"] is None
    assert dose["n_doses"] == 3


def test_curated_fields_are_named_and_their_values_served(client, bundled_catalog):
    profile = MscProfile.objects.get(trial__nct_id="NCT06518902")
    profile.set_curated("donor", "autologous", user="alice", note="Own cells, per the protocol.")
    profile.save()
    data = client.get("/api/msc/NCT06518902").json()
    assert data["donor"] == "autologous"
    assert data["curated"] == ["donor"]
    assert data["evidence"]["donor"] == ["Own cells, per the protocol."]


def test_a_lower_case_id_is_understood(client, bundled_catalog):
    assert client.get("/api/msc/nct06518902").json()["nct_id"] == "NCT06518902"


def test_an_unknown_trial_is_a_404_with_a_json_error(client, bundled_catalog):
    response = client.get("/api/msc/NCT99999999")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Study NCT99999999 not found."
    assert client.get("/api/msc/not-an-id").status_code == 404


def test_a_hidden_trial_is_a_404(client, bundled_catalog):
    Trial.objects.filter(nct_id="NCT06518902").update(is_public=False)
    response = client.get("/api/msc/NCT06518902")
    assert response.status_code == 404
    assert "error" in response.json()


def test_only_reading_is_allowed(client, bundled_catalog):
    assert client.post("/api/msc/NCT06518902").status_code == 405


def test_one_profile_costs_two_queries(client, bundled_catalog, django_assert_num_queries):
    with django_assert_num_queries(2):
        client.get("/api/msc/NCT06518902")


def test_a_trial_without_a_stored_profile_is_answered_without_writing_one(client, bundled_catalog):
    stored = MscProfile.objects.get(trial__nct_id="NCT02923375")
    MscProfile.objects.filter(pk=stored.pk).delete()
    response = client.get("/api/msc/NCT02923375")
    assert response.status_code == 200
    data = response.json()
    assert (data["source"], data["route"]) == (stored.as_json()["source"], ["intravenous"])
    assert not MscProfile.objects.filter(trial__nct_id="NCT02923375").exists()
