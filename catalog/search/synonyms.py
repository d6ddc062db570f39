"""The vocabulary the search understands: names of the same thing, searched together.

Three sources, each kept as data:

- ``SYNONYMS`` below: the MSC vocabulary (cell sources and the names of the cells).
- ``vocabulary/condition_names.json``: condition names people type (abbreviations such as ALS,
  GVHD or T1D, lay names such as "heart attack" or "Lou Gehrig's disease", COVID spellings),
  curated from MeSH entry terms and MedlinePlus, with the source of each group noted.
- ``vocabulary/condition_mesh_pairs.json``: the records' own pairs of a condition as written and
  the MeSH term ClinicalTrials.gov found for it (``browseLeaves`` with ``asFound``), built by
  ``manage.py build_search_vocabulary`` from the refreshed registry file. A pair is kept only
  where the MeSH term holds every word of the written form ("Type 1 Diabetes" → "Diabetes
  Mellitus, Type 1"), so that a search never widens to a broader heading ("Cirrhosis" is not
  expanded to "Fibrosis"); it is used one way, from the written form to the MeSH term, and both
  ways when the two hold the same words ("Knee Osteoarthritis" = "Osteoarthritis, Knee").

A search for any member of a group finds trials that use any other member. Members are matched
as whole words or phrases, ignoring case, hyphens, slashes and a possessive "'s" ("Wharton's
jelly" = "Wharton jelly"); each member is searched as a phrase. No package that installs from
PyPI ships MeSH entry terms (the MeSH packages there download NLM's files at run time), so the
entry terms used are those transcribed into ``condition_names.json``.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

VOCABULARY_DIR = Path(__file__).with_name("vocabulary")
CONDITION_NAMES = VOCABULARY_DIR / "condition_names.json"
CONDITION_MESH_PAIRS = VOCABULARY_DIR / "condition_mesh_pairs.json"

SYNONYMS = (
    # Mesenchymal stem/stromal cells in general.
    (
        "MSC",
        "MSCs",
        "mesenchymal stem cell",
        "mesenchymal stem cells",
        "mesenchymal stromal cell",
        "mesenchymal stromal cells",
        "mesenchymal stem/stromal cells",
        "mesenchymal stromal/stem cells",
    ),
    # From the umbilical cord.
    (
        "UC-MSC",
        "UC-MSCs",
        "hUC-MSC",
        "hUC-MSCs",
        "UCMSC",
        "UCMSCs",
        "umbilical cord",
    ),
    # From Wharton's jelly (of the umbilical cord).
    (
        "WJ-MSC",
        "WJ-MSCs",
        "WJMSC",
        "WJMSCs",
        "Wharton's jelly",
        "Wharton jelly",
    ),
    # From bone marrow.
    (
        "BM-MSC",
        "BM-MSCs",
        "BMMSC",
        "BMMSCs",
        "BMSC",
        "BMSCs",
        "bone marrow",
    ),
    # From adipose tissue.
    (
        "AD-MSC",
        "AD-MSCs",
        "ADMSC",
        "ADMSCs",
        "ADSC",
        "ADSCs",
        "ASC",
        "ASCs",
        "adipose",
    ),
)

# An abbreviation as written: one token of letters and digits with two capitals or more and at
# most two small letters (ALS, GVHD, aGVHD, GvHD, T1DM, SSc, MSCs). The SQL function
# ``catalog_abbreviations`` (migration 0008) finds the same tokens in stored text.
_ABBREVIATION_RE = re.compile(r"^(?=(?:[^A-Z]*[A-Z]){2})(?!(?:[^a-z]*[a-z]){3})[A-Za-z0-9]{2,12}$")


def is_abbreviation(term):
    return bool(_ABBREVIATION_RE.match(term))


# Abbreviations up to this length match only where written in capitals, and are searched only
# when typed (see ``expansions``).
MAX_SHORT_ABBREVIATION = 3


def is_short_abbreviation(term):
    return is_abbreviation(term) and len(term) <= MAX_SHORT_ABBREVIATION


def abbreviation_tag(term):
    """The lexeme under which an abbreviation written in capitals is stored: lower-cased, a
    plural "s" after a capital dropped (MSCs → msc), marked so it never meets an English word
    ("ALS" is not "als", the stem of "al", nor "MS" the "ms" of milliseconds)."""
    core = term[:-1] if len(term) > 2 and term.endswith("s") and term[-2].isupper() else term
    return core.lower() + ABBREVIATION_MARK


ABBREVIATION_MARK = "qq"


def key(words):
    """How a run of words is compared with the members: lower case, no possessive "'s", no
    hyphens, slashes or commas."""
    out = []
    for word in words:
        word = word.lower().replace("\u2019", "'")
        word = re.sub(r"'s$", "", word)
        word = re.sub(r"[-/,.]", " ", word)
        out.extend(word.split())
    return " ".join(out)


@dataclass(frozen=True)
class Expansion:
    """What a recognised name is searched as: ``terms`` (its own and the others)."""

    terms: tuple


def _load(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


@cache
def expansions():
    """{key of a name: Expansion} for every name the search recognises."""
    table = {}

    def add(name, terms):
        entry = table.setdefault(key(name.split()), [])
        for term in terms:
            if term not in entry:
                entry.append(term)

    for group in SYNONYMS:
        for member in group:
            add(member, group)
    for group in _load(CONDITION_NAMES).get("groups", []):
        terms = tuple(group["terms"]) + tuple(group.get("narrower", ()))
        # A short abbreviation is searched only when typed: it has other meanings elsewhere
        # ("OA" is also obstructive azoospermia), so the full name never expands to it.
        named = tuple(t for t in terms if not is_short_abbreviation(t))
        for term in group["terms"]:
            add(term, terms if is_short_abbreviation(term) else named)
    for pair in _load(CONDITION_MESH_PAIRS).get("pairs", []):
        written, mesh = pair["written"], pair["mesh"]
        add(written, (written, mesh))
        if pair.get("same_words"):
            add(mesh, (mesh, written))
    # A name's own group comes first where a name belongs to several (its curated group).
    return {k: Expansion(tuple(v)) for k, v in table.items()}


@cache
def max_words():
    """The most words of a name the table expands (read once, as the table is)."""
    return max((len(k.split()) for k in expansions()), default=1)


# Building the MeSH pairs from the records ------------------------------------------------------

_PAIR_STOP_WORDS = frozenset({"of", "the", "and", "in", "with", "or", "to", "for", "on"})


def _pair_words(text):
    """The words of a name for comparing a written form with its MeSH term: lower case, no
    possessive, simple plurals folded (injuries = injury, ulcers = ulcer)."""
    words = set()
    for word in re.findall(r"[a-z0-9]+", text.lower().replace("'s", "").replace("\u2019s", "")):
        if word in _PAIR_STOP_WORDS:
            continue
        word = re.sub(r"ies$", "y", word)
        word = re.sub(r"(?<=[a-z]{3})s$", "", word)
        words.add(word)
    return words


def mesh_pairs(studies):
    """[{written, mesh, same_words, trials}] from the records' condition browse leaves: the
    condition as the record wrote it (``asFound``) and the MeSH term found for it, where the
    MeSH term holds every word of the written form."""
    counts = {}
    for study in studies:
        module = (study.get("derivedSection") or {}).get("conditionBrowseModule") or {}
        for leaf in module.get("browseLeaves") or []:
            written, mesh = (leaf.get("asFound") or "").strip(), (leaf.get("name") or "").strip()
            if not written or not mesh or written.lower() == mesh.lower():
                continue
            if leaf.get("relevance") != "HIGH":
                continue
            written_words, mesh_words = _pair_words(written), _pair_words(mesh)
            if not written_words or not written_words <= mesh_words:
                continue
            entry = counts.setdefault(
                (written, mesh),
                {"written": written, "mesh": mesh, "same_words": written_words == mesh_words},
            )
            entry["trials"] = entry.get("trials", 0) + 1
    return sorted(counts.values(), key=lambda p: (-p["trials"], p["written"], p["mesh"]))
