"""The ``fields`` parameter of ClinicalTrials.gov's API v2: piece names and study paths.

A field is a piece name (``NCTId``, ``BriefTitle``, ``LocationCity``, ``ConditionsModule`` ...)
or a dotted path into the study (``protocolSection.identificationModule``). A study is cut down
to the named parts with ``select``; lists are walked through (``LocationCity`` keeps the city of
every location).
"""

import json
from pathlib import Path

# Piece name -> study path, in ClinicalTrials.gov's data model (the pieces of its study fields
# list); data, kept beside this module.
PIECES = json.loads((Path(__file__).with_name("field_pieces.json")).read_text(encoding="utf-8"))
# Every path a study can hold (the piece paths and their prefixes), for dotted fields.
KNOWN_PATHS = frozenset(
    ".".join(path.split(".")[: i + 1])
    for path in PIECES.values()
    for i in range(len(path.split(".")))
)


def field_path(name):
    """The study path a field names (a piece name or a path), or None."""
    name = name.strip()
    return name if name in KNOWN_PATHS else PIECES.get(name)


def select(study, paths):
    """The parts of ``study`` at ``paths`` (dotted), keeping its nesting."""
    return _project(study, [tuple(p.split(".")) for p in paths])


def _project(value, paths):
    if any(not p for p in paths):
        return value
    if isinstance(value, list):
        items = [_project(item, paths) for item in value]
        return [i for i in items if i not in (None, {}, [])]
    if not isinstance(value, dict):
        return None
    out = {}
    for key in dict.fromkeys(p[0] for p in paths):
        if key in value:
            part = _project(value[key], [p[1:] for p in paths if p[0] == key])
            if part not in (None, {}, []):
                out[key] = part
    return out
