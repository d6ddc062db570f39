"""Implausible doses are flagged in the profile and the API and kept out of the dose filters and
charts until a curator confirms them; the curators' queue in the admin lists blank profiles,
implausible doses and weak evidence, and confirming or correcting takes a trial out of it."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from catalog.models import MscProfile, Trial, TrialChange
from catalog.registry.importer import Importer
from catalog.search.params import PARAMS
from tests.factories import study

pytestmark = pytest.mark.django_db

QUEUE = "/admin/catalog/mscprofile/"
OURS = "NCT091"  # the synthetic trials of these tests (the bundled catalog may be there too)


def synthetic(
    nct_id, title, product_name, description, conditions=("Stroke",), kind="BIOLOGICAL", summary=""
):
    """A record with one product, written here (a real record's other modules under a new ID)."""
    record = study(nct_id=nct_id, title=title)
    section = record["protocolSection"]
    section["descriptionModule"] = {"briefSummary": summary or title}
    section["conditionsModule"] = {"conditions": list(conditions), "keywords": []}
    section["armsInterventionsModule"] = {
        "armGroups": [
            {"label": "Treated", "type": "EXPERIMENTAL", "interventionNames": [f"Biological: {product_name}"]}
        ],
        "interventions": [
            {"type": kind, "name": product_name, "description": description, "armGroupLabels": ["Treated"]}
        ],
    }
    section["eligibilityModule"]["stdAges"] = ["ADULT", "OLDER_ADULT"]
    assert Importer().import_study(record) == "created"
    return MscProfile.objects.select_related("trial").get(trial__nct_id=nct_id)


@pytest.fixture
def implausible():
    return synthetic("NCT09100001", "BM-MSC for Stroke", "BM-MSC", "2-8x10^8 cell/kg intravenously")


@pytest.fixture
def plausible():
    return synthetic("NCT09100002", "BM-MSC for Stroke", "BM-MSC", "2x10^6 cells/kg intravenously")


@pytest.fixture
def blank():
    # MSC words, but the product is bone marrow mononuclear cells: not an MSC product.
    return synthetic(
        "NCT09100003",
        "Bone Marrow Cells for Stroke",
        "Bone marrow mononuclear cells",
        "Autologous bone marrow mononuclear cells, intravenously",
        summary="The cells given include haematopoietic and mesenchymal stem cells.",
    )


@pytest.fixture
def weak():
    # The route is only implied by the condition (an injection for knee osteoarthritis).
    return synthetic(
        "NCT09100004",
        "Umbilical Cord MSCs for Knee Osteoarthritis",
        "UC-MSC",
        "An injection of 10 million umbilical cord mesenchymal stem cells",
        conditions=("Knee Osteoarthritis",),
    )


def dose_filtered(**params):
    ours = Trial.objects.filter(nct_id__startswith=OURS)
    query = QueryDict(mutable=True)
    query.update(params)
    return set(PARAMS.read(query).apply(ours).values_list("nct_id", flat=True))


def listed(client, **params):
    page = client.get(QUEUE, {"q": OURS, **params})
    assert page.status_code == 200
    return page, [p.trial.nct_id for p in page.context["cl"].result_list]


def test_an_implausible_dose_is_flagged_in_the_profile_and_the_api(client, implausible, plausible):
    assert implausible.dose_implausible.startswith("5.6e+10 cells in total for 70 kg, above")
    assert implausible.open_review == ["implausible_dose"]
    body = client.get("/api/msc/NCT09100001").json()
    assert body["dose"]["implausible"] == implausible.dose_implausible
    assert body["dose"]["max"] == 8e8 and body["review"] == ["implausible_dose"]
    other = client.get("/api/msc/NCT09100002").json()
    assert other["dose"]["implausible"] is None and other["review"] == []


def test_an_implausible_dose_is_left_out_of_dose_filters_until_a_curator_confirms_it(
    implausible, plausible, curator
):
    assert dose_filtered(dose_min="1e5", dose_unit="per_kg") == {"NCT09100002"}
    assert dose_filtered(dose_min="1e5") == {"NCT09100002"}
    assert "NCT09100001" in dose_filtered(route="intravenous")  # other filters still find it
    from catalog.curation import service

    service.confirm_msc_review(implausible.trial, curator)
    assert dose_filtered(dose_min="1e5", dose_unit="per_kg") == {"NCT09100001", "NCT09100002"}


def test_an_implausible_dose_is_left_out_of_the_dose_chart(client, implausible, plausible, curator):
    def charted():
        return client.get("/insights/", {"q": "stroke"}).context["dose_figures"]["trials"]

    before = charted()
    from catalog.curation import service

    service.confirm_msc_review(implausible.trial, curator)
    assert charted() == before + 1


def test_the_queue_lists_blank_profiles_implausible_doses_and_weak_evidence(
    curator_client, implausible, plausible, blank, weak
):
    assert blank.is_msc is False and blank.open_review == ["blank"]
    assert weak.open_review == ["weak_route"] and weak.routes == ["intra_articular"]
    page, nct_ids = listed(curator_client)
    assert nct_ids == ["NCT09100001", "NCT09100003", "NCT09100004"]
    text = page.content.decode()
    assert "blank despite MSC words" in text and "implausible dose: 5.6e+10" in text
    assert "weak evidence: route" in text
    for reason, expected in (("blank", "NCT09100003"), ("implausible", "NCT09100001"), ("weak", "NCT09100004")):
        assert listed(curator_client, reason=reason)[1] == [expected]


def test_the_queue_page_costs_the_same_queries_for_more_trials(curator_client, implausible, blank):
    with CaptureQueriesContext(connection) as few:
        listed(curator_client)
    synthetic("NCT09100005", "BM-MSC for Stroke", "BM-MSC", "3x10^10 cells intravenously")
    synthetic("NCT09100006", "BM-MSC for MS", "BM-MSC", "9x10^8 cells/kg intravenously")
    with CaptureQueriesContext(connection) as more:
        assert len(listed(curator_client)[1]) == 4
    assert len(more) == len(few)


def test_confirming_makes_the_values_curated_and_takes_them_out_of_the_queue(
    curator_client, curator, implausible, blank
):
    version = implausible.trial.version
    response = curator_client.post(
        QUEUE, {"action": "confirm", "_selected_action": [implausible.pk, blank.pk]}
    )
    assert response.status_code == 302
    confirmed = MscProfile.objects.get(pk=implausible.pk)
    assert set(confirmed.curated) == {"dose"} and confirmed.curated["dose"]["by"] == "curator"
    assert confirmed.dose_implausible == "" and confirmed.dose_max == 8e8
    assert MscProfile.objects.get(pk=blank.pk).curated["is_msc"]["value"] is False
    assert not MscProfile.objects.needing_review().filter(trial__nct_id__startswith=OURS).exists()
    trial = Trial.objects.get(pk=implausible.trial_id)
    assert trial.version == version + 1
    change = TrialChange.objects.filter(trial=trial).latest("version")
    assert set(change.changes) == {"msc.dose"} and change.user == curator
    # Re-annotation keeps the curator's confirmation and the flag the rules give beside it.
    from catalog.msc.annotate import annotate

    annotate(Trial.objects.filter(pk=trial.pk))
    again = MscProfile.objects.get(pk=implausible.pk)
    assert again.dose_implausible == "" and "implausible_dose" in again.review
    assert again.curated["dose"]["computed"]["implausible"].startswith("5.6e+10")
    assert again.open_review == []


def test_correcting_on_the_trial_page_takes_the_value_out_of_the_queue(curator_client, weak):
    from tests.msc.test_msc_admin_overrides import save

    page, _ = listed(curator_client)
    assert f"/admin/catalog/trial/{weak.trial_id}/change/" in page.content.decode()
    save(curator_client, weak.trial, routes=["intra_articular", "intravenous"], note="Per protocol.")
    assert not MscProfile.objects.needing_review().filter(pk=weak.pk).exists()


def test_a_profile_opened_from_the_queue_goes_to_the_trial_page(curator_client, weak):
    response = curator_client.get(f"{QUEUE}{weak.pk}/change/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/catalog/trial/{weak.trial_id}/change/"


def test_the_queue_needs_the_trial_permissions(client, implausible):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("visitor", is_staff=True))
    assert client.get(QUEUE).status_code == 403
