"""``python manage.py sync_ctgov``: bring the catalog up to date with ClinicalTrials.gov.

Fetches the studies matching the sync query (``CTGOV_SYNC_QUERY``) that were updated since the
last successful sync of that query, and upserts them through the importer: the same rules as
``import_ctgov``, curated fields kept, every change in the trials' history. A run that fails
(the API cannot be read, or a study fails) leaves the last-sync mark where it was, so the next
run fetches the same range again; studies already written come back "unchanged".
"""

import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from catalog.models import ChangeKind, SyncState, TrialChange
from catalog.registry.client import ApiError, StudiesClient
from catalog.registry.importer import CREATED, UPDATED, Importer

# ClinicalTrials.gov dates its updates in US time: ask from the day before the last sync.
MARK_MARGIN = datetime.timedelta(days=1)


def date_argument(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since {value!r}: write a date as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Fetch new and updated studies from the ClinicalTrials.gov API v2 and import them."

    def add_arguments(self, parser):
        parser.add_argument("--query", help="Search terms (default: CTGOV_SYNC_QUERY).")
        parser.add_argument(
            "--since",
            type=date_argument,
            help="Fetch records updated on or after this date (YYYY-MM-DD) instead of since "
            "the last successful sync.",
        )
        parser.add_argument(
            "--full", action="store_true", help="Fetch every matching record, whatever its date."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change; write nothing."
        )
        parser.add_argument("--base-url", help="API base URL (default: CTGOV_API_BASE_URL).")
        parser.add_argument("--page-size", type=int, help="Studies per page (1-1000).")
        parser.add_argument(
            "--min-interval", type=float, help="Seconds between requests (default 1)."
        )
        parser.add_argument("--timeout", type=float, help="Seconds to wait for a response.")
        parser.add_argument("--retries", type=int, help="Retries of a failed request.")
        parser.add_argument(
            "--backoff", type=float, help="First retry delay in seconds; doubles each retry."
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        dry_run = options["dry_run"]
        query = options["query"] or settings.CTGOV_SYNC_QUERY
        state = SyncState.objects.filter(query=query).first()
        since = options["since"]
        if since is None and not options["full"] and state and state.last_success_at:
            since = (state.last_success_at - MARK_MARGIN).date()
        started, clock = timezone.now(), time.monotonic()
        page_size = options["page_size"] or settings.CTGOV_SYNC_PAGE_SIZE
        if not 1 <= page_size <= 1000:
            raise CommandError("--page-size must be between 1 and 1000")

        client = StudiesClient(
            options["base_url"] or settings.CTGOV_API_BASE_URL,
            min_interval=_given(options["min_interval"], settings.CTGOV_SYNC_MIN_INTERVAL),
            timeout=_given(options["timeout"], settings.CTGOV_SYNC_TIMEOUT),
            retries=_given(options["retries"], settings.CTGOV_SYNC_RETRIES),
            backoff=_given(options["backoff"], settings.CTGOV_SYNC_BACKOFF),
            log=lambda message: self.stderr.write(message) if verbosity else None,
        )
        importer = Importer(kind=ChangeKind.SYNC, actor="sync_ctgov", dry_run=dry_run)
        if verbosity:
            scope = f"updated since {since}" if since else "all records"
            self.stdout.write(f"Fetching {scope} matching: {query}")

        error = None
        try:
            for number, page in enumerate(client.pages(query, since, page_size), start=1):
                for study in page["studies"]:
                    result = importer.import_study(study, f"page {number}")
                    self._report(importer, study, result, dry_run, verbosity)
        except ApiError as exc:
            error = exc
        summary = importer.summary
        ok = error is None and not summary.failed
        line = f"{summary} ({client.requests} requests, {time.monotonic() - clock:.1f} s)"

        for failure in summary.failures:
            self.stderr.write(self.style.ERROR(f"failed: {failure}"))
        if error:
            self.stderr.write(self.style.ERROR(f"stopped: {error}"))
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: {line}")
        else:
            state = state or SyncState(query=query)
            state.last_run_at = started
            state.last_run_ok = ok
            state.last_run_summary = line + (f"; stopped: {error}" if error else "")
            if ok:
                state.last_success_at = started
            state.save()
            self.stdout.write(line)
        if not ok:
            mark = "kept" if dry_run else "not moved"
            raise CommandError(f"the sync did not finish; the last-sync mark is {mark}")
        if verbosity and not dry_run:
            self.stdout.write(
                self.style.SUCCESS(f"Synced; next run fetches from {started.date()}.")
            )

    def _report(self, importer, study, result, dry_run, verbosity):
        """One line per created or updated trial: always on a dry run, at -v 2 otherwise."""
        if result not in (CREATED, UPDATED) or not (dry_run or verbosity > 1):
            return
        nct_id = importer.summary.changed_ids[-1]
        verb = ("would " if dry_run else "") + ("create" if result == CREATED else "update")
        if result == CREATED:
            title = study["protocolSection"]["identificationModule"].get("briefTitle", "")
            self.stdout.write(f"{nct_id}: {verb}: {title}")
        else:
            changes = importer.summary.changes.get(nct_id, {})
            described = (
                TrialChange(changes=changes, version=2).text() or "nothing the catalog keeps"
            )
            self.stdout.write(f"{nct_id}: {verb}: {described}")


def _given(value, default):
    return default if value is None else value
