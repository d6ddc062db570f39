"""Checks data/seeds/*.json against the facts stated on the seed trial pages.

Plain pytest, no Django and no database:
    python3 -m pytest tests/registry/test_seed_files.py -p no:django -q
"""

import gzip
import json
import re
import sys
from functools import lru_cache
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))

from seed_facts import SEED_DATES, SEED_FACTS, SEED_PUBLISHERS, resolve  # noqa: E402

DATA = TESTS.parent / "data"
SEEDS = DATA / "seeds"
BULK = DATA / "msc-trials-2022.json.gz"

SEED_FILES = sorted(SEEDS.glob("*.json"))


def load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def bulk_by_nct():
    with gzip.open(BULK, "rt", encoding="utf-8") as fh:
        studies = json.load(fh)
    return {s["protocolSection"]["identificationModule"]["nctId"]: s for s in studies}


def facts():
    for nct, pairs in SEED_FACTS.items():
        for path, expected in pairs:
            yield pytest.param(nct, path, expected, id=f"{nct}:{path}")


def test_one_file_per_seed_trial():
    assert sorted(p.stem for p in SEED_FILES) == sorted(SEED_FACTS)


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_file_is_one_v2_study(path):
    study = load(path)
    assert isinstance(study, dict)
    assert "protocolSection" in study
    assert study["protocolSection"]["identificationModule"]["nctId"] == path.stem
    # pretty-printed with 2-space indent, UTF-8 kept as characters
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(study, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("nct,path,expected", list(facts()))
def test_seed_fact(nct, path, expected):
    study = load(SEEDS / f"{nct}.json")
    assert resolve(study, path) == expected


def dates_in(value):
    """Every ISO date (full or month-only) among a study's string values."""
    if isinstance(value, dict):
        return {d for v in value.values() for d in dates_in(v)}
    if isinstance(value, list):
        return {d for v in value for d in dates_in(v)}
    if isinstance(value, str) and ISO_DATE.match(value):
        return {value}
    return set()


ISO_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_every_date_is_stated_by_the_seed_document_or_the_2022_record(path):
    study = load(path)
    stated = dates_in(bulk_by_nct().get(path.stem, {})) | SEED_DATES.get(path.stem, set())
    assert dates_in(study) - stated == set()


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_seed_record_names_its_source(path):
    provenance = load(path)["provenance"]
    assert (provenance["source"], provenance["publisher"]) == (
        "SEED_DOCUMENT",
        SEED_PUBLISHERS[path.stem],
    )


def test_resolve():
    study = {"a": {"b": [{"c": 1}, {"c": [2, 3]}]}}
    assert resolve(study, "a.b[0].c") == 1
    assert resolve(study, "a.b[1].c[1]") == 3
    assert resolve(study, "a.b.len()") == 2
    with pytest.raises(KeyError):
        resolve(study, "a.x")
    with pytest.raises(IndexError):
        resolve(study, "a.b[5]")
