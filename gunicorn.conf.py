"""gunicorn's configuration: ``gunicorn -c gunicorn.conf.py trialsite.wsgi:application``.

Every value can be changed from the environment: ``PORT``, ``WEB_CONCURRENCY`` (workers),
``GUNICORN_THREADS`` (threads per worker; 1 for sync workers), ``GUNICORN_TIMEOUT``,
``GUNICORN_MAX_REQUESTS`` (0 turns recycling off), ``FORWARDED_ALLOW_IPS`` (the proxies whose
X-Forwarded-* headers are trusted) and ``GUNICORN_CONTROL_SOCKET`` (off when unset).
"""

import math
import os
from pathlib import Path


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def cpu_count():
    """The cores this process may use, a container's CPU limit (cgroup v2) included."""
    cores = len(os.sched_getaffinity(0))
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return cores


bind = [f"0.0.0.0:{_int('PORT', 8000)}"]

# The catalog's requests are short and database-bound: two workers per core, plus one. Each
# worker computes one request at a time, like a sync worker, and writes responses from
# GUNICORN_THREADS threads: a download read slowly by its client holds one thread while the
# worker goes on serving, where a sync worker was held whole (and then killed by the timeout,
# cutting the download). See trialsite/workers.py for why not gthread's own worker, which
# computes all its threads' requests at once. GUNICORN_THREADS=1 gives sync workers again.
# docs/benchmarks/load.md and docs/performance.md measure them.
workers = _int("WEB_CONCURRENCY", cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 8)
worker_class = "trialsite.workers.SerialThreadWorker" if threads > 1 else "sync"

# A worker that stops answering the arbiter for this long is stuck: it is killed and replaced.
# (With threads a long download does not count: the worker's main loop keeps answering.)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
# A connection closes after its response, as with sync workers: kept alive, it would bring its
# next request to its worker however busy, while other workers may be free.
keepalive = 0

# Workers are replaced after this many requests (with jitter, so not all at once), which
# bounds the memory any slow leak could take.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# Request-size limits: a request line of at most 8 KB and at most 100 headers of 8 KB.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Heartbeat files in memory, not on a container's overlay filesystem.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# gunicorn's control socket (gunicornc) lives under $HOME by default, which the container's
# user cannot write ("Control server error: Permission denied"). Off unless a path is given.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# Access log to standard output, errors to standard error; the application's own logs are
# JSON lines on standard output (trialsite/jsonlog.py).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'


def when_ready(server):
    """In the master, before the workers are forked: load the place gazetteer once, for every
    worker to share (``catalog.places.gazetteer.preload``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialsite.settings")
    import django

    django.setup()
    from catalog.places.gazetteer import preload

    if preload():
        server.log.info("Gazetteer loaded in the master: the workers share it")
