"""Trials near a place: the ``near`` and ``radius`` parameters' reading, filter and order.

``near`` is what a person types (a city, a US state, a country, through the gazetteer of
``catalog.places``), a point ``lat,lon``, or ClinicalTrials.gov's ``distance(lat,lon,radius)``
(the API's ``filter.geo``, e.g. ``distance(39.0035707,-77.1013313,50mi)``). A city or a point
keeps the trials with a placed site within the radius (``radius`` km, 100 by default); a
country or a US state keeps the trials with a site there.

Distances are great-circle distances (haversine, on a sphere of the Earth's mean radius),
computed in SQL after a bounding-box prefilter on the indexed site coordinates. Each result
carries its nearest site (``nearest``: city, state, country, km); ``sort=distance`` orders by it.
"""

import math
import re
from dataclasses import dataclass

from django import forms
from django.db.models import Exists, FloatField, Func, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject

from catalog.models import Site
from catalog.places.gazetteer import EARTH_RADIUS_KM, KM_PER_MILE, Place, gazetteer
from catalog.search.filters import UpperIn
from catalog.search.query import FormFieldKind, Kind, Notice, shown

DEFAULT_RADIUS_KM = 100
MAX_RADIUS_KM = 2000
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
DISTANCE_RE = re.compile(
    rf"^\s*distance\(\s*({NUMBER})\s*,\s*({NUMBER})\s*,\s*({NUMBER})\s*(mi|km)?\s*\)\s*$",
    re.IGNORECASE,
)
POINT_RE = re.compile(rf"^\s*({NUMBER})\s*,\s*({NUMBER})\s*$")
DISTANCE_FORMAT = "distance(latitude,longitude,radius) with the radius in mi or km"


@dataclass(frozen=True)
class Near:
    """A place read from ``near``, with the radius its own value gave (``distance(...)``)."""

    place: Place
    radius_km: float | None = None

    def radius(self, query):
        if self.radius_km is not None:
            return self.radius_km
        return query.values.get("radius") or DEFAULT_RADIUS_KM


def parse_distance(text):
    """``distance(lat,lon,50mi)`` → (lat, lon, radius in km); ValueError(why) if malformed."""
    match = DISTANCE_RE.match(text)
    if not match:
        raise ValueError(f"is not {DISTANCE_FORMAT}, e.g. distance(39.0035707,-77.1013313,50mi)")
    lat, lon, radius = (float(match[i]) for i in (1, 2, 3))
    _check_point(lat, lon)
    if match[4] is None:
        raise ValueError("needs the radius's unit, mi or km (e.g. 50mi)")
    km = radius * (KM_PER_MILE if match[4].lower() == "mi" else 1)
    if not 0 < km <= MAX_RADIUS_KM:
        raise ValueError(f"has a radius outside 0 to {MAX_RADIUS_KM} km")
    return lat, lon, km


def _check_point(lat, lon):
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("is no point on Earth (latitude -90 to 90, longitude -180 to 180)")


def _point(lat, lon):
    return Place("point", f"{lat:g}, {lon:g}", lat, lon, "")


def read_near(text):
    """The ``Near`` that ``text`` means, or ValueError(why)."""
    if text.strip().lower().startswith("distance("):
        lat, lon, km = parse_distance(text)
        return Near(_point(lat, lon), km)
    match = POINT_RE.match(text)
    if match:
        lat, lon = float(match[1]), float(match[2])
        _check_point(lat, lon)
        return Near(_point(lat, lon))
    place = gazetteer().find(text)
    if place is None:
        raise ValueError("not a place the catalog knows (a city, a US state or a country)")
    return Near(place)


class PlaceKind(Kind):
    """The ``near`` parameter's values: one place, read leniently on pages (an unknown place is
    a notice naming it); the API takes ``distance(lat,lon,radius)`` only, strictly."""

    def read(self, name, raws):
        raw = " ".join(str(raws[-1]).split())[:200] if raws else ""
        if not raw:
            return None, [], []
        try:
            return read_near(raw), [raw], []
        except ValueError as error:
            return None, [], [(1, Notice(name, f"Ignored {name}={shown(raw)}: {error}."))]

    def check(self, item):
        parse_distance(item)
        return item

    def label(self, value):
        return value

    def schema(self):
        return DISTANCE_SCHEMA

    def list_schema(self):
        # On the list (and /api/msc): a place's name, a point, or distance(...).
        return {"type": "string", "maxLength": 200}


class Radius(FormFieldKind):
    """The radius in km around a city or point: a whole number, 1 to ``MAX_RADIUS_KM``."""

    def __init__(self):
        super().__init__(
            forms.IntegerField(min_value=1, max_value=MAX_RADIUS_KM, required=False),
            f"is not a whole number of km from 1 to {MAX_RADIUS_KM}",
        )

    def schema(self):
        return {"type": "integer", "minimum": 1, "maximum": MAX_RADIUS_KM}


# What the API's filter.geo takes (its OpenAPI schema).
DISTANCE_SCHEMA = {
    "type": "string",
    "pattern": r"^distance\(-?[0-9]{1,2}(\.[0-9]+)?,-?[0-9]{1,3}(\.[0-9]+)?,"
    r"[0-9]{1,4}(\.[0-9]+)?(mi|km)\)$",
}


# SQL ---------------------------------------------------------------------------------------------


class GreatCircle(Func):
    """The great-circle distance in km from a fixed point to the coordinates of each row."""

    output_field = FloatField()

    def __init__(self, lat, lon, latitude="latitude", longitude="longitude"):
        super().__init__(latitude, longitude)
        self.lat, self.lon = float(lat), float(lon)

    def as_sql(self, compiler, connection, **extra):
        (la, la_params), (lo, lo_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        sql = (
            f"(2 * {EARTH_RADIUS_KM} * asin(least(1.0, sqrt("
            f"power(sin(radians({la} - %s) / 2), 2)"
            f" + cos(radians(%s)) * cos(radians({la}))"
            f" * power(sin(radians({lo} - %s) / 2), 2)))))"
        )
        return sql, (*la_params, self.lat, self.lat, *la_params, *lo_params, self.lon)


def bounding_box(lat, lon, km):
    """A Q on site coordinates holding every point within ``km`` of (lat, lon) (and some more):
    the prefilter the index on (latitude, longitude) serves."""
    dlat = km / KM_PER_DEGREE
    q = Q(latitude__gte=lat - dlat, latitude__lte=lat + dlat)
    far_lat = abs(lat) + dlat
    if far_lat >= 89.9:
        return q  # near a pole: any longitude
    dlon = dlat / math.cos(math.radians(far_lat))
    if dlon >= 180:
        return q
    low, high = lon - dlon, lon + dlon
    lon_q = Q(longitude__gte=max(low, -180), longitude__lte=min(high, 180))
    if low < -180:
        lon_q |= Q(longitude__gte=low + 360)
    if high > 180:
        lon_q |= Q(longitude__lte=high - 360)
    return q & lon_q


def area_sites(place):
    """The sites in a country or US state (by the names records give them)."""
    places = gazetteer()
    sites = Site.objects.filter(UpperIn("country", places.country_spellings(place.country)))
    if place.kind == "region":
        sites = sites.filter(UpperIn("state", [places.us_state_names[place.region], place.region]))
    return sites


def _sites(value, query):
    """The sites of the place: in the area, or placed within the radius."""
    place = value.place
    if place.is_area:
        return area_sites(place)
    km = value.radius(query)
    return (
        Site.objects.filter(bounding_box(place.latitude, place.longitude, km))
        .alias(km=GreatCircle(place.latitude, place.longitude))
        .filter(km__lte=km)
    )


def filter_near(queryset, value, query):
    return queryset.filter(Exists(_sites(value, query).filter(trial=OuterRef("pk"))))


def _nearest(value, query):
    place = value.place
    return (
        _sites(value, query)
        .filter(trial=OuterRef("pk"), latitude__isnull=False)
        .annotate(distance=GreatCircle(place.latitude, place.longitude))
        .order_by("distance", "position")
    )


def annotate_near(queryset, value, query):
    """Each trial's nearest site of the place, as ``nearest`` {city, state, country, km}."""
    site = JSONObject(city="city", state="state", country="country", km="distance")
    return queryset.annotate(nearest=Subquery(_nearest(value, query).values(j=site)[:1]))


def distance_order(value, query):
    """The distance of each trial's nearest site, to sort by (nulls last)."""
    return Subquery(_nearest(value, query).values("distance")[:1], output_field=FloatField())


def describe(value, query):
    """The place in words: ``Near Madrid, Spain (100 km)``, ``In Spain``."""
    place = value.place
    if place.is_area:
        return f"In {place.name}"
    return f"Near {place.name} ({_km(value.radius(query))})"


def chip(value, query):
    """The place as its chip says it: ``Madrid, Spain, within 100 km``."""
    if value.place.is_area:
        return value.place.name
    return f"{value.place.name}, within {_km(value.radius(query))}"


def _km(km):
    return f"{round(km):,} km"


def nearest_text(nearest, value):
    """A result's nearest site: ``Madrid, Spain · 12 km`` (``… from Madrid`` for an area)."""
    if not nearest:
        return ""
    where = ", ".join(p for p in (nearest["city"], nearest["country"]) if p)
    km = nearest.get("km")
    if km is None:
        return where
    place = value.place
    suffix = f" from {place.center}" if place.is_area and place.center else ""
    return f"{where} · {_km(km)}{suffix}"
