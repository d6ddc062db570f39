"""Is-MSC: whether a record gives an MSC product at all (not a marrow concentrate, an
uncultured fraction, another cell product or an observational study of patients' own cells)."""

from __future__ import annotations

import re

from .record import StudyText
from .text import blank_out, sentences
from .vocabulary import about_msc, vocabulary

# Interventions that take tissue or cells from the participants rather than give them any.
# ("flow cytometry": an analysis of the participants' cells)
_SAMPLING = re.compile(
    r"sampl|biops|harvest|liposuction|aspirat|extraction|collect|isolat|characteri[sz]"
    r"|cytometr|\banaly[sz]|\bassay",
    re.I,
)
_GIVING = re.compile(
    r"inject|infus|transplant|administ|implant|deliver|appli|graft|treat|therap|given|receiv"
    r"|transfus",
    re.I,
)


def only_samples_cells(record: StudyText, product_text: str) -> bool:
    """Is every MSC intervention a way of sampling participants' tissue (a bone marrow sample,
    liposuction to count the cells in fat, flow cytometry of a biopsy), with no word of giving
    anything, or a diagnostic test? Such a study looks at MSCs but gives no MSC product."""
    names = [iv.get("name") or "" for iv in record.msc_interventions]
    if names and all(iv.get("type") == "DIAGNOSTIC_TEST" for iv in record.msc_interventions):
        return True  # a diagnostic test of the participants' cells gives them nothing
    return (
        bool(names)
        and all(_SAMPLING.search(name) for name in names)
        and not _GIVING.search(product_text)
    )


# A control arm "without mesenchymal stem cells" gives none.
_WITHOUT = re.compile(
    r"\b(?:without|no|minus)\s+(?:\w+\s+){0,2}?(?:mesenchymal (?:stem |stromal )?cells?|MSCs?)\b",
    re.I,
)


def has_msc_arm_beside_point_of_care(record: StudyText) -> bool:
    """Does one arm give MSCs that are no point-of-care fraction, beside another arm giving an
    uncultured SVF or marrow concentrate (an MSC arm against an SVF arm)?"""
    vocab = vocabulary()
    texts = [(a.get("label") or "") + " " + (a.get("description") or "") for a in record.msc_arms]
    point_of_care = [t for t in texts if vocab.point_of_care.search(t)]
    msc_only = [
        t
        for t in texts
        if vocab.msc_strong.search(blank_out(t, _WITHOUT)) and not vocab.point_of_care.search(t)
    ]
    return bool(point_of_care) and bool(msc_only)


# An observational study of cells themselves, not of patients given them.
_STUDIES_CELLS = re.compile(
    r"isolat|characteri[sz]|collect|harvest|biops|in vitro|concentration|\blevels?\b|\bcount",
    re.I,
)
_TREATED = re.compile(r"treat(?:ed|ment)|therapy|follow[- ]?up", re.I)


# Culture denied: "without in vitro expansion or culture", "non-expanded", "Expansion … is
# avoidable".
_NO_CULTURE = re.compile(
    r"\bnon-?(?:expanded|cultured)(?: cultures?)?"
    r"|\b(?:without|no) (?:being )?(?:any )?(?:in vitro |ex vivo )?(?:cultur|expan)\w*"
    r"(?: (?:or|and|nor) (?:\w+ )?(?:cultur|expan)\w*)?"
    r"|\b(?:expansion|culture|cultivation)\b[^.;]{0,80}?\b(?:is|are|will be) (?:avoid\w*"
    r"|not (?:needed|necessary|required)|unnecessary)",
    re.I,
)


def denies_culture(record: StudyText) -> bool:
    """Does the summary or description say, of the product, that its cells are not cultured
    ("transplanted … without in vitro expansion or culture, with minimal manipulation"), even in
    a sentence that praises it ("The uniqueness of this study is demonstrated in …")?"""
    return any(
        _NO_CULTURE.search(s) and about_msc(s)
        for s in sentences(record.summary) + sentences(record.description)
    )


def gives_msc_product(record: StudyText, named_hits) -> bool:
    vocab = vocabulary()
    head = " ".join(
        [iv.get("name") or "" for iv in record.msc_interventions]
        + [x for iv in record.msc_interventions for x in (iv.get("otherNames") or [])]
        + [iv.get("description") or "" for iv in record.msc_interventions]
        + [(a.get("label") or "") + " " + (a.get("description") or "") for a in record.msc_arms]
    )
    titles = " ".join(record.titles + record.keywords)
    product_text = head + " " + " ".join(record.titles)
    # How the MSC arms take the tissue: "Bone marrow aspiration: … during the operation the
    # aspirate is centrifugated through Ficoll" makes the product an uncultured fraction.
    msc_arm_labels = {arm.get("label") for arm in record.msc_arms}
    harvest = " ".join(
        iv.get("description") or ""
        for iv in record.interventions
        if iv not in record.msc_interventions
        and msc_arm_labels & set(iv.get("armGroupLabels") or [])
        and _SAMPLING.search(iv.get("name") or "")
    )
    if vocab.tool_only.search(product_text):
        return False
    if only_samples_cells(record, head):
        return False
    if (
        vocab.point_of_care.search(product_text)
        or vocab.point_of_care.search(harvest)
        or denies_culture(record)
    ):
        # uncultured SVF / marrow concentrate: an MSC product only if the record says the
        # cells are cultured (not "without in vitro expansion or culture")
        if not any(
            vocab.culture.search(blank_out(t, _NO_CULTURE))
            for t in (product_text, harvest, record.summary, record.description)
        ) and not has_msc_arm_beside_point_of_care(record):
            return False
    if named_hits:
        return True
    strong_head = vocab.msc_strong.search(head)
    strong_title = vocab.msc_strong.search(" ".join(record.titles))
    if record.observational():
        # an observational record counts only when it follows patients given an MSC product
        names = " ".join(iv.get("name") or "" for iv in record.msc_interventions)
        if vocab.msc_strong.search(names):
            return not _STUDIES_CELLS.search(names)
        # or whose titles say it follows patients treated with MSCs ("Mesenchymal Stem Cells for
        # the Treatment of Pneumonia…: a Retrospective Cohort Study", "Long Term Follow up of
        # … Therapy Using Autologous Mesenchymal Stem Cells")
        titles = " ".join(record.titles)
        if _TREATED.search(titles) and not _STUDIES_CELLS.search(titles):
            # "Long-term Follow-up … of CS20AT04": the titles name the treatment, the titles or
            # the keywords say it is MSCs
            return bool(vocab.msc_strong.search(titles + " " + " ".join(record.keywords)))
        return False
    if strong_head:
        return True
    if strong_title and (record.msc_interventions or not record.interventions):
        return True
    names = " ".join(iv.get("name") or "" for iv in record.msc_interventions)
    if vocab.not_msc.search(names) and not strong_head:
        return False  # the product is another cell fraction (BMMNC, CD34+...)
    if vocab.msc_strong.search(titles) and record.msc_interventions:
        return True
    if record.msc_interventions:
        # generic "stem cells" product: MSC only if the summary or description says mesenchymal
        # about it
        names = " ".join(iv.get("name") or "" for iv in record.msc_interventions) + " " + titles
        if vocab.not_msc.search(names):
            return False
        # Exosomes or secretome named without their cells: MSC-derived when the record says so,
        # even in a sentence of background ("MSC exosomes have been shown to ...").
        cell_free = vocab.vesicles.search(names) or vocab.secretome.search(names)
        for tier in (record.tiers[2], record.tiers[3]):
            for s, _ in tier:
                if (
                    vocab.msc_strong.search(s)
                    and not vocab.not_msc.search(s)
                    and (
                        not vocab.background.search(s)
                        or (cell_free and (vocab.vesicles.search(s) or vocab.secretome.search(s)))
                    )
                ):
                    return True
    return False
