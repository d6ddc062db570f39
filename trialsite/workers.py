"""The gunicorn worker of ``gunicorn.conf.py``: gthread's, computing one response at a time.

gunicorn's gthread worker runs every request it has accepted in a thread of its own, at once,
and a worker's threads share one interpreter lock. Under load a worker holds as many requests
as it has threads, all computing together: a thread back from a database query waits for the
lock behind the others, a search takes as long as the mix of neighbours it shares the worker
with, and a worker keeps accepting connections while others sit idle. Sync workers compute one
request each and take the next from the listening socket only when free, which is faster and
fairer under load (docs/performance.md has the figures), but a client reading a download
slowly holds a whole sync worker until gunicorn's timeout kills it, download and all.

``SerialThreadWorker`` keeps the threads and computes like a sync worker: one request at a
time, and it accepts a new connection only when it has no request to compute and a thread is
free, so that requests wait in the listening socket for whichever worker is free first. A
response is written to its client by its thread after it is computed, so a slow reader holds
a thread, never the worker. Connections are not kept alive between requests (``keepalive =
0``), as with sync workers: a connection kept alive would bring its next request to its worker
however busy, while every other worker may be free.

Like a sync worker, it waits for a new connection's request before it takes another (up to 5
seconds, gthread's wait for a request's first bytes, after which the connection is closed):
the proxy in front of it (deploy/Caddyfile) passes a request on once it has read its headers,
and only curators' forms send a body. A streaming response computes while it is written,
outside its turn.
"""

import threading

from gunicorn.workers.gthread import ThreadWorker


class SerialThreadWorker(ThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.computing = threading.Lock()
        # The requests handed to a thread and not yet computed (counted by the main thread,
        # uncounted by the threads).
        self.queued = 0
        self.queued_lock = threading.Lock()
        self.local = threading.local()

    def load_wsgi(self):
        super().load_wsgi()
        application = self.wsgi

        def one_at_a_time(environ, start_response):
            try:
                with self.computing:
                    return application(environ, start_response)
            finally:
                self.computed()

        self.wsgi = one_at_a_time

    def enqueue_req(self, conn):
        with self.queued_lock:
            self.queued += 1
        # Busy: new connections wait in the listening socket for a free worker.
        self.set_accept_enabled(False)
        super().enqueue_req(conn)

    def handle(self, conn):
        self.local.queued = True
        try:
            return super().handle(conn)
        finally:
            # Uncounted here when no request reached the application (a client that sent
            # nothing, or left); a no-op when it did (``one_at_a_time`` uncounted it).
            self.computed()

    def computed(self):
        if not getattr(self.local, "queued", False):
            return
        self.local.queued = False
        with self.queued_lock:
            self.queued -= 1
            idle = not self.queued
        if idle:
            # Wakes the main loop, which takes connections again (``set_accept_enabled``).
            self.method_queue.defer(lambda: None)

    def set_accept_enabled(self, enabled):
        free = not self.queued and self.nr_conns < self.cfg.threads
        super().set_accept_enabled(enabled and free)
