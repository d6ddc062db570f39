"""Donor: the patient's own cells (autologous), someone else's (allogeneic) or both."""

from __future__ import annotations

import re
from functools import lru_cache

from .record import named_product_evidence
from .text import blank_out, shorten
from .vocabulary import about_msc, vocabulary


@lru_cache(maxsize=65536)
def donors_in(sentence: str, need_context: bool, product_names: tuple = ()):
    """{donor code: match} of the donor words of a sentence. With `need_context`, only in a
    sentence about the MSC product: its vocabulary, or one of the product's own names."""
    vocab = vocabulary()
    if not (vocab.auto.search(sentence) or vocab.allo.search(sentence)):
        return {}
    if need_context and not (
        about_msc(sentence) or any(name in sentence for name in product_names)
    ):
        return {}
    s = blank_out(sentence, vocab.donor_phrase)
    out = {}
    for code, rx in (("autologous", vocab.auto), ("allogeneic", vocab.allo)):
        for m in rx.finditer(s):
            after = s[m.end() : m.end() + 60]
            # ("autograft MSCs co-transplanted with islets": the donor words name the MSCs)
            if vocab.donor_after.search(after) and not about_msc(m.group()):
                # "allogeneic hematopoietic ..." unless the same phrase goes on to name the MSCs
                # (not a phrase after it: "autologous chondrons and allogeneic MSCs")
                if not re.match(
                    r"^\W{0,3}(?:(?!(?:and|or|with|plus|versus|vs)\b|allo|auto)[\w-]+\s+){0,3}?"
                    r"(?:mesenchym|MSC|stromal|umbilical|adipose|wharton|placent|menstrual"
                    r"|dental pulp|synovi|amnio)",
                    after,
                    re.I,
                ):
                    continue
            out.setdefault(code, m)
    return out


_CELLS = re.compile(r"\bcells?\b", re.I)
# The autologous word names a perinatal tissue when it goes with it ("autologous umbilical cord
# blood"), not when it names another product beside it ("Bone Marrow Derived Autologous Stem
# Cells + Human Umbilical Cord Derived MSCs").
_AUTOLOGOUS_PERINATAL = re.compile(
    r"\b(?:auto\w*|own)[\s-]+(?:[\w-]+[\s-]+){0,2}?(?:umbilical|cord|wharton|WJ|placent|amni|decidu)",
    re.I,
)


# A tissue or the MSCs' own name: an autologous sentence naming one speaks of a product.
_NAMES_A_TISSUE = re.compile(
    r"mesenchym|\bMSC|stromal|marrow|adipo|\bfat\b|lipo|umbilical|cord|wharton|placent|amni|decidu"
    r"|dental|menstru|synovi|skin|dermal|\bBM|\bAD|\bUC",
    re.I,
)


def perinatal_beside_autologous(sources, autologous_evidence) -> bool:
    """Are the autologous cells one source and a perinatal tissue another (autologous marrow
    MSCs in one arm, Wharton's jelly MSCs in the other)? Perinatal MSCs are allogeneic unless
    the record says they are autologous, which the autologous sentences would then name."""
    perinatal = vocabulary().perinatal
    return (
        any(s in perinatal for s in sources)
        and any(s not in perinatal and s != "not_stated" for s in sources)
        and not any(_AUTOLOGOUS_PERINATAL.search(e) for e in autologous_evidence)
    )


def donor_from_tiers(tiers, evidence, sources, named, product_names=()):
    vocab = vocabulary()
    found = {}
    found_in = None
    # The titles name one product: when one of them calls it MSCs, another naming "cells" speaks
    # of it too ("Autologous Cardiopoietic Cells" beside "Bone Marrow-derived Mesenchymal
    # Cardiopoietic Cells").
    titles_about_msc = len(tiers) > 1 and any(
        about_msc(s) for s, origin in tiers[1] if origin == "title"
    )
    for ti, tier in enumerate(tiers):
        for s, origin in tier:
            if ti >= 2 and vocab.background.search(s):
                continue
            need_context = ti != 0 and not vocab.tissue_taken.search(s)
            if need_context and origin == "title" and titles_about_msc and _CELLS.search(s):
                need_context = False
            d = donors_in(s, need_context=need_context, product_names=product_names)
            for code, m in d.items():
                found.setdefault(code, []).append(shorten(s, m))
        if found:
            found_in = ti
        if found and ti >= 1:
            break
    if (
        set(found) == {"autologous"}
        and found_in is not None
        and found_in >= 2
        and sources
        and all(s in vocab.perinatal for s in sources)
        and not any(_NAMES_A_TISSUE.search(e) for e in found["autologous"])
    ):
        # "Stem cells are extracted from the patient's body and then implanted back" in the
        # description of a trial of umbilical cord MSCs: stem cells in general, not this product
        found = {}
    if "autologous" in found and "allogeneic" in found:
        donor = "both"
    elif "autologous" in found and perinatal_beside_autologous(sources, found["autologous"]):
        donor = "both"
        evidence.append(
            "inferred: a perinatal source (" + ", ".join(sources) + ") beside autologous cells"
        )
    elif found:
        donor = next(iter(found))
    else:
        donor = "not_stated"
    for code in ("autologous", "allogeneic"):
        for e in found.get(code, [])[:2]:
            evidence.append(e)
    if donor == "not_stated":
        nd = {n.get("donor") for n in named if n.get("donor")}
        if len(nd) == 1:
            donor = nd.pop()
            evidence.extend(named_product_evidence(tiers, n) for n in named if n.get("donor"))
        elif sources and all(s in vocab.perinatal or s in vocab.offshelf for s in sources):
            donor = "allogeneic"
            evidence.append(
                "inferred: perinatal/off-the-shelf source ("
                + ", ".join(sources)
                + ") is allogeneic"
            )
    return donor
