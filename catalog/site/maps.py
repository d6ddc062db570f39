"""The trial page's map of its sites: an inline SVG that needs no tile server and no script.

The land is Natural Earth's 1:110m countries (public domain; ``world_110m.json``, rings as SVG
paths in degrees, x = longitude, y = -latitude). The map is equirectangular, its longitudes
scaled by the cosine of the middle latitude so that shapes keep their proportions, and zoomed
to the sites' bounding box; each placed site is a dot with its name as the dot's title (sites
of one city share a dot). Where ``MAP_TILE_URL`` is set, the page also offers the same view on
that tile server.
"""

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WORLD = Path(__file__).with_name("world_110m.json")
MIN_SPAN = 8.0  # degrees of latitude shown at least (one city: its region)
ASPECT = (1.3, 2.2)  # width / height, at least and at most
MAX_TITLE_SITES = 5


@lru_cache(maxsize=1)
def _rings():
    """[(bbox, [(x, y), ...])]: the land's rings, parsed once per process."""
    with open(WORLD, encoding="utf-8") as f:
        rings = json.load(f)["rings"]
    parsed = []
    for bbox, path in rings:
        points = [tuple(map(float, pair.split(","))) for pair in path[1:-1].split(" ")]
        parsed.append((tuple(bbox), points))
    return parsed


@dataclass
class Dot:
    x: float
    y: float
    title: str


@dataclass
class SiteMap:
    view_box: str
    land: str  # the path data of the land in view
    dots: list
    radius: float
    stroke: float
    placed: int
    unplaced: int
    tiles_url: str = ""


def _formatter(step):
    """A function that writes a coordinate with the decimals ``step`` keeps."""
    digits = max(0, -math.floor(math.log10(step))) if step < 1 else 0

    def format_value(value):
        text = f"{value:.{digits}f}"
        return "0" if text in ("-0", "-0.0") else text

    return format_value


# Views a page asks for again (the same trial, trials of one city) draw the same land; a
# world-wide view formats some ten thousand points, more than the rest of the page costs.
@lru_cache(maxsize=128)
def _land(left, top, width, height, scale, step):
    """The path data of the land in the view, simplified to ``step``."""
    format_value = _formatter(step)
    land = []
    for (x0, y0, x1, y1), points in _rings():
        if x1 * scale < left or x0 * scale > left + width or y1 < top or y0 > top + height:
            continue
        if max((x1 - x0) * scale, y1 - y0) < step * 2:
            continue  # smaller than a dot
        kept, last = [], None
        for x, y in points:
            point = (x * scale, y)
            if last is None or abs(point[0] - last[0]) + abs(point[1] - last[1]) >= step:
                kept.append(point)
                last = point
        if len(kept) >= 3:
            land.append(
                "M" + " ".join(f"{format_value(x)},{format_value(y)}" for x, y in kept) + "Z"
            )
    return " ".join(land)


def site_map(sites, tile_url=""):
    """The ``SiteMap`` of ``sites`` (with ``latitude``/``longitude``, null if not placed), or
    None if none is placed."""
    sites = list(sites)
    placed = [s for s in sites if s.latitude is not None and s.longitude is not None]
    if not placed:
        return None
    lats = [s.latitude for s in placed]
    lons = [s.longitude for s in placed]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    middle = (south + north) / 2
    scale = max(math.cos(math.radians(middle)), 0.2)
    # The view: the sites with a margin, at least MIN_SPAN high, within the aspect bounds.
    height = max(north - south, MIN_SPAN) * 1.3
    width = max((east - west) * scale * 1.2, height * ASPECT[0])
    height = max(height, width / ASPECT[1])
    width = min(max(width, height * ASPECT[0]), 360 * scale)
    height = min(height, 180)
    center_x = (west + east) / 2 * scale
    center_y = -middle
    left, top = center_x - width / 2, center_y - height / 2
    step = width / 300  # what a point's precision and the simplification keep
    format_value = _formatter(step)
    by_point = {}
    for site in placed:
        by_point.setdefault((round(site.latitude, 3), round(site.longitude, 3)), []).append(site)
    dots = []
    for (lat, lon), here in by_point.items():
        city = ", ".join(p for p in (here[0].city, here[0].country) if p)
        names = [s.facility or "Facility not named" for s in here]
        if len(here) == 1:
            title = f"{names[0]}, {city}"
        else:
            shown = "; ".join(names[:MAX_TITLE_SITES])
            more = len(names) - MAX_TITLE_SITES
            title = f"{city}: {len(here)} sites ({shown}{f'; {more} more' if more > 0 else ''})"
        dots.append(Dot(format_value(lon * scale), format_value(-lat), title))
    return SiteMap(
        view_box=" ".join(format_value(v) for v in (left, top, width, height)),
        land=_land(left, top, width, height, scale, step),
        dots=dots,
        radius=format_value(width / 90),
        stroke=format_value(width / 700),
        placed=len(placed),
        unplaced=len(sites) - len(placed),
        tiles_url=_tiles_url(tile_url, middle, (west + east) / 2, width / scale),
    )


def _tiles_url(template, lat, lon, span):
    """The map's view on a tile server: ``template`` with {lat}, {lon} and {zoom}."""
    if not template:
        return ""
    zoom = max(1, min(12, round(math.log2(360 / max(span, 0.01)))))
    return template.format(lat=f"{lat:.4f}", lon=f"{lon:.4f}", zoom=zoom)
