"""``annotate_msc`` profiles the catalog; ``msc_eval`` scores the rules against the labels."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from catalog.models import MscProfile

LABELS = settings.BASE_DIR / "data" / "msc_labels"


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_annotate_msc_profiles_every_trial(bundled_catalog):
    MscProfile.objects.all().delete()
    output = run("annotate_msc")
    assert output.startswith("1538 trials profiled, ")
    assert "0 failed" in output
    assert MscProfile.objects.count() == 1538


@pytest.mark.django_db
def test_annotate_msc_missing_profiles_only_those_without_one(bundled_catalog):
    MscProfile.objects.filter(trial__nct_id__in=["NCT06518902", "NCT05016804"]).delete()
    assert run("annotate_msc", "--missing").startswith("2 trials profiled, ")
    assert run("annotate_msc", "--missing").startswith("0 trials profiled, ")


@pytest.mark.django_db
def test_annotate_msc_named_trials(bundled_catalog):
    assert run("annotate_msc", "NCT06518902", "nct05016804").startswith("2 trials profiled, ")
    with pytest.raises(CommandError, match="NCT99999999"):
        run("annotate_msc", "NCT99999999")


def test_msc_eval_prints_a_table_and_the_misses_per_label_file_and_meets_the_targets():
    # One run (each scores every labelled trial): the tables, the misses asked for, the verdict.
    output = run("msc_eval", "--misses")
    samples = (
        ("sample-a", 75),
        ("sample-b", 75),
        ("sample-c", 160),
        ("sample-d", 160),
        ("sample-e", 160),
        ("sample-f", 160),
        ("sample-g", 160),
        ("sample-h", 160),
        ("sample-i", 160),
        ("sample-j", 160),
        ("tricky", 25),
    )
    for sample, n in samples:
        assert f"\n{sample}: {n} trials\n" in output
    assert "misses: source" in output
    samples_together = " + ".join(sample for sample, _ in samples)
    together = output.split(f"{samples_together} together: 1455 trials\n")[1]
    for field in ("source", "donor", "route", "product", "dose", "msc"):
        assert f"\n{field} " in together
    assert "precision" in together and "recall" in together
    assert " NO" not in together
    assert together.count("  yes") == 4  # source, donor, route and dose meet their targets


def test_msc_eval_keeps_a_held_out_file_out_of_the_first_samples(tmp_path):
    sample_a = json.loads((LABELS / "sample-a.json").read_text())
    (tmp_path / "sample-a.json").write_text(json.dumps(sample_a))
    # A held-out file whose labels all disagree: scored only when asked for by name (its table
    # misses), never in the run of every table, whose verdict is the first samples'.
    held_out = dict(list(json.loads((LABELS / "sample-b.json").read_text()).items())[:20])
    for label in held_out.values():
        label["donor"] = "both" if label["donor"] != "both" else "autologous"
    (tmp_path / "held_out.json").write_text(json.dumps(held_out))
    output = run("msc_eval", "--labels", str(tmp_path))
    assert "\nsample-a: 75 trials\n" in output
    assert "\nheld_out: 20 trials, held out: not scored here" in output
    assert "held_out: 20 trials\nfield" not in output
    assert "together" not in output  # one first sample: its own table is the verdict
    with pytest.raises(CommandError, match=r"Targets missed: donor 0\.\d+ < 0\.95"):
        run("msc_eval", "--labels", str(tmp_path), "--sample", "held_out")


def test_msc_eval_scores_one_sample_on_request():
    output = run("msc_eval", "--sample", "sample-a")
    assert "\nsample-a: 75 trials\n" in output
    assert "sample-b" not in output and "together" not in output
    with pytest.raises(CommandError, match="No sample 'no_such_sample'"):
        run("msc_eval", "--sample", "no_such_sample")


def test_msc_eval_fails_when_a_target_is_missed(tmp_path):
    labels = {}
    for path in sorted(LABELS.glob("*.json")):
        if not path.name.startswith("held_out"):
            # every label (a file may also carry a "_sample" line saying how it was drawn)
            found = json.loads(path.read_text())
            labels.update({k: v for k, v in found.items() if isinstance(v, dict)})
    # Labels that disagree with the records: every donor swapped.
    swap = {"autologous": "allogeneic", "allogeneic": "autologous"}
    for label in labels.values():
        label["donor"] = swap.get(label["donor"], "both")
    (tmp_path / "wrong.json").write_text(json.dumps(labels))
    with pytest.raises(CommandError, match=r"Targets missed: donor 0\.\d+ < 0\.95"):
        run("msc_eval", "--labels", str(tmp_path))


def test_msc_eval_without_labels_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No labels"):
        run("msc_eval", "--labels", str(tmp_path))


def test_msc_eval_with_unreadable_data_is_a_clear_error(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(CommandError, match="malformed JSON"):
        run("msc_eval", "--data", str(tmp_path / "broken.json"))
