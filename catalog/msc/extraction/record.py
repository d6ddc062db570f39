"""A study record read for the rules: which interventions and arms are the MSC product, and
the record's text in tiers of sentences, most specific first.

Tier 0 is the MSC interventions and the arms that use them, 1 the titles and keywords, 2 the
brief summary, 3 the detailed description and the design's description of the intervention
model. Eligibility criteria are never read.
"""

from __future__ import annotations

import re

from .text import sentences, shorten, strip_type
from .vocabulary import vocabulary

# "XCEL-M-ALPHA and standard rehabilitation": a product given with the control treatment.
_GIVEN_WITH = re.compile(r"\s(?:and|plus|with|\+)\s|\s\+|\+\s", re.I)
_FILLER = re.compile(r"\b(?:the|of|a|an|only|alone|group)\b", re.I)


def is_control_name(name: str) -> bool:
    """Does an intervention's name say it is a placebo or control treatment, and only that?"""
    control_name = vocabulary().control_name
    if not control_name.search(name):
        return False
    if not _GIVEN_WITH.search(name):
        return True
    # "X and standard rehabilitation" gives X too, unless the rest is a control as well
    # ("placebo and standard care") or says the product is left out ("without cells")
    rest = _FILLER.sub(" ", _GIVEN_WITH.sub(" ", control_name.full.sub(" ", name)))
    return not re.search(r"[A-Za-z]{3,}", rest)


_NONCELL_TYPES = {
    "DRUG",
    "DEVICE",
    "PROCEDURE",
    "BEHAVIORAL",
    "RADIATION",
    "DIETARY_SUPPLEMENT",
    "DIAGNOSTIC_TEST",
    "OTHER",
}


# A sentence saying what the investigational product is ("The drug substance is expanded
# mesenchymal stem cells").
_PRODUCT_IS = re.compile(
    r"\b(?:drug|investigational|study|medicinal|cell|cellular|biological)\s+"
    r"(?:product|substance|drug|agent)\s+(?:is|are|consists|comprises|contains|will be)\b",
    re.I,
)
# An abbreviation defined for stem or stromal cells: "stem cells (BFPSCs)".
_DEFINED_ABBREVIATION = re.compile(
    r"(?:stem|stromal|progenitor)\s+cells?\s*\(\s*([A-Za-z][A-Za-z0-9-]{2,14})\s*\)", re.I
)
_PRODUCT_TYPES = ("BIOLOGICAL", "GENETIC", "COMBINATION_PRODUCT", "DRUG")
_CODE_OR_BRAND = re.compile(r"\d|[A-Z]\w*[A-Z]")
_BRACKETED = re.compile(r"\s*[(\[][^)\]]*[)\]]")


def code_names(names):
    """The names of a product as the prose writes them: each name, and each without its
    bracketed qualifier ("HCR040 (Phase 1)" is written "HCR040" in the summary); a name listing
    several ("HC-SVT-1001 (initial protocol); HC-SVT-1002") gives each."""
    out = []
    for name in names:
        bare = _BRACKETED.sub("", name or "").strip()
        for form in (name, bare, *(part.strip() for part in bare.split(";"))):
            if form and form not in out:
                out.append(form)
    return out


class StudyText:
    """The pieces of a study record the rules read, split into tiers of sentences."""

    def __init__(self, study: dict):
        vocab = vocabulary()
        p = study.get("protocolSection") or study
        im = p.get("identificationModule") or {}
        dm = p.get("descriptionModule") or {}
        cm = p.get("conditionsModule") or {}
        am = p.get("armsInterventionsModule") or {}
        self.design = p.get("designModule") or {}
        self.elig = p.get("eligibilityModule") or {}
        self.design_text = (self.design.get("designInfo") or {}).get(
            "interventionModelDescription"
        ) or ""
        self.nct = im.get("nctId")
        self.titles = [t for t in (im.get("briefTitle"), im.get("officialTitle")) if t]
        self.keywords = list(cm.get("keywords") or [])
        self.conditions = list(cm.get("conditions") or [])
        self.summary = dm.get("briefSummary") or ""
        self.description = dm.get("detailedDescription") or ""
        self.interventions = list(am.get("interventions") or [])
        self.arms = list(am.get("armGroups") or [])
        om = p.get("outcomesModule") or {}
        self.outcome_sentences = [
            (s, "outcome")
            for kind in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes")
            for outcome in om.get(kind) or []
            for text in (outcome.get("measure"), outcome.get("description"))
            for s in sentences(text or "")
        ]

        # Which interventions are the MSC product?
        self.msc_interventions = []
        for iv in self.interventions:
            name = iv.get("name") or ""
            head = " ".join([name] + list(iv.get("otherNames") or []))
            full = head + " " + (iv.get("description") or "")
            if is_control_name(name) and not vocab.msc_strong.search(name):
                continue
            if vocab.msc_terms.search(head) or vocab.named_any.search(head):
                self.msc_interventions.append(iv)
            elif (
                (vocab.msc_strong.search(full) or vocab.named_any.search(full))
                and iv.get("type")
                in (
                    "BIOLOGICAL",
                    "GENETIC",
                    "COMBINATION_PRODUCT",
                    "DRUG",
                    "OTHER",
                    "PROCEDURE",
                    None,
                )
                and not vocab.comedication.search(name)
            ):
                self.msc_interventions.append(iv)
        title_text = " ".join(self.titles + self.keywords)
        if not self.msc_interventions:
            # a code-named product (EN001) that the summary or description call MSCs
            prose = sentences(self.summary) + sentences(self.description)
            for iv in self.interventions:
                name = (iv.get("name") or "").strip()
                if (
                    len(name) < 3
                    or vocab.control_name.search(name)
                    or vocab.comedication.search(name)
                ):
                    continue
                names = [
                    n.lower()
                    for n in code_names([name] + list(iv.get("otherNames") or []))
                    if len(n) >= 3
                ]
                # or that a title explains in brackets: "HC-SVT-1001 (Autologous … Mesenchymal
                # Cells …)"
                alternatives = "|".join(re.escape(n) for n in names)
                explained = re.compile(rf"(?:{alternatives})\s*\([^)]*?(?:mesenchym|MSC)", re.I)
                if any(explained.search(title) for title in self.titles):
                    self.msc_interventions.append(iv)
                    continue
                for sent in prose:
                    low = sent.lower()
                    if (
                        vocab.msc_strong.search(sent)
                        and any(n in low for n in names)
                        and not vocab.background.search(sent)
                    ):
                        self.msc_interventions.append(iv)
                        break
        if not self.msc_interventions:
            # a product named by an abbreviation the record defines as the MSCs: "buccal fat pad
            # derived stem cells (BFPSCs)" and the intervention "BFPSCs + DFDBA + PRF"
            defined = set()
            for sent in self.titles + sentences(self.summary) + sentences(self.description):
                if vocab.background.search(sent):
                    continue
                for m in _DEFINED_ABBREVIATION.finditer(sent):
                    if vocab.msc_strong.search(sent) or vocab.msc_strong.search(
                        " ".join(self.titles)
                    ):
                        defined.add(m.group(1).lower())
            for iv in self.interventions:
                name = iv.get("name") or ""
                if vocab.control_name.search(name) or vocab.comedication.search(name):
                    continue
                words = {w.lower() for w in re.findall(r"[A-Za-z][\w-]*", name)}
                if words & defined:
                    self.msc_interventions.append(iv)
        if not self.msc_interventions and any(
            _PRODUCT_IS.search(sent)
            and vocab.msc_strong.search(sent)
            and not vocab.background.search(sent)
            for sent in sentences(self.summary) + sentences(self.description)
        ):
            # "The drug product is ... autologous mesenchymal stem cells": the prose says what
            # the investigational product is without naming it; the product is the drug or
            # biological the record gives (not a procedure, a placebo or a co-medication).
            for iv in self.interventions:
                name = iv.get("name") or ""
                if (
                    iv.get("type") in _PRODUCT_TYPES
                    and not vocab.control_name.search(name)
                    and not vocab.comedication.search(name)
                ):
                    self.msc_interventions.append(iv)
        if not self.msc_interventions and (
            vocab.msc_terms.search(title_text) or vocab.named_any.search(title_text)
        ):
            for iv in self.interventions:
                name = iv.get("name") or ""
                if vocab.control_name.search(name) or vocab.comedication.search(name):
                    continue
                # a biological, or a product named for cells (CardioCell) or for how it is
                # given (EXO 1 inhalation)
                if iv.get("type") in ("BIOLOGICAL", "GENETIC", "COMBINATION_PRODUCT") or re.search(
                    r"cells?\b|stem|stromal|inject|implant|infus|transplant|inhal|nebuli[sz]",
                    name,
                    re.I,
                ):
                    self.msc_interventions.append(iv)
        int_names = {(iv.get("name") or "").strip().lower() for iv in self.msc_interventions}
        # The MSC product's own names when they are a code or brand (MesenCure, AVB-114): a
        # sentence naming one speaks of the product even without MSC words.
        self.product_names = tuple(
            name
            for iv in self.msc_interventions
            for name in code_names([iv.get("name") or ""] + list(iv.get("otherNames") or []))
            if len(name) >= 4 and " " not in name and _CODE_OR_BRAND.search(name)
        )

        # Which arms use it?
        self.msc_arms = []
        self.arm_interventions = {}
        for arm in self.arms:
            label = arm.get("label") or ""
            linked = []
            for iv in self.msc_interventions:
                if label in (iv.get("armGroupLabels") or []):
                    linked.append(iv)
            for n in arm.get("interventionNames") or []:
                nn = strip_type(n).lower()
                if nn in int_names:
                    for iv in self.msc_interventions:
                        if (iv.get("name") or "").strip().lower() == nn and iv not in linked:
                            linked.append(iv)
            atype = arm.get("type") or ""
            text = label + " " + (arm.get("description") or "")
            if atype in ("PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION") and not linked:
                continue
            names_here = any(len(n) >= 4 and n in text.lower() for n in int_names)
            if (
                linked
                and not vocab.msc_strong.search(text)
                and vocab.not_msc.search(text)
                and any(
                    vocab.msc_strong.search(f"{a.get('label') or ''} {a.get('description') or ''}")
                    for a in self.arms
                )
            ):
                # an arm given another cell product through an intervention shared with the MSC
                # arm ("Autologous mononuclear stem cell from the bone marrow" beside "Autologous
                # mesenchymal stem cells from the adipose tissue")
                continue
            if linked or (
                (vocab.msc_terms.search(text) or names_here)
                and not re.match(r"\s*(?:placebo|control|sham)", label, re.I)
            ):
                self.msc_arms.append(arm)
                self.arm_interventions[label] = linked

        # Interventions given in an MSC arm but named by a code only (SCM-CGH) are the MSC
        # product too.
        arm_labels = {a.get("label") for a in self.msc_arms}
        for iv in self.interventions:
            if iv in self.msc_interventions:
                continue
            name = iv.get("name") or ""
            if (
                vocab.control_name.search(name)
                or vocab.comedication.search(name)
                or (iv.get("type") or "")
                in ("DEVICE", "BEHAVIORAL", "RADIATION", "DIAGNOSTIC_TEST", "DIETARY_SUPPLEMENT")
            ):
                continue
            labels = set(iv.get("armGroupLabels") or [])
            if (
                labels & arm_labels
                and labels <= arm_labels
                and (iv.get("type") or "") in ("BIOLOGICAL", "GENETIC", "COMBINATION_PRODUCT")
            ):
                self.msc_interventions.append(iv)
                for lab in labels:
                    self.arm_interventions.setdefault(lab, []).append(iv)

        # Tiers of (sentence, origin) pairs.
        t1 = []
        for iv in self.msc_interventions:
            t1.append(
                (
                    " ".join([iv.get("name") or ""] + list(iv.get("otherNames") or [])),
                    "product name",
                )
            )
            t1 += [(s, "intervention") for s in sentences(iv.get("description") or "")]
        for arm in self.msc_arms:
            t1.append((arm.get("label") or "", "arm"))
            t1 += [(s, "arm") for s in sentences(arm.get("description") or "")]
        t2 = [(t, "title") for t in self.titles] + [(k, "keyword") for k in self.keywords]
        t3 = [(s, "summary") for s in sentences(self.summary)]
        t4 = [(s, "description") for s in sentences(self.description)]
        # The design's description of the intervention model often says what each group is
        # given ("UC-MSCs (1.5x10^6/kg) or the same volume of placebo"): read after the
        # detailed description.
        t4 += [(s, "design") for s in sentences(self.design_text)]
        self.tiers = [t1, t2, t3, t4]

    def adult(self) -> bool:
        ages = self.elig.get("stdAges") or []
        return "ADULT" in ages or "OLDER_ADULT" in ages

    def observational(self) -> bool:
        return (self.design.get("studyType") or "") == "OBSERVATIONAL"


def named_product_evidence(tiers, entry) -> str:
    """The sentence of the product texts or titles that names a named product, cut around its
    name (the evidence of the values it gives)."""
    for own_names, names_in_context, candidate in vocabulary().named:
        if candidate is not entry:
            continue
        for tier in tiers[:2]:
            for sentence, _origin in tier:
                m = own_names.search(sentence) or (
                    names_in_context.search(sentence) if names_in_context else None
                )
                if m:
                    return shorten(sentence, m)
    return f"named product: {entry['name']}"
