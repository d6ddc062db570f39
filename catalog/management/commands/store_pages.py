"""Render and store the page of every public trial that has no current one (``python manage.py
store_pages``). A trial page is rendered on its first view after a change; run after a
deployment (whose code renders pages anew), after a bulk load, and daily after midnight (a
page is current for the day it was rendered, as it words dates as "4 years ago"), this spares
the first visitors."""

import time

from django.core.management.base import BaseCommand

from catalog.site import pages


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, verbosity, **options):
        started = time.monotonic()
        stored = pages.store_missing()
        if verbosity:
            elapsed = time.monotonic() - started
            self.stdout.write(f"{stored} trial pages stored ({elapsed:.1f} s)")
