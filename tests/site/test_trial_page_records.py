"""The trial page shows what the fuller records hold: which arm gets which intervention, other
names, contacts per site, documents linked to the registry's files, IPD sharing, bio-specimens,
former NCT IDs (whose addresses lead to the trial), and where the record came from."""

import pytest

from catalog.models import Trial
from tests.pages import element, elements, text

pytestmark = pytest.mark.django_db


def page_of(client, trial):
    response = client.get(f"/trials/{trial.nct_id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_arm_lists_the_interventions_it_gets(client, bundled_catalog):
    trial = Trial.objects.filter(arms__interventions__isnull=False).distinct().first()
    table = element(page_of(client, trial), "table", **{"class": "arms"})
    for row, arm in zip(elements(table, "tr")[1:], trial.arms.all(), strict=True):
        assert arm.label in text(row)
        for item in arm.interventions.all():
            assert item.name in text(row)


def test_other_names_are_shown_with_their_intervention(client, bundled_catalog):
    trial = Trial.objects.filter(interventions__other_names__len__gt=0).distinct().first()
    item = trial.interventions.exclude(other_names=[]).first()
    page = text(page_of(client, trial))
    assert "Also called: " + ", ".join(item.other_names) in page


def test_each_site_shows_its_own_contacts(client, bundled_catalog):
    trial = Trial.objects.filter(sites__isnull=False).exclude(sites__contacts=[]).distinct().first()
    site = trial.sites.exclude(contacts=[]).first()
    sites = elements(element(page_of(client, trial), "section", id="locations"), "li")
    mine = [s for s in sites if site.facility in text(s)][0]
    for contact in site.contacts:
        assert contact["name"] in text(mine)


def test_documents_link_to_the_registrys_files(client, bundled_catalog):
    trial = Trial.objects.filter(documents__isnull=False).distinct().first()
    document = trial.documents.first()
    url = (
        f"https://cdn.clinicaltrials.gov/large-docs/{trial.nct_id[-2:]}/{trial.nct_id}/"
        f"{document.filename}"
    )
    documents = element(page_of(client, trial), "ul", **{"class": "references documents"})
    assert f'<a href="{url}">{document.label}</a>' in documents


def test_ipd_sharing_details_are_shown(client, bundled_catalog):
    trial = Trial.objects.exclude(ipd_sharing_info_types=[]).exclude(ipd_sharing_time_frame="")
    trial = trial.first()
    page = text(page_of(client, trial))
    assert "Sharing of individual participant data" in page
    if "SAP" in trial.ipd_sharing_info_types:
        assert "Statistical analysis plan" in page
    assert text(trial.ipd_sharing_time_frame)[:40] in page


def test_bio_specimens_are_shown(client, bundled_catalog):
    trial = Trial.objects.exclude(bio_spec_description="").first()
    page = text(page_of(client, trial))
    assert f"Bio-specimens {trial.get_bio_spec_retention_display()}" in page
    assert text(trial.bio_spec_description)[:30] in page


def test_a_former_nct_id_is_shown_leads_to_the_trial_and_finds_it(client, bundled_catalog):
    trial = Trial.objects.filter(former_ids__isnull=False).first()
    former = trial.former_ids.first().nct_id
    assert not Trial.objects.filter(nct_id=former).exists()
    assert former in text(page_of(client, trial))
    response = client.get(f"/trials/{former}/")
    assert response.status_code == 301
    assert response["Location"] == f"/trials/{trial.nct_id}/"
    found = client.get("/api/v2/studies", {"filter.ids": former}).json()["studies"]
    assert [s["protocolSection"]["identificationModule"]["nctId"] for s in found] == [trial.nct_id]


def test_the_page_says_where_the_record_came_from(client, bundled_catalog):
    seed = Trial.objects.get(nct_id="NCT02883803")
    assert "Source record seed document, MedPath" in text(page_of(client, seed))
    registry = Trial.objects.filter(record_source="REGISTRY").first()
    stated = f"ClinicalTrials.gov record of {registry.last_update_posted.isoformat()}"
    assert f"Source record {stated}" in text(page_of(client, registry))


def test_the_trial_page_makes_no_query_per_document_or_former_id(
    client, bundled_catalog, django_assert_max_num_queries
):
    from tests.site.test_trial_page_queries import MAX_QUERIES

    for trial in (
        Trial.objects.filter(documents__isnull=False).distinct().first(),
        Trial.objects.filter(former_ids__isnull=False).first(),
    ):
        with django_assert_max_num_queries(MAX_QUERIES):
            page_of(client, trial)
