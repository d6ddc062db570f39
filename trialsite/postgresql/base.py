"""Django's PostgreSQL backend with a health check that costs no round trip when the
connection is idle (``ENGINE = "trialsite.postgresql"``).

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before each request's first query on a
persistent connection: a round trip, and a wake-up of the server's process, on every request (a
large part of the time of a stored trial page, which is one query). A connection that the
server has closed (a restart, a failover, ``pg_terminate_backend``) has something to read: the
server's last message, or the end of the stream. So the socket is polled first, without
waiting; the server is asked only when there is something to read or the connection is not
idle, and a broken connection is still closed and opened again before the request's query."""

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status == pq.TransactionStatus.IDLE:
            try:
                readable, _, _ = select.select([connection.fileno()], [], [], 0)
            except (OSError, ValueError):
                return False
            if not readable:
                return True
        return super().is_usable()
