"""A record's status judged by a given day, computed here from the record alone (apart from the
catalog's own ``status_on``), for tests that count statuses in the bundled records."""

import calendar
import datetime

# The day the bundled catalog's statuses are judged by in tests (``bundled_catalog``): the end
# of the data's year, so that no test changes its answer as records age.
STATUSES_JUDGED_ON = datetime.date(2022, 12, 31)
ACTIVE = {"NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING"}


def stale(verified, today):
    """Verified (YYYY-MM or YYYY-MM-DD, a month counting to its end) more than two years
    before ``today``."""
    parts = [int(p) for p in verified.split("-")]
    year, month = parts[0], parts[1]
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    return (today.year, today.month, today.day) > (year + 2, month, day)


def judged_status(status_module, today):
    """The status a v2 ``statusModule`` shows on ``today``: UNKNOWN for an active status
    unverified for two years."""
    status = status_module.get("overallStatus")
    verified = status_module.get("statusVerifiedDate", "")
    return "UNKNOWN" if status in ACTIVE and verified and stale(verified, today) else status
