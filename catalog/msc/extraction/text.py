"""Text of a record as the rules read it: normalised, split into sentences, shortened into
evidence."""

from __future__ import annotations

import re
import unicodedata

# ("2•10^7 cells": a bullet between digits is a multiplication sign, not a new item; a full stop
# typed after a space and before the next word, "(allo-HSCT) .The study", still ends a sentence)
_SENT_SPLIT = re.compile(
    r"(?<=[.;!?])\s+(?=[A-Z(\[\"'])|(?<=\s\.)(?=[A-Z][a-z])|\n+|(?<=:)\s+(?=[A-Z])|•(?!\d)|(?<!\d)•"
)


# The longest line read as the value of the heading line before it.
_SHORT_VALUE_WORDS = 4
# A short "Label: value" line of a form (joined lines of one form stay short enough to match).
_FIELD = re.compile(r"^[A-Z][\w /()-]{0,40}: \S.{0,80}$")


def sentences(text: str):
    if not text:
        return []
    out = []
    for part in _SENT_SPLIT.split(text):
        part = part.strip(" \t-*•")
        if len(part) > 2:
            if out and out[-1].endswith(":") and len(part.split()) <= _SHORT_VALUE_WORDS:
                # "Investigational Product Administration:" then "Intravenous" on its own line:
                # a heading and its value are one statement
                out[-1] = f"{out[-1]} {part}"
            else:
                out.append(part)
            if len(out) > 1 and _FIELD.match(out[-2]) and _FIELD.match(out[-1]):
                # "Drug Name: HB-adMSCs", "Route: Intravenous", "Dose: 200 million": the lines
                # of one form describe one product
                out[-2:] = [f"{out[-2]}, {out[-1]}"]
    return out


def strip_type(name: str) -> str:
    return re.sub(r"^[A-Za-z ]+:\s*", "", name or "").strip()


def shorten(sentence: str, match=None, width: int = 240) -> str:
    """The sentence as evidence, its whitespace collapsed; a long one cut to about ``width``
    characters around ``match`` (a re.Match or a (start, end) span in ``sentence``), which the
    result always contains whole."""
    if len(sentence) > width and match is not None:
        start, end = match.span() if hasattr(match, "span") else match
        # words just around the match (the unit after a number) stay with it
        left = max(0, min(start - width // 3, end + width // 4 - width))
        right = max(end + width // 4, left + width)
        sentence = (
            ("… " if left else "")
            + sentence[left:right].strip()
            + (" …" if right < len(sentence) else "")
        )
    text = " ".join(sentence.split())
    if len(text) <= width or match is not None:
        return text
    return text[: width - 1] + "…"


def interleaved(lines_by_value, per_value=2):
    """Evidence lines of several values, the first of each value before the second of any, so
    that every value keeps a line when the list is cut."""
    out = []
    for rank in range(per_value):
        for lines in lines_by_value.values():
            if rank < len(lines) and lines[rank] and lines[rank] not in out:
                out.append(lines[rank])
    return out


def blank_out(text: str, rx) -> str:
    if rx is None:
        return text
    return rx.sub(lambda m: " " * len(m.group()), text)


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^~|])")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻−", "0123456789+--")
# "10⁶", "kg⁻¹": a run of superscript characters is an exponent.
_EXPONENT = re.compile(r"[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-"})


def normalised_text(text: str) -> str:
    """One string as the rules read it: markdown escapes removed (ClinicalTrials.gov writes
    "10\\^6/kg" for "10^6/kg"), superscript exponents written with ^ ("10⁶" is "10^6"),
    full-width and other compatibility forms folded (NFKC: "，" is ",", "１" is "1"), digits of
    any script made ASCII and dashes made hyphens."""
    if "\\" in text:
        text = _MD_ESCAPE.sub(r"\1", text)
    if text.isascii():
        return text
    # a soft hyphen, or a "¬" used as one, inside a word ("hemato¬poietic") is no break
    text = re.sub(r"(?<=\w)[\u00ad¬](?=\w)", "", text)
    text = _EXPONENT.sub(lambda m: "^" + m.group().translate(_SUPERSCRIPTS), text)
    # the modifier circumflex of some keyboards is a caret: "10ˆ7" is "10^7"
    text = text.replace("ˆ", "^")
    # a raised decimal point between digits ("2·0×10^6") is a decimal point
    text = re.sub(r"(?<=\d)[·∙](?=\d)", ".", text)
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    return re.sub(r"\d", lambda m: str(unicodedata.digit(m.group())), text)


def normalised(value):
    """Every string of a record (nested lists and dicts) through ``normalised_text``."""
    if isinstance(value, str):
        return normalised_text(value)
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items()}
    return value
