"""A list result's card is rendered on its first listing, stored, and served as stored until a
row it shows changes or the code that renders it changes; what changes per search or per day
is put into it on each view."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from catalog.models import (
    CatalogVersion,
    Condition,
    MscProfile,
    Organization,
    StoredCard,
    Trial,
)
from catalog.site import cards
from catalog.templatetags.trial_page import ago

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_stored_cards")]

LIST = "/trials/"
# Browsing, a search (snippets), a place (notes) and a page of 100.
ADDRESSES = (
    "?per_page=100",
    "?q=osteoarthritis&per_page=50",
    "?near=Paris&radius=500&sort=distance",
    "?page=3&sort=start",
)


@pytest.fixture
def listing(client, django_capture_on_commit_callbacks):
    """A view of the list whose transaction commits, as each request's does on a server, so
    that the cards it rendered are stored."""

    def listing(query=""):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(LIST + query)
        assert response.status_code == 200
        return response.content.decode()

    return listing


@pytest.mark.parametrize("query", ADDRESSES)
def test_a_list_of_stored_cards_reads_exactly_as_one_rendered_afresh(
    bundled_catalog, listing, query
):
    rendered = listing(query)
    assert StoredCard.objects.count() > 0
    assert listing(query) == rendered


def test_stored_cards_are_read_in_one_query_and_nothing_else_of_the_results(
    bundled_catalog, listing, client
):
    for query in ("?per_page=10", "?per_page=100", "?page=7&sort=start", "?q=cells"):
        with CaptureQueriesContext(connection) as rendering:
            listing(query)
        with CaptureQueriesContext(connection) as stored:
            assert client.get(LIST + query).status_code == 200
        sql = [q["sql"] for q in stored]
        # The stored cards in one query, and nothing else of the results (the rows, sponsors,
        # MSC profiles and conditions the cards show were read to render them).
        assert sum("catalog_storedcard" in q for q in sql) == 1, sql
        assert not any(q.startswith('SELECT "catalog_trialcondition"') for q in sql), sql
        assert len(rendering) - len(stored) >= 3


def test_what_changes_per_day_is_not_stored(bundled_catalog, listing):
    listing("?per_page=100")
    stored = " ".join(
        text for card in StoredCard.objects.all() for text in (card.opening, card.closing)
    )
    assert "record updated" not in stored and " ago" not in stored


def test_a_stored_card_shows_the_records_age_as_of_the_view(bundled_catalog, listing):
    trial = Trial.objects.public().exclude(last_update_posted=None).order_by("nct_id").first()
    query = f"?q={trial.nct_id}&sort=nct_id"
    listing(query)
    assert StoredCard.objects.filter(trial=trial).exists()
    page = listing(query)
    assert f"record updated {ago(trial.last_update_posted)}" in page


@pytest.mark.parametrize(
    "change, text",
    [
        (
            lambda t: Trial.objects.filter(pk=t.pk).update(brief_title="A title set by SQL"),
            "A title set by SQL",
        ),
        (
            lambda t: Organization.objects.filter(pk=t.lead_sponsor_id).update(
                name="A renamed sponsor"
            ),
            "A renamed sponsor",
        ),
        (
            lambda t: Condition.objects.filter(trialcondition__trial=t).update(
                name="A renamed condition"
            ),
            "A renamed condition",
        ),
        (
            lambda t: MscProfile.objects.filter(trial=t).update(donor="autologous"),
            "Autologous</a>",
        ),
    ],
    ids=["trial row", "shared sponsor", "shared condition", "MSC profile"],
)
def test_a_change_to_any_row_a_card_shows_forgets_it(bundled_catalog, listing, change, text):
    trial = (
        Trial.objects.public()
        .filter(msc__is_msc=True, msc__donor="allogeneic", lead_sponsor__isnull=False)
        .exclude(trialcondition=None)
        .order_by("nct_id")
        .first()
    )
    query = f"?q={trial.nct_id}&sort=nct_id"
    listing("?per_page=100")  # other trials' cards
    assert text not in listing(query)
    change(trial)  # a write that does not bump the trial's version, as an operator's SQL
    assert not StoredCard.objects.filter(trial=trial).exists()
    assert text in listing(query)
    assert StoredCard.objects.exclude(trial=trial).exists()


def test_a_card_stored_by_other_code_or_of_an_older_version_is_rendered_again(
    bundled_catalog, listing
):
    trial = Trial.objects.public().order_by("nct_id").first()
    query = f"?q={trial.nct_id}&sort=nct_id"
    listing(query)
    mark = {"opening": '<li class="result">THE STORED CARD'}
    StoredCard.objects.filter(trial=trial).update(**mark)
    assert "THE STORED CARD" in listing(query)  # the mark shows while the card is current
    for stale in ({"build": "other code"}, {"version": 10**6}):
        StoredCard.objects.filter(trial=trial).update(**mark, **stale)
        assert "THE STORED CARD" not in listing(query)
        assert StoredCard.objects.get(trial=trial).is_current(trial, cards.build())


def test_cards_rendered_before_a_change_are_not_stored_after_it(bundled_catalog):
    trial = Trial.objects.filter(pk=Trial.objects.public().first().pk).for_card().get()
    read_at, _ = CatalogVersion.current()
    parts = cards.render(trial)
    Trial.objects.filter(pk=trial.pk).update(brief_title="Changed after the card was read")
    assert not StoredCard.objects.keep({trial: parts}, cards.build(), read_at)
    assert not StoredCard.objects.filter(trial=trial).exists()
    read_at, _ = CatalogVersion.current()
    assert StoredCard.objects.keep({trial: parts}, cards.build(), read_at)


def test_the_release_step_stores_the_card_of_every_public_trial(bundled_catalog, client):
    StoredCard.objects.filter(trial__in=Trial.objects.public()[:50]).update(build="other code")
    call_command("store_cards", verbosity=0)
    current = StoredCard.objects.filter(build=cards.build(), version=F("trial__version"))
    assert current.filter(trial__is_public=True).count() == Trial.objects.public().count()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST + "?per_page=100").status_code == 200
    assert not any(q["sql"].startswith('SELECT "catalog_trialcondition"') for q in captured)
