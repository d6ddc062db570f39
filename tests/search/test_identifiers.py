"""Identifiers as people type them: NCT IDs in any form, former NCT IDs, organisation and
secondary IDs, acronyms; the search box goes straight to the trial it names."""

import pytest

from catalog.models import Trial
from catalog.registry.importer import Importer
from catalog.search.listing import TrialSearch
from tests.factories import real_study

pytestmark = pytest.mark.django_db


def found(q):
    return list(TrialSearch({"q": q}).ordered().values_list("nct_id", flat=True))


@pytest.fixture
def renumbered_trial(db):
    """A real study published under NCT09000002 that was first registered as NCT09000001,
    with an organisation and a secondary ID."""
    study = real_study(9)
    ident = study["protocolSection"]["identificationModule"]
    ident["nctId"] = "NCT09000002"
    ident["nctIdAliases"] = ["NCT09000001"]
    ident["orgStudyIdInfo"] = {"id": "ORG-2019/77"}
    ident["secondaryIdInfos"] = [{"id": "2019-001234-56", "type": "EU_CT"}]
    ident["acronym"] = "ZEPHYR-MSC"
    Importer().import_study(study, "test.json")
    return Trial.objects.get(nct_id="NCT09000002")


@pytest.mark.parametrize(
    "typed", ["NCT09000002", "nct09000002", "NCT 09000002", "09000002", "9000002"]
)
def test_an_nct_id_in_any_typed_form_finds_its_trial(renumbered_trial, typed):
    assert found(typed) == ["NCT09000002"]


@pytest.mark.parametrize(
    "typed", ["NCT09000001", "ORG-2019/77", "org-2019/77", "2019-001234-56", "ZEPHYR-MSC"]
)
def test_former_organisation_secondary_ids_and_acronym_find_the_trial(renumbered_trial, typed):
    assert found(typed)[:1] == ["NCT09000002"]


def test_a_search_that_is_an_nct_id_goes_to_the_trial_page(client, renumbered_trial):
    response = client.get("/trials/", {"q": "nct 09000002"})
    assert response.status_code == 302
    assert response["Location"] == "/trials/NCT09000002/"
    # A former NCT ID goes to the trial under its current one.
    response = client.get("/trials/", {"q": "NCT09000001"})
    assert response["Location"] == "/trials/NCT09000002/"


def test_a_search_with_filters_stays_on_the_list(client, renumbered_trial):
    response = client.get("/trials/", {"q": "NCT09000002", "status": "RECRUITING"})
    assert response.status_code == 200


def test_the_address_of_a_former_nct_id_redirects_to_the_trial(client, renumbered_trial):
    response = client.get("/trials/NCT09000001/")
    assert response.status_code == 301
    assert response["Location"] == "/trials/NCT09000002/"


def test_an_unknown_nct_id_leads_somewhere_from_the_list_and_the_404_page(client, db):
    page = client.get("/trials/", {"q": "NCT99999999"}).content.decode()
    assert "0 trials" in page
    assert 'href="https://clinicaltrials.gov/study/NCT99999999"' in page
    page = client.get("/trials/NCT99999999/").content.decode()
    # No link to a search that finds nothing.
    assert "/trials/?q=NCT99999999" not in page
    assert 'href="https://clinicaltrials.gov/study/NCT99999999"' in page
