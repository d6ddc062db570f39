"""Trials near a place: sites placed at import, the place box (``near``, ``radius``,
``sort=distance``), the API's ``filter.geo`` and the trial page's map, checked against
coordinates and great-circle distances computed here, independently of the catalog's code."""

import math
import re

import pytest
from django.db.models import Q

from catalog.models import GeoSource, Site, Trial
from catalog.places import placing
from catalog.places.gazetteer import gazetteer
from catalog.search.listing import TrialSearch

pytestmark = pytest.mark.django_db

LIST = "/trials/"
API = "/api/v2/studies"

# Site cities of the bundled catalog and where they are (degrees, from an atlas): (city as the
# records write it, the country, the state if the name is ambiguous, latitude, longitude).
CITIES = [
    ("Seoul", "Korea, Republic of", "", 37.5665, 126.9780),
    ("Madrid", "Spain", "", 40.4168, -3.7038),
    ("Beijing", "China", "", 39.9042, 116.4074),
    ("Guangzhou", "China", "", 23.1291, 113.2644),
    ("Houston", "United States", "", 29.7604, -95.3698),
    ("Tehran", "Iran, Islamic Republic of", "", 35.6892, 51.3890),
    ("Miami", "United States", "", 25.7617, -80.1918),
    ("Shanghai", "China", "", 31.2304, 121.4737),
    ("Barcelona", "Spain", "", 41.3874, 2.1686),
    ("Boston", "United States", "", 42.3601, -71.0589),
    ("Cleveland", "United States", "", 41.4993, -81.6944),
    ("Chicago", "United States", "", 41.8781, -87.6298),
    ("Atlanta", "United States", "", 33.7490, -84.3880),
    ("Nanjing", "China", "", 32.0603, 118.7969),
    ("Paris", "France", "", 48.8566, 2.3522),
    ("Baltimore", "United States", "", 39.2904, -76.6122),
    ("Los Angeles", "United States", "", 34.0522, -118.2437),
    ("Amman", "Jordan", "", 31.9454, 35.9284),
    ("Pittsburgh", "United States", "", 40.4406, -79.9959),
    ("Wuhan", "China", "", 30.5928, 114.3055),
    ("San Francisco", "United States", "", 37.7749, -122.4194),
    ("Minsk", "Belarus", "", 53.9006, 27.5590),
    ("Sevilla", "Spain", "", 37.3891, -5.9845),
    ("Copenhagen", "Denmark", "", 55.6761, 12.5683),
    ("Taipei", "Taiwan", "", 25.0330, 121.5654),
    ("Jakarta", "Indonesia", "", -6.2088, 106.8456),
    ("Salamanca", "Spain", "", 40.9701, -5.6635),
    ("Rochester", "United States", "Minnesota", 44.0121, -92.4802),
    ("Rochester", "United States", "New York", 43.1566, -77.6088),
]


def haversine(lat1, lon1, lat2, lon2):
    """Great-circle distance in km on a sphere of the Earth's mean radius (IUGG, 6371.0088 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def placed_sites():
    """{trial id: [(lat, lon, city, country)]} of the public trials' placed sites."""
    sites = {}
    rows = Site.objects.filter(trial__is_public=True, latitude__isnull=False).values_list(
        "trial_id", "latitude", "longitude", "city", "country"
    )
    for trial_id, *site in rows:
        sites.setdefault(trial_id, []).append(tuple(site))
    return sites


def test_at_least_95_percent_of_the_bundled_sites_are_placed(bundled_catalog):
    share = placing.share()
    assert share.total == Site.objects.count() > 3000
    assert share.percent >= 95, str(share)
    # The 2022 records give no geoPoint: every placed site was placed at its city.
    assert not Site.objects.filter(geo_source=GeoSource.RECORD).exists()
    assert Site.objects.filter(geo_source=GeoSource.GAZETTEER).count() == share.placed
    # Nothing is dropped: a site that could not be placed is kept, without coordinates.
    assert Site.objects.filter(latitude__isnull=True, geo_source="").count() == (
        share.total - share.placed
    )


@pytest.mark.parametrize(("city", "country", "state", "lat", "lon"), CITIES)
def test_sites_are_placed_where_their_city_is(bundled_catalog, city, country, state, lat, lon):
    sites = Site.objects.filter(city=city, country=country)
    if state:
        sites = sites.filter(state=state)
    assert sites.exists()
    for site in sites:
        assert site.latitude is not None, site
        assert haversine(lat, lon, site.latitude, site.longitude) < 25, site


@pytest.mark.parametrize(("city", "country", "state", "lat", "lon"), CITIES)
def test_each_results_nearest_site_is_at_the_distance_an_independent_haversine_gives(
    bundled_catalog, city, country, state, lat, lon
):
    sites = placed_sites()
    search = TrialSearch({"near": f"{lat},{lon}", "radius": "400", "sort": "distance"})
    search.per_page = 100
    page = search.results(search.facet_counts().total)
    assert page.object_list
    previous = 0
    for trial in page.object_list:
        distances = sorted(
            (haversine(lat, lon, s_lat, s_lon), s_city, s_country)
            for s_lat, s_lon, s_city, s_country in sites[trial.pk]
        )
        km, near_city, near_country = distances[0]
        assert trial.nearest["km"] == pytest.approx(km, abs=1e-3)
        assert (trial.nearest["city"], trial.nearest["country"]) in {
            (c, k) for d, c, k in distances if d <= km + 1e-3
        }
        assert km <= 400 + 1e-3
        assert km >= previous - 1e-3  # nearest first
        previous = km
        assert trial.notes == [
            f"{trial.nearest['city']}, {trial.nearest['country']} · {round(km)} km"
        ]


@pytest.mark.parametrize(
    ("lat", "lon", "radius"),
    [
        (40.4168, -3.7038, 100),  # Madrid
        (40.4168, -3.7038, 500),
        (37.5665, 126.9780, 30),  # Seoul
        (39.0035707, -77.1013313, 80),  # Bethesda
        (29.7604, -95.3698, 250),  # Houston
        (-33.8688, 151.2093, 1000),  # Sydney
        (64.1466, -21.9426, 50),  # Reykjavík: no site
        (17.1274, -61.8468, 20),  # St. John's, Antigua
        (52.52, 179.5, 2000),  # across the antimeridian
        (85.0, 10.0, 2000),  # near the pole
    ],
)
def test_the_place_filter_keeps_exactly_the_trials_with_a_placed_site_within_the_radius(
    bundled_catalog, lat, lon, radius
):
    expected = {
        trial_id
        for trial_id, sites in placed_sites().items()
        if any(haversine(lat, lon, s_lat, s_lon) <= radius for s_lat, s_lon, *_ in sites)
    }
    search = TrialSearch({"near": f"{lat},{lon}", "radius": str(radius)})
    assert set(search.queryset().values_list("pk", flat=True)) == expected
    assert search.facet_counts().total == len(expected)


def test_a_city_typed_in_the_place_box_is_searched_around_with_the_default_radius(
    client, bundled_catalog
):
    response = client.get(LIST, {"near": "madrid"})
    html = response.content.decode()
    madrid = gazetteer().find("Madrid")
    expected = {
        trial_id
        for trial_id, sites in placed_sites().items()
        if any(haversine(madrid.latitude, madrid.longitude, a, b) <= 100 for a, b, *_ in sites)
    }
    assert response.context["count"] == len(expected) > 20
    assert "Madrid, Spain, within 100 km" in html  # the chip
    assert "Near Madrid, Spain (100 km)" in response.context["described"]
    assert '<p class="meta near">Madrid, Spain · 0 km</p>' in html
    assert '<option value="distance"' in html  # sorting by distance is offered
    assert 'id="near" name="near" value="madrid"' in html


def test_a_country_alone_keeps_that_countrys_trials(client, bundled_catalog):
    for typed, country in (("Spain", "Spain"), ("south korea", "Korea, Republic of")):
        search = TrialSearch({"near": typed})
        expected = set(
            Trial.objects.public().filter(sites__country=country).values_list("pk", flat=True)
        )
        assert set(search.queryset().values_list("pk", flat=True)) == expected
        assert search.active_filters()[0]["value"] == search.query.values["near"].place.name


def test_a_us_state_keeps_the_trials_with_a_site_in_it(bundled_catalog):
    search = TrialSearch({"near": "Texas", "sort": "distance"})
    expected = set(
        Trial.objects.public()
        .filter(sites__country="United States")
        .filter(Q(sites__state__iexact="Texas") | Q(sites__state="TX"))
        .values_list("pk", flat=True)
    )
    assert set(search.queryset().values_list("pk", flat=True)) == expected
    assert search.describe() == "In Texas, United States"


def test_an_unknown_place_is_a_notice_naming_it_and_filters_nothing(client, bundled_catalog):
    response = client.get(LIST, {"near": "Xyzzyville", "q": "knee"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ignored near=Xyzzyville: not a place the catalog knows" in html
    assert response.context["count"] == TrialSearch({"q": "knee"}).facet_counts().total


def test_sorting_by_distance_without_a_place_is_a_notice(client, bundled_catalog):
    response = client.get(LIST, {"sort": "distance"})
    assert "Sorting by nearest site first needs a place" in response.content.decode()
    assert response.context["search"].sort == "-updated"


def test_removing_the_place_removes_its_radius_and_the_distance_sort(bundled_catalog):
    search = TrialSearch({"q": "knee", "near": "Boston", "radius": "300", "sort": "distance"})
    chip = next(c for c in search.active_filters() if c["name"] == "near")
    assert chip["value"] == "Boston, Massachusetts, United States, within 300 km"
    assert chip["remove_url"] == LIST + "?q=knee"


def test_a_place_keeps_the_queries_of_a_page_constant(client, bundled_catalog):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(params):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST, params).status_code == 200
        return len(captured)

    gazetteer()  # loaded once per process, before counting
    plain = queries({"q": "cells", "per_page": "100"})
    for extra in ({"near": "Madrid"}, {"near": "Boston", "sort": "distance"}, {"near": "Spain"}):
        assert queries({"q": "cells", "per_page": "100", **extra}) == plain


@pytest.mark.parametrize(
    ("geo", "point", "km"),
    [
        ("distance(39.0035707,-77.1013313,50mi)", "39.0035707,-77.1013313", 50 * 1.609344),
        ("distance(40.4168,-3.7038,100km)", "40.4168,-3.7038", 100),
        ("distance(37.5665, 126.978, 20KM)", "37.5665,126.978", 20),
    ],
)
def test_the_apis_filter_geo_counts_what_the_list_counts(client, bundled_catalog, geo, point, km):
    body = client.get(API, {"filter.geo": geo, "countTotal": "true", "pageSize": "1000"}).json()
    lat, lon = map(float, point.split(","))
    expected = {
        trial_id
        for trial_id, sites in placed_sites().items()
        if any(haversine(lat, lon, a, b) <= km for a, b, *_ in sites)
    }
    assert body["totalCount"] == len(expected)
    listed = client.get(LIST, {"near": geo}).context["count"]
    assert listed == body["totalCount"]
    found = {s["protocolSection"]["identificationModule"]["nctId"] for s in body["studies"]}
    assert found == set(Trial.objects.filter(pk__in=expected).values_list("nct_id", flat=True))


@pytest.mark.parametrize(
    "geo",
    [
        "Madrid",
        "distance(39.0,-77.1)",
        "distance(39.0,-77.1,50)",
        "distance(95,-77.1,50mi)",
        "distance(39.0,-190,50mi)",
        "distance(39.0,-77.1,0km)",
        "distance(39.0,-77.1,5000mi)",
        "distance(a,b,50mi)",
    ],
)
def test_a_malformed_filter_geo_is_a_400_naming_it(client, bundled_catalog, geo):
    response = client.get(API, {"filter.geo": geo})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["parameter"] == "filter.geo"
    assert error["message"].startswith("filter.geo: ")


def test_filter_geo_is_in_the_openapi_document(client, bundled_catalog):
    document = client.get("/api/v2/openapi.json").json()
    parameters = {
        p["name"]: p
        for p in document["paths"]["/api/v2/studies"]["get"]["parameters"]
        if "name" in p
    }
    geo = parameters["filter.geo"]
    assert "distance(latitude,longitude,radius)" in geo["description"]
    assert re.match(geo["schema"]["pattern"], geo["example"])


def test_a_trial_page_maps_its_placed_sites_and_counts_those_it_could_not_place(
    client, bundled_catalog
):
    unplaced = Site.objects.filter(latitude__isnull=True, trial__is_public=True).first()
    trial = unplaced.trial
    sites = list(trial.sites.all())
    placed = [s for s in sites if s.latitude is not None]
    missing = len(sites) - len(placed)
    html = client.get(trial.get_absolute_url()).content.decode()
    if placed:
        assert '<figure class="site-map">' in html
        assert html.count('<circle class="site-dot"') == len(
            {(round(s.latitude, 3), round(s.longitude, 3)) for s in placed}
        )
        assert f"Map of the {len(placed)} placed site" in html
    assert f"{missing} site{'s' * (missing != 1)} could not be placed on the map" in html
    # A trial whose sites are all placed says nothing of the kind, and titles each dot.
    whole = (
        Trial.objects.public().exclude(sites__latitude__isnull=True).filter(sites__isnull=False)[0]
    )
    html = client.get(whole.get_absolute_url()).content.decode()
    assert "could not be placed" not in html
    site = whole.sites.all()[0]
    assert re.search(r"<circle[^>]*><title>[^<]*" + re.escape(site.city), html)


def test_a_map_tile_link_appears_only_where_a_tile_url_is_set(client, bundled_catalog, settings):
    trial = Trial.objects.public().filter(sites__latitude__isnull=False)[0]
    assert "tile map" not in client.get(trial.get_absolute_url()).content.decode()
    settings.MAP_TILE_URL = "https://tiles.example.org/#map={zoom}/{lat}/{lon}"
    html = client.get(trial.get_absolute_url()).content.decode()
    assert re.search(r'href="https://tiles\.example\.org/#map=\d+/[-0-9.]+/[-0-9.]+"', html)


def test_a_records_own_geopoint_is_kept_and_exported_while_a_placed_city_is_not(db):
    from catalog.registry.ctgov import study_from_trial
    from catalog.registry.importer import Importer
    from tests.factories import real_study

    study = real_study(9)
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT09000002"
    locations = study["protocolSection"]["contactsLocationsModule"]["locations"]
    locations[0]["geoPoint"] = {"lat": 12.5, "lon": -45.25}
    Importer().import_study(study, "test")
    trial = Trial.objects.for_export().get(nct_id="NCT09000002")
    first, *others = trial.sites.all()
    assert (first.latitude, first.longitude, first.geo_source) == (12.5, -45.25, "record")
    assert all(s.geo_source in ("gazetteer", "") for s in others)
    assert any(s.geo_source == "gazetteer" for s in others)
    exported = study_from_trial(trial)["protocolSection"]["contactsLocationsModule"]["locations"]
    assert exported[0]["geoPoint"] == {"lat": 12.5, "lon": -45.25}
    assert all("geoPoint" not in site for site in exported[1:])


def test_the_place_box_understands_cities_regions_and_countries():
    places = gazetteer()
    assert places.find("München").name == "Munich, Germany"
    assert places.find("sao paulo").name == "São Paulo, Brazil"
    assert places.find("Portland, Oregon").name == "Portland, Oregon, United States"
    assert places.find("Cambridge, MA").name == "Cambridge, Massachusetts, United States"
    assert places.find("Cambridge, UK").name == "Cambridge, United Kingdom"
    assert places.find("New York").kind == "city"
    assert (places.find("Texas").kind, places.find("Texas").region) == ("region", "TX")
    assert places.find("Korea, Republic of").kind == "country"
    assert places.find("Spain").center == "Madrid"
    assert places.find("Xyzzyville") is None
    # Sites: by state where the name is shared, accents ignored, districts by their state.
    assert places.place_site("Rochester", "Minnesota", "United States")[0] == pytest.approx(
        44.0, 0.1
    )
    assert places.place_site("Cordoba", "", "Spain") == places.place_site("Córdoba", "", "Spain")
    assert places.place_site("Gangnam-gu", "Seoul", "Korea, Republic of") is not None
    assert places.place_site("Nowhere at all", "", "Spain") is None


def test_a_curators_save_places_a_moved_site_and_keeps_typed_coordinates(imported_trial):
    site = imported_trial.sites.filter(geo_source="gazetteer").first()
    site.city, site.state, site.country = "Sevilla", "", "Spain"
    site.save()
    site.refresh_from_db()
    assert haversine(37.3891, -5.9845, site.latitude, site.longitude) < 25
    assert site.geo_source == "gazetteer"
    site.latitude, site.longitude = 37.5, -6.0
    site.save()
    site.refresh_from_db()
    assert (site.latitude, site.longitude, site.geo_source) == (37.5, -6.0, "record")
    new = Site.objects.create(trial=imported_trial, position=9, city="Bologna", country="Italy")
    assert (
        new.geo_source == "gazetteer"
        and haversine(44.4949, 11.3426, new.latitude, new.longitude) < 25
    )
