"""The curators' admin: lists that stay at a fixed number of queries, search and filters, the
trial page with its parts (a 70-site trial stays usable), autocomplete, and the part pages."""

import pytest

from catalog.models import Site, Trial, TrialChange
from tests.admin_helpers import change_form_data

pytestmark = pytest.mark.django_db

BIG_TRIAL = "NCT00366145"  # 70 sites


def listed(response):
    return {t.nct_id for t in response.context["cl"].result_list}


@pytest.mark.parametrize(
    "url",
    [
        "/admin/catalog/trial/",
        "/admin/catalog/trial/?p=5",
        "/admin/catalog/trial/?country=France&phase=PHASE2&is_public__exact=1",
        "/admin/catalog/trial/?q=stroke&curated=no",
        "/admin/catalog/trial/?last_update_posted__year=2021",
        "/admin/catalog/site/",
        "/admin/catalog/organization/",
        "/admin/catalog/condition/",
        "/admin/catalog/intervention/",
        "/admin/catalog/meshterm/",
        "/admin/catalog/trialchange/",
    ],
)
def test_list_pages_take_a_fixed_number_of_queries(
    curator_client, bundled_catalog, django_assert_max_num_queries, url
):
    with django_assert_max_num_queries(12):
        response = curator_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


def test_the_trial_list_shows_the_useful_columns(curator_client, bundled_catalog):
    page = curator_client.get("/admin/catalog/trial/?q=NCT02883803").content.decode()
    for text in ("NCT02883803", "Unknown status", "Not applicable", "Interventional"):
        assert text in page
    assert "Central Hospital, Nancy, France" in page  # the lead sponsor


@pytest.mark.parametrize(
    "query, expected",
    [
        ("NCT02883803", "NCT02883803"),
        ("Severe Infections With Mesenchymal", "NCT02883803"),
        ("MSCIMS", "NCT00395200"),  # acronym
        ("University of Cambridge", "NCT00395200"),  # lead sponsor
        ("Tibial Fractures", "NCT00512434"),  # condition
    ],
)
def test_search_by_id_title_acronym_sponsor_and_condition(
    curator_client, bundled_catalog, query, expected
):
    response = curator_client.get("/admin/catalog/trial/", {"q": query})
    assert expected in listed(response)


def test_filters_by_status_phase_type_country_publication_and_curation(
    curator_client, bundled_catalog
):
    def only(params):
        return listed(curator_client.get("/admin/catalog/trial/", {**params, "all": ""}))

    assert only({"overall_status__exact": "UNKNOWN", "q": "NCT02883803"}) == {"NCT02883803"}
    assert only({"overall_status__exact": "COMPLETED", "q": "NCT02883803"}) == set()
    assert only({"phase": "NA", "q": "NCT02883803"}) == {"NCT02883803"}
    assert only({"phase": "PHASE3", "q": "NCT02883803"}) == set()
    assert only({"study_type__exact": "INTERVENTIONAL", "q": "NCT02883803"}) == {"NCT02883803"}
    assert only({"country": "France", "q": "NCT02883803"}) == {"NCT02883803"}
    assert only({"country": "Japan", "q": "NCT02883803"}) == set()

    Trial.objects.filter(nct_id="NCT02883803").update(is_public=False, hidden_reason="test")
    Trial.objects.filter(nct_id="NCT04194671").update(curated_fields={"acronym": {}})
    assert only({"is_public__exact": "0"}) == {"NCT02883803"}
    assert only({"curated": "yes"}) == {"NCT04194671"}
    assert "NCT04194671" not in only({"curated": "no", "q": "NCT04194671"})


def test_the_page_of_a_70_site_trial_stays_usable(
    curator_client, bundled_catalog, django_assert_max_num_queries
):
    trial = Trial.objects.get(nct_id=BIG_TRIAL)
    with django_assert_max_num_queries(40):
        response = curator_client.get(f"/admin/catalog/trial/{trial.pk}/change/")
    page = response.content.decode()
    sites = next(f for f in response.context["inline_admin_formsets"] if f.opts.model is Site)
    assert len(sites.formset.forms) == 70
    assert "collapse" in sites.opts.classes  # folded away until opened
    assert f"/admin/catalog/site/?trial__id__exact={trial.pk}" in page  # their own page


def test_saving_an_untouched_trial_changes_nothing(curator_client, bundled_catalog):
    trial = Trial.objects.get(nct_id=BIG_TRIAL)
    response = curator_client.get(f"/admin/catalog/trial/{trial.pk}/change/")
    data = change_form_data(response)
    # Browsers send textarea lines ended by CRLF; that is no change.
    data["brief_summary"] = data["brief_summary"].replace("\n", "\r\n")

    response = curator_client.post(f"/admin/catalog/trial/{trial.pk}/change/", data)

    assert response.status_code == 302
    trial.refresh_from_db()
    assert trial.curated_fields == {} and trial.version == 1
    assert not TrialChange.objects.filter(trial=trial, kind="curator").exists()


@pytest.mark.parametrize(
    "model, field, term",
    [
        ("trial", "lead_sponsor", "Cambridge"),
        ("collaboration", "organization", "National Cancer"),
        ("trialcondition", "condition", "Stroke"),
        ("arm", "interventions", "NCT02883803"),
        ("trialmesh", "mesh_term", "Sepsis"),
    ],
)
def test_autocomplete_for_sponsors_conditions_and_arm_interventions(
    curator_client, bundled_catalog, model, field, term
):
    response = curator_client.get(
        "/admin/autocomplete/",
        {"app_label": "catalog", "model_name": model, "field_name": field, "term": term},
    )
    assert response.status_code == 200
    assert response.json()["results"], response.content


def test_editing_a_site_on_its_own_page_curates_the_trial_s_locations(
    curator_client, imported_trial
):
    site = imported_trial.sites.first()
    response = curator_client.get(f"/admin/catalog/site/{site.pk}/change/")
    data = change_form_data(response)
    data["city"] = "Los Angeles (Westwood)"

    response = curator_client.post(f"/admin/catalog/site/{site.pk}/change/", data)

    assert response.status_code == 302
    imported_trial.refresh_from_db()
    assert "sites" in imported_trial.curated_fields
    assert imported_trial.version == 2
    change = imported_trial.changes.get(version=2)
    assert change.kind == "curator" and change.changes["sites"]["collection"]


def test_an_arm_may_not_take_another_trial_s_intervention(curator_client, imported_trial):
    from catalog.registry.importer import Importer
    from tests.factories import study

    Importer().import_study(study("NCT09000002"), "other.json")
    foreign = Trial.objects.get(nct_id="NCT09000002").interventions.first()
    response = curator_client.get(f"/admin/catalog/trial/{imported_trial.pk}/change/")
    data = change_form_data(response)
    arms = next(
        f for f in response.context["inline_admin_formsets"] if f.opts.model.__name__ == "Arm"
    )
    prefix = arms.formset.prefix
    data[f"{prefix}-0-interventions"] = [str(foreign.pk)]

    response = curator_client.post(f"/admin/catalog/trial/{imported_trial.pk}/change/", data)

    assert response.status_code == 200
    assert "belongs to another trial" in response.content.decode()
