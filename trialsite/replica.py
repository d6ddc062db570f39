"""Anonymous reads from a streaming read replica; everything else from the primary.

Switched on by ``DATABASE_REPLICA_URL`` (settings then add the ``replica`` database, this
router and this middleware; without it nothing here runs). docs/replicas.md has the topology.

- ``ReplicaReadsMiddleware`` decides per request whether its reads may go to the replica: a
  ``GET`` or ``HEAD`` from a visitor who is not logged in, outside the admin. Curators, the
  admin, forms that post, management commands and the sync never read from the replica, so
  whoever writes always reads what was written.
- ``ReplicaRouter`` sends that request's reads to the replica, and every write, every read of a
  request that has written, and every read inside a transaction on the primary to the primary.
- ``ReplicaHealth`` says whether the replica may be read at all: it answers and it is no more
  than ``DATABASE_REPLICA_MAX_LAG`` seconds behind the primary. It is checked at most every
  ``DATABASE_REPLICA_CHECK_SECONDS`` per process (two one-row queries), not per query.
- A replica that fails in the middle of a request (stopped, restarted, network gone) is marked
  down and the view is run again on the primary, so the visitor gets the page, not a 503.
"""

import logging
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from trialsite.outage import is_outage, unavailable_response

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"


@dataclass
class Routing:
    """What one request may read from, and what it has done so far."""

    replica_reads: bool = False
    wrote: bool = False
    used_replica: bool = False


# None outside requests (commands, the sync, the shell): everything goes to the primary.
_routing = ContextVar("replica_routing", default=None)


# How far behind the replica is, in seconds: nothing when it has replayed all the WAL the
# primary had written when asked; otherwise the age of the last transaction it replayed.
_PRIMARY_POSITION_SQL = "SELECT pg_current_wal_lsn()::text"
_REPLICA_STATE_SQL = (
    "SELECT pg_is_in_recovery(), "
    "coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false), "
    "extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
)


class ReplicaHealth:
    """Whether the replica may be read, as last checked by this process.

    One thread checks at a time; the others keep the previous answer meanwhile, so a slow or
    unreachable replica delays at most the one request that checks it (by at most
    ``DATABASE_REPLICA_CONNECT_TIMEOUT``).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._checked_at = None
        self.usable = False
        self.status = "not checked yet"
        self.lag = None

    def is_usable(self):
        now = time.monotonic()
        interval = settings.DATABASE_REPLICA_CHECK_SECONDS
        if self._checked_at is not None and now - self._checked_at < interval:
            return self.usable
        if not self._lock.acquire(blocking=False):
            return self.usable
        try:
            self._record(*self._check())
            self._checked_at = time.monotonic()
        finally:
            self._lock.release()
        return self.usable

    def mark_down(self, error):
        """The replica failed during a request: leave it alone until the next check is due."""
        self._record(False, f"unreachable: {type(error).__name__}", None)
        self._checked_at = time.monotonic()
        try:
            connections[REPLICA].close()
        except DatabaseError:
            pass  # already broken: the next check opens a new connection

    def _check(self):
        try:
            with connections[PRIMARY].cursor() as cursor:
                cursor.execute(_PRIMARY_POSITION_SQL)
                (position,) = cursor.fetchone()
        except DatabaseError as error:
            # Without the primary the replica's freshness cannot be told.
            return False, f"primary unreachable: {type(error).__name__}", None
        replica = connections[REPLICA]
        try:
            with replica.cursor() as cursor:
                cursor.execute(_REPLICA_STATE_SQL, [position])
                in_recovery, caught_up, age = cursor.fetchone()
        except DatabaseError as error:
            replica.close()
            return False, f"unreachable: {type(error).__name__}", None
        if not in_recovery:
            # A promoted replica takes writes of its own: it is no longer a copy of the primary.
            return False, "not a standby", None
        lag = 0.0 if caught_up else age
        if lag is None:
            return False, "has replayed nothing yet", None
        if lag > settings.DATABASE_REPLICA_MAX_LAG:
            return False, "lagging", lag
        return True, "ok", lag

    def _record(self, usable, status, lag):
        if usable != self.usable or (not usable and status != self.status):
            log = logger.info if usable else logger.warning
            lag_text = "" if lag is None else f" ({lag:.1f} s behind)"
            where = "replica" if usable else "primary"
            log("read replica %s%s: reads go to the %s", status, lag_text, where)
        self.usable, self.status, self.lag = usable, status, lag

    def describe(self):
        """For /healthz: the router's last view of the replica."""
        answer = {"status": self.status}
        if self.lag is not None:
            answer["lag_seconds"] = round(self.lag, 3)
        return answer


health = ReplicaHealth()


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        routing = _routing.get()
        if routing is None or not routing.replica_reads or routing.wrote:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            # A transaction reads what it may go on to write: from the primary.
            return PRIMARY
        if not health.is_usable():
            return PRIMARY
        routing.used_replica = True
        return REPLICA

    def db_for_write(self, model, **hints):
        routing = _routing.get()
        if routing is not None:
            # From now on this request reads its own writes.
            routing.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: objects from either may be related.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica replays the primary's schema; it is never migrated itself.
        return db == PRIMARY


def replica_reads_allowed(request):
    """A read by a visitor who is not logged in, outside the admin."""
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path_info.lstrip("/").startswith(settings.ADMIN_PATH):
        return False
    # Reads the session (from the primary) only when the request carries a session cookie.
    return not request.user.is_authenticated


class ReplicaReadsMiddleware:
    """Marks the requests whose reads may go to the replica, and runs a view again on the
    primary when the replica fails under it. After AuthenticationMiddleware (it asks whether
    the visitor is logged in), and after DatabaseUnavailableMiddleware, so that it sees a
    view's database error first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        routing = Routing(replica_reads=replica_reads_allowed(request))
        request.replica_routing = routing
        token = _routing.set(routing)
        try:
            return self.get_response(request)
        finally:
            _routing.reset(token)

    def process_exception(self, request, exception):
        routing = getattr(request, "replica_routing", None)
        if routing is None or not routing.used_replica or not is_outage(exception):
            return None
        # Nothing was written yet: a request that writes reads from the primary from then on,
        # so a failed replica read comes before any write, and running the view again is safe.
        health.mark_down(exception)
        routing.replica_reads = False
        match = request.resolver_match
        try:
            response = match.func(request, *match.args, **match.kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
        except Exception as error:
            if is_outage(error):
                return unavailable_response(request, error)
            raise
        return response
