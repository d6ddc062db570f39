"""Source: the tissue the MSCs come from."""

from __future__ import annotations

from functools import lru_cache

from .text import blank_out, shorten
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
    return found


def sources_from_tiers(tiers, named, evidence):
    """Tissue codes from the first pool of text that names any: the product texts with the
    titles, then the summary, then the description."""
    vocab = vocabulary()
    pools = [tiers[0] + tiers[1], tiers[2], tiers[3]]
    chosen = {}
    for pi, pool in enumerate(pools):
        hits = {}
        for s, _origin in pool:
            found = sources_in(s)
            if not found or len(found) >= 3:
                continue  # none, or a list of the tissues MSCs can come from
            if pi >= 1 and vocab.background.search(s):
                continue
            for code, m in found.items():
                hits.setdefault(code, []).append(shorten(s, m))
        if hits:
            chosen = hits
            break
    codes = set(chosen)
    for n in named:
        if n.get("source"):
            codes.add(n["source"])
            chosen.setdefault(n["source"], []).append(f"named product: {n['name']}")
    if "wharton_jelly" in codes:
        codes.discard("umbilical_cord")
    for c in sorted(codes):
        for e in chosen.get(c, [])[:2]:
            if e and e not in evidence:
                evidence.append(e)
    return [c for c in SOURCE_CODES if c in codes]
