"""Show as "Unknown status" every trial whose active status has gone unverified for two years,
as ClinicalTrials.gov does, and restore any that was verified since
(``python manage.py judge_statuses``: every trial's status judged by today's date)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Trial


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Judge as of this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args, date, **options):
        today = None
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date: {date!r} is not a date like 2026-11-30") from None
        changed = Trial.objects.judge_statuses(today)
        self.stdout.write(f"{changed} trial statuses changed")
