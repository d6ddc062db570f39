"""``python manage.py msc_eval``: score the MSC profile rules against the hand labels."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.msc.evaluate import LEGEND, evaluate, first_samples, format_report, label_files
from catalog.registry.importer import SourceError, iter_studies


class Command(BaseCommand):
    help = (
        "Print the precision and recall of the MSC profile rules per field and the share of "
        "doses within 10%, measured on the hand labels: a table per development sample and one "
        "for them together; a held-out file (held_out*) is scored only when asked for by name "
        "(--sample held_out), once; exit non-zero when the development samples (or, with "
        "--sample, that sample) miss a target."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--labels",
            default=str(settings.BASE_DIR / "data" / "msc_labels"),
            help="Directory of label files (default: data/msc_labels).",
        )
        parser.add_argument(
            "--data",
            default=str(settings.BASE_DIR / "data" / "msc-trials-2022.json.gz"),
            help="The study records the labels were written from (default: the bundled 2022 data).",
        )
        parser.add_argument("--misses", action="store_true", help="List each field's misses.")
        parser.add_argument("--sample", help="Score only this label file (e.g. held_out).")

    def handle(self, *args, labels, data, misses, sample, **options):
        samples = label_files(labels)
        if not samples:
            raise CommandError(f"No labels in {labels} (expected *.json files).")
        if sample is not None:
            sample = sample.removesuffix(".json")
            if sample not in samples:
                raise CommandError(
                    f"No sample {sample!r} in {labels} (there are: {', '.join(samples)})."
                )
        found = {nct: lab for labels_of in samples.values() for nct, lab in labels_of.items()}
        studies = {}
        for origin, study in iter_studies([data]):
            if isinstance(study, SourceError):
                raise CommandError(str(study))
            try:
                studies[study["protocolSection"]["identificationModule"]["nctId"]] = study
            except (KeyError, TypeError):
                raise CommandError(f"{origin}: a study without an NCT ID") from None
        absent = sorted(set(found) - set(studies))
        if absent:
            raise CommandError(
                f"{len(absent)} labelled trials are not in {data}: {', '.join(absent[:10])}"
            )
        self.stdout.write(
            f"{len(found)} labelled trials ({_shown(labels)}) against {len(studies)} records "
            f"({_shown(data)})\n"
        )
        if sample is not None:
            tables = [(sample, [sample])]
        else:
            # A held-out sample is scored once, on purpose, after the rules are final: a run
            # of every table must not show its figures to whoever is changing the rules.
            first = first_samples(samples)
            tables = [(name, [name]) for name in first]
            if len(first) > 1:
                tables.append((" + ".join(first) + " together", first))
            for name in samples:
                if name not in first:
                    self.stdout.write(
                        f"\n{name}: {len(samples[name])} trials, held out: not scored here "
                        f"(score it once, when the rules are final: --sample {name})\n"
                    )
        for title, names in tables:
            chosen = {nct: lab for name in names for nct, lab in samples[name].items()}
            scores = evaluate(chosen, studies)
            self.stdout.write(f"\n{title}: {len(chosen)} trials\n")
            self.stdout.write(format_report(scores, show_misses=misses, legend=False) + "\n")
        self.stdout.write("\n" + LEGEND + "\n")
        # The verdict: the chosen sample, or else the first samples together (the last table).
        missed = [name for name, target in scores["targets"].items() if not target["met"]]
        if missed:
            raise CommandError(
                "Targets missed: "
                + ", ".join(
                    f"{name} {scores['targets'][name]['value']:.3f} < "
                    f"{scores['targets'][name]['target']:.2f}"
                    for name in missed
                )
            )


def _shown(path):
    """A path relative to the project when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)
