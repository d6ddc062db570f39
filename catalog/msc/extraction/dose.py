"""Dose: cell counts per administration (per kg or in total) and the schedule."""

from __future__ import annotations

import re
from functools import lru_cache

from .text import shorten
from .vocabulary import ADULT_WEIGHT_KG, about_msc, vocabulary


def number(s: str) -> float:
    s = s.strip()
    if re.fullmatch(r"\d+,\d{1,2}", s):  # decimal comma
        s = s.replace(",", ".")
    else:
        s = s.replace(",", "")
    return float(s)


_HAS_DIGIT = re.compile(r"\d")
_CUMULATIVE = re.compile(
    r"(?:\btotal(?:\s+(?:dose|amount|number))?(?:\s+(?:of|up\s+to|is|will\s+be|=|:))*"
    r"|cumulative(?:\s+(?:minimum|maximum|target))?(?:\s+dose)?(?:\s+(?:of|up\s+to|is)|\s*[:=])*"
    r"|in\s+total(?:\s+of)?"
    # "minimum number of cells per protocol 40 million": the cells of the whole protocol
    r"|(?:minimum|maximum|total)\s+(?:number\s+of\s+)?cells\s+(?:per|pre|over|during|in)\s+"
    r"(?:the\s+)?(?:protocol|study|treatment|course)(?:\s+(?:of|is|=|:))*)"
    r"\s*(?:about|approximately|~)?\s*$",
    re.I,
)

# One administration made of several containers: "AstroStem, which consists of two syringes and
# each syringe contains 2.0 x 10^8 cells": the dose is their sum.
_CONTAINERS = re.compile(
    r"(?:consists?\s+of|consisting\s+of|compris\w+|composed\s+of|given\s+(?:as|in)|divided\s+(?:into|in)"
    r"|delivered\s+in)\s+(\d+|two|three|four|five|six)\s+(?:\w+\s+)?(syringe|vial|bag|ampoule|cryobag|tube)s\b"
    # ("delivered in two insulin syringes each containing 5x10E6 cells")
    r"[^.;]{0,60}?\beach\s+(?:(?:\w+\s+)?\2\s+)?(?:contains?|containing|with|of|holds?|has)\s*"
    r"(?:about|approximately|~)?\s*$",
    re.I,
)


def mantissas(text: str):
    # decimal comma: "0,5-1 million", "2,8 x 10e6" (a list is written "2, 8"; thousands "1,000")
    # ("0.5, 1.0,2.5 million": a comma after a decimal is a list's)
    text = re.sub(r"(?<![.\d])(\d+),(\d{1,2})\b", r"\1.\2", text.strip())
    parts = re.split(r"\s*(?:-|–|~|to|,|or|and|/)\s*", text)
    out = []
    for p in parts:
        p = p.strip()
        if re.fullmatch(r"\d+(?:[.,]\d+)?", p):
            try:
                out.append(number(p))
            except ValueError:
                pass
    return out


# After a count, the other end of a range ("1×10^6 - 2×10^6 cells/kg"): the unit comes after it.
# So is each count of a list that names the unit once, after its last count ("1x10^6,
# 10x10^6, 20x10^6 or 40x10^6 cells/kg").
_RANGE_TAIL = re.compile(
    r"(?:\s*(?:-|~|to|or|and|,\s*(?:and|or)?)\s*\d+(?:[.,]\d+)?\s*"
    r"(?:[x×*·]\s*10\s*(?:\^|[eE]|\*\*)?\s*\(?\+?\d{1,2}\)?|million|millions|billion))+",
    re.I,
)

# After a count: it is for each administration, not a total over them.
_EACH = re.compile(
    r"^\s*(?:[\w-]+\s+){0,3}?(?:/\s*kg\s*)?(?:per|each|/|in each|at each)\s+"
    r"(?:infusion|injection|dose|administration|session|treatment|application)",
    re.I,
)


# After a count: the administrations that share it ("150 million cells deployed via two (2)
# treatments"), a total over them.
_SHARED_BY = re.compile(
    r"^\s*(?:[\w-]+\s+){0,4}?(?:deployed|given|delivered|divided|split|administered|distributed)"
    r"\s+(?:via|in|over|across|into|as)\s+(?:\d+|two|three|four|five|six)\s+(?:\(\d+\)\s+)?"
    r"(?:separate\s+)?(?:treatments|infusions|doses|administrations)\b",
    re.I,
)


# After the cells' words: a concentration ("… stem cells per millilitre", "cells/ml").
_CONCENTRATION_AFTER = re.compile(r"\s*(?:/\s*|per\s+)(?:ml|mL|milli-?lit(?:re|er)|cc)\b", re.I)
# A count per a number of kilograms: "1*10^6/10kg", "1x10^6 cells per 10 kg".
_PER_N_KG = re.compile(
    r"^\s*(?:[\w-]+\s+){0,3}?(?:/|per|every|for each)\s*(\d{1,3})\s*kg\b(?!\s*/)", re.I
)
# The words before a count that call it a concentration or a density.
_CONCENTRATION_WORD = re.compile(r"(?:concentration|density) of", re.I)


@lru_cache(maxsize=65536)
def cell_counts_in(sentence: str, in_msc_context: bool):
    """[(value, per_kg, (start, end), cumulative)] cell counts found in a sentence; the span is
    where the sentence writes the count, cumulative that it is a total over administrations."""
    vocab = vocabulary()
    if not _HAS_DIGIT.search(sentence) and not vocab.re_word_million.search(sentence):
        return []
    # "1 ± 0.5 x 10^6" is nominally 1 x 10^6; spans are given in the sentence as written
    written = len(sentence)
    # "1E6 ± 30% live cells/kg": a tolerance in per cent after the count
    sentence = re.sub(r"(?<=\w)\s*(?:±|\+/-)\s*\d+(?:\.\d+)?\s*%", "", sentence)
    sentence = re.sub(r"(\d+(?:\.\d+)?)\s*(?:±|\+/-)\s*\d+(?:\.\d+)?", r"\1", sentence)
    # "(1.5)-3.0 x10^6/kg": the lower end of a range in brackets
    sentence = re.sub(r"\((\d+(?:\.\d+)?)\)\s*(?=-\s*\d)", r"\1", sentence)
    shift = written - len(sentence)
    vals = []
    taken = []

    def overlaps(a, b):
        return any(not (b <= x or a >= y) for x, y in taken)

    unnamed = []  # counts in scientific notation set aside for want of a word for cells

    def judge(start, end, values, needs_cells, notation=False):
        tail = _RANGE_TAIL.match(sentence, end)
        after = sentence[tail.end() if tail else end :][:80]
        before = sentence[max(0, start - 25) : start]
        named_cells = vocab.re_cellsafter.match(after)
        if named_cells:
            # "300 million cells (20 million/mL)": the concentration in brackets after the cells
            # is not the unit of the count
            rest = re.sub(r"^\s*\([^()]{0,60}\)", " ", after[named_cells.end() :])
            checked = after[: named_cells.end()] + rest
        else:
            checked = after
        if vocab.not_cells.search(checked[:40]) and not vocab.re_perkg.search(after):
            m_nc = vocab.not_cells.search(checked[:40])
            # allow "cells/kg" ahead of a later "/ml"
            if m_nc:
                return
        if (
            named_cells
            and not vocab.re_perkg.search(after)
            and _CONCENTRATION_AFTER.match(after, named_cells.end())
        ):
            # "22 million adipose tissue-derived mesenchymal stem cells per millilitre": a
            # concentration however many words name the cells
            return
        per_n_kg = _PER_N_KG.match(after)
        not_dose = vocab.not_dose_before.search(before)
        if not_dose and not (
            # "with a concentration of 2 X 10^6 mesenchymal cells per kilogram": a count per kg
            # is a dose, whatever it is called
            _CONCENTRATION_WORD.match(not_dose.group())
            and (vocab.re_perkg.search(after) or per_n_kg)
        ):
            taken.append((start, end))  # and no part of it is a count either ("10^7" of it)
            return
        if per_n_kg and int(per_n_kg.group(1)) > 1:
            # "1*10^6/10kg", "one unit … every 10 kg of body weight": per kg, a tenth of it
            values = [v / int(per_n_kg.group(1)) for v in values]
        cumulative = (
            bool(_CUMULATIVE.search(sentence[max(0, start - 40) : start]))
            or bool(_SHARED_BY.search(after))
        ) and not _EACH.search(after)
        containers = _CONTAINERS.search(sentence[max(0, start - 160) : start])
        if containers:
            values = [v * word_number(containers.group(1)) for v in values]
        perkg = bool(vocab.re_perkg.search(after) or per_n_kg)
        cells = bool(vocab.re_cellsafter.search(after))
        if needs_cells and not (perkg or cells):
            if notation:
                unnamed.append((start, end, values))
            return
        for v in values:
            if perkg and not (1e3 <= v <= 5e9):
                continue
            if not perkg and not (1e5 <= v <= 1e12):
                continue
            vals.append((v, perkg, (start, end + shift), cumulative))
        taken.append((start, end))

    for m in vocab.re_exponent_range.finditer(sentence):
        # "1*10^4-6 cells/kg": 10^4 to 10^6
        factor, low, high = float(m.group(1)), int(m.group(2)), int(m.group(3))
        if low < high:
            judge(m.start(), m.end(), [factor * 10**low, factor * 10**high], not in_msc_context)
    for m in vocab.re_times_plain.finditer(sentence):
        written_out = float(m.group(2).replace(",", ""))
        judge(
            m.start(), m.end(), [f * written_out for f in mantissas(m.group(1))], needs_cells=True
        )
    for m in vocab.re_sci.finditer(sentence):
        if overlaps(m.start(), m.end()):
            continue
        e = int(m.group(2))
        ms = mantissas(m.group(1))
        if not ms:
            continue
        # "10 x 10^6" fine; a trailing list like "1, 3 or 10" gives each value
        judge(m.start(), m.end(), [x * 10**e for x in ms], not in_msc_context, notation=True)
    for m in vocab.re_bare.finditer(sentence):
        if overlaps(m.start(), m.end()):
            continue
        judge(m.start(), m.end(), [10.0 ** int(m.group(1))], not in_msc_context, notation=True)
    for m in vocab.re_lost_exponent.finditer(sentence):
        if overlaps(m.start(), m.end()):
            continue
        judge(m.start(), m.end(), [10.0 ** int(next(g for g in m.groups() if g))], needs_cells=True)
    for m in vocab.re_enot.finditer(sentence):
        if overlaps(m.start(), m.end()):
            continue
        judge(
            m.start(),
            m.end(),
            [float(m.group(1)) * 10 ** int(m.group(2))],
            needs_cells=not in_msc_context,
        )
    for m in vocab.re_million.finditer(sentence):
        if overlaps(m.start(), m.end()):
            continue
        unit = m.group(2).lower().rstrip(".")
        mult = {
            "million": 1e6,
            "millions": 1e6,
            "mill": 1e6,
            "mil": 1e6,
            "mio": 1e6,
            "m": 1e6,
            "billion": 1e9,
            "billions": 1e9,
            "b": 1e9,
            "thousand": 1e3,
        }.get(unit, 1e6)
        if unit in ("m", "b") and m.group(2) in ("m",):
            continue  # metres / minutes
        if unit in ("millones", "mln"):
            unit = "million"
        ms = mantissas(m.group(1))
        judge(
            m.start(),
            m.end(),
            [x * mult for x in ms],
            needs_cells=unit in ("m", "b") or not in_msc_context,
        )
    for m in vocab.re_word_million.finditer(sentence):
        if overlaps(m.start(), m.end()):
            continue
        if re.search(r"\d\s*\(\s*$", sentence[: m.start()]):
            continue  # "1.000.000 (one million) cells/kg": the count before says it
        factor = vocab.words[m.group(1).lower()]
        scale = 1e9 if m.group(2).lower().startswith("b") else 1e6
        judge(m.start(), m.end(), [factor * scale], needs_cells=not in_msc_context)
    for m in vocab.re_plain.finditer(sentence):
        if overlaps(m.start(), m.end()):
            continue
        try:
            v = float(re.sub(r"[ ,.]", "", m.group(1)))
        except ValueError:
            continue
        judge(m.start(), m.end(), [v], needs_cells=True)
    if vals:
        # "the lowest dose (94x106 cells), then 141x106 and 188x106": once the sentence counts
        # cells in scientific notation, its other counts so written are cells too
        for start, end, values in unnamed:
            if not overlaps(start, end):
                judge(start, end, values, needs_cells=False)
    return vals


# A number of doses or of days, weeks… in words or digits, and the unit of a schedule.
_NUMBER = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve"
_NUMW = rf"({_NUMBER})"
_SPAN = r"(days?|weeks?|months?|hours?)"
# One administration, by its name: "a single infusion", "four injections".
_ADMINISTRATION = (
    r"dose|infusion|injection|administration|transplantation|application|treatment|implantation"
)
_FOR = r"for\s+" + _NUMW + r"\s+(?:consecutive\s+)?"
_RE_NDOSE = [
    re.compile(
        _NUMW
        + rf"\s+(?:\(\d+\)\s+)?(?:\w+\s+){{0,3}}?(?:(?:{_ADMINISTRATION})s|courses|rounds|cycles|times"
        r"|sessions|transfusions)\b(?!\s+(?:higher|lower|more|less|greater))",
        re.I,
    ),
    re.compile(
        r"(?:repeat\w*|given|administered|injected|infused)\s+(?:\w+\s+){0,4}?"
        + _NUMW
        + r"\s+times",
        re.I,
    ),
    re.compile(
        r"(?:weekly|monthly|daily|every\s+\w+\s+(?:days?|weeks?|months?))\s+(?:\w+\s+){0,2}?"
        + _FOR
        + r"(?:weeks?|months?|days?|times|doses)",
        re.I,
    ),
    re.compile(
        r"(?:once|one time)\s+(?:a|per|every)\s+(?:week|month|day)\s+"
        + _FOR
        + r"(?:weeks?|months?|days?)",
        re.I,
    ),
]
_SINGLE = rf"\b(?:single|one|once|1)[- ](?:\w+[- ]){{0,2}}?(?:{_ADMINISTRATION})\b"
_RE_SINGLE = re.compile(_SINGLE + r"|\bonce\b(?! (?:a|per|every|weekly|daily|monthly))", re.I)
_RE_TWICE = re.compile(r"\btwice\b(?! (?:a|per|daily|weekly))", re.I)
_RE_DAYLIST = re.compile(
    r"\b(?:on|at)?\s*(days?|weeks?|months?|D)\s*(-?\d+)"
    r"((?:\s*(?:,\s*(?:and|&)?|and|&|\+)\s*(?:(?:days?|weeks?|months?|D)\s*)?-?\d+)+)",
    re.I,
)
_RE_EVERY = re.compile(rf"every\s+(other|{_NUMBER})?\s*{_SPAN}", re.I)
_RE_APART = re.compile(rf"{_NUMW}[- ]{_SPAN}[- ](?:apart|intervals?|after the first)", re.I)
_RE_INTERVAL_OF = re.compile(rf"intervals?\s+of\s+{_NUMW}\s+{_SPAN}", re.I)
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


def word_number(w: str) -> int | None:
    if w is None:
        return None
    w = w.lower()
    if w.isdigit():
        return int(w)
    return vocabulary().words.get(w)


def interval_text(n: int, unit: str) -> str:
    unit = unit.lower().rstrip("s")
    if unit == "d":
        unit = "day"
    if unit == "day" and n % 7 == 0:
        n, unit = n // 7, "week"  # "day 0 and day 7" -> "1 week"
    return f"{n} {unit}" + ("s" if n != 1 else "")


def schedule(sentences):
    """(n_doses, interval, evidence) from a list of sentences."""
    n_best, interval, n_evidence, interval_evidence = None, None, None, None
    for s in sentences:
        n_here = where = None
        for rx in _RE_NDOSE:
            for m in rx.finditer(s):
                n = word_number(m.group(1))
                if n and 1 <= n <= 30 and n > (n_here or 0):
                    n_here, where = n, m
        m = _RE_DAYLIST.search(s) if _RE_GIVING.search(s) or not _RE_ASSESS.search(s) else None
        if m:
            nums = [int(x) for x in re.findall(r"-?\d+", m.group(2) + " " + m.group(3))]
            if 2 <= len(nums) <= 30 and nums == sorted(nums) and len(nums) > (n_here or 0):
                n_here, where = len(nums), m
                diffs = {b - a for a, b in zip(nums, nums[1:], strict=False)}
                if len(diffs) == 1 and interval is None:
                    d = diffs.pop()
                    unit = m.group(1).lower()
                    if d > 0:
                        interval = interval_text(d, unit if unit != "d" else "day")
                        interval_evidence = shorten(s, m)
        if n_here is None and _RE_TWICE.search(s):
            n_here, where = 2, _RE_TWICE.search(s)
        if n_here is None and _RE_SINGLE.search(s):
            n_here, where = 1, _RE_SINGLE.search(s)
        if interval is None:
            m = _RE_EVERY.search(s)
            if m:
                k = m.group(1)
                n = 2 if (k or "").lower() == "other" else (word_number(k) if k else 1)
                if n:
                    interval, interval_evidence = interval_text(n, m.group(2)), shorten(s, m)
            else:
                m = _RE_APART.search(s) or _RE_INTERVAL_OF.search(s)
                if m:
                    n = word_number(m.group(1))
                    if n:
                        interval, interval_evidence = interval_text(n, m.group(2)), shorten(s, m)
                else:
                    m = _RE_FREQ.search(s)
                    if m and re.search(
                        r"dose|infus|inject|administ|given|receiv|cells|MSC|for \d", s, re.I
                    ):
                        f = m.group(1).lower()
                        interval = {"weekly": "1 week", "monthly": "1 month", "daily": "1 day"}.get(
                            f, "2 weeks"
                        )
                        interval_evidence = shorten(s, m)
        if n_here is not None and (n_best is None or n_here > n_best):
            n_best, n_evidence = n_here, shorten(s, where)
    if n_best == 1:
        interval = interval_evidence = None
    evidence = [n_evidence] if n_evidence else []
    if interval_evidence and interval_evidence not in evidence:
        evidence.append(interval_evidence)
    return n_best, interval, evidence


def empty_dose():
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
        "implausible": None,
    }


def implausible(dose) -> str | None:
    """Why a dose is outside the doses seen in MSC practice (``[dose.plausible]`` of
    rules.toml), or None when it is within them or states no count."""
    if dose.get("min") is None:
        return None
    limits = vocabulary().plausible
    unit = "per_kg" if dose.get("unit") == "per_kg" else "total"
    checks = [(unit, dose["min"], dose["max"])]
    if unit == "per_kg" and dose.get("derived") and dose.get("total_cells"):
        scale = dose["total_cells"] / dose["max"]
        checks.append(("total", dose["min"] * scale, dose["max"] * scale))
    for name, low, high in checks:
        least, most = limits[name]
        shown = "cells/kg" if name == "per_kg" else "cells in total"
        if dose.get("derived") and name == "total":
            shown += f" for {ADULT_WEIGHT_KG:.0f} kg"
        if high > most:
            return f"{high:.2g} {shown}, above the {most:.0e} seen in MSC practice"
        if low < least:
            return f"{low:.2g} {shown}, below the {least:.0e} seen in MSC practice"
    return None


_PER_SITE = re.compile(
    r"^\s*(?:[\w-]+\s+){0,5}?(?:per|each|/|at each|in each|into each)\s+(?:1\s+|one\s+)?"
    r"(?:injection\s+|entry\s+|puncture\s+)?(?:sites?|points?|locations?|spots?|hemispheres?)\b",
    re.I,
)


# After a count: the content of one vial ("2.5 × 10^7 cells/1 mL/vial").
_PER_VIAL = re.compile(
    r"^\s*(?:[\w-]+\s+){0,3}?(?:[\w-]+\s*)?(?:/\s*(?:\d+(?:\.\d+)?\s*m[lL]\s*/\s*)?|per\s+|in\s+each\s+)vial\b",
    re.I,
)


def per_vial(sentence: str, span) -> bool:
    return bool(_PER_VIAL.search(sentence[span[1] :]))


def per_site(sentence: str, span) -> bool:
    """Is the count at `span` of `sentence` given per injection site (one part of a session)?"""
    return bool(_PER_SITE.search(sentence[span[1] :]))


# Administrations that are separate by their name (not the injections of one session).
_SEPARATE = re.compile(
    r"\b(?:infusions|doses|administrations|transfusions|courses|cycles|treatments)\b", re.I
)


def dose_from_tiers(tiers, evidence, adult: bool):
    vocab = vocabulary()
    chosen = None
    cumulative = False
    for ti, tier in enumerate(tiers):
        vals = []
        for s, _origin in tier:
            if ti >= 2 and vocab.background.search(s):
                continue
            ctx = bool(about_msc(s))
            if ti >= 2 and not ctx and not re.search(r"\bcells?\b|\bdoses?\b|/kg|per kg", s, re.I):
                continue
            if (
                ti == 0
                and not ctx
                and vocab.comedication.search(s)
                and not re.search(r"\bcells?\b", s, re.I)
            ):
                continue
            if not ctx and vocab.not_msc.search(s):
                continue  # a dose of another cell product (PBSC, mononuclear cells)
            for v, perkg, span, cum in cell_counts_in(s, in_msc_context=ctx or ti == 0):
                vals.append((v, perkg, (s, span), cum))
        if vals:
            # a count per injection site in a sentence that also gives the count of the whole
            # ("250,000 cells per entry site, 3 million cells per brain"): the whole
            whole = {where[0] for _, _, where, _ in vals if not per_site(*where)}
            vals = [x for x in vals if not (per_site(*x[2]) and x[2][0] in whole)]
            # a count per injection site beside the total of the session ("5x10^6 MSCs per
            # site; total 150x10^6"): the session's total is the dose of the administration
            # the content of a vial beside the doses of the arms ("2.5 × 10^7 cells/1 mL/vial, 2
            # vials for low-dose group" and "Low-dose group (5 x 10^7 cells)"): the doses
            if any(not per_vial(*where) for _, _, where, _ in vals):
                vals = [x for x in vals if not per_vial(*x[2])]
            totals = [x for x in vals if x[3]]
            parts = [x for x in vals if not x[3]]
            if totals and parts and all(per_site(*where) for _, _, where, _ in parts):
                vals = totals
            # totals over several administrations only when nothing else is stated
            if any(not c for *_, c in vals):
                vals = [x for x in vals if not x[3]]
            chosen = [(v, pk, s) for v, pk, s, c in vals]
            cumulative = all(c for *_, c in vals)
            break
    dose = empty_dose()
    sched_sents = []
    for ti, tier in enumerate(tiers):
        if ti == 1:
            continue
        ss = [
            s
            for s, _ in tier
            if (ti == 0 or about_msc(s)) and not (ti >= 2 and vocab.background.search(s))
        ]
        n, interval, found = schedule(ss)
        if n is not None or interval is not None:
            dose["n_doses"], dose["interval"] = n, interval
            sched_sents = found
            break
    if chosen:
        perkg = [(v, where) for v, pk, where in chosen if pk]
        dose["unit"] = "per_kg" if perkg else "total"
        use = perkg or [(v, where) for v, pk, where in chosen]
        raw = [v for v, _ in use]
        values = raw
        if (
            cumulative
            and (dose["n_doses"] or 1) > 1
            and (dose["interval"] or any(_SEPARATE.search(e) for e in sched_sents[:1]))
        ):
            # "a total of 400 million cells, infusions on days 0, 30, 60 and 90", "in four
            # infusions": 100 million per infusion. Injections without an interval may be those of
            # one session ("20 intramyocardial injections for a total of 2 x 10^8 cells"): a total
            # per session.
            values = [v / dose["n_doses"] for v in values]
        dose["min"], dose["max"] = min(values), max(values)
        if dose["unit"] == "per_kg":
            dose["cells_per_kg"] = dose["max"]
            if adult:
                dose["total_cells"] = dose["max"] * ADULT_WEIGHT_KG
                dose["derived"] = True
        else:
            dose["total_cells"] = dose["max"]
        # Each sentence once, cut around the counts it gives (from the first to the last).
        spans = {}
        for _, (sentence, (start, end)) in use:
            low, high = spans.get(sentence, (start, end))
            spans[sentence] = (min(low, start), max(high, end))
        # The sentences giving the lowest and the highest dose first: they are its evidence.
        first_of = {}
        for v, (sentence, _span) in use:
            first_of.setdefault(v, sentence)
        extremes = [first_of[max(raw)], first_of[min(raw)]]
        seen = []
        for sentence, span in sorted(
            spans.items(),
            key=lambda item: extremes.index(item[0]) if item[0] in extremes else len(extremes),
        ):
            text = shorten(sentence, span)
            if text not in seen:
                seen.append(text)
        dose["text"] = " | ".join(seen[:3])
        evidence.extend(seen[:3])
        dose["implausible"] = implausible(dose)
    for e in sched_sents[:2]:
        if e not in evidence:
            evidence.append(e)
    return dose
