"""Source: the tissue the MSCs come from."""

from __future__ import annotations

import re
from functools import lru_cache

from .record import named_product_evidence
from .text import blank_out, interleaved, shorten
from .vocabulary import SOURCE_CODES, about_msc, vocabulary


@lru_cache(maxsize=65536)
def sources_in(sentence: str, require_context: bool = True):
    vocab = vocabulary()
    found = {}
    if not vocab.any_source.search(sentence):
        return found
    has_ctx = about_msc(sentence)
    for code, (compound, context, exclude) in vocab.sources.items():
        if not vocab.source_any[code].search(sentence):
            continue
        s = blank_out(sentence, exclude)
        m = compound.search(s) if compound else None
        if m is None and context is not None and (has_ctx or not require_context):
            m = context.search(s)
        if m is not None:
            found[code] = m
    cord = [code for code in CORD_TISSUES if code in found]
    if len(cord) > 1 and "cord_blood" in cord and "wharton_jelly" in cord:
        # "cord-blood derived Wharton's jelly MSCs": the tissue next to the cells is theirs
        nearest = max(cord, key=lambda code: found[code].end())
        for code in cord:
            if code != nearest:
                found.pop(code)
    if "cord_blood" in found:
        # "umbilical cord blood-derived MSCs (UC-MSCs)": the umbilical cord named beside cord
        # blood is the cord blood's
        found.pop("umbilical_cord", None)
    return found


# The tissues of the umbilical cord that records confuse.
CORD_TISSUES = ("umbilical_cord", "wharton_jelly", "cord_blood")


_BARE_AMSC = re.compile(r"(?-i:\bh?AMSCs?\b)")
_ADIPOSE_WORDS = re.compile(r"adipo|\bfat\b|lipo", re.I)

# Where MSCs can be found in general, even in the product's own text ("MSCs can be found in
# bone marrow and in the fatty tissues"): not the tissue of this trial's cells.
_WHERE_MSCS_ARE_FOUND = re.compile(
    r"can be (?:isolated|derived|obtained|found|harvested)|are (?:found|present) in"
    # a definition: "There are complex sets of non-hematopoietic cells in bone marrow called
    # mesenchymal progenitor cells"
    r"|\bthere (?:are|is|exists?) [^.;]{0,80}?\b(?:called|known as|termed|named)\b",
    re.I,
)


# Taking a tissue from the patients to make their own MSCs.
_HARVESTS = {
    "bone_marrow": re.compile(
        r"bone[- ]marrow (?:aspiration|aspirate|harvest|collection|sampling)|\bBMA\b"
        r"|(?:isolated|obtained|harvested) from (?:the )?(?:patient.?s.? )?bone[- ]marrow",
        re.I,
    ),
    "adipose": re.compile(
        r"liposuction|lipo-?aspirat\w*|(?:fat|adipose tissue) (?:harvest|biopsy)"
        r"|(?:isolated|obtained|harvested) from (?:the )?(?:patient.?s.? )?(?:adipose|fat) tissue",
        re.I,
    ),
}


def _allogeneic_only(tiers) -> bool:
    """Does the record call the MSCs allogeneic and never autologous?"""
    vocab = vocabulary()
    text = " ".join(s for tier in tiers for s, _origin in tier)
    return bool(vocab.allo.search(text)) and not vocab.auto.search(text)


def sources_from_tiers(tiers, named, evidence):
    """Tissue codes from the first pool of text that names any: the product texts with the
    titles (and the keywords, unless they name several tissues: a keyword list is not this
    trial's source), then the summary, then the description. Background never decides it."""
    vocab = vocabulary()
    titles = [(s, origin) for s, origin in tiers[1] if origin != "keyword"]
    keywords = [(s, origin) for s, origin in tiers[1] if origin == "keyword"]
    named_by_keywords = {code for s, _ in keywords for code in sources_in(s, require_context=False)}
    if len(named_by_keywords) > 1:
        keywords = []  # a list of tissues, not this trial's source
    pools = [tiers[0] + titles + keywords, tiers[2], tiers[3]]
    chosen = {}
    pi = 0
    for pi, pool in enumerate(pools):
        hits = {}
        for s, _origin in pool:
            found = sources_in(s)
            if not found or len(found) >= 3:
                continue  # none, or a list of the tissues MSCs can come from
            if (pi >= 1 and vocab.background.search(s)) or _WHERE_MSCS_ARE_FOUND.search(s):
                continue
            if vocab.not_msc.search(s) and not vocab.msc_strong.search(s):
                continue  # "mononuclear stem cells from the bone marrow": another cell product
            for code, m in found.items():
                hits.setdefault(code, []).append(shorten(s, m))
        if hits:
            chosen = hits
            break
    if pi == 0 and "cord_blood" in chosen and len(set(chosen) & set(CORD_TISSUES)) > 1:
        # Cord blood, Wharton's jelly and umbilical cord apart: the product's name decides.
        named_cord = {
            code
            for s, origin in pools[0]
            if origin == "product name"
            for code in sources_in(s)
            if code in CORD_TISSUES
        }
        if not named_cord:
            # no name says: the product's descriptions decide over a title ("Umbilical Cord
            # Derived MSCs" in the titles, "Umbilical Cord Blood Derived MSCs" in the product)
            named_cord = {
                code for s, origin in tiers[0] for code in sources_in(s) if code in CORD_TISSUES
            }
        if len(named_cord) == 1:
            chosen = {c: e for c, e in chosen.items() if c not in CORD_TISSUES or c in named_cord}
    if pi == 0 and set(chosen) & set(CORD_TISSUES) == {"umbilical_cord"}:
        # "Investigational therapy product: Wharton Jelly derived allogeneic MSCs" in the
        # description of "umbilical cord tissue-derived MSCs": the part of the cord they come from
        jelly = [
            shorten(s, found["wharton_jelly"])
            for tier in tiers[2:]
            for s, _origin in tier
            if not vocab.background.search(s)
            and "wharton_jelly" in (found := sources_in(s))
            and len(found) == 1
        ]
        if jelly:
            chosen.pop("umbilical_cord")
            chosen["wharton_jelly"] = jelly
    if (
        "adipose" in chosen
        and not any(_ADIPOSE_WORDS.search(s) for tier in tiers for s, _origin in tier)
        and all(_BARE_AMSC.search(e) for e in chosen["adipose"])
    ):
        # "AMSC" alone is adipose, amniotic or autologous MSCs: adipose only when the record
        # speaks of fat somewhere ("Utilization of AMSC", "autologous mesenchymal cells")
        del chosen["adipose"]
    codes = set(chosen)
    for n in named:
        if n.get("source"):
            codes.add(n["source"])
            chosen.setdefault(n["source"], []).append(named_product_evidence(tiers, n))
    if "wharton_jelly" in codes:
        codes.discard("umbilical_cord")
    if not codes and not _allogeneic_only(tiers):
        # "2 intrathecal MSC injections, 1 and 2 months after bone marrow aspiration": the one
        # tissue taken from the patients for the product is its source (not of allogeneic MSCs:
        # "a bone marrow aspiration will be performed prior to infusion with allogeneic MSCs")
        harvested = {}
        for tier in tiers:
            for s, _origin in tier:
                for code, rx in _HARVESTS.items():
                    m = rx.search(s)
                    if m and not vocab.background.search(s):
                        harvested.setdefault(code, []).append(shorten(s, m))
        if len(harvested) == 1:
            chosen = harvested
            codes = set(harvested)
    evidence.extend(interleaved({c: chosen.get(c, []) for c in sorted(codes)}))
    return [c for c in SOURCE_CODES if c in codes]
