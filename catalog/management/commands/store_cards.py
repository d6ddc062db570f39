"""Render and store the list card of every public trial that has no current one (``python
manage.py store_cards``). A list renders the cards it lacks on its first view; run after a
deployment (whose code renders cards anew) or a bulk load, this spares the first visitors."""

import time

from django.core.management.base import BaseCommand

from catalog.site import cards


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, verbosity, **options):
        started = time.monotonic()
        stored = cards.store_missing()
        if verbosity:
            elapsed = time.monotonic() - started
            self.stdout.write(f"{stored} list cards stored ({elapsed:.1f} s)")
