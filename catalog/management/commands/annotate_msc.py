"""Compute the MSC profile (source, donor, product, route, dose, evidence) of every trial, or of
the trials named (``python manage.py annotate_msc [NCT ID ...]``); values a curator set are
kept."""

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Trial
from catalog.msc.annotate import annotate
from catalog.registry.ctgov import normalize_nct_id


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("nct_ids", nargs="*", help="Only these trials (NCT IDs).")
        parser.add_argument("--missing", action="store_true", help="Only trials with no profile.")

    def handle(self, *args, nct_ids, missing, verbosity, **options):
        trials = Trial.objects.all()
        if nct_ids:
            wanted = {normalize_nct_id(value) or value for value in nct_ids}
            trials = trials.filter(nct_id__in=wanted)
            unknown = wanted - set(trials.values_list("nct_id", flat=True))
            if unknown:
                raise CommandError(f"No such trials in the catalog: {', '.join(sorted(unknown))}")
        if missing:
            trials = trials.filter(msc__isnull=True)
        summary = annotate(trials)
        for failure in summary.failures:
            self.stderr.write(self.style.ERROR(f"failed: {failure}"))
        if summary.failures:
            self.stdout.write(str(summary))
            raise CommandError(f"the rules failed on {len(summary.failures)} trials")
        if verbosity:
            self.stdout.write(self.style.SUCCESS(str(summary)))
