"""Text of a record as the rules read it: normalised, split into sentences, shortened into
evidence."""

from __future__ import annotations

import re

_SENT_SPLIT = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(\[\"'])|\n+|(?<=:)\s+(?=[A-Z])|•")


def sentences(text: str):
    if not text:
        return []
    out = []
    for part in _SENT_SPLIT.split(text):
        part = part.strip(" \t-*•")
        if len(part) > 2:
            out.append(part)
    return out


def strip_type(name: str) -> str:
    return re.sub(r"^[A-Za-z ]+:\s*", "", name or "").strip()


def shorten(sentence: str, m: re.Match | None = None, width: int = 240) -> str:
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


def blank_out(text: str, rx) -> str:
    if rx is None:
        return text
    return rx.sub(lambda m: " " * len(m.group()), text)


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^~|])")


def unescaped(value):
    """Markdown escapes removed (ClinicalTrials.gov writes "10\\^6/kg" for "10^6/kg")."""
    if isinstance(value, str):
        return _MD_ESCAPE.sub(r"\1", value) if "\\" in value else value
    if isinstance(value, list):
        return [unescaped(v) for v in value]
    if isinstance(value, dict):
        return {k: unescaped(v) for k, v in value.items()}
    return value
