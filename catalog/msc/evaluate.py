"""Measure the MSC profile rules against the hand labels in data/msc_labels/.

    labels = load_labels("data/msc_labels")          # the first samples together
    scores = evaluate(labels, studies_by_id)
    print(format_report(scores))
    for name, labels in label_files("data/msc_labels").items():   # one table per file
        print(name, format_report(evaluate(labels, studies_by_id)))

A file whose name starts with ``held_out`` is a held-out sample: it has its own table but is
never part of the first samples, which the rules are tuned and tested on.

Plain Python over the records and label files: it needs no database, so the tests run it
without one.
"""

from __future__ import annotations

import json
from pathlib import Path

from .extract import profile_from_study

# Target per field, and the measure each target applies to.
TARGETS = {"source": 0.95, "donor": 0.95, "route": 0.90, "dose": 0.90}
TARGET_MEASURES = {"source": "exact", "donor": "accuracy", "route": "exact", "dose": "within_10pct"}

SET_FIELDS = ("source", "route", "product")
DOSE_TOLERANCE = 0.10


HELD_OUT_PREFIX = "held_out"


def is_held_out(sample: str) -> bool:
    """Is this label file (by its name without .json) a held-out sample?"""
    return sample.startswith(HELD_OUT_PREFIX)


def label_files(directory) -> dict:
    """{sample name (the file name without .json): its labels keyed by NCT ID}, every *.json
    file of `directory` in name order."""
    samples = {}
    for path in sorted(Path(directory).glob("*.json")):
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        samples[path.stem] = {
            nct: {**lab, "_file": path.name} for nct, lab in data.items() if isinstance(lab, dict)
        }
    return samples


def first_samples(samples: dict) -> list:
    """The names of the samples the rules are tuned on: every one but the held-out ones."""
    return [name for name in samples if not is_held_out(name)]


def load_labels(directory, samples=None) -> dict:
    """The labels of the named samples of `directory` together, keyed by NCT ID (later files
    win); by default the first samples (every file but the held-out ones)."""
    files = label_files(directory)
    names = first_samples(files) if samples is None else samples
    labels = {}
    for name in names:
        labels.update(files[name])
    return labels


def _close(pred, want) -> bool:
    if pred is None or want is None:
        return False
    if want == 0:
        return pred == 0
    return abs(pred - want) <= DOSE_TOLERANCE * abs(want)


def _label_dose_range(lab_dose):
    """(unit, min, max) of a label's dose, or None when it states no cell count."""
    if not lab_dose:
        return None
    for unit, key in (("per_kg", "cells_per_kg"), ("total", "total_cells")):
        v = lab_dose.get(key)
        if v:
            if isinstance(v, dict):
                lo, hi = v.get("min"), v.get("max")
                lo = hi if lo is None else lo
                hi = lo if hi is None else hi
            else:
                lo = hi = float(v)
            if lo is not None:
                return unit, float(lo), float(hi)
    return None


def _pred_dose_range(dose, unit):
    if not dose:
        return None
    if unit == "per_kg":
        if dose.get("unit") == "per_kg" and dose.get("min") is not None:
            return dose["min"], dose["max"]
        return None
    if dose.get("unit") == "total" and dose.get("min") is not None:
        return dose["min"], dose["max"]
    return None


def evaluate(labels: dict, studies_by_id: dict) -> dict:
    """Scores of profile_from_study against the labels (only labelled trials present in studies_by_id)."""
    counts = {f: {"tp": 0, "fp": 0, "fn": 0, "exact": 0, "n": 0} for f in SET_FIELDS}
    donor_ok = donor_n = 0
    msc_ok = msc_n = 0
    dose_ok = dose_n = 0
    misses = {f: [] for f in ("source", "donor", "route", "product", "dose", "msc")}
    for nct, lab in sorted(labels.items()):
        study = studies_by_id.get(nct)
        if study is None:
            continue
        pred = profile_from_study(study)
        msc_n += 1
        if bool(pred["is_msc"]) == bool(lab.get("msc", True)):
            msc_ok += 1
        else:
            misses["msc"].append((nct, lab.get("msc"), pred["is_msc"]))
        for f in SET_FIELDS:
            want = set(lab.get(f) or [])
            got = set(pred.get(f) or [])
            c = counts[f]
            c["n"] += 1
            c["tp"] += len(want & got)
            c["fp"] += len(got - want)
            c["fn"] += len(want - got)
            if want == got:
                c["exact"] += 1
            else:
                misses[f].append((nct, sorted(want), sorted(got)))
        donor_n += 1
        if lab.get("donor") == pred.get("donor"):
            donor_ok += 1
        else:
            misses["donor"].append((nct, lab.get("donor"), pred.get("donor")))
        rng = _label_dose_range(lab.get("dose"))
        if rng is not None:
            dose_n += 1
            unit, lo, hi = rng
            got = _pred_dose_range(pred.get("dose"), unit)
            if got is not None and _close(got[0], lo) and _close(got[1], hi):
                dose_ok += 1
            else:
                d = pred.get("dose") or {}
                misses["dose"].append(
                    (nct, (unit, lo, hi), (d.get("unit"), d.get("min"), d.get("max")))
                )

    scores = {}
    for f in SET_FIELDS:
        c = counts[f]
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        scores[f] = {
            "precision": p,
            "recall": r,
            "exact": c["exact"] / c["n"] if c["n"] else 0.0,
            "n": c["n"],
        }
    scores["donor"] = {"accuracy": donor_ok / donor_n if donor_n else 0.0, "n": donor_n}
    scores["msc"] = {"accuracy": msc_ok / msc_n if msc_n else 0.0, "n": msc_n}
    scores["dose"] = {"within_10pct": dose_ok / dose_n if dose_n else 0.0, "n": dose_n}
    scores["misses"] = misses
    scores["targets"] = {
        f: {
            "target": t,
            "measure": TARGET_MEASURES[f],
            "value": scores[f][TARGET_MEASURES[f]],
            "met": scores[f][TARGET_MEASURES[f]] >= t,
        }
        for f, t in TARGETS.items()
    }
    return scores


LEGEND = (
    "source/route/product: micro precision and recall, per-trial exact match; donor, msc: "
    "accuracy;\ndose: share of labelled trials stating a cell dose whose min and max are within "
    "10%."
)


def format_report(scores: dict, show_misses: bool = False, legend: bool = True) -> str:
    """A readable table of the scores (and, optionally, the trials that missed)."""
    lines = []
    lines.append(
        f"{'field':<9} {'n':>4} {'precision':>10} {'recall':>8} {'exact/acc':>10} {'target':>7}  met"
    )
    lines.append("-" * 56)
    for f in ("source", "donor", "route", "product", "dose", "msc"):
        s = scores[f]
        t = scores["targets"].get(f)
        if f in SET_FIELDS:
            val = s["exact"]
            row = f"{f:<9} {s['n']:>4} {s['precision']:>10.3f} {s['recall']:>8.3f} {val:>10.3f}"
        elif f == "dose":
            val = s["within_10pct"]
            row = f"{f:<9} {s['n']:>4} {'':>10} {'':>8} {val:>10.3f}"
        else:
            val = s["accuracy"]
            row = f"{f:<9} {s['n']:>4} {'':>10} {'':>8} {val:>10.3f}"
        if t:
            row += f" {t['target']:>7.2f}  {'yes' if t['met'] else 'NO'}"
        lines.append(row)
    if legend:
        lines.append(LEGEND)
    if show_misses:
        for f, items in scores.get("misses", {}).items():
            if items:
                lines.append(f"\nmisses: {f}")
                for it in items:
                    lines.append("  " + "  ".join(str(x) for x in it))
    return "\n".join(lines)
