"""``python manage.py generate_trials --count N --seed S``: synthetic trials for measuring scale.

``--delete`` removes every synthetic trial (and nothing else) in one transaction.
"""

import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Trial
from catalog.registry import bulkload
from catalog.registry.synthetic import Generator, Profile, SharedRows, synthetic_nct_id

PHASES = {
    "load": "trials written",
    "index": "building indexes",
    "search": "search vectors computed",
    "analyze": "vacuum and analyze",
    "done": "done",
}


class Command(BaseCommand):
    help = (
        "Add synthetic trials whose distributions follow the bundled real data (marked "
        "is_synthetic, NCT IDs from NCT90000000 up), or remove them all with --delete."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, help="How many synthetic trials to add.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--delete", action="store_true", help="Delete every synthetic trial and its rows."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="Database connections computing search vectors (default 2).",
        )

    def handle(self, *args, count, seed, delete, workers, verbosity, **options):
        from catalog.site.cache import invalidate

        if delete:
            started = time.monotonic()
            removed = bulkload.delete_synthetic()
            invalidate()
            self.stdout.write(
                f"{removed} synthetic trials deleted ({time.monotonic() - started:.1f} s)"
            )
            return
        if count is None or count < 0:
            raise CommandError("give --count N (a whole number, 0 or more), or --delete")
        started = time.monotonic()
        profile = Profile.from_files(settings.CATALOG_BUNDLED_DATA)
        shared = SharedRows.ensure(profile)
        start = bulkload.next_synthetic_number()
        if start + count > 100_000_000:
            raise CommandError("the synthetic NCT ID range (NCT90000000 up) would overflow")
        generator = Generator(profile, seed, start)
        progress = self._progress(verbosity)
        first, last = bulkload.load(
            generator.trials(count), count, shared, workers=workers, progress=progress
        )
        # The loader judged each status by today's date; this only checks (and writes nothing
        # when the day has not turned since).
        Trial.objects.filter(nct_id__gte=synthetic_nct_id(start)).judge_statuses()
        invalidate()
        elapsed = time.monotonic() - started
        ids = f" ({synthetic_nct_id(start)}..{synthetic_nct_id(start + count - 1)})"
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} synthetic trials generated{ids if count else ''} "
                f"in {elapsed:.1f} s ({count / elapsed if elapsed else 0:.0f} trials/s)"
            )
        )

    def _progress(self, verbosity):
        tty = sys.stderr.isatty()
        state = {"last": 0.0, "phase": None}

        def progress(phase, done, total, elapsed):
            if not verbosity:
                return
            now = time.monotonic()
            changed = phase != state["phase"]
            if not changed and now - state["last"] < (0.5 if tty else 10) and done != total:
                return
            if changed and state["phase"] and tty:
                self.stderr.write("")
            state["last"], state["phase"] = now, phase
            rate = f", {done / elapsed:.0f}/s" if phase == "load" and elapsed else ""
            figures = f"{done:,}/{total:,} " if total else ""
            line = f"{figures}{PHASES[phase]} ({elapsed:.0f} s{rate})"
            if tty:
                self.stderr.write(f"\r{line}", ending="")
                self.stderr.flush()
            else:
                self.stderr.write(line)

        return progress
