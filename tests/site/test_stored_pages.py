"""A trial page is rendered on its first view, stored, and served as stored until a row it
shows changes, the code that renders it changes, or the day turns."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from catalog.models import (
    CatalogVersion,
    MscProfile,
    Organization,
    Site,
    StoredPage,
    StoredRelatedTrials,
    Trial,
    TrialChange,
)
from catalog.site import pages

pytestmark = pytest.mark.django_db

SEED = "NCT02883803"


@pytest.fixture
def view(client, django_capture_on_commit_callbacks):
    """A view of a trial page whose transaction commits, as each request's does on a server,
    so that a page it rendered is stored."""

    def view(nct_id, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(f"/trials/{nct_id}/", **headers)
        assert response.status_code == 200
        return response.content.decode()

    return view


def sample_trials():
    """Trials whose pages show the most: the most sites, results, an MSC profile, a seed."""
    most_sites = (
        Trial.objects.annotate(site_count=Count("sites"))
        .order_by("-site_count", "nct_id")
        .values_list("nct_id", flat=True)
    )
    with_results = Trial.objects.filter(has_results=True).order_by("nct_id")
    msc = Trial.objects.filter(msc__is_msc=True).order_by("nct_id")
    return {
        most_sites.first(),
        with_results.values_list("nct_id", flat=True).first(),
        msc.values_list("nct_id", flat=True).first(),
        SEED,
    }


def test_a_stored_page_is_served_exactly_as_it_was_rendered(bundled_catalog, view):
    for nct_id in sample_trials():
        rendered = view(nct_id)
        assert StoredPage.objects.filter(trial__nct_id=nct_id).exists()
        assert view(nct_id) == rendered, nct_id


def test_a_stored_page_is_served_in_one_query_whatever_its_size(bundled_catalog, view, client):
    for nct_id in sample_trials():
        view(nct_id)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/trials/{nct_id}/").status_code == 200
        assert len(captured) == 1, nct_id  # the stored page, if current


def test_the_page_names_the_address_it_is_asked_at(bundled_catalog, view, settings):
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    view(SEED, HTTP_HOST="one.example")
    page = view(SEED, HTTP_HOST="two.example")
    assert f'<link rel="canonical" href="http://two.example/trials/{SEED}/">' in page
    assert "one.example" not in page and "stored-page.invalid" not in page


def test_a_stored_page_asked_with_a_compare_selection_links_to_that_selection(
    bundled_catalog, view, client
):
    plain = view(SEED)
    chosen = client.get(f"/trials/{SEED}/?compare=NCT00366145").content.decode()
    assert f'<a href="/compare/?ids=NCT00366145,{SEED}">Add to compare</a>' in chosen
    assert (
        chosen.replace(f"ids=NCT00366145,{SEED}", f"ids={SEED}").replace(" (with NCT00366145)", "")
        == plain
    )  # the link alone differs
    assert view(SEED) == plain


@pytest.mark.parametrize(
    "change, shown",
    [
        (
            lambda t: Site.objects.filter(trial=t).update(facility="Renamed hospital"),
            "Renamed hospital",
        ),
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
            lambda t: MscProfile.objects.filter(trial=t).update(dose_text="a dose set by SQL"),
            "a dose set by SQL",
        ),
    ],
    ids=["site", "trial row", "shared sponsor", "MSC profile"],
)
def test_a_change_to_any_row_the_page_shows_forgets_the_stored_page(
    bundled_catalog, view, change, shown
):
    trial = Trial.objects.filter(msc__is_msc=True, sites__isnull=False).distinct().first()
    other = Trial.objects.exclude(pk=trial.pk).first()
    view(trial.nct_id)
    view(other.nct_id)
    assert shown not in view(trial.nct_id)
    change(trial)  # a write that does not bump the trial's version, as an operator's SQL
    assert not StoredPage.objects.filter(trial=trial).exists()
    assert StoredPage.objects.filter(trial=other).exists()
    assert shown in view(trial.nct_id)


def test_a_change_to_a_related_trial_forgets_the_pages_listing_it(bundled_catalog, view):
    listing = StoredRelatedTrials.objects.filter(trial__is_public=True).first()
    trial = listing.trial
    page = view(trial.nct_id)
    listed = Trial.objects.public().filter(pk__in=listing.trial_ids)
    shown = next(other for other in listed if other.nct_id in page)
    Trial.objects.filter(pk=shown.pk).update(brief_title="A related title set by SQL")
    assert not StoredPage.objects.filter(trial=trial).exists()
    assert "A related title set by SQL" in view(trial.nct_id)
    Trial.objects.filter(pk=shown.pk).update(is_public=False)
    assert shown.get_absolute_url() not in view(trial.nct_id)


def test_a_trial_listed_by_a_seed_document_forgets_the_seeds_page(bundled_catalog, view):
    seed = Trial.objects.exclude(seed_related_ids=[]).first()
    listed = Trial.objects.filter(nct_id__in=seed.seed_related_ids).first()
    view(seed.nct_id)
    Trial.objects.filter(pk=listed.pk).update(brief_title="A listed title set by SQL")
    assert not StoredPage.objects.filter(trial=seed).exists()
    assert "A listed title set by SQL" in view(seed.nct_id)


def test_a_page_with_related_trials_scored_on_the_view_is_not_stored(bundled_catalog, view):
    trial = Trial.objects.get(nct_id=SEED)
    StoredRelatedTrials.objects.filter(trial=trial).update(version=trial.version + 1)
    view(SEED)
    assert not StoredPage.objects.filter(trial=trial).exists()


def test_a_new_record_history_entry_forgets_the_stored_page(bundled_catalog, view):
    trial = Trial.objects.get(nct_id=SEED)
    view(SEED)
    TrialChange.objects.create(
        trial=trial, version=trial.version, kind="edit", actor="a curator", changes={}
    )
    assert not StoredPage.objects.filter(trial=trial).exists()


def tamper(nct_id, **fields):
    """Mark the stored page, so that a page served from it shows, and change ``fields``."""
    page = StoredPage.objects.get(trial__nct_id=nct_id)
    marked = page.html.replace("</main>", "<p>THE STORED BODY</p></main>", 1)
    StoredPage.objects.filter(pk=page.pk).update(html=marked, **fields)


@pytest.mark.parametrize(
    "stale",
    [
        {"built_on": datetime.date.today() - datetime.timedelta(days=1)},
        {"build": "other code"},
        {"version": 10**6},
    ],
    ids=["rendered yesterday", "by other code", "from an older version"],
)
def test_a_page_stored_stale_is_rendered_again(bundled_catalog, view, stale):
    view(SEED)
    tamper(SEED)
    assert "THE STORED BODY" in view(SEED)  # the mark shows while the page is current
    tamper(SEED, **stale)
    assert "THE STORED BODY" not in view(SEED)
    assert StoredPage.objects.current_html(SEED, pages.build())  # the page rendered again, stored


def test_a_page_stored_by_a_server_naming_static_files_otherwise_is_rendered_again(
    bundled_catalog, view, settings
):
    assert "/static/js/copy-link" in view(SEED)
    settings.STATIC_URL = "/elsewhere/"
    pages.build.cache_clear()
    try:
        assert "/elsewhere/js/copy-link" in view(SEED)
    finally:
        pages.build.cache_clear()


def test_a_page_rendered_before_a_change_is_not_stored_after_it(bundled_catalog):
    trial = Trial.objects.for_page().get(nct_id=SEED)
    read_at, _ = CatalogVersion.current()
    html = pages.render(trial)
    Site.objects.filter(trial=trial).update(facility="Moved after the page was read")
    assert not StoredPage.objects.keep({trial: html}, pages.build(), read_at)
    assert not StoredPage.objects.filter(trial=trial).exists()
    read_at, _ = CatalogVersion.current()
    assert StoredPage.objects.keep({trial: html}, pages.build(), read_at)


def test_store_pages_renders_every_public_trial_page_that_is_not_current(
    bundled_catalog, no_stored_pages, view, client
):
    # Every public trial's page current but a few: the command renders those few, as a view
    # would, and leaves the others as they are.
    today, build = datetime.date.today(), pages.build()
    StoredPage.objects.bulk_create(
        StoredPage(trial=t, version=t.version, build=build, built_on=today, html="ALREADY STORED")
        for t in Trial.objects.public().only("pk", "version")
    )
    stale = list(Trial.objects.public().order_by("nct_id").values_list("nct_id", flat=True)[:3])
    StoredPage.objects.filter(trial__nct_id=stale[0]).update(build="other code")
    StoredPage.objects.filter(trial__nct_id=stale[1]).update(built_on=today - datetime.timedelta(1))
    StoredPage.objects.filter(trial__nct_id=stale[2]).delete()

    out = StringIO()
    call_command("store_pages", stdout=out)
    assert out.getvalue().startswith("3 trial pages stored")
    for nct_id in stale:
        with CaptureQueriesContext(connection) as captured:
            served = client.get(f"/trials/{nct_id}/").content.decode()
        assert len(captured) == 1, nct_id  # read as stored
        StoredPage.objects.filter(trial__nct_id=nct_id).delete()
        assert served == view(nct_id)  # as the view renders it
    assert StoredPage.objects.filter(html="ALREADY STORED").count() == (
        Trial.objects.public().count() - 3
    )
    out = StringIO()
    call_command("store_pages", stdout=out)
    assert out.getvalue().startswith("0 trial pages stored")
