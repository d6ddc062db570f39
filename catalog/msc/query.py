"""Query trials by their MSC profile: the list filters' rules and their facet counts.

The parameters (``MscProfile.FILTER_FIELDS``), with the profile codes as values:

- ``source``, ``product``, ``route``: any of the values given (``route=intravenous&
  route=intra_arterial``); array columns with GIN indexes.
- ``donor``: any of the values given; ``autologous`` and ``allogeneic`` also find trials that
  use ``both`` (as they use that kind too).
- ``dose_min``, ``dose_max``: trials with a stated dose in that range (cells, e.g. ``1e6`` or
  ``1000000``), in ``dose_unit``: ``total`` (the default; cells per administration, including
  per-kg doses of adult trials taken for 70 kg) or ``per_kg``. A dose-escalation trial matches
  when any of its doses does; a dose flagged implausible does not, until a curator confirms it.
- ``n_doses``: the number of administrations; ``4+`` means four or more.

Any of them keeps only trials that give an MSC product (``MscProfile.is_msc``). Bad values are
left out and reported as notices, never an error.

``apply_filters(trials, params)`` takes and returns a Trial queryset; ``facet_counts(trials,
name)`` counts the trials of a queryset per value, in one GROUP BY over the unnested codes.
``FACET_SQL`` gives the same counts as SQL over a CTE of trials ``{b}`` (with its ``id``), for
the list page's one-statement facets.
"""

import math
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q

from catalog.models import DoseUnit, MscDonor, MscProduct, MscProfile, MscRoute, MscSource

ADULT_WEIGHT_KG = 70.0
MAX_N_DOSES = 1000

# The parameters, in the order addresses and descriptions give them.
PARAMS = ("source", "donor", "product", "route", "dose_min", "dose_max", "dose_unit", "n_doses")
CHOICES = {"source": MscSource, "donor": MscDonor, "product": MscProduct, "route": MscRoute}
ARRAY_COLUMNS = {"source": "sources", "product": "products", "route": "routes"}
# The donor values that also find trials using both kinds.
DONOR_WITH_BOTH = {MscDonor.AUTOLOGOUS, MscDonor.ALLOGENEIC}


@dataclass(frozen=True)
class Notice:
    param: str
    message: str

    def __str__(self):
        return self.message


@dataclass
class MscFilters:
    """The valid MSC parameters of a request, parsed."""

    source: list
    donor: list
    product: list
    route: list
    dose_min: float | None
    dose_max: float | None
    dose_unit: str
    n_doses: list  # (lowest, highest or None for "N+")
    notices: list

    @property
    def active(self):
        return bool(
            self.source
            or self.donor
            or self.product
            or self.route
            or self.dose_min is not None
            or self.dose_max is not None
            or self.n_doses
        )

    def as_params(self):
        """The valid parameters, as (name, value) pairs for a query string."""
        pairs = []
        for name in ("source", "donor", "product", "route"):
            pairs += [(name, value) for value in getattr(self, name)]
        for name in ("dose_min", "dose_max"):
            value = getattr(self, name)
            if value is not None:
                pairs.append((name, format_count(value)))
        if self.dose_min is not None or self.dose_max is not None:
            pairs.append(("dose_unit", self.dose_unit))
        for low, high in self.n_doses:
            pairs.append(("n_doses", str(low) if high == low else f"{low}+"))
        return pairs


def _getlist(params, name):
    if hasattr(params, "getlist"):
        return [v for v in params.getlist(name) if v.strip()]
    value = params.get(name)
    if value is None:
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    return [str(v) for v in values if str(v).strip()]


def _shown(value, limit=40):
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


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


def parse(params):
    """The MSC parameters of ``params`` (a QueryDict or a dict), with notices for bad ones."""
    notices = []
    values = {}
    for name, choices in CHOICES.items():
        known = set(choices.values)
        kept = []
        for value in _getlist(params, name):
            if value in known:
                if value not in kept:
                    kept.append(value)
            else:
                notices.append(Notice(name, f"Ignored {name}={_shown(value)}: not a known value."))
        values[name] = kept
    for name in ("dose_min", "dose_max"):
        values[name] = None
        raw = _getlist(params, name)
        if raw:
            try:
                values[name] = parse_count(raw[0])
            except ValueError:
                notices.append(
                    Notice(
                        name, f"Ignored {name}={_shown(raw[0])}: not a number of cells (e.g. 1e6)."
                    )
                )
    unit = (_getlist(params, "dose_unit") or [DoseUnit.TOTAL])[0]
    if unit not in DoseUnit.values:
        notices.append(
            Notice("dose_unit", f"Ignored dose_unit={_shown(unit)}: use total or per_kg.")
        )
        unit = DoseUnit.TOTAL
    values["dose_unit"] = unit
    n_doses = []
    for raw in _getlist(params, "n_doses"):
        text = raw.strip()
        try:
            low = int(text[:-1] if text.endswith("+") else text)
            if not 1 <= low <= MAX_N_DOSES:
                raise ValueError(text)
        except ValueError:
            notices.append(
                Notice("n_doses", f"Ignored n_doses={_shown(raw)}: not a number of doses.")
            )
            continue
        n_doses.append((low, None if text.endswith("+") else low))
    values["n_doses"] = n_doses
    return MscFilters(notices=notices, **values)


def profile_q(filters):
    """The condition on MscProfile rows for parsed ``filters``."""
    q = Q(is_msc=True)
    for name, column in ARRAY_COLUMNS.items():
        wanted = getattr(filters, name)
        if wanted:
            q &= Q(**{f"{column}__overlap": wanted})
    if filters.donor:
        donors = set(filters.donor)
        if donors & DONOR_WITH_BOTH:
            donors.add(MscDonor.BOTH)
        q &= Q(donor__in=sorted(donors))
    low, high = filters.dose_min, filters.dose_max
    if low is not None or high is not None:
        q &= _dose_q(filters.dose_unit, low, high)
    if filters.n_doses:
        any_of = Q()
        for first, last in filters.n_doses:
            any_of |= Q(n_doses__gte=first) if last is None else Q(n_doses=first)
        q &= any_of
    return q


def _range_q(low, high, scale=1.0):
    q = Q()
    if low is not None:
        q &= Q(dose_max__gte=low / scale)
    if high is not None:
        q &= Q(dose_min__lte=high / scale)
    return q


def _dose_q(unit, low, high):
    """Profiles with a dose in [low, high]: their [dose_min, dose_max] overlaps it. Doses
    flagged implausible are left out until a curator confirms them."""
    plausible = Q(dose_implausible="")
    if unit == DoseUnit.PER_KG:
        return plausible & Q(dose_unit=DoseUnit.PER_KG) & _range_q(low, high)
    return plausible & (
        (Q(dose_unit=DoseUnit.TOTAL) & _range_q(low, high))
        | (Q(dose_unit=DoseUnit.PER_KG, dose_derived=True) & _range_q(low, high, ADULT_WEIGHT_KG))
    )


def apply_filters(trials, params_or_filters):
    """``trials`` (a Trial queryset) narrowed by the MSC parameters; no parameters, no change."""
    filters = (
        params_or_filters if isinstance(params_or_filters, MscFilters) else parse(params_or_filters)
    )
    if not filters.active:
        return trials
    profiles = MscProfile.objects.filter(profile_q(filters), trial=OuterRef("pk"))
    return trials.filter(Exists(profiles))


# Facets ----------------------------------------------------------------------------------------


def facet_counts(trials, name):
    """{code: number of trials} for one MSC facet over a Trial queryset, in one query.

    Only trials that give an MSC product count. For ``donor``, ``autologous`` and
    ``allogeneic`` count the trials using both as well (as the filter finds them)."""
    profiles = MscProfile.objects.msc().filter(trial__in=trials.order_by().values("pk"))
    if name in ARRAY_COLUMNS:
        column = ARRAY_COLUMNS[name]
        sql, params = profiles.values("trial_id").query.sql_with_params()
        with connection.cursor() as cursor:
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
# SELECT value, count over the CTE {b} of matching trials.
FACET_SQL = {
    "source": (
        "SELECT code, count(*) FROM {b} JOIN catalog_mscprofile AS m ON m.trial_id = {b}.id "
        "CROSS JOIN LATERAL unnest(m.sources) AS code WHERE m.is_msc GROUP BY 1"
    ),
    "product": (
        "SELECT code, count(*) FROM {b} JOIN catalog_mscprofile AS m ON m.trial_id = {b}.id "
        "CROSS JOIN LATERAL unnest(m.products) AS code WHERE m.is_msc GROUP BY 1"
    ),
    "route": (
        "SELECT code, count(*) FROM {b} JOIN catalog_mscprofile AS m ON m.trial_id = {b}.id "
        "CROSS JOIN LATERAL unnest(m.routes) AS code WHERE m.is_msc GROUP BY 1"
    ),
    "donor": (
        "SELECT code, count(*) FROM {b} JOIN catalog_mscprofile AS m ON m.trial_id = {b}.id "
        "CROSS JOIN LATERAL unnest(CASE WHEN m.donor = 'both' "
        "THEN ARRAY['both', 'autologous', 'allogeneic'] ELSE ARRAY[m.donor] END) AS code "
        "WHERE m.is_msc GROUP BY 1"
    ),
    "n_doses": (
        "SELECT m.n_doses::text, count(*) FROM {b} "
        "JOIN catalog_mscprofile AS m ON m.trial_id = {b}.id "
        "WHERE m.is_msc AND m.n_doses IS NOT NULL GROUP BY 1"
    ),
}
