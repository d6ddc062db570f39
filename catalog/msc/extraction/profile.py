"""The public MSC profile of one study record, built stage by stage."""

from __future__ import annotations

from .donor import donor_from_tiers
from .dose import dose_from_tiers, empty_dose
from .product import named_products_in, product_codes
from .recognition import gives_msc_product
from .record import StudyText
from .review import review_codes
from .route import implied_route, routes_from_tiers
from .source import sources_from_tiers
from .text import normalised, sentences
from .vocabulary import vocabulary

TEXT_MODULES = (
    "identificationModule",
    "descriptionModule",
    "conditionsModule",
    "armsInterventionsModule",
    "designModule",  # its intervention model description; its codes are plain ASCII
    "outcomesModule",  # read for the route alone, after every other text
)


def speaks_of_msc(record: StudyText) -> bool:
    """Does the record name MSCs for itself: in its titles, its interventions or a summary
    sentence that is not background?"""
    vocab = vocabulary()
    own = " ".join(
        record.titles
        + [
            (iv.get("name") or "") + " " + (iv.get("description") or "")
            for iv in record.interventions
        ]
    )
    return bool(vocab.msc_strong.search(own)) or any(
        vocab.msc_strong.search(s) and not vocab.background.search(s) for s, _ in record.tiers[2]
    )


def not_msc_profile():
    return {
        "source": ["not_stated"],
        "donor": "not_stated",
        "product": [],
        "route": ["not_stated"],
        "dose": empty_dose(),
        "named_products": [],
        "arms": [],
        "evidence": {"source": [], "donor": [], "product": [], "route": [], "dose": []},
        "is_msc": False,
        "review": [],
    }


def first_unique(xs, limit=6):
    out = []
    for x in xs:
        if x and x not in out:
            out.append(x)
    return out[:limit]


def profile_from_study(study: dict) -> dict:
    """The MSC profile of one ClinicalTrials.gov API v2 study record."""
    section = study.get("protocolSection") or study
    # Only the modules whose text the rules read are normalised; the eligibility module gives
    # codes (age groups) and its criteria are never read.
    record = StudyText(
        {
            name: normalised(module) if name in TEXT_MODULES else module
            for name, module in section.items()
            if name in TEXT_MODULES or name == "eligibilityModule"
        }
    )
    all_head = " ".join(s for s, _ in record.tiers[0] + record.tiers[1])
    named = named_products_in(all_head)
    if not gives_msc_product(record, named):
        profile = not_msc_profile()
        profile["review"] = review_codes(profile, speaks_of_msc(record))
        return profile
    evidence = {"source": [], "donor": [], "product": [], "route": [], "dose": []}
    sources = sources_from_tiers(record.tiers, named, evidence["source"])
    if not sources:
        # the outcome measures last, as for the route: "safety of adipose derived, autologous
        # MSCs bound to the fistula plug" states the tissue when nothing else does
        sources = sources_from_tiers(
            [[], [], [], record.outcome_sentences], named, evidence["source"]
        )
    donor = donor_from_tiers(record.tiers, evidence["donor"], sources, named, record.product_names)
    if donor == "not_stated" and record.outcome_sentences:
        # the outcome measures last, as for the tissue: "effect of intrathecal injection of
        # autologous mesenchymal stem cells" states the donor when nothing else does
        late_evidence = []
        late = donor_from_tiers(
            [[], [], [], record.outcome_sentences],
            late_evidence,
            sources,
            named,
            record.product_names,
        )
        if late != "not_stated":
            donor = late
            evidence["donor"] = late_evidence
    products = product_codes(record, named, evidence["product"])
    routes = routes_from_tiers(record.tiers, evidence["route"], record.product_names)
    if not routes:
        # the outcome measures last: "time from the WJ-MSC infusion to …" states a route, but
        # only when nothing else does
        routes = routes_from_tiers(
            [record.outcome_sentences],
            evidence["route"],
            record.product_names,
            first_tier=len(record.tiers),
        )
    if not routes:
        routes = implied_route(record, evidence["route"])
    dose = dose_from_tiers(record.tiers, evidence["dose"], record.adult())
    if dose["min"] is None and record.outcome_sentences:
        # "… between the 0.5, 1.6 and 5.0 million MSCs per kilogram dose cohorts": the outcome
        # measures give the dose when nothing else does
        late_evidence = []
        late = dose_from_tiers(
            [[], [], [], record.outcome_sentences], late_evidence, record.adult()
        )
        if late["min"] is not None:
            if dose["n_doses"] is not None or dose["interval"] is not None:
                late["n_doses"], late["interval"] = dose["n_doses"], dose["interval"]
            dose = late
            evidence["dose"].extend(late_evidence)
    if "cells" not in products:
        # exosome / secretome doses are not cell counts
        schedule_kept = (dose["n_doses"], dose["interval"])
        dose = empty_dose()
        dose["n_doses"], dose["interval"] = schedule_kept
        evidence["dose"] = []

    arms = []
    for arm in record.msc_arms:
        label = arm.get("label") or ""
        arm_text = [(label, "arm")] + [(s, "arm") for s in sentences(arm.get("description") or "")]
        for iv in record.arm_interventions.get(label, []):
            arm_text.append((iv.get("name") or "", "product name"))
            arm_text += [(s, "intervention") for s in sentences(iv.get("description") or "")]
        tiers = [arm_text, [], [], []]
        arm_sources = (
            sources_from_tiers(tiers, named_products_in(" ".join(s for s, _ in arm_text)), [])
            or sources
        )
        arm_donor = donor_from_tiers(tiers, [], arm_sources, named)
        if arm_donor == "not_stated" or (arm_donor == "both" and donor != "both"):
            arm_donor = donor if donor != "both" else arm_donor
        arm_routes = routes_from_tiers(tiers, []) or routes
        arm_dose = dose_from_tiers(tiers, [], record.adult())
        if arm_dose["min"] is None and dose["min"] is not None and dose["min"] == dose["max"]:
            arm_dose = dict(dose)
        elif arm_dose["n_doses"] is None and arm_dose["min"] is not None:
            arm_dose["n_doses"], arm_dose["interval"] = dose["n_doses"], dose["interval"]
        if "cells" not in products:
            arm_dose = empty_dose()
        arms.append(
            {
                "label": label,
                "source": arm_sources or ["not_stated"],
                "donor": arm_donor,
                "route": arm_routes or ["not_stated"],
                "dose": arm_dose,
            }
        )

    profile = {
        "source": sources or ["not_stated"],
        "donor": donor,
        "product": products,
        "route": routes or ["not_stated"],
        "dose": dose,
        "named_products": [
            {"name": n["name"], "source": n.get("source"), "donor": n.get("donor")} for n in named
        ],
        "arms": arms,
        "evidence": {k: first_unique(v) for k, v in evidence.items()},
        "is_msc": True,
    }
    profile["review"] = review_codes(profile, msc_words=True)
    return profile
