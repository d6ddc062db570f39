"""The MSC profile rules must meet TARGETS on the first hand-labelled samples in
data/msc_labels/ together (every file but a held-out one, which need not exist).

Run with: python3 -m pytest -p no:django tests/msc/test_msc_eval.py
"""
import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest  # noqa: E402

from catalog.msc.evaluate import TARGETS, evaluate, format_report, load_labels  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "msc-trials-2022.json.gz"
LABELS = ROOT / "data" / "msc_labels"


@pytest.fixture(scope="module")
def scores():
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        studies = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in json.load(fh)}
    labels = load_labels(LABELS)  # the development samples: sample-a to sample-j and tricky
    assert {lab["_file"] for lab in labels.values()} >= {
        "sample-a.json",
        "sample-b.json",
        "sample-c.json",
        "sample-d.json",
        "sample-e.json",
        "sample-f.json",
        "sample-g.json",
        "sample-h.json",
        "sample-i.json",
        "sample-j.json",
        "tricky.json",
    }
    assert not any(lab["_file"].startswith("held_out") for lab in labels.values())
    return evaluate(labels, studies)


def test_report_prints(scores):
    text = format_report(scores)
    for field in TARGETS:
        assert field in text


@pytest.mark.parametrize("field", sorted(TARGETS))
def test_target_met(scores, field):
    t = scores["targets"][field]
    assert t["met"], f"{field}: {t['measure']} {t['value']:.3f} < target {t['target']}\n" + format_report(scores, show_misses=True)
