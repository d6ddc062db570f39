"""Query trials by their MSC profile: the conditions the list's MSC filters put on a profile,
and their facet counts.

The parameters themselves (``source``, ``donor``, ``product``, ``route``, a dose range in a
unit, the number of doses) are declared with the others in ``catalog.search.params``; their
conditions here are on ``MscProfile`` rows, which the search joins into one EXISTS on the
trial's profile, keeping only trials that give an MSC product (``MscProfile.is_msc``).

- codes (``codes_q``): any of the values given; array columns with GIN indexes.
- ``donor_q``: any of the values given; ``autologous`` and ``allogeneic`` also find trials that
  use ``both`` (as they use that kind too).
- ``dose_q``: a stated dose in the range (cells), in ``total`` (cells per administration,
  including per-kg doses of adult trials taken for 70 kg) or ``per_kg``. A dose-escalation
  trial matches when any of its doses does; a dose flagged implausible does
  not, until a curator confirms it.
- ``n_doses_q``: the number of administrations; ``4+`` means four or more.

``facet_counts(trials, name)`` counts the trials of a queryset per value, in one GROUP BY over
the unnested codes. ``FACET_SQL`` gives the same counts as SQL over a CTE of trials ``{b}``
(with its ``id`` and the profile's ``FACET_COLUMNS``), for the list page's one-statement facets.
"""

import math
import re

from django.db import connections
from django.db.models import Count, Q

from catalog.models import DoseUnit, MscDonor, MscProfile

ADULT_WEIGHT_KG = 70.0
MAX_N_DOSES = 1000

ARRAY_COLUMNS = {"source": "sources", "product": "products", "route": "routes"}
# The donor values that also find trials using both kinds.
DONOR_WITH_BOTH = {MscDonor.AUTOLOGOUS, MscDonor.ALLOGENEIC}


def parse_count(text):
    """A cell count as people write it: ``1e6``, ``1.5E+08``, ``2000000``, ``2,000,000``
    (also ``1e 8``: a ``+`` typed into an address arrives as a space)."""
    text = re.sub(r"(?i)e\s+(?=\d)", "e+", str(text).strip())
    value = float(text.replace(",", "").replace("_", ""))
    if not math.isfinite(value) or value < 0:
        raise ValueError(text)
    return value


def format_count(value):
    """A cell count for a URL, to three significant digits: ``1e6``, ``1.78e8``, ``5000``."""
    text = f"{value:.3g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def codes_q(column, codes):
    """Profiles whose array ``column`` holds any of ``codes``."""
    return Q(**{f"{column}__overlap": codes})


def donor_q(codes):
    donors = set(codes)
    if donors & DONOR_WITH_BOTH:
        donors.add(MscDonor.BOTH)
    return Q(donor__in=sorted(donors))


def n_doses_q(values):
    """Profiles with one of the numbers of doses: ``2`` exactly, ``4+`` four or more."""
    any_of = Q()
    for value in values:
        low = int(value.rstrip("+"))
        any_of |= Q(n_doses__gte=low) if value.endswith("+") else Q(n_doses=low)
    return any_of


def _range_q(low, high, scale=1.0):
    q = Q()
    if low is not None:
        q &= Q(dose_max__gte=low / scale)
    if high is not None:
        q &= Q(dose_min__lte=high / scale)
    return q


def dose_q(unit, low, high):
    """Profiles with a dose in [low, high]: their [dose_min, dose_max] overlaps it. Doses
    flagged implausible are left out until a curator confirms them."""
    plausible = Q(dose_implausible="")
    if unit == DoseUnit.PER_KG:
        return plausible & Q(dose_unit=DoseUnit.PER_KG) & _range_q(low, high)
    return plausible & (
        (Q(dose_unit=DoseUnit.TOTAL) & _range_q(low, high))
        | (Q(dose_unit=DoseUnit.PER_KG, dose_derived=True) & _range_q(low, high, ADULT_WEIGHT_KG))
    )


# Facets ----------------------------------------------------------------------------------------


def facet_counts(trials, name):
    """{code: number of trials} for one MSC facet over a Trial queryset, in one query.

    Only trials that give an MSC product count. For ``donor``, ``autologous`` and
    ``allogeneic`` count the trials using both as well (as the filter finds them)."""
    profiles = MscProfile.objects.msc().filter(trial__in=trials.order_by().values("pk"))
    if name in ARRAY_COLUMNS:
        column = ARRAY_COLUMNS[name]
        sql, params = profiles.values("trial_id").query.sql_with_params()
        with connections[profiles.db].cursor() as cursor:
            cursor.execute(
                f"SELECT code, count(*) FROM catalog_mscprofile AS m "
                f"CROSS JOIN LATERAL unnest(m.{column}) AS code "
                f"WHERE m.trial_id IN ({sql}) GROUP BY code",
                params,
            )
            return dict(cursor.fetchall())
    if name == "donor":
        counts = dict(profiles.values_list("donor").annotate(n=Count("pk")).order_by())
        both = counts.get(MscDonor.BOTH, 0)
        for code in DONOR_WITH_BOTH:
            if code in counts or both:
                counts[code] = counts.get(code, 0) + both
        return counts
    if name == "n_doses":
        return dict(
            profiles.exclude(n_doses=None).values_list("n_doses").annotate(n=Count("pk")).order_by()
        )
    raise ValueError(f"no MSC facet {name!r}")


# The same counts for the list page's one-statement facets (catalog/search/facets.py): each is a
# SELECT value, count over the CTE {b} of matching trials, which carries the MSC profile's
# columns named by FACET_COLUMNS (msc__sources is read as msc_sources), so the profiles are
# joined to the matching trials once for all the MSC facets.
FACET_COLUMNS = (
    "msc__is_msc",
    "msc__sources",
    "msc__products",
    "msc__routes",
    "msc__donor",
    "msc__n_doses",
)
FACET_SQL = {
    "source": (
        "SELECT code, count(*) FROM (SELECT unnest({b}.msc_sources) AS code FROM {b} "
        "WHERE {b}.msc_is_msc) AS u GROUP BY 1"
    ),
    "product": (
        "SELECT code, count(*) FROM (SELECT unnest({b}.msc_products) AS code FROM {b} "
        "WHERE {b}.msc_is_msc) AS u GROUP BY 1"
    ),
    "route": (
        "SELECT code, count(*) FROM (SELECT unnest({b}.msc_routes) AS code FROM {b} "
        "WHERE {b}.msc_is_msc) AS u GROUP BY 1"
    ),
    "donor": (
        "SELECT code, count(*) FROM (SELECT unnest(CASE WHEN {b}.msc_donor = 'both' "
        "THEN ARRAY['both', 'autologous', 'allogeneic'] ELSE ARRAY[{b}.msc_donor] END) AS code "
        "FROM {b} WHERE {b}.msc_is_msc) AS u GROUP BY 1"
    ),
    "n_doses": (
        "SELECT {b}.msc_n_doses::text, count(*) FROM {b} "
        "WHERE {b}.msc_is_msc AND {b}.msc_n_doses IS NOT NULL GROUP BY 1"
    ),
}
