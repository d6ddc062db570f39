"""Review: whether each value of a profile is supported by its evidence, and what a curator
should look at.

A value is *stated* when one of its evidence sentences contains the words that give it (the
tissue, the donor word, the route, the product word, the cell count); *inferred* when it follows
from a rule rather than words for it (allogeneic because the tissue is perinatal, a route implied
by the condition); otherwise *unsupported*. ``unsupported_values`` must be empty for every
profile the rules give (a test checks it over the bundled catalog); inferred values are weak
evidence and go to the curators' queue with blank profiles and implausible doses
(``review_codes``).
"""

from __future__ import annotations

import math

from .donor import donors_in
from .dose import cell_counts_in, schedule
from .route import routes_in
from .source import sources_in
from .vocabulary import vocabulary

STATED, INFERRED = "stated", "inferred"

# The reasons a profile is in the curators' queue, and the public field each one is about
# (curating that field takes the profile out of the queue for that reason).
REVIEW_FIELDS = {
    "blank": "is_msc",
    "implausible_dose": "dose",
    "weak_source": "source",
    "weak_donor": "donor",
    "weak_route": "route",
    "weak_product": "product",
    "weak_dose": "dose",
}
INFERENCE_PREFIXES = ("inferred:", "implied by ", "named product:")


def _inferred(line):
    return line.startswith(INFERENCE_PREFIXES)


def _named_support(line, code_of_entry):
    """Does the line name a named product giving this value?"""
    for own_names, names_in_context, entry in vocabulary().named:
        if code_of_entry(entry) and (
            own_names.search(line) or (names_in_context and names_in_context.search(line))
        ):
            return True
    return False


def support(field, value, profile):
    """STATED, INFERRED or None: how the profile's evidence supports one value of a field
    (a code of source, route or product; the donor; "min", "max" or "n_doses" for the dose)."""
    vocab = vocabulary()
    lines = profile["evidence"].get(field) or []
    stated = [line for line in lines if not _inferred(line)]
    inferred = any(_inferred(line) for line in lines)
    if field == "source":
        if any(value in sources_in(line, require_context=False) for line in stated):
            return STATED
        if any(_named_support(line, lambda e: e.get("source") == value) for line in stated):
            return STATED
    elif field == "route":
        for line in stated:
            found = routes_in(line)
            if value in found:
                return STATED
        return INFERRED if inferred else None
    elif field == "donor":
        kinds = ("autologous", "allogeneic") if value == "both" else (value,)
        said = {kind for line in stated for kind in donors_in(line, need_context=False)}
        said |= {
            kind
            for kind in kinds
            for line in stated
            if _named_support(line, lambda e, kind=kind: e.get("donor") == kind)
        }
        if all(kind in said for kind in kinds):
            return STATED
        if all(kind in said for kind in kinds if kind != "allogeneic") and any(
            line.startswith("inferred:") for line in lines
        ):
            # Perinatal tissues and off-the-shelf products are allogeneic: the words that give
            # it are the tissue's, when the source evidence states them.
            tissues = [code for code in profile["source"] if code != "not_stated"]
            if value == "both":
                # autologous cells of one tissue beside a perinatal one: the perinatal
                # tissue's words give the allogeneic part
                tissues = [code for code in tissues if code in vocab.perinatal]
            if tissues and all(
                (code in vocab.perinatal or code in vocab.offshelf)
                and support("source", code, profile) == STATED
                for code in tissues
            ):
                return STATED
            return INFERRED
        return None
    elif field == "product":
        words = {
            "extracellular_vesicles": vocab.vesicles,
            "secretome": vocab.secretome,
            "genetically_modified": vocab.genetically_modified,
            "combination": vocab.combination,
        }.get(value)
        if words is None:
            return STATED  # living cells: what an MSC product is unless said otherwise
        if any(words.search(line) for line in stated):
            return STATED
        if any(_named_support(line, lambda e: value in e.get("product", [])) for line in stated):
            return STATED
    elif field == "dose":
        dose = profile["dose"]
        if value == "n_doses":
            if any(schedule([line])[0] == dose["n_doses"] for line in stated):
                return STATED
            return None
        wanted = dose[value]
        per_kg = dose["unit"] == "per_kg"
        n = dose["n_doses"] or 1
        for line in stated:
            for count, count_per_kg, _span, cumulative in cell_counts_in(line, True):
                if count_per_kg == per_kg and (
                    math.isclose(count, wanted, rel_tol=1e-6)
                    or (cumulative and math.isclose(count, wanted * n, rel_tol=1e-6))
                ):
                    return STATED
    return INFERRED if inferred else None


def _values(profile):
    """(field, value) for every value of the profile that evidence should support."""
    for field in ("source", "route", "product"):
        for code in profile[field]:
            if code != "not_stated":
                yield field, code
    if profile["donor"] != "not_stated":
        yield "donor", profile["donor"]
    dose = profile["dose"]
    if dose["min"] is not None:
        yield "dose", "min"
        yield "dose", "max"
    if dose["n_doses"] is not None and dose["min"] is not None:
        yield "dose", "n_doses"


def unsupported_values(profile):
    """[(field, value)] of the values no evidence sentence supports."""
    if not profile.get("is_msc"):
        return []
    return [(f, v) for f, v in _values(profile) if support(f, v, profile) is None]


def weak_fields(profile):
    """The fields with a value that no sentence states (inferred or unsupported)."""
    if not profile.get("is_msc"):
        return []
    weak = []
    for field, value in _values(profile):
        if support(field, value, profile) != STATED and field not in weak:
            weak.append(field)
    return weak


def review_codes(profile, msc_words: bool):
    """Why a curator should look at the profile (keys of REVIEW_FIELDS): ``blank`` when it
    gives nothing although the record speaks of MSCs (``msc_words``), ``implausible_dose``,
    and ``weak_<field>`` for values no sentence states."""
    codes = []
    empty = all(profile[f] in (["not_stated"], "not_stated") for f in ("source", "donor", "route"))
    if msc_words and (not profile["is_msc"] or (empty and profile["dose"]["min"] is None)):
        codes.append("blank")
    if profile["dose"].get("implausible"):
        codes.append("implausible_dose")
    codes += [f"weak_{field}" for field in weak_fields(profile)]
    return codes
