"""The search's relevance set: queries as people type them, judged from the records, and scores.

``data/search_relevance/queries.json`` lists each query with the rule its relevant trials were
judged by and the NCT IDs the rule gives on the bundled records. The rule is read by plain
Python over the records (``judge``), never by the search, so the set measures the search from
outside: ``python manage.py search_eval`` prints recall, precision and R-precision (precision of
the first min(25, R) results, R the number of relevant trials) per query and overall, and
``search_eval --judge`` writes the judged trials of each rule into the file again.

A rule is one of:

- ``{"mentions": [patterns]}``: the record's searchable text (titles, acronym, conditions and
  their MeSH terms and ancestors, keywords, interventions with other names and descriptions,
  arms, outcomes, sponsor and collaborators, summary, description, eligibility) matches one of
  the regular expressions. A pattern is case-insensitive unless it starts with ``(?-i)``.
- ``{"identifier": "..."}``: the trial has the identifier (NCT ID, former NCT ID, organisation
  or secondary ID, acronym), or its text cites it.
- ``{"in_conditions": [patterns]}``: a condition, keyword, condition MeSH term or MeSH
  ancestor of the record matches one of the patterns (the ``query.cond`` area).
- ``{"location": [patterns]}``: one of the trial's sites (facility, city, state, country)
  matches one of the patterns.
"""

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

RELEVANCE_FILE = Path(settings.BASE_DIR) / "data" / "search_relevance" / "queries.json"
R_PRECISION_DEPTH = 25


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def searchable_text(study):
    """The texts of a record a person expects a search to read, joined by newlines."""
    protocol = study.get("protocolSection") or {}
    derived = study.get("derivedSection") or {}
    ident = protocol.get("identificationModule") or {}
    parts = [ident.get("briefTitle"), ident.get("officialTitle"), ident.get("acronym")]
    conditions = protocol.get("conditionsModule") or {}
    parts += conditions.get("conditions") or []
    parts += conditions.get("keywords") or []
    for module in ("conditionBrowseModule", "interventionBrowseModule"):
        browse = derived.get(module) or {}
        parts += [m.get("term") for m in (browse.get("meshes") or [])]
        parts += [m.get("term") for m in (browse.get("ancestors") or [])]
    arms = protocol.get("armsInterventionsModule") or {}
    for item in arms.get("interventions") or []:
        parts += [item.get("name"), item.get("description"), *(item.get("otherNames") or [])]
    for arm in arms.get("armGroups") or []:
        parts += [arm.get("label"), arm.get("description")]
    outcomes = protocol.get("outcomesModule") or {}
    for kind in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes"):
        for outcome in outcomes.get(kind) or []:
            parts += [outcome.get("measure"), outcome.get("description")]
    sponsors = protocol.get("sponsorCollaboratorsModule") or {}
    parts.append((sponsors.get("leadSponsor") or {}).get("name"))
    parts += [c.get("name") for c in sponsors.get("collaborators") or []]
    description = protocol.get("descriptionModule") or {}
    parts += [description.get("briefSummary"), description.get("detailedDescription")]
    parts.append((protocol.get("eligibilityModule") or {}).get("eligibilityCriteria"))
    return "\n".join(p for p in parts if p)


def condition_texts(study):
    """The conditions, keywords, condition MeSH terms and their ancestors of a record."""
    conditions = (study.get("protocolSection") or {}).get("conditionsModule") or {}
    browse = (study.get("derivedSection") or {}).get("conditionBrowseModule") or {}
    texts = list(conditions.get("conditions") or []) + list(conditions.get("keywords") or [])
    texts += [m.get("term") or "" for m in browse.get("meshes") or []]
    texts += [m.get("term") or "" for m in browse.get("ancestors") or []]
    return texts


def identifiers(study):
    ident = (study.get("protocolSection") or {}).get("identificationModule") or {}
    found = [ident.get("nctId"), ident.get("acronym")]
    found += ident.get("nctIdAliases") or []
    found.append((ident.get("orgStudyIdInfo") or {}).get("id"))
    found += [s.get("id") for s in ident.get("secondaryIdInfos") or []]
    return {" ".join(i.split()).upper() for i in found if i}


def _pattern(text):
    if text.startswith("(?-i)"):
        return re.compile(text[len("(?-i)") :])
    return re.compile(text, re.I)


def judge(rule, studies):
    """The NCT IDs of ``studies`` (public records) that ``rule`` calls relevant, sorted."""
    relevant = set()
    if "mentions" in rule:
        patterns = [_pattern(p) for p in rule["mentions"]]
        for nct_id, study in studies.items():
            text = searchable_text(study)
            if any(p.search(text) for p in patterns):
                relevant.add(nct_id)
    elif "in_conditions" in rule:
        patterns = [_pattern(p) for p in rule["in_conditions"]]
        for nct_id, study in studies.items():
            if any(p.search(text) for p in patterns for text in condition_texts(study)):
                relevant.add(nct_id)
    elif "identifier" in rule:
        wanted = " ".join(rule["identifier"].split()).upper()
        cited = re.compile(rf"(?<![\w-]){re.escape(rule['identifier'])}(?![\w-])", re.I)
        for nct_id, study in studies.items():
            if wanted in identifiers(study) or cited.search(searchable_text(study)):
                relevant.add(nct_id)
    elif "location" in rule:
        patterns = [_pattern(p) for p in rule["location"]]
        for nct_id, study in studies.items():
            module = (study.get("protocolSection") or {}).get("contactsLocationsModule") or {}
            for site in module.get("locations") or []:
                place = " ".join(
                    site.get(k) or "" for k in ("facility", "city", "state", "country")
                )
                if any(p.search(place) for p in patterns):
                    relevant.add(nct_id)
                    break
    else:
        raise ValueError(f"unknown rule {rule!r}")
    return sorted(relevant)


def bundled_studies():
    """{NCT ID: record} of the bundled catalog as the importer leaves it: the 2022 file, then
    the seed documents over it."""
    studies = {}
    for path in settings.CATALOG_BUNDLED_DATA:
        path = Path(path)
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        for file in files:
            opener = gzip.open if file.suffix == ".gz" else open
            with opener(file, "rt", encoding="utf-8") as handle:
                data = json.load(handle)
            for study in data if isinstance(data, list) else [data]:
                ident = (study.get("protocolSection") or {}).get("identificationModule") or {}
                if ident.get("nctId"):
                    studies[ident["nctId"]] = study
    return studies


def load(path=RELEVANCE_FILE):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


# Scores ----------------------------------------------------------------------------------------


@dataclass
class Score:
    query: str
    area: str
    kind: str
    relevant: int
    found: int
    recall: float
    precision: float
    r_precision: float
    first: bool  # the first result is relevant


def score(entry, ranked):
    relevant = set(entry["relevant"])
    found = set(ranked)
    hits = len(found & relevant)
    depth = min(R_PRECISION_DEPTH, len(relevant))
    top = ranked[:depth]
    return Score(
        query=entry["query"],
        area=entry.get("area", "q"),
        kind=entry["kind"],
        relevant=len(relevant),
        found=len(ranked),
        recall=hits / len(relevant) if relevant else 1.0,
        precision=hits / len(found) if found else (1.0 if not relevant else 0.0),
        r_precision=(sum(1 for n in top if n in relevant) / depth) if depth else 1.0,
        first=bool(ranked) and ranked[0] in relevant,
    )


def run_query(entry):
    """The NCT IDs the catalog gives for the entry's query, best first, as the list page (and
    the API, which reads the same search) orders them."""
    from catalog.search.listing import TrialSearch
    from catalog.search.params import PARAMS

    area = entry.get("area", "q")
    # An API query area (query.cond, query.locn…) is the list parameter it is declared as.
    parameter = "q" if area == "q" else PARAMS.by_api_name()[area].name
    text = entry["query"]
    if entry.get("follow_suggestion"):
        suggestion = TrialSearch({"q": text}).suggestion()
        text = suggestion or text
    search = TrialSearch({parameter: text})
    return list(search.ordered().values_list("nct_id", flat=True))


def evaluate(entries):
    return [score(entry, run_query(entry)) for entry in entries]


def summary(scores):
    n = len(scores) or 1
    return {
        "queries": len(scores),
        "recall": sum(s.recall for s in scores) / n,
        "precision": sum(s.precision for s in scores) / n,
        "r_precision": sum(s.r_precision for s in scores) / n,
        "lowest": min((min(s.recall, s.precision, s.r_precision) for s in scores), default=1.0),
    }


def format_table(scores):
    lines = [
        f"{'query':34} {'area':10} {'kind':12} {'R':>5} {'found':>5} "
        f"{'recall':>7} {'prec.':>7} {'R-prec.':>7}"
    ]
    for s in scores:
        lines.append(
            f"{s.query[:34]:34} {s.area:10} {s.kind:12} {s.relevant:5} {s.found:5} "
            f"{s.recall:7.3f} {s.precision:7.3f} {s.r_precision:7.3f}"
        )
    total = summary(scores)
    lines.append(
        f"{'mean of ' + str(total['queries']) + ' queries':64} "
        f"{total['recall']:7.3f} {total['precision']:7.3f} {total['r_precision']:7.3f}"
    )
    lines.append(f"lowest score of any query on any measure: {total['lowest']:.3f}")
    return "\n".join(lines)
