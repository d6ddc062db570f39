"""Sites on the map: each site's coordinates, from its record or from the gazetteer.

A record's own ``geoPoint`` is kept (``GeoSource.RECORD``); a site without one is placed at
its city (``GeoSource.GAZETTEER``), found by ``catalog.places.gazetteer`` from the city, state
and country the record gives. A site that cannot be placed keeps null coordinates: the trial
page counts it.
"""

from dataclasses import dataclass

from catalog.models import GeoSource, Site
from catalog.places.gazetteer import gazetteer

CHUNK = 2000


def place(site):
    """Set the coordinates of ``site`` (a ``Site`` or a dict of its values); True if placed."""
    get = site.get if isinstance(site, dict) else lambda name: getattr(site, name, None)

    def put(**values):
        for name, value in values.items():
            if isinstance(site, dict):
                site[name] = value
            else:
                setattr(site, name, value)

    has_point = get("latitude") is not None and get("longitude") is not None
    if has_point and get("geo_source") != GeoSource.GAZETTEER:
        put(geo_source=GeoSource.RECORD)
        return True
    found = gazetteer().place_site(get("city") or "", get("state") or "", get("country") or "")
    if found is None:
        put(latitude=None, longitude=None, geo_source="")
        return False
    put(latitude=found[0], longitude=found[1], geo_source=GeoSource.GAZETTEER)
    return True


def place_saved(site):
    """Before ``site`` (a ``Site``) is saved one by one (by a curator): coordinates changed by
    hand become the record's own; otherwise a site without coordinates, or placed by a city,
    state or country that changed, is placed again."""
    fields = ("city", "state", "country", "latitude", "longitude", "geo_source")
    stored = Site.objects.filter(pk=site.pk).values(*fields).first() if site.pk else None
    point = (site.latitude, site.longitude)
    if site.latitude is not None and site.longitude is not None:
        typed = stored is None or point != (stored["latitude"], stored["longitude"])
        if typed and site.geo_source != GeoSource.GAZETTEER or stored and typed:
            site.geo_source = GeoSource.RECORD
            return
    moved = stored is not None and any(
        getattr(site, name) != stored[name] for name in ("city", "state", "country")
    )
    if site.latitude is None or site.geo_source == GeoSource.GAZETTEER and moved:
        site.latitude = site.longitude = None
        place(site)


def place_all(sites):
    """Place each of ``sites``; the number placed."""
    return sum(place(site) for site in sites)


@dataclass
class Share:
    placed: int
    total: int

    @property
    def percent(self):
        return 100 * self.placed / self.total if self.total else 100.0

    def __str__(self):
        return f"{self.placed:,} of {self.total:,} sites placed ({self.percent:.1f}%)"


def place_sites(queryset=None, *, everything=False):
    """Place the stored sites (those not yet placed, or ``everything`` but the records' own
    points) in chunks; the ``Share`` placed after."""
    queryset = Site.objects.all() if queryset is None else queryset
    if not everything:
        queryset = queryset.filter(latitude__isnull=True)
    fields = ["latitude", "longitude", "geo_source"]
    ids = list(queryset.exclude(geo_source=GeoSource.RECORD).values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        sites = list(
            Site.objects.filter(pk__in=ids[start : start + CHUNK]).only(
                "city", "state", "country", *fields
            )
        )
        place_all(sites)
        Site.objects.bulk_update(sites, fields)
    return share()


def share(queryset=None):
    """How many of the sites (all, by default) have coordinates."""
    queryset = Site.objects.all() if queryset is None else queryset
    return Share(queryset.filter(latitude__isnull=False).count(), queryset.count())
