"""Import ClinicalTrials.gov API v2 studies (``python manage.py import_ctgov PATH ...``): a study
object, an API page ({"studies": [...]}), a JSON array, any of them gzipped, a directory of
such files, or the zip of the ClinicalTrials.gov website's JSON download.

A stored trial is overwritten only by a newer record, unless --force. --if-empty imports only
until a first load has completed, and resumes one that was interrupted."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from catalog.registry.importer import Importer
from catalog.search.fulltext import refresh_vocabulary


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files, directories or zips to import.")
        parser.add_argument("--force", action="store_true", help="Overwrite newer trials too.")
        parser.add_argument("--if-empty", action="store_true", help="Only a first load.")

    def handle(self, *args, paths, force, if_empty, verbosity, **options):
        from catalog.models import CatalogLoad, Trial

        if if_empty:
            done = CatalogLoad.objects.order_by("-completed_at").first()
            if done is not None:
                if verbosity:
                    self.stdout.write(
                        f"The first load is complete ({done}); the catalog holds "
                        f"{Trial.objects.count()} trials."
                    )
                return
            if Trial.objects.exists() and verbosity:
                self.stdout.write(
                    f"Resuming the first load: the catalog holds {Trial.objects.count()} trials "
                    "of an import that did not finish."
                )
        started = time.monotonic()
        importer = Importer(force=force)
        show_progress = verbosity and sys.stderr.isatty()
        last = [0.0]

        def progress(summary):
            now = time.monotonic()
            if show_progress and now - last[0] > 0.5:
                last[0] = now
                self.stderr.write(f"\r{summary.total} studies read: {summary}", ending="")
                self.stderr.flush()
            elif verbosity > 1 and summary.total % 250 == 0:
                self.stdout.write(f"{summary.total} studies read")

        summary = importer.run(paths, progress=progress)
        if show_progress:
            self.stderr.write("")
        for failure in summary.failures:
            self.stderr.write(self.style.ERROR(f"failed: {failure}"))
        line = f"{summary} ({time.monotonic() - started:.1f} s)"
        if summary.failed:
            self.stdout.write(line)
            raise CommandError(f"{summary.failed} of {summary.total} studies failed")
        if if_empty:
            # Every study is stored. The vocabulary is rebuilt even if this run wrote nothing
            # (a load killed after its last study but before the vocabulary), then the load
            # is recorded as complete.
            refresh_vocabulary()
            CatalogLoad.objects.create(sources=" ".join(paths), summary=str(summary))
        self.stdout.write(self.style.SUCCESS(line))
