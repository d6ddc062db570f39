"""The compiled vocabulary of the MSC rules (``catalog/msc/rules.toml``).

``vocabulary()`` loads the TOML once and compiles every list of patterns into one
case-insensitive alternation (``Patterns``); the other stages read their words from it.
``about_msc(sentence)`` says whether a sentence speaks of an MSC product at all.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

RULES_PATH = Path(__file__).resolve().parent.parent / "rules.toml"

SOURCE_CODES = (
    "bone_marrow",
    "umbilical_cord",
    "wharton_jelly",
    "cord_blood",
    "placenta",
    "amniotic",
    "adipose",
    "dental_pulp",
    "menstrual_blood",
    "synovium",
    "skin",
    "ipsc",
    "other",
)
ROUTE_CODES = (
    "intravenous",
    "intra_arterial",
    "intrathecal",
    "intramuscular",
    "intra_articular",
    "intramyocardial",
    "local_injection",
    "topical",
    "intratracheal",
    "ocular",
    "intranasal",
    "other",
)
PRODUCT_CODES = (
    "cells",
    "extracellular_vesicles",
    "secretome",
    "genetically_modified",
    "combination",
)
ADULT_WEIGHT_KG = 70.0


def _lower_pattern(p: str) -> str:
    """Lower-case the literal letters of a regex (not the escapes such as \\W, \\S, \\B)."""
    out, esc = [], False
    for ch in p:
        out.append(ch if esc else ch.lower())
        esc = (ch == "\\") and not esc
    return "".join(out)


def _case_sensitive(pattern: str):
    """The pattern without its (?-i:...) wrappers if nothing outside them is a letter (then it
    is case-sensitive as a whole and runs fastest without re.I), else None."""
    out, i, esc = [], 0, False
    while i < len(pattern):
        if not esc and pattern.startswith("(?-i:", i):
            depth, j, inner_esc = 1, i + 5, False
            while depth and j < len(pattern):
                c = pattern[j]
                if inner_esc:
                    inner_esc = False
                elif c == "\\":
                    inner_esc = True
                elif c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                j += 1
            out.append("(?:" + pattern[i + 5 : j])
            i = j
            continue
        c = pattern[i]
        if not esc and c.isalpha():
            return None
        esc = c == "\\" and not esc
        out.append(c)
        i += 1
    return "".join(out)


class Patterns:
    """A case-insensitive alternation of rule patterns.

    Python's re is several times slower with re.I, so the patterns without any case-sensitive part
    are lower-cased and run on the lower-cased text, the wholly case-sensitive ones (?-i:...) run
    without re.I, and the few that mix both run as written."""

    def __init__(self, patterns):
        plain = [p for p in patterns if "(?-i:" not in p]
        cased = [p for p in patterns if "(?-i:" in p]
        sensitive = [c for c in (_case_sensitive(p) for p in cased) if c is not None]
        mixed = [p for p in cased if _case_sensitive(p) is None]
        self.low = (
            re.compile("|".join(f"(?:{_lower_pattern(p)})" for p in plain)) if plain else None
        )
        self.sensitive = re.compile("|".join(f"(?:{p})" for p in sensitive)) if sensitive else None
        self.mixed = re.compile("|".join(f"(?:{p})" for p in mixed), re.I) if mixed else None
        self.full = re.compile("|".join(f"(?:{p})" for p in patterns), re.I)

    def _parts(self, text):
        low = text.lower()
        if len(low) != len(text):
            return None
        return low

    def search(self, text):
        low = self._parts(text)
        if low is None:
            return self.full.search(text)
        best = self.low.search(low) if self.low else None
        for rx in (self.sensitive, self.mixed):
            m = rx.search(text) if rx else None
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        return best

    def finditer(self, text):
        low = self._parts(text)
        if low is None:
            return list(self.full.finditer(text))
        ms = []
        if self.low:
            ms += list(self.low.finditer(low))
        for rx in (self.sensitive, self.mixed):
            if rx:
                ms += list(rx.finditer(text))
        ms.sort(key=lambda m: m.start())
        return ms

    def sub(self, repl, text):
        ms = self.finditer(text)
        if not ms:
            return text
        chars = list(text)
        for m in ms:
            chars[m.start() : m.end()] = list(repl(m))
        return "".join(chars)


def alternation(patterns):
    """One case-insensitive alternation of a list of regex strings (None if empty)."""
    patterns = [p for p in patterns if p]
    if not patterns:
        return None
    return Patterns(patterns)


class Vocabulary:
    def __init__(self, data: dict):
        m = data["msc"]
        self.msc_terms = alternation(m["terms"])
        self.msc_strong = alternation(m["strong"])
        self.not_msc = alternation(m["not_msc"])
        self.vesicles = alternation(m["ev"])
        self.secretome = alternation(m["secretome"])
        self.genetically_modified = alternation(m["genetically_modified"])
        self.combination = alternation(m["combination"])
        self.point_of_care = alternation(m["point_of_care"])
        self.culture = alternation(m["culture"])
        self.tool_only = alternation(m["tool_only"])
        self.control_name = alternation(m["control_names"])
        self.sources = {}
        for code in SOURCE_CODES:
            s = data["source"][code]
            self.sources[code] = (
                alternation(s.get("compound", [])),
                alternation(s.get("context", [])),
                alternation(s.get("exclude", [])),
            )
        self.source_any = {
            code: alternation(
                data["source"][code].get("compound", []) + data["source"][code].get("context", [])
            )
            for code in SOURCE_CODES
        }
        self.any_source = alternation(
            [
                p
                for code in SOURCE_CODES
                for key in ("compound", "context")
                for p in data["source"][code].get(key, [])
            ]
        )
        self.background = alternation(data["background"]["cues"])
        d = data["donor"]
        self.auto = alternation(d["autologous"])
        self.allo = alternation(d["allogeneic"])
        self.donor_after = re.compile(
            r"^\W{0,3}(?:" + "|".join(f"(?:{p})" for p in d["exclude_after"]) + ")", re.I
        )
        self.donor_phrase = alternation(d["exclude_phrases"])
        self.perinatal = set(d["perinatal"])
        self.offshelf = set(d["offshelf_sources"])
        self.tissue_taken = alternation(d["tissue_taken"])
        r = data["route"]
        self.routes = {code: alternation(r[code]) for code in ROUTE_CODES}
        self.generic_iv = alternation(r["generic_iv"])
        self.any_route = alternation(
            [p for code in ROUTE_CODES for p in r[code]] + list(r["generic_iv"])
        )
        self.implied_routes = [
            (
                re.compile(x["when"], re.I) if x.get("when") else None,  # none: any condition
                re.compile(x["verb"], re.I),
                x["route"],
            )
            for x in r.get("implied", [])
        ]
        self.comedication = alternation(r["comedication"])
        self.route_exclude = alternation(r["exclude"])
        self.route_means = alternation(r.get("means", []))
        # (its own names, its names that need context or None, the entry)
        self.named = [
            (
                re.compile(n["pattern"], re.I),
                re.compile(n["in_context"], re.I) if n.get("in_context") else None,
                n,
            )
            for n in data.get("named", [])
        ]
        self.named_any = alternation(
            [n["pattern"] for n in data.get("named", [])]
            + [n["in_context"] for n in data.get("named", []) if n.get("in_context")]
        )
        dz = data["dose"]
        self.words = {k.lower(): v for k, v in dz["words"].items()}
        self.not_cells = alternation(dz["not_cells"])
        self.not_dose_before = alternation(dz["not_dose_before"])
        self.per_kg = dz["per_kg"]
        self.plausible = {unit: tuple(bounds) for unit, bounds in dz["plausible"].items()}
        self.cell_words = dz["cell_words"]
        self._compile_dose()

    def _compile_dose(self):
        mult = r"\s*(?:[x×X\*·∙•.]|times)\s*"
        exp = r"10\s*(?:\^|[eE]|\*\*|\*|exp|'|’|/|~)?\s*\(?\s*\+?([1-9]\d?)\s*\)?"
        bare_exp = r"10\s*(?:\^|[eE]|\*\*)\s*\(?\s*\+?([1-9]\d?)\s*\)?"
        # mantissa list / range before "x 10^k": "1, 3 or 10 x 10^6", "1-2 x 10(6)"
        mlist = r"(\d+(?:[.,]\d+)?(?:\s*(?:,\s*(?:or|and)|-|–|~|to|,|or|and|/)\s*\d+(?:[.,]\d+)?)*)"
        self.re_sci = re.compile(r"(?<![\w.])" + mlist + mult + exp + r"(?!\d)")
        self.re_bare = re.compile(r"(?<![\w.×x*])" + bare_exp + r"(?!\d)")
        # "at 106 cells/kg", "10(6) MSCs": an exponent whose superscript was lost. 106 cells are
        # no dose, so 10^6 is what was written.
        self.re_lost_exponent = re.compile(
            r"(?<![\w.,×x*^•·])(?<![×x*•·] )"
            r"(?:10([5-9])(?=\s*(?:cells?\b|[A-Za-z-]*MSCs?\b|/\s*kg))|10\(([5-9])\)"
            # "a single dose of 10x6 cells": 60 cells are no dose either
            r"|10\s*[x×]\s*([5-9])(?=\s*(?:cells?\b|[A-Za-z-]*MSCs?\b|/\s*kg)))"
        )
        # ("1E6cells/Kg": the unit may follow with no space)
        self.re_enot = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*[eE]\s*\+?0?([1-9]\d?)(?!\d)")
        self.re_million = re.compile(
            r"(?<![\w.])"
            + mlist
            + r"\s*(millions|million|millones|mill\b\.?|mil\b|mio\b|mln\b|billions|billion|thousand|M\b"
            r"|m\b"
            r"|B\b)",
            re.I,
        )
        # "one million", "twenty million cells"
        self.re_word_million = re.compile(
            r"\b(" + "|".join(sorted(self.words, key=len, reverse=True)) + r")[\s-]+"
            r"(million|millions|billion|billions)\b",
            re.I,
        )
        # "1*10^4-6 cells/kg": a range of exponents
        self.re_exponent_range = re.compile(
            r"(?<![\w.])(\d+(?:\.\d+)?)\s*[x×\*·]\s*10\s*\^\s*([1-9]\d?)\s*(?:-|~|to)\s*"
            r"(?:10\s*\^\s*)?([1-9]\d?)(?![\d.]|\s*[x×\*·])"
        )
        # "5x1,000,000 cells/kg", "2 x 1000000 MSCs", "1-2 x 1000000 MSC/Kg": a factor (or a
        # range of factors) times a number written out, also glued to the product's name
        # ("MSC2×1,000,000 MSC/kg")
        self.re_times_plain = re.compile(
            r"(?:(?<![\w.])|(?<=MSC)|(?<=MSCs))(\d+(?:\.\d+)?(?:\s*(?:-|to)\s*\d+(?:\.\d+)?)?)\s*[x×\*]\s*"
            r"(\d{1,3}(?:,\d{3}){2,}|\d{6,})(?![\d.,]\d)"
        )
        # "4,000,000 cells/kg", "250,000 cells/kg", "100000000 cells"
        self.re_plain = re.compile(
            # ("500.000 cells/kg": three zeros after a point are a thousands separator)
            r"(?<![\w.,])(\d{1,3}(?:[ ,.]\d{3}){2,}|\d{1,3},\d{3}|\d{1,3}\.000|\d{6,})(?![\d.,]\d)"
        )
        # the unit's abbreviation may follow the count: "0.5 million (M) PLX cells per kg"
        unit_abbreviation = r"(?:\(\w{1,4}\)\s*)?"
        self.re_perkg = re.compile(
            r"^\s*"
            + unit_abbreviation
            + r"(?:of\s+)?(?:"
            + self.cell_words
            + r")?\s*(?:\([^)]{0,30}\)\s*)?"
            + self.per_kg,
            re.I,
        )
        self.re_cellsafter = re.compile(
            r"^\s*" + unit_abbreviation + r"(?:of\s+)?" + self.cell_words, re.I
        )


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    with open(RULES_PATH, "rb") as fh:
        return Vocabulary(tomllib.load(fh))


@lru_cache(maxsize=65536)
def about_msc(sentence: str) -> bool:
    """Is the sentence about the MSC product (MSC vocabulary or a named product)?"""
    vocab = vocabulary()
    return bool(vocab.msc_terms.search(sentence) or vocab.named_any.search(sentence))
