"""``python manage.py msc_eval``: score the MSC profile rules against the hand labels."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.msc.evaluate import evaluate, format_report, load_labels
from catalog.registry.importer import SourceError, iter_studies


class Command(BaseCommand):
    help = (
        "Print the precision and recall of the MSC profile rules per field and the share of "
        "doses within 10%, measured on the hand labels; exit non-zero when a target is missed."
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
        parser.add_argument(
            "--misses", action="store_true", help="List the trials each field got wrong."
        )

    def handle(self, *args, labels, data, misses, **options):
        found = load_labels(labels)
        if not found:
            raise CommandError(f"No labels in {labels} (expected *.json files).")
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
        scores = evaluate(found, studies)
        self.stdout.write(
            f"{len(found)} labelled trials ({_shown(labels)}) against {len(studies)} records "
            f"({_shown(data)})\n"
        )
        self.stdout.write(format_report(scores, show_misses=misses))
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
