"""Product: living cells, vesicles or secretome, and their modifiers; named products."""

from __future__ import annotations

import re

from .record import StudyText, named_product_evidence
from .source import sources_in
from .text import blank_out, sentences, shorten
from .vocabulary import PRODUCT_CODES, about_msc, vocabulary


def named_products_in(text: str):
    """The named products (``[[named]]`` of rules.toml) the text names."""
    vocab = vocabulary()
    out = []
    if not vocab.named_any.search(text):
        return out
    for own_names, names_in_context, entry in vocab.named:
        if own_names.search(text) or (
            names_in_context is not None
            and any(
                names_in_context.search(s) and _names_it_in_context(s, names_in_context, entry)
                for s in sentences(text)
            )
        ):
            out.append(entry)
    return out


def _names_it_in_context(sentence, names_in_context, entry) -> bool:
    """Does a bare acronym (MPC) name this product here: the sentence speaks of MSCs or cells
    besides the acronym, names no other tissue, and is not about exosomes or secretome?"""
    vocab = vocabulary()
    rest = blank_out(sentence, names_in_context)
    spoken_of = any(
        vocab.msc_terms.search(sentence[: m.start()] + " " * len(m.group()) + sentence[m.end() :])
        for m in names_in_context.finditer(sentence)
    )
    if not spoken_of and not re.search(r"\bcells?\b", rest, re.I):
        return False
    if set(sources_in(rest, require_context=False)) - {entry.get("source")}:
        return False
    return not (vocab.vesicles.search(rest) or vocab.secretome.search(rest))


def _cut_around(head, description, patterns):
    """A product's name and description as evidence, cut around the word that classed it."""
    text = head + (": " + description if description else "")
    return shorten(text, patterns.search(text))


def product_codes(record: StudyText, named, evidence):
    vocab = vocabulary()
    codes = set()
    items = [
        (
            " ".join([iv.get("name") or ""] + list(iv.get("otherNames") or [])),
            iv.get("description") or "",
        )
        for iv in record.msc_interventions
    ]
    if not items:
        items = [(t, "") for t in record.titles]
    # "UC-MSC + Secretome" names two products: classify each part
    split_items = []
    for head, desc in items:
        parts = [x for x in re.split(r"\s*(?:\+|&|\band\b|,)\s*", head) if x.strip()]
        if len(parts) > 1 and any(
            vocab.vesicles.search(x) or vocab.secretome.search(x) for x in parts
        ):
            split_items += [
                (x, desc if i == 0 else "") for i, x in enumerate(parts) if about_msc(x)
            ]
        else:
            split_items.append((head, desc))
    for head, desc in split_items:
        if vocab.vesicles.search(head) or (
            not vocab.msc_terms.search(blank_out(head, vocab.vesicles))
            and vocab.vesicles.search(desc)
        ):
            codes.add("extracellular_vesicles")
            evidence.append(_cut_around(head, desc, vocab.vesicles))
        elif vocab.secretome.search(head) or (
            vocab.secretome.search(desc) and not re.search(r"\bcells?\b", head, re.I)
        ):
            codes.add("secretome")
            evidence.append(_cut_around(head, desc, vocab.secretome))
        else:
            codes.add("cells")
    for n in named:
        for pc in n.get("product", []):
            codes.add(pc)
            evidence.append(named_product_evidence(record.tiers, n))
    # modifiers, read from the product texts and titles
    texts = [h + " " + d for h, d in items] + record.titles
    texts += [(a.get("label") or "") + ": " + (a.get("description") or "") for a in record.msc_arms]
    for t in texts:
        for s in sentences(t):
            if not (about_msc(s)):
                continue
            m = vocab.genetically_modified.search(s)
            if m and "cells" in codes:
                codes.add("genetically_modified")
                evidence.append(shorten(s, m))
            m = vocab.combination.search(s)
            if m and "cells" in codes:
                codes.add("combination")
                evidence.append(shorten(s, m))
    if not codes:
        codes.add("cells")
    return [c for c in PRODUCT_CODES if c in codes]
