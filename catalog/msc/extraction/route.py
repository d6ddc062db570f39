"""Route: how the MSC product is given."""

from __future__ import annotations

import re
from functools import lru_cache

from .text import blank_out, interleaved, shorten
from .vocabulary import ROUTE_CODES, about_msc, vocabulary

_INTRAOSSEOUS = re.compile(r"intra-?osseous", re.I)
_INTRA_APART = re.compile(r"\b(intra|peri) (?=[a-z]{4,})", re.I)


@lru_cache(maxsize=65536)
def routes_in(sentence: str):
    """{route code: match} of the route words of a sentence; a bare "infusion" is reported as
    intravenous, with "_generic" set."""
    vocab = vocabulary()
    found = {}
    # "intra testicular", "intra venous": written apart, read as one word (the same length, so
    # that spans stay those of the sentence)
    sentence = _INTRA_APART.sub(r"\1-", sentence)
    if not vocab.any_route.search(sentence):
        return found
    s = blank_out(sentence, vocab.route_exclude)
    matches = {code: rx.finditer(s) for code, rx in vocab.routes.items()}
    spans = [(m.start(), m.end(), code) for code, ms in matches.items() for m in ms]
    for code, ms in matches.items():
        for m in ms:
            # a route word inside another route's words is that route's ("drip" in "nasal drip")
            inside = any(
                other != code and a <= m.start() and m.end() <= b and b - a > m.end() - m.start()
                for a, b, other in spans
            )
            if not inside:
                found[code] = m
                break
    other = found.get("other")
    if other and len(found) > 1 and vocab.route_means and vocab.route_means.search(other.group()):
        # "into the colonic submucosa with a colonoscope": the instrument is how the route
        # named beside it is reached, not a route of its own
        del found["other"]
    elif other and "local_injection" in found and _INTRAOSSEOUS.search(other.group()):
        # "local implant, intraosseous injection with trocar in the femoral head": into a bone
        # lesion, which is local; intraosseous is how it is reached
        del found["other"]
    if not found and vocab.generic_iv is not None:
        m = vocab.generic_iv.search(s)
        if m:
            found["intravenous"] = m
            found["_generic"] = m
    return found


# A sentence saying the product is not given ("patients of the control group do not inject stem
# cells to the nerve") states no route of it.
_NOT_GIVEN = re.compile(
    r"\b(?:do|does|did|will|shall|would|are|is) not (?:\w+ ){0,2}?"
    r"(?:receiv|inject|infus|administ|implant|transplant|get|be given|given)",
    re.I,
)


@lru_cache(maxsize=65536)
def may_state_route(
    sentence: str, tier_index: int, product_names: tuple = (), follows_msc: bool = False
) -> bool:
    """May this sentence of the given tier state the MSC product's route? A sentence naming the
    product by its own code or brand ("Patients receive OTI-010 IV on day 0") speaks of it as
    much as one with MSC words, and so does one that goes on from a sentence about the product
    (`follows_msc`: "… MSCs mixed with collagen gel." then "The mixture is divided into 4
    injections in the gingiva.") unless it names another product."""
    vocab = vocabulary()
    if _NOT_GIVEN.search(sentence):
        return False
    has_msc = bool(about_msc(sentence)) or any(name in sentence for name in product_names)
    if tier_index == 0:
        return has_msc or not vocab.comedication.search(sentence)
    if tier_index == 1:
        return True
    if vocab.background.search(sentence):
        return False
    if vocab.not_msc.search(sentence) and not vocab.msc_strong.search(sentence):
        return False  # "donor lymphocyte infusions": another cell product's route
    if has_msc:
        return True
    return (
        follows_msc
        or bool(
            re.search(
                r"\bcells?\b|\bproduct\b|investigational|study (?:drug|agent|treatment)"
                r"|advanced therapy|medicinal product|\bATI?MP\b",
                sentence,
                re.I,
            )
        )
    ) and not vocab.comedication.search(sentence)


# Where a sentence giving a co-medication and the MSC product is cut into its clauses: "rabbit
# ATG 3.5 mg/kg IV from day -6 to -2, and then the patient's own MSCs on days 1-3".
_CLAUSE = re.compile(r"[;,]\s*(?:and\s+)?(?:then|followed by|after which)\b|;|\band then\b", re.I)


# "Besides MSCs, moisturizers such as an ointment are given": what follows the comma is another
# product.
_BESIDES = re.compile(r"\s*(?:besides|apart from|in addition to)\b[^,]{1,80},", re.I)


def route_clauses(sentence: str):
    """The parts of a sentence that may state the MSC product's route: the whole sentence, or,
    when it also gives a co-medication, its clauses but those about the co-medication alone."""
    vocab = vocabulary()
    if not (vocab.comedication.search(sentence) and about_msc(sentence)):
        return [sentence]
    clauses = [c for c in _CLAUSE.split(sentence) if c.strip()]
    if len(clauses) < 2 and _BESIDES.match(sentence):
        clauses = sentence.split(",", 1)
    if len(clauses) < 2:
        return [sentence]
    return [c for c in clauses if about_msc(c) or not vocab.comedication.search(c)]


# A sentence that gives something ("divided into 4 injections"), not one that describes the
# patients ("patients with a perianal fistula will be included").
_GIVES = re.compile(
    r"inject|infus|implant|administ|deliver|transplant|appli|graft|given|instill|placed", re.I
)

# "… that has seen them applied to bony non-union": what was done before, not in this trial.
_PAST_USE = re.compile(r"\b(?:has|have|had)\b", re.I)


def routes_from_tiers(tiers, evidence, product_names=(), first_tier=0):
    """The route codes of the first tiers that state one (the product's own texts, then the
    titles, the summary, the description); ``first_tier`` is the index of ``tiers[0]`` when
    they start further down (the outcome measures, read after all of those)."""
    vocab = vocabulary()
    found, generic = {}, {}
    for ti, tier in enumerate(tiers, first_tier):
        previous_about_msc = False
        for sentence, _origin in tier:
            follows_msc = (
                previous_about_msc
                and bool(_GIVES.search(sentence))
                and not _PAST_USE.search(sentence)
            )
            previous_about_msc = about_msc(sentence) and not vocab.background.search(sentence)
            if not may_state_route(sentence, ti, product_names, follows_msc):
                continue
            for s in route_clauses(sentence):
                hits = dict(routes_in(s))
                target = generic if hits.pop("_generic", None) else found
                for code, m in hits.items():
                    target.setdefault(code, []).append(shorten(s, m))
        # a bare "infusion" only says intravenous when no later text names where the product
        # goes ("… by infusion" in the arm, "intratendinous infusion" in the description)
        if found and ti >= 1:
            break
    if not found:
        found = generic  # "infused" with no vessel named: intravenous
    evidence.extend(interleaved(found))
    return [c for c in ROUTE_CODES if c in found]


def implied_route(record, evidence):
    """A route the disease implies when the record only says the product is injected."""
    vocab = vocabulary()
    disease = " ".join(record.conditions + record.titles)
    product = (
        " ".join(s for s, _ in record.tiers[0])
        + " "
        + " ".join(record.titles)
        + " "
        + record.summary
        + " "
        + record.description
    )
    for when, verb, code in vocab.implied_routes:
        condition = when.search(disease) if when else None
        if when is None or condition:
            m = verb.search(product)
            if m:
                evidence.append(
                    f"implied by the condition ({condition.group()}) and '{m.group()}'"
                    if condition
                    else f"implied by '{m.group()}' (a product put in place, not given into a vein)"
                )
                return [code]
    return []
