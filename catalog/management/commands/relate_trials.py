"""Score and store the related trials of every trial without a current list (``python manage.py
relate_trials``; ``--all`` scores every trial's again). The importer and the curation service
score the trials around those they write; this fills in the others (a database that predates
stored lists, a bulk load) and, with ``--all``, brings every list up to the whole catalog."""

import time

from django.core.management.base import BaseCommand

from catalog.models import StoredRelatedTrials, Trial


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", dest="every", action="store_true", help="Score every trial's list again."
        )

    def handle(self, *args, every, verbosity, **options):
        started = time.monotonic()
        trials = Trial.objects.all() if every else StoredRelatedTrials.objects.stale()
        stored = StoredRelatedTrials.objects.store(trials)
        if verbosity:
            elapsed = time.monotonic() - started
            self.stdout.write(f"{stored} related-trial lists stored ({elapsed:.1f} s)")
