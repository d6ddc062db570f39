"""The five seed trials are in the catalog as their documents state them."""

import pytest

from tests.seed_facts import SEED_FACTS, resolve

pytestmark = pytest.mark.django_db


def test_the_catalog_holds_1538_trials(bundled_catalog):
    from catalog.models import Trial

    assert Trial.objects.count() == 1538


@pytest.mark.parametrize("nct_id", sorted(SEED_FACTS))
def test_the_api_states_every_fact_of_the_seed_document(client, bundled_catalog, nct_id):
    study = client.get(f"/api/v2/studies/{nct_id}").json()
    wrong = [
        (path, expected, resolve(study, path))
        for path, expected in SEED_FACTS[nct_id]
        if resolve(study, path) != expected
    ]
    assert wrong == []
