"""A trial's MSC profile as its page shows it: each value with its label, the address of the
list filtered by it, the evidence it came from and whether a curator set it.

``profile_rows(profile)`` reads only the profile row (loaded with the trial: no query).
"""

from dataclasses import dataclass, field

from catalog.models import DoseUnit, MscDonor, MscProduct, MscRoute, MscSource, choice_labels
from catalog.msc.query import format_count, parse_count
from catalog.search.query import list_url

CURATED_EVIDENCE = "Set by a curator."


@dataclass
class Value:
    label: str
    url: str = ""


@dataclass
class Row:
    field: str  # the public field (source, donor, product, route, dose)
    label: str
    values: list
    evidence: list = field(default_factory=list)
    curated: dict | None = None  # {"by", "at", "note"} when a curator set it
    details: list = field(default_factory=list)  # further (label, text) pairs (the dose)


def exact_count(value):
    """A cell count for an address: short when that is exact (``1e6``), else in full."""
    text = format_count(value)
    return text if parse_count(text) == value else repr(value)


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def cells(value):
    """A cell count for reading: ``1 × 10⁶``, ``2.5 × 10⁸``, ``500``."""
    if value is None:
        return ""
    text = format_count(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa} × 10{exponent.translate(_SUPERSCRIPT)}"


def _codes(field_name, choices, codes):
    labels = choice_labels(choices)
    return [Value(labels.get(code, code), list_url(**{field_name: code})) for code in codes]


def _curated(profile, name):
    entry = profile.curated.get(name)
    if entry is None:
        return None
    return {
        "by": entry.get("by", ""),
        "at": str(entry.get("at", ""))[:10],
        "note": entry.get("note", ""),
    }


def _evidence(profile, name):
    entry = profile.curated.get(name)
    if entry is not None:
        return [entry.get("note") or CURATED_EVIDENCE]
    return list(profile.evidence.get(name) or [])


def profile_rows(profile):
    """The rows of the trial page's MSC profile (empty for a trial giving no MSC product)."""
    if profile is None or not profile.is_msc:
        return []
    rows = [
        Row(
            "source",
            "Cell source",
            _codes("source", MscSource, profile.sources),
        ),
        Row("donor", "Donor", _codes("donor", MscDonor, [profile.donor])),
        Row("product", "Product", _codes("product", MscProduct, profile.products)),
        Row("route", "Route", _codes("route", MscRoute, profile.routes)),
        _dose_row(profile),
    ]
    for row in rows:
        row.evidence = _evidence(profile, row.field)
        row.curated = _curated(profile, row.field)
    return rows


def _dose_values(profile):
    """The dose's values (range with its unit, number of doses), each a link to the list."""
    values = []
    unit = profile.dose_unit
    if profile.dose_min is not None or profile.dose_max is not None:
        low = profile.dose_min if profile.dose_min is not None else profile.dose_max
        high = profile.dose_max if profile.dose_max is not None else profile.dose_min
        unit_label = choice_labels(DoseUnit).get(unit or DoseUnit.TOTAL)
        shown = cells(low) if low == high else f"{cells(low)} to {cells(high)}"
        values.append(
            Value(
                f"{shown} {unit_label}",
                # an implausible dose is in no dose filter: no link to an empty list
                ""
                if profile.dose_implausible
                else list_url(
                    dose_min=exact_count(low),
                    dose_max=exact_count(high),
                    dose_unit=unit or DoseUnit.TOTAL,
                ),
            )
        )
    if profile.n_doses:
        n = profile.n_doses
        values.append(Value(f"{n} dose{'s' * (n != 1)}", list_url(n_doses=str(n))))
    return values


def _dose_row(profile):
    values, details = _dose_values(profile), []
    unit = profile.dose_unit
    if profile.dose_implausible and (profile.dose_min is not None or profile.dose_max is not None):
        details.append(
            ("Implausible", f"{profile.dose_implausible}; awaiting a curator's confirmation")
        )
    if profile.total_cells is not None and unit == DoseUnit.PER_KG:
        derived = " (derived: for a 70 kg adult)" if profile.dose_derived else ""
        details.append(("Total per administration", f"up to {cells(profile.total_cells)}{derived}"))
    if profile.dose_interval:
        details.append(("Interval", profile.dose_interval))
    if profile.dose_text:
        details.append(("As the record states it", profile.dose_text))
    return Row("dose", "Dose", values, details=details)


def named_products(profile):
    """The named products of the profile (``[{name, source, donor}]``) with source labels."""
    if profile is None or not profile.is_msc:
        return []
    sources = dict(MscSource.choices)
    donors = dict(MscDonor.choices)
    return [
        {
            "name": item.get("name", ""),
            "source": sources.get(item.get("source"), ""),
            "donor": donors.get(item.get("donor"), ""),
        }
        for item in profile.named_products or []
        if item.get("name")
    ]


# The list's compact MSC line: these fields, each value a link to the list filtered by it.
LIST_FIELDS = (("source", "Source"), ("donor", "Donor"), ("route", "Route"), ("dose", "Dose"))


def list_values(profile):
    """[(label, [Value])] of a list result's MSC line: source, donor, route and dose (those
    the profile states: "not stated" is left out); empty for a trial giving no MSC product.
    Reads only the profile."""
    if profile is None or not profile.is_msc:
        return []

    # "Not stated" is left out of the compact line (the trial page says it).
    def stated(codes):
        return [code for code in codes if code != "not_stated"]

    values = {
        "source": _codes("source", MscSource, stated(profile.sources)),
        "donor": _codes("donor", MscDonor, stated([profile.donor])),
        "route": _codes("route", MscRoute, stated(profile.routes)),
        "dose": _dose_values(profile),
    }
    # Compact: "Allogeneic", not "Allogeneic (a donor's cells)".
    return [
        (label, [Value(v.label.split(" (")[0], v.url) for v in values[name]])
        for name, label in LIST_FIELDS
        if values[name]
    ]
