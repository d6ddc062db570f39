"""Anonymous pages come from the cache until the catalog changes, in any way, by anyone."""

import psycopg
import pytest
from django.db import connection

from catalog.models import CatalogVersion, Trial

pytestmark = pytest.mark.django_db

TRIAL = "/trials/NCT02883803/"


@pytest.fixture
def caching(settings):
    settings.CATALOG_CACHE_PAGES = True


def test_a_page_is_built_once_then_served_from_the_cache(client, bundled_catalog, caching):
    from catalog.site.cache import page_cache

    page_cache().clear()
    first = client.get(TRIAL)
    second = client.get(TRIAL)
    assert first["X-Catalog-Cache"] == "miss"
    assert second["X-Catalog-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_every_write_to_a_catalog_table_bumps_the_version(bundled_catalog):
    before, own_writes = CatalogVersion.current()
    assert not own_writes
    Trial.objects.filter(nct_id="NCT02883803").update(hidden_reason="")
    after, own_writes = CatalogVersion.current()
    assert after == before + 1
    assert own_writes


# Tables of the catalog no public page shows: the version itself, the sync's and the first
# load's bookkeeping, the stored studies, trial pages and list cards (which change only with
# rows that bump it) and the figures computed per version (which must not bump it, or computing
# them would retire them; nor must storing a page or cards their first view rendered).
NOT_SHOWN = {
    "catalogversion",
    "syncstate",
    "catalogload",
    "storedstudy",
    "storedpage",
    "storedcard",
    "sharedfigures",
}


def test_a_write_to_any_table_a_page_shows_bumps_the_version(db):
    from django.apps import apps

    models = [
        model
        for model in apps.get_app_config("catalog").get_models(include_auto_created=True)
        if model._meta.model_name not in NOT_SHOWN
    ]
    tables = {model._meta.db_table for model in models}
    assert {"catalog_resultmeasurement", "catalog_arm_interventions"} <= tables
    for model in models:
        table, key = model._meta.db_table, model._meta.pk.column
        before, _ = CatalogVersion.current()
        with connection.cursor() as cursor:
            # A statement that changes no row: the triggers fire for every statement.
            cursor.execute(f'UPDATE "{table}" SET "{key}" = "{key}" WHERE false')
        assert CatalogVersion.current()[0] == before + 1, table


def test_a_change_committed_elsewhere_is_shown_at_once(client, bundled_catalog, caching):
    client.get(TRIAL)
    assert client.get(TRIAL)["X-Catalog-Cache"] == "hit"
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    title = Trial.objects.get(nct_id="NCT02883803").brief_title
    with psycopg.connect(**params, autocommit=True) as other:
        try:
            other.execute(
                "UPDATE catalog_trial SET brief_title = 'Renamed by a curator' "
                "WHERE nct_id = 'NCT02883803'"
            )
            response = client.get(TRIAL)
            assert response["X-Catalog-Cache"] == "miss"
            assert "Renamed by a curator" in response.content.decode()
        finally:
            other.execute(
                "UPDATE catalog_trial SET brief_title = %s WHERE nct_id = 'NCT02883803'",
                [title],
            )
    assert "Renamed by a curator" not in client.get(TRIAL).content.decode()


def test_a_request_that_has_written_is_never_served_or_stored(client, bundled_catalog, caching):
    client.get(TRIAL)
    Trial.objects.filter(nct_id="NCT02883803").update(brief_title="Changed here")
    response = client.get(TRIAL)
    assert "X-Catalog-Cache" not in response
    assert "Changed here" in response.content.decode()


def test_visitors_with_a_session_are_not_served_from_the_cache(client, bundled_catalog, caching):
    client.get(TRIAL)
    client.cookies["sessionid"] = "somebody"
    assert "X-Catalog-Cache" not in client.get(TRIAL)


def test_errors_are_not_cached(client, bundled_catalog, caching):
    client.get("/trials/NCT99999999/")
    response = client.get("/trials/NCT99999999/")
    assert response.status_code == 404
    assert "X-Catalog-Cache" not in response


def test_a_page_carrying_a_csrf_token_is_never_stored(rf, bundled_catalog, caching):
    from django.http import HttpResponse
    from django.template import RequestContext, Template

    from catalog.site.cache import cache_anonymous_page

    @cache_anonymous_page
    def form(request):
        return HttpResponse(
            Template("<form>{% csrf_token %}</form>").render(RequestContext(request))
        )

    form(rf.get("/form/"))
    response = form(rf.get("/form/"))
    assert "X-Catalog-Cache" not in response
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_a_page_cached_for_one_host_is_not_served_to_another(client, bundled_catalog, caching):
    from catalog.site.cache import page_cache

    page_cache().clear()
    client.get(TRIAL, HTTP_HOST="localhost:99999")
    response = client.get(TRIAL, HTTP_HOST="testserver")
    assert response["X-Catalog-Cache"] == "miss"
    assert "localhost:99999" not in response.content.decode()


def stored_pages():
    """How many pages the pages' cache holds (local memory in the tests)."""
    from catalog.site.cache import page_cache

    return len(page_cache()._cache)


def test_unknown_parameters_add_no_page_to_the_cache(client, bundled_catalog, caching):
    client.get("/trials/")
    client.get(TRIAL)
    before = stored_pages()
    for n in range(200):
        response = client.get(f"/trials/?junk={n}")
        assert response.status_code == 302
        assert response["Location"] == "/trials/"
        assert client.get(f"{TRIAL}?junk={n}")["X-Catalog-Cache"] == "hit"
    assert stored_pages() == before


def test_the_pages_cache_holds_a_bounded_number_of_pages(client, bundled_catalog, settings):
    settings.CATALOG_CACHE_PAGES = True
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "bounded-pages",
            "OPTIONS": {"MAX_ENTRIES": 20},
        },
    }
    for page in range(1, 41):
        assert client.get(f"/trials/?page={page}&per_page=10")["X-Catalog-Cache"] == "miss"
    assert stored_pages() <= 20


def test_the_sitemap_is_cached_once_whatever_parameters_other_than_its_page(
    client, bundled_catalog, caching
):
    from catalog.site.cache import page_cache

    page_cache().clear()
    first = client.get("/sitemap.xml")
    again = client.get("/sitemap.xml?utm_source=x&q=anything")
    assert first["X-Catalog-Cache"] == "miss"
    assert again["X-Catalog-Cache"] == "hit"
    assert again.content == first.content
    assert client.get("/sitemap.xml?p=1")["X-Catalog-Cache"] == "miss"  # another page
    assert client.get("/sitemap.xml?p=99").status_code == 404
