"""Store the v2 study of every trial that has no current one (``python manage.py
store_studies``; ``--all`` builds every trial's again). The importer and the curation service
store the studies of the trials they write; this fills in the others, such as those of a
database that predates stored studies, or of a bulk load."""

import time

from django.core.management.base import BaseCommand

from catalog.models import StoredStudy, Trial


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", dest="every", action="store_true", help="Build every trial's study again."
        )

    def handle(self, *args, every, verbosity, **options):
        started = time.monotonic()
        trials = Trial.objects.all() if every else StoredStudy.objects.missing()
        stored = StoredStudy.objects.store(trials)
        if verbosity:
            elapsed = time.monotonic() - started
            self.stdout.write(f"{stored} studies stored ({elapsed:.1f} s)")
