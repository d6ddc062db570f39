"""Rule-based MSC profile extractor.

`profile_from_study(study)` reads one ClinicalTrials.gov API v2 study record and returns the
public MSC profile (source, donor, product, route, dose, named products, per-arm values and the
evidence sentences). The vocabularies live in ``rules.toml`` next to this file; this module holds
only the mechanics. Pure standard library, no Django.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

RULES_PATH = Path(__file__).with_name("rules.toml")

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

_MULT = {"x", "×", "X", "*", "·", "∙", "•"}


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


class _Rx:
    """A case-insensitive alternation of rule patterns.

    Python's re is several times slower with re.I, so the patterns without any case-sensitive part
    are lower-cased and run on the lower-cased text, the wholly case-sensitive ones (?-i:...) run
    without re.I, and the few that mix both run as written."""

    def __init__(self, patterns):
        plain = [p for p in patterns if "(?-i:" not in p]
        cased = [p for p in patterns if "(?-i:" in p]
        sensitive = [c for c in (_case_sensitive(p) for p in cased) if c is not None]
        mixed = [p for p in cased if _case_sensitive(p) is None]
        self.low = re.compile("|".join(f"(?:{_lower_pattern(p)})" for p in plain)) if plain else None
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


def _alt(patterns):
    """One case-insensitive alternation of a list of regex strings (None if empty)."""
    patterns = [p for p in patterns if p]
    if not patterns:
        return None
    return _Rx(patterns)


class _Rules:
    def __init__(self, data: dict):
        m = data["msc"]
        self.msc_terms = _alt(m["terms"])
        self.msc_strong = _alt(m["strong"])
        self.not_msc = _alt(m["not_msc"])
        self.ev = _alt(m["ev"])
        self.secretome = _alt(m["secretome"])
        self.gm = _alt(m["genetically_modified"])
        self.combination = _alt(m["combination"])
        self.point_of_care = _alt(m["point_of_care"])
        self.culture = _alt(m["culture"])
        self.tool_only = _alt(m["tool_only"])
        self.sources = {}
        for code in SOURCE_CODES:
            s = data["source"][code]
            self.sources[code] = (
                _alt(s.get("compound", [])),
                _alt(s.get("context", [])),
                _alt(s.get("exclude", [])),
            )
        self.source_any = {
            code: _alt(data["source"][code].get("compound", []) + data["source"][code].get("context", []))
            for code in SOURCE_CODES
        }
        self.any_source = _alt(
            [p for code in SOURCE_CODES for key in ("compound", "context") for p in data["source"][code].get(key, [])]
        )
        self.background = _alt(data["background"]["cues"])
        d = data["donor"]
        self.auto = _alt(d["autologous"])
        self.allo = _alt(d["allogeneic"])
        self.donor_after = re.compile(
            r"^\W{0,3}(?:" + "|".join(f"(?:{p})" for p in d["exclude_after"]) + ")", re.I
        )
        self.donor_phrase = _alt(d["exclude_phrases"])
        self.perinatal = set(d["perinatal"])
        self.offshelf = set(d["offshelf_sources"])
        r = data["route"]
        self.routes = {code: _alt(r[code]) for code in ROUTE_CODES}
        self.generic_iv = _alt(r["generic_iv"])
        self.any_route = _alt([p for code in ROUTE_CODES for p in r[code]] + list(r["generic_iv"]))
        self.implied_routes = [
            (re.compile(x["when"], re.I), re.compile(x["verb"], re.I), x["route"]) for x in r.get("implied", [])
        ]
        self.comedication = _alt(r["comedication"])
        self.route_exclude = _alt(r["exclude"])
        self.named = []
        for n in data.get("named", []):
            self.named.append((re.compile(n["pattern"], re.I), n))
        self.named_any = _alt([n["pattern"] for n in data.get("named", [])])
        dz = data["dose"]
        self.words = {k.lower(): v for k, v in dz["words"].items()}
        self.not_cells = _alt(dz["not_cells"])
        self.not_dose_before = _alt(dz["not_dose_before"])
        self.per_kg = dz["per_kg"]
        self.cell_words = dz["cell_words"]
        self._compile_dose()

    def _compile_dose(self):
        mult = r"\s*(?:[x×X\*·∙•.]|times)\s*"
        exp = r"10\s*(?:\^|[eE]|\*\*|exp|'|’)?\s*\(?\s*\+?([1-9]\d?)\s*\)?"
        bare_exp = r"10\s*(?:\^|[eE]|\*\*)\s*\(?\s*\+?([1-9]\d?)\s*\)?"
        # mantissa list / range before "x 10^k": "1, 3 or 10 x 10^6", "1-2 x 10(6)"
        mlist = r"(\d+(?:[.,]\d+)?(?:\s*(?:-|–|~|to|,|or|and|/)\s*\d+(?:[.,]\d+)?)*)"
        self.re_sci = re.compile(r"(?<![\w.])" + mlist + mult + exp + r"(?!\d)")
        self.re_bare = re.compile(r"(?<![\w.×x*])" + bare_exp + r"(?!\d)")
        self.re_enot = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*[eE]\s*\+?0?([1-9]\d?)\b")
        self.re_million = re.compile(
            r"(?<![\w.])"
            + mlist
            + r"\s*(million|millions|mill\b\.?|mio\b|billion|billions|thousand|M\b|m\b|B\b)",
            re.I,
        )
        self.re_plain = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ ,.]\d{3}){2,}|\d{6,})(?![\d.,]\d)")
        self.re_perkg = re.compile(
            r"^\s*(?:of\s+)?(?:" + self.cell_words + r")?\s*(?:\([^)]{0,30}\)\s*)?" + self.per_kg, re.I
        )
        self.re_cellsafter = re.compile(
            r"^\s*(?:of\s+)?" + self.cell_words, re.I
        )


@lru_cache(maxsize=1)
def rules() -> _Rules:
    with open(RULES_PATH, "rb") as fh:
        return _Rules(tomllib.load(fh))


# ---------------------------------------------------------------------------------------------
# Text gathering

_SENT_SPLIT = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(\[\"'])|\n+|(?<=:)\s+(?=[A-Z])|•")
_PLACEBO_NAME = re.compile(
    r"placebo|saline|sham|vehicle|\bcontrol\b|standard (?:of )?(?:care|treatment|therapy)|conventional|usual care|"
    r"without (?:the )?(?:cells|MSC)|no (?:cells|MSC)|excipient|physiotherapy|rehabilitation|surgery alone",
    re.I,
)
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


def _sentences(text: str):
    if not text:
        return []
    out = []
    for part in _SENT_SPLIT.split(text):
        part = part.strip(" \t-*•")
        if len(part) > 2:
            out.append(part)
    return out


def _strip_type(name: str) -> str:
    return re.sub(r"^[A-Za-z ]+:\s*", "", name or "").strip()


class _Study:
    """The pieces of a study record the rules read, split into tiers of sentences."""

    def __init__(self, study: dict):
        R = rules()
        p = study.get("protocolSection") or study
        im = p.get("identificationModule") or {}
        dm = p.get("descriptionModule") or {}
        cm = p.get("conditionsModule") or {}
        am = p.get("armsInterventionsModule") or {}
        self.design = p.get("designModule") or {}
        self.elig = p.get("eligibilityModule") or {}
        self.nct = im.get("nctId")
        self.titles = [t for t in (im.get("briefTitle"), im.get("officialTitle")) if t]
        self.keywords = list(cm.get("keywords") or [])
        self.conditions = list(cm.get("conditions") or [])
        self.summary = dm.get("briefSummary") or ""
        self.description = dm.get("detailedDescription") or ""
        self.interventions = list(am.get("interventions") or [])
        self.arms = list(am.get("armGroups") or [])

        # Which interventions are the MSC product?
        self.msc_int = []
        for iv in self.interventions:
            name = iv.get("name") or ""
            head = " ".join([name] + list(iv.get("otherNames") or []))
            full = head + " " + (iv.get("description") or "")
            if _PLACEBO_NAME.search(name) and not R.msc_strong.search(name):
                continue
            if R.msc_terms.search(head) or R.named_any.search(head):
                self.msc_int.append(iv)
            elif (
                (R.msc_strong.search(full) or R.named_any.search(full))
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
                and not R.comedication.search(name)
            ):
                self.msc_int.append(iv)
        title_text = " ".join(self.titles + self.keywords)
        if not self.msc_int:
            # a code-named product (EN001) that the summary or description calls MSCs
            prose = _sentences(self.summary) + _sentences(self.description)
            for iv in self.interventions:
                name = (iv.get("name") or "").strip()
                if len(name) < 3 or _PLACEBO_NAME.search(name) or R.comedication.search(name):
                    continue
                names = [n.lower() for n in [name] + list(iv.get("otherNames") or []) if n and len(n) >= 3]
                for sent in prose:
                    low = sent.lower()
                    if R.msc_strong.search(sent) and any(n in low for n in names) and not R.background.search(sent):
                        self.msc_int.append(iv)
                        break
        if not self.msc_int and (R.msc_terms.search(title_text) or R.named_any.search(title_text)):
            for iv in self.interventions:
                name = iv.get("name") or ""
                if _PLACEBO_NAME.search(name) or R.comedication.search(name):
                    continue
                if iv.get("type") in ("BIOLOGICAL", "GENETIC", "COMBINATION_PRODUCT") or re.search(
                    r"\bcells?\b|stem|stromal|inject|implant|infus|transplant", name, re.I
                ):
                    self.msc_int.append(iv)
        int_names = {(iv.get("name") or "").strip().lower() for iv in self.msc_int}

        # Which arms use it?
        self.msc_arms = []
        self.arm_ints = {}
        for arm in self.arms:
            label = arm.get("label") or ""
            linked = []
            for iv in self.msc_int:
                if label in (iv.get("armGroupLabels") or []):
                    linked.append(iv)
            for n in arm.get("interventionNames") or []:
                nn = _strip_type(n).lower()
                if nn in int_names:
                    for iv in self.msc_int:
                        if (iv.get("name") or "").strip().lower() == nn and iv not in linked:
                            linked.append(iv)
            atype = arm.get("type") or ""
            text = label + " " + (arm.get("description") or "")
            if atype in ("PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION") and not linked:
                continue
            names_here = any(len(n) >= 4 and n in text.lower() for n in int_names)
            if linked or (
                (R.msc_terms.search(text) or names_here)
                and not re.match(r"\s*(?:placebo|control|sham)", label, re.I)
            ):
                self.msc_arms.append(arm)
                self.arm_ints[label] = linked

        # Interventions given in an MSC arm but named by a code only (SCM-CGH) are the MSC product too.
        arm_labels = {a.get("label") for a in self.msc_arms}
        for iv in self.interventions:
            if iv in self.msc_int:
                continue
            name = iv.get("name") or ""
            if _PLACEBO_NAME.search(name) or R.comedication.search(name) or (iv.get("type") or "") in ("DEVICE", "BEHAVIORAL", "RADIATION", "DIAGNOSTIC_TEST", "DIETARY_SUPPLEMENT"):
                continue
            labels = set(iv.get("armGroupLabels") or [])
            if labels & arm_labels and labels <= arm_labels and (iv.get("type") or "") in ("BIOLOGICAL", "GENETIC", "COMBINATION_PRODUCT"):
                self.msc_int.append(iv)
                for lab in labels:
                    self.arm_ints.setdefault(lab, []).append(iv)

        # Tiers of (sentence, origin) pairs.
        t1 = []
        for iv in self.msc_int:
            t1.append(
                (
                    " ".join([iv.get("name") or ""] + list(iv.get("otherNames") or [])),
                    "intervention",
                )
            )
            t1 += [(s, "intervention") for s in _sentences(iv.get("description") or "")]
        for arm in self.msc_arms:
            t1.append((arm.get("label") or "", "arm"))
            t1 += [(s, "arm") for s in _sentences(arm.get("description") or "")]
        t2 = [(t, "title") for t in self.titles] + [(k, "keyword") for k in self.keywords]
        t3 = [(s, "summary") for s in _sentences(self.summary)]
        t4 = [(s, "description") for s in _sentences(self.description)]
        self.tiers = [t1, t2, t3, t4]

    def adult(self) -> bool:
        ages = self.elig.get("stdAges") or []
        return "ADULT" in ages or "OLDER_ADULT" in ages

    def observational(self) -> bool:
        return (self.design.get("studyType") or "") == "OBSERVATIONAL"


def _short(sentence: str, m: re.Match | None = None, width: int = 240) -> str:
    s = " ".join(sentence.split())
    if len(s) <= width:
        return s
    if m is None:
        return s[: width - 1] + "…"
    # centre on the match
    raw_start = m.start()
    start = max(0, min(raw_start - width // 3, len(s) - width))
    out = s[start : start + width]
    return ("…" if start else "") + out + ("…" if start + width < len(s) else "")


def _blank(text: str, rx) -> str:
    if rx is None:
        return text
    return rx.sub(lambda m: " " * len(m.group()), text)


# ---------------------------------------------------------------------------------------------
# MSC or not


def _is_msc(st: _Study, named_hits) -> bool:
    R = rules()
    head = " ".join(
        [iv.get("name") or "" for iv in st.msc_int]
        + [x for iv in st.msc_int for x in (iv.get("otherNames") or [])]
        + [iv.get("description") or "" for iv in st.msc_int]
        + [(a.get("label") or "") + " " + (a.get("description") or "") for a in st.msc_arms]
    )
    titles = " ".join(st.titles + st.keywords)
    product_text = head + " " + " ".join(st.titles)
    if R.tool_only.search(product_text):
        return False
    if R.point_of_care.search(product_text):
        # uncultured SVF / marrow concentrate: an MSC product only if the record says the cells are cultured
        if not any(R.culture.search(t) for t in (product_text, st.summary, st.description)):
            return False
    if named_hits:
        return True
    strong_head = R.msc_strong.search(head)
    strong_title = R.msc_strong.search(" ".join(st.titles))
    if st.observational():
        # an observational record counts only when it follows patients given an MSC product
        names = " ".join(iv.get("name") or "" for iv in st.msc_int)
        return bool(R.msc_strong.search(names)) and not re.search(
            r"isolat|characteri[sz]|collect|harvest|biops", names, re.I
        )
    if strong_head:
        return True
    if strong_title and (st.msc_int or not st.interventions):
        return True
    names = " ".join(iv.get("name") or "" for iv in st.msc_int)
    if R.not_msc.search(names) and not strong_head:
        return False  # the product is another cell fraction (BMMNC, CD34+...)
    if R.msc_strong.search(titles) and st.msc_int:
        return True
    if st.msc_int:
        # generic "stem cells" product: MSC only if the summary/description says mesenchymal about it
        names = " ".join(iv.get("name") or "" for iv in st.msc_int) + " " + titles
        if R.not_msc.search(names):
            return False
        for tier in (st.tiers[2], st.tiers[3]):
            for s, _ in tier:
                if (
                    R.msc_strong.search(s)
                    and not R.background.search(s)
                    and not R.not_msc.search(s)
                ):
                    return True
    return False


# ---------------------------------------------------------------------------------------------
# Source


@lru_cache(maxsize=65536)
def _ctx(sentence: str) -> bool:
    """Is the sentence about the MSC product (MSC vocabulary or a named product)?"""
    R = rules()
    return bool(R.msc_terms.search(sentence) or R.named_any.search(sentence))


@lru_cache(maxsize=65536)
def _sources_in(sentence: str, require_context: bool = True):
    R = rules()
    found = {}
    if not R.any_source.search(sentence):
        return found
    has_ctx = _ctx(sentence)
    for code, (compound, context, exclude) in R.sources.items():
        if not R.source_any[code].search(sentence):
            continue
        s = _blank(sentence, exclude)
        m = compound.search(s) if compound else None
        if m is None and context is not None and (has_ctx or not require_context):
            m = context.search(s)
        if m is not None:
            found[code] = m
    return found


def _named_in(text: str):
    R = rules()
    out = []
    if not R.named_any.search(text):
        return out
    for rx, n in R.named:
        if rx.search(text):
            out.append(n)
    return out


def _source_from_tiers(tiers, named, evidence):
    """Tissue codes from the first pool that names any: (product texts + titles), summary, description."""
    R = rules()
    pools = [tiers[0] + tiers[1], tiers[2], tiers[3]]
    chosen = {}
    for pi, pool in enumerate(pools):
        hits = {}
        for s, _origin in pool:
            found = _sources_in(s)
            if not found or len(found) >= 3:
                continue  # none, or a list of the tissues MSCs can come from
            if pi >= 1 and R.background.search(s):
                continue
            for code, m in found.items():
                hits.setdefault(code, []).append(_short(s, m))
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


# ---------------------------------------------------------------------------------------------
# Donor


@lru_cache(maxsize=65536)
def _donors_in(sentence: str, need_context: bool):
    R = rules()
    if not (R.auto.search(sentence) or R.allo.search(sentence)):
        return {}
    if need_context and not (_ctx(sentence)):
        return {}
    s = _blank(sentence, R.donor_phrase)
    out = {}
    for code, rx in (("autologous", R.auto), ("allogeneic", R.allo)):
        for m in rx.finditer(s):
            after = s[m.end() : m.end() + 60]
            if R.donor_after.search(after):
                # "allogeneic hematopoietic ..." unless the same phrase goes on to name the MSCs
                if not re.match(
                    r"^\W{0,3}(?:[\w-]+\s+){0,3}?(?:mesenchym|MSC|stromal|umbilical|adipose|wharton|placent)",
                    after,
                    re.I,
                ):
                    continue
            out.setdefault(code, m)
    return out


def _donor_from_tiers(tiers, evidence, sources, named):
    R = rules()
    found = {}
    for ti, tier in enumerate(tiers):
        for s, _origin in tier:
            if ti >= 2 and R.background.search(s):
                continue
            d = _donors_in(s, need_context=(ti != 0))
            for code, m in d.items():
                found.setdefault(code, []).append(_short(s, m))
        if found and ti >= 1:
            break
    if "autologous" in found and "allogeneic" in found:
        donor = "both"
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
            evidence.append("named product: " + ", ".join(n["name"] for n in named))
        elif sources and all(s in R.perinatal or s in R.offshelf for s in sources):
            donor = "allogeneic"
            evidence.append(
                "inferred: perinatal/off-the-shelf source ("
                + ", ".join(sources)
                + ") is allogeneic"
            )
    return donor


# ---------------------------------------------------------------------------------------------
# Route


@lru_cache(maxsize=65536)
def _routes_in(sentence: str):
    """Specific route matches; a bare "infusion" is reported as ("intravenous", match, True)."""
    R = rules()
    found = {}
    if not R.any_route.search(sentence):
        return found
    s = _blank(sentence, R.route_exclude)
    for code, rx in R.routes.items():
        m = rx.search(s)
        if m:
            found[code] = m
    if not found and R.generic_iv is not None:
        m = R.generic_iv.search(s)
        if m:
            found["intravenous"] = m
            found["_generic"] = m
    return found


@lru_cache(maxsize=65536)
def _route_ok(sentence: str, tier_index: int) -> bool:
    R = rules()
    has_msc = bool(_ctx(sentence))
    if tier_index == 0:
        return has_msc or not R.comedication.search(sentence)
    if tier_index == 1:
        return True
    if R.background.search(sentence):
        return False
    if has_msc:
        return True
    return bool(
        re.search(
            r"\bcells?\b|\bproduct\b|investigational|study (?:drug|agent|treatment)", sentence, re.I
        )
    ) and not R.comedication.search(sentence)


def _route_from_tiers(tiers, evidence):
    found, generic = {}, {}
    for ti, tier in enumerate(tiers):
        for s, _origin in tier:
            if not _route_ok(s, ti):
                continue
            hits = dict(_routes_in(s))
            target = generic if hits.pop("_generic", None) else found
            for code, m in hits.items():
                target.setdefault(code, []).append(_short(s, m))
        if (found or generic) and ti >= 1:
            break
    if not found:
        found = generic  # "infused" with no vessel named: intravenous
    for code in found:
        evidence.extend(found[code][:2])
    return [c for c in ROUTE_CODES if c in found]


def _implied_route(st, evidence):
    """A route the disease implies when the record only says the product is injected."""
    R = rules()
    disease = " ".join(st.conditions + st.titles)
    product = " ".join(s for s, _ in st.tiers[0]) + " " + " ".join(st.titles) + " " + st.summary + " " + st.description
    for when, verb, code in R.implied_routes:
        if when.search(disease):
            m = verb.search(product)
            if m:
                evidence.append(f"implied by the condition ({when.search(disease).group()}) and '{m.group()}'")
                return [code]
    return []


# ---------------------------------------------------------------------------------------------
# Dose


def _num(s: str) -> float:
    s = s.strip()
    if re.fullmatch(r"\d+,\d{1,2}", s):  # decimal comma
        s = s.replace(",", ".")
    else:
        s = s.replace(",", "")
    return float(s)


_HAS_DIGIT = re.compile(r"\d")
_CUMULATIVE = re.compile(
    r"(?:\btotal(?:\s+(?:dose|amount|number))?(?:\s+(?:of|up\s+to|is|will\s+be|=|:))*|cumulative(?:\s+dose)?(?:\s+(?:of|up\s+to|is))*|in\s+total(?:\s+of)?)\s*(?:about|approximately|~)?\s*$",
    re.I,
)


def _mantissas(text: str):
    text = re.sub(r"\b0,(\d)", r"0.\1", text.strip())  # decimal comma: "0,5-1 million"
    parts = re.split(r"\s*(?:-|–|~|to|,|or|and|/)\s*", text)
    out = []
    for p in parts:
        p = p.strip()
        if re.fullmatch(r"\d+(?:[.,]\d+)?", p):
            try:
                out.append(_num(p))
            except ValueError:
                pass
    return out


@lru_cache(maxsize=65536)
def _dose_values(sentence: str, in_msc_context: bool):
    """[(value, per_kg, match_start, cumulative)] cell counts found in a sentence."""
    if not _HAS_DIGIT.search(sentence):
        return []
    # "1 ± 0.5 x 10^6" is nominally 1 x 10^6
    sentence = re.sub(r"(\d+(?:\.\d+)?)\s*(?:±|\+/-)\s*\d+(?:\.\d+)?", r"\1", sentence)
    R = rules()
    vals = []
    taken = []

    def overlaps(a, b):
        return any(not (b <= x or a >= y) for x, y in taken)

    def judge(start, end, values, needs_cells):
        after = sentence[end : end + 80]
        before = sentence[max(0, start - 25) : start]
        if R.not_cells.search(after[:40]) and not R.re_perkg.search(after):
            m_nc = R.not_cells.search(after[:40])
            # allow "cells/kg" ahead of a later "/ml"
            if m_nc:
                return
        if R.not_dose_before.search(before):
            return
        cumulative = bool(_CUMULATIVE.search(sentence[max(0, start - 40) : start]))
        perkg = bool(R.re_perkg.search(after))
        cells = bool(R.re_cellsafter.search(after))
        if needs_cells and not (perkg or cells):
            return
        for v in values:
            if perkg and not (1e3 <= v <= 5e9):
                continue
            if not perkg and not (1e5 <= v <= 1e12):
                continue
            vals.append((v, perkg, start, cumulative))
        taken.append((start, end))

    for m in R.re_sci.finditer(sentence):
        e = int(m.group(2))
        ms = _mantissas(m.group(1))
        if not ms:
            continue
        # "10 x 10^6" fine; a trailing list like "1, 3 or 10" gives each value
        judge(m.start(), m.end(), [x * 10**e for x in ms], needs_cells=not in_msc_context)
    for m in R.re_bare.finditer(sentence):
        if overlaps(m.start(), m.end()):
            continue
        judge(m.start(), m.end(), [10.0 ** int(m.group(1))], needs_cells=not in_msc_context)
    for m in R.re_enot.finditer(sentence):
        if overlaps(m.start(), m.end()):
            continue
        judge(
            m.start(),
            m.end(),
            [float(m.group(1)) * 10 ** int(m.group(2))],
            needs_cells=not in_msc_context,
        )
    for m in R.re_million.finditer(sentence):
        if overlaps(m.start(), m.end()):
            continue
        unit = m.group(2).lower().rstrip(".")
        mult = {
            "million": 1e6,
            "millions": 1e6,
            "mill": 1e6,
            "mio": 1e6,
            "m": 1e6,
            "billion": 1e9,
            "billions": 1e9,
            "b": 1e9,
            "thousand": 1e3,
        }.get(unit, 1e6)
        if unit in ("m", "b") and m.group(2) in ("m",):
            continue  # metres / minutes
        ms = _mantissas(m.group(1))
        judge(
            m.start(),
            m.end(),
            [x * mult for x in ms],
            needs_cells=unit in ("m", "b") or not in_msc_context,
        )
    for m in R.re_plain.finditer(sentence):
        if overlaps(m.start(), m.end()):
            continue
        try:
            v = float(re.sub(r"[ ,.]", "", m.group(1)))
        except ValueError:
            continue
        judge(m.start(), m.end(), [v], needs_cells=True)
    return vals


_NUMW = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
_RE_NDOSE = [
    re.compile(
        _NUMW
        + r"\s+(?:\w+\s+){0,3}?(?:doses|infusions|injections|administrations|transplantations|applications|treatments|courses|rounds|cycles|times|sessions|implantations|transfusions)\b(?!\s+(?:higher|lower|more|less|greater))",
        re.I,
    ),
    re.compile(
        r"(?:repeat\w*|given|administered|injected|infused)\s+(?:\w+\s+){0,4}?"
        + _NUMW
        + r"\s+times",
        re.I,
    ),
    re.compile(
        r"(?:weekly|monthly|daily|every\s+\w+\s+(?:days?|weeks?|months?))\s+(?:\w+\s+){0,2}?for\s+"
        + _NUMW
        + r"\s+(?:consecutive\s+)?(?:weeks?|months?|days?|times|doses)",
        re.I,
    ),
    re.compile(
        r"(?:once|one time)\s+(?:a|per|every)\s+(?:week|month|day)\s+for\s+"
        + _NUMW
        + r"\s+(?:consecutive\s+)?(?:weeks?|months?|days?)",
        re.I,
    ),
]
_RE_SINGLE = re.compile(
    r"\b(?:single|one|once|1)[- ](?:\w+[- ]){0,2}?(?:dose|infusion|injection|administration|transplantation|application|treatment|implantation)\b|\bonce\b(?! (?:a|per|every|weekly|daily|monthly))",
    re.I,
)
_RE_TWICE = re.compile(r"\btwice\b(?! (?:a|per|daily|weekly))", re.I)
_RE_DAYLIST = re.compile(
    r"\b(?:on|at)?\s*(days?|weeks?|months?|D)\s*(-?\d+)((?:\s*(?:,|and|&|\+)\s*(?:(?:days?|weeks?|months?|D)\s*)?-?\d+)+)",
    re.I,
)
_RE_EVERY = re.compile(
    r"every\s+(\d+|other|one|two|three|four|five|six|seven|eight|ten|twelve)?\s*(days?|weeks?|months?|hours?)",
    re.I,
)
_RE_APART = re.compile(
    r"(\d+|one|two|three|four|five|six|seven|eight|ten|twelve)[- ](days?|weeks?|months?|hours?)[- ](?:apart|intervals?|after the first)",
    re.I,
)
_RE_INTERVAL_OF = re.compile(
    r"intervals?\s+of\s+(\d+|one|two|three|four|five|six|seven|eight|ten|twelve)\s+(days?|weeks?|months?|hours?)",
    re.I,
)
# A list of days in a sentence about assessing, not giving, is no schedule ("mortality at day 28
# and day 90", "follow-up on weeks 13, 19 and 26").
_RE_GIVING = re.compile(
    r"dos(?:e|es|ing)\b|infus|inject|administ|given|giving|receiv|transplant|implant|deliver|"
    r"transfus|treated|applied|instill",
    re.I,
)
_RE_ASSESS = re.compile(
    r"follow[- ]?up|visits?\b|imaging|assess|evaluat|measur|mortality|outcome|x-ray|\bCT\b|"
    r"\bMRI\b|score|examin|sampl|blood test|analys",
    re.I,
)
_RE_FREQ = re.compile(r"\b(weekly|monthly|daily|biweekly|fortnightly|bi-weekly)\b", re.I)


def _wordnum(w: str) -> int | None:
    if w is None:
        return None
    w = w.lower()
    if w.isdigit():
        return int(w)
    return rules().words.get(w)


def _unit_text(n: int, unit: str) -> str:
    unit = unit.lower().rstrip("s")
    if unit == "d":
        unit = "day"
    if unit == "day" and n % 7 == 0:
        n, unit = n // 7, "week"  # "day 0 and day 7" -> "1 week"
    return f"{n} {unit}" + ("s" if n != 1 else "")


def _schedule(sentences):
    """(n_doses, interval, evidence) from a list of sentences."""
    n_best, interval, ev = None, None, []
    for s in sentences:
        n_here = None
        for rx in _RE_NDOSE:
            for m in rx.finditer(s):
                n = _wordnum(m.group(1))
                if n and 1 <= n <= 30:
                    n_here = max(n_here or 0, n)
        m = _RE_DAYLIST.search(s) if _RE_GIVING.search(s) or not _RE_ASSESS.search(s) else None
        if m:
            nums = [int(x) for x in re.findall(r"-?\d+", m.group(2) + " " + m.group(3))]
            if 2 <= len(nums) <= 30 and nums == sorted(nums):
                n_here = max(n_here or 0, len(nums))
                diffs = {b - a for a, b in zip(nums, nums[1:], strict=False)}
                if len(diffs) == 1 and interval is None:
                    d = diffs.pop()
                    unit = m.group(1).lower()
                    if d > 0:
                        interval = _unit_text(d, unit if unit != "d" else "day")
        if n_here is None and _RE_TWICE.search(s):
            n_here = 2
        if n_here is None and _RE_SINGLE.search(s):
            n_here = 1
        if interval is None:
            m = _RE_EVERY.search(s)
            if m:
                k = m.group(1)
                n = 2 if (k or "").lower() == "other" else (_wordnum(k) if k else 1)
                if n:
                    interval = _unit_text(n, m.group(2))
            else:
                m = _RE_APART.search(s) or _RE_INTERVAL_OF.search(s)
                if m:
                    n = _wordnum(m.group(1))
                    if n:
                        interval = _unit_text(n, m.group(2))
                else:
                    m = _RE_FREQ.search(s)
                    if m and re.search(r"dose|infus|inject|administ|given|receiv|cells|MSC|for \d", s, re.I):
                        f = m.group(1).lower()
                        interval = {"weekly": "1 week", "monthly": "1 month", "daily": "1 day"}.get(
                            f, "2 weeks"
                        )
        if n_here is not None:
            if n_best is None or n_here > n_best:
                n_best = n_here
                ev.append(_short(s))
    if n_best == 1:
        interval = None
    return n_best, interval, ev


def _empty_dose():
    return {
        "text": None,
        "cells_per_kg": None,
        "total_cells": None,
        "min": None,
        "max": None,
        "unit": None,
        "n_doses": None,
        "interval": None,
        "derived": False,
    }


def _dose_from_tiers(tiers, evidence, adult: bool):
    R = rules()
    chosen = None
    for ti, tier in enumerate(tiers):
        vals = []
        for s, _origin in tier:
            if ti >= 2 and R.background.search(s):
                continue
            ctx = bool(_ctx(s))
            if ti >= 2 and not ctx and not re.search(r"\bcells?\b|\bdoses?\b|/kg|per kg", s, re.I):
                continue
            if (
                ti == 0
                and not ctx
                and R.comedication.search(s)
                and not re.search(r"\bcells?\b", s, re.I)
            ):
                continue
            if not ctx and R.not_msc.search(s):
                continue  # a dose of another cell product (PBSC, mononuclear cells)
            for v, perkg, _pos, cum in _dose_values(s, in_msc_context=ctx or ti == 0):
                vals.append((v, perkg, s, cum))
        if vals:
            # totals over several administrations only when nothing else is stated
            if any(not c for *_, c in vals):
                vals = [x for x in vals if not x[3]]
            chosen = [(v, pk, s) for v, pk, s, c in vals]
            break
    dose = _empty_dose()
    sched_sents = []
    for ti, tier in enumerate(tiers):
        if ti == 1:
            continue
        ss = [
            s
            for s, _ in tier
            if (ti == 0 or _ctx(s))
            and not (ti >= 2 and R.background.search(s))
        ]
        n, interval, ev = _schedule(ss)
        if n is not None or interval is not None:
            dose["n_doses"], dose["interval"] = n, interval
            sched_sents = ev
            break
    if chosen:
        perkg = [v for v, pk, s in chosen if pk]
        if perkg:
            use = perkg
            dose["unit"] = "per_kg"
            sents = [s for v, pk, s in chosen if pk]
        else:
            use = [v for v, pk, s in chosen]
            dose["unit"] = "total"
            sents = [s for v, pk, s in chosen]
        dose["min"], dose["max"] = min(use), max(use)
        if dose["unit"] == "per_kg":
            dose["cells_per_kg"] = dose["max"]
            if adult:
                dose["total_cells"] = dose["max"] * ADULT_WEIGHT_KG
                dose["derived"] = True
        else:
            dose["total_cells"] = dose["max"]
        seen = []
        for s in sents:
            sh = _short(s)
            if sh not in seen:
                seen.append(sh)
        dose["text"] = " | ".join(seen[:3])
        evidence.extend(seen[:3])
    for e in sched_sents[:2]:
        if e not in evidence:
            evidence.append(e)
    return dose


# ---------------------------------------------------------------------------------------------
# Product


def _products(st: _Study, named, evidence):
    R = rules()
    codes = set()
    items = [
        (
            " ".join([iv.get("name") or ""] + list(iv.get("otherNames") or [])),
            iv.get("description") or "",
        )
        for iv in st.msc_int
    ]
    if not items:
        items = [(t, "") for t in st.titles]
    # "UC-MSC + Secretome" names two products: classify each part
    split_items = []
    for head, desc in items:
        parts = [x for x in re.split(r"\s*(?:\+|&|\band\b|,)\s*", head) if x.strip()]
        if len(parts) > 1 and any(R.ev.search(x) or R.secretome.search(x) for x in parts):
            split_items += [(x, desc if i == 0 else "") for i, x in enumerate(parts) if _ctx(x)]
        else:
            split_items.append((head, desc))
    for head, desc in split_items:
        if R.ev.search(head) or (not R.msc_terms.search(_blank(head, R.ev)) and R.ev.search(desc)):
            codes.add("extracellular_vesicles")
            evidence.append(_short(head + (": " + desc if desc else "")))
        elif R.secretome.search(head) or (
            R.secretome.search(desc) and not re.search(r"\bcells?\b", head, re.I)
        ):
            codes.add("secretome")
            evidence.append(_short(head + (": " + desc if desc else "")))
        else:
            codes.add("cells")
    for n in named:
        for pc in n.get("product", []):
            codes.add(pc)
    # modifiers, read from the product texts and titles
    texts = [h + " " + d for h, d in items] + st.titles
    texts += [(a.get("label") or "") + ": " + (a.get("description") or "") for a in st.msc_arms]
    for t in texts:
        for s in _sentences(t):
            if not (_ctx(s)):
                continue
            m = R.gm.search(s)
            if m and "cells" in codes:
                codes.add("genetically_modified")
                evidence.append(_short(s, m))
            m = R.combination.search(s)
            if m and "cells" in codes:
                codes.add("combination")
                evidence.append(_short(s, m))
    if not codes:
        codes.add("cells")
    return [c for c in PRODUCT_CODES if c in codes]


# ---------------------------------------------------------------------------------------------
# Public entry point


def _not_msc_profile():
    return {
        "source": ["not_stated"],
        "donor": "not_stated",
        "product": [],
        "route": ["not_stated"],
        "dose": _empty_dose(),
        "named_products": [],
        "arms": [],
        "evidence": {"source": [], "donor": [], "product": [], "route": [], "dose": []},
        "is_msc": False,
    }


def _dedup(xs, limit=4):
    out = []
    for x in xs:
        if x and x not in out:
            out.append(x)
    return out[:limit]


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^~|])")


def _unescaped(value):
    """Markdown escapes removed (ClinicalTrials.gov writes "10\\^6/kg" for "10^6/kg")."""
    if isinstance(value, str):
        return _MD_ESCAPE.sub(r"\1", value) if "\\" in value else value
    if isinstance(value, list):
        return [_unescaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _unescaped(v) for k, v in value.items()}
    return value


def profile_from_study(study: dict) -> dict:
    """The MSC profile of one ClinicalTrials.gov API v2 study record."""
    st = _Study(_unescaped(study.get("protocolSection") or study))
    all_head = " ".join(s for s, _ in st.tiers[0] + st.tiers[1])
    named = _named_in(all_head)
    if not _is_msc(st, named):
        return _not_msc_profile()
    ev = {"source": [], "donor": [], "product": [], "route": [], "dose": []}
    sources = _source_from_tiers(st.tiers, named, ev["source"])
    donor = _donor_from_tiers(st.tiers, ev["donor"], sources, named)
    products = _products(st, named, ev["product"])
    routes = _route_from_tiers(st.tiers, ev["route"])
    if not routes:
        routes = _implied_route(st, ev["route"])
    dose = _dose_from_tiers(st.tiers, ev["dose"], st.adult())
    if "cells" not in products:
        # exosome / secretome doses are not cell counts
        keep_sched = (dose["n_doses"], dose["interval"])
        dose = _empty_dose()
        dose["n_doses"], dose["interval"] = keep_sched
        ev["dose"] = []

    arms = []
    for arm in st.msc_arms:
        label = arm.get("label") or ""
        sents = [(label, "arm")] + [(s, "arm") for s in _sentences(arm.get("description") or "")]
        for iv in st.arm_ints.get(label, []):
            sents.append((iv.get("name") or "", "intervention"))
            sents += [(s, "intervention") for s in _sentences(iv.get("description") or "")]
        tiers = [sents, [], [], []]
        a_src = _source_from_tiers(tiers, _named_in(" ".join(s for s, _ in sents)), []) or sources
        a_don = _donor_from_tiers(tiers, [], a_src, named)
        if a_don == "not_stated" or (a_don == "both" and donor != "both"):
            a_don = donor if donor != "both" else a_don
        a_route = _route_from_tiers(tiers, []) or routes
        a_dose = _dose_from_tiers(tiers, [], st.adult())
        if a_dose["min"] is None and dose["min"] is not None and dose["min"] == dose["max"]:
            a_dose = dict(dose)
        elif a_dose["n_doses"] is None and a_dose["min"] is not None:
            a_dose["n_doses"], a_dose["interval"] = dose["n_doses"], dose["interval"]
        if "cells" not in products:
            a_dose = _empty_dose()
        arms.append(
            {
                "label": label,
                "source": a_src or ["not_stated"],
                "donor": a_don,
                "route": a_route or ["not_stated"],
                "dose": a_dose,
            }
        )

    return {
        "source": sources or ["not_stated"],
        "donor": donor,
        "product": products,
        "route": routes or ["not_stated"],
        "dose": dose,
        "named_products": [
            {"name": n["name"], "source": n.get("source"), "donor": n.get("donor")} for n in named
        ],
        "arms": arms,
        "evidence": {k: _dedup(v) for k, v in ev.items()},
        "is_msc": True,
    }
