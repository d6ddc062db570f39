"""Statuses judged by today's date, once a day, by the site itself.

A record's status turns into "Unknown status" two years after it was last verified
(``catalog.models.status_on``). Imports and curators' saves judge the trials they write; this
middleware judges the whole catalog again on the first request of each day in each process, so a
catalog left alone for months still never shows an old "Recruiting" as current. The judgement
is one read of the active trials and a write of those that changed (usually none).
"""

import logging
import threading

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from catalog.models import Trial

logger = logging.getLogger(__name__)


class JudgeStatusesDailyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.judged_on = None
        self.lock = threading.Lock()

    def __call__(self, request):
        if settings.CATALOG_JUDGE_STATUSES_DAILY:
            self.judge_once_today()
        return self.get_response(request)

    def judge_once_today(self):
        today = timezone.localdate()
        if self.judged_on == today or not self.lock.acquire(blocking=False):
            return
        try:
            changed = Trial.objects.judge_statuses(today)
            self.judged_on = today
            if changed:
                logger.info("statuses judged by %s: %d trials changed", today, changed)
        except DatabaseError:
            # A database that cannot be written (an outage, a read-only replica as primary):
            # the pages still answer, and the next request tries again.
            logger.warning("statuses could not be judged by %s", today, exc_info=True)
        finally:
            self.lock.release()
