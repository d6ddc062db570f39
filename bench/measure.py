"""In-process measurements: server-side time, the test client, query counts and bare SQL.

Server-side time is Django's WSGI handler called directly (all middleware, the view, the
template, the whole body read), without HTTP. The same page through ``django.test.Client``
adds what the test client does (template signals, context capture). The queries a page sends
are captured with ``connection.execute_wrapper`` and replayed unchanged through a separate
psycopg connection: the page's bare SQL time, to which Django's time is compared.
"""

import os
import statistics
import time
from dataclasses import dataclass, field

NOT_AVAILABLE = "not available"


@dataclass
class Timing:
    samples: list = field(default_factory=list)

    def add(self, seconds):
        self.samples.append(seconds * 1000)

    def pct(self, p):
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    @property
    def p50(self):
        return statistics.median(self.samples) if self.samples else None

    @property
    def p95(self):
        return self.pct(95)

    @property
    def p99(self):
        return self.pct(99)


@dataclass
class Result:
    name: str
    path: str
    status: str = ""  # "ok" or why not
    http_status: int | None = None
    size: int = 0
    queries: int | None = None
    server: Timing | None = None
    client: Timing | None = None
    bare: Timing | None = None
    facet_queries: int | None = None
    notes: list = field(default_factory=list)

    @property
    def overhead(self):
        if self.server and self.bare and self.bare.p50:
            return self.server.p50 / self.bare.p50
        return None


class Captured:
    """The statements Django sends, with their parameters, as sent."""

    def __init__(self):
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params, many))
        return execute(sql, params, many, context)


def set_up_django():
    """Django as the page timings run it, in this process: on the development database (or
    ``DATABASE_URL``), with the page cache off and ``DEBUG`` off as in production (set after
    the settings load, which without ``DEBUG`` would ask for a secret key)."""
    os.environ.setdefault("DEBUG", "1")
    os.environ["CATALOG_CACHE_PAGES"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialsite.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.CATALOG_CACHE_PAGES = False
    settings.DEBUG = False


def wsgi_get(path):
    """GET ``path`` through Django's WSGI handler; returns (status code, body bytes, headers)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler = wsgi_get.handler = getattr(wsgi_get, "handler", None) or WSGIHandler()
    environ = RequestFactory(HTTP_HOST="127.0.0.1").get(path).environ
    state = {}

    def start_response(status, headers, exc_info=None):
        state["status"], state["headers"] = int(status.split()[0]), headers

    result = handler(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return state["status"], body, dict(state["headers"])


def available(path):
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?")[0])
    except Resolver404:
        return False
    return True


def measure_page(
    name,
    path,
    repeats,
    warmup,
    *,
    bare=False,
    client=True,
    get=wsgi_get,
    warm_first=False,
    before=None,
):
    """Time one page: server side, test client, queries and (for list pages) its bare SQL.
    ``before``, if given, is called before each request, untimed."""
    before = before or (lambda: None)

    from django.db import connection
    from django.test import Client

    result = Result(name, path)
    if not available(path):
        result.status = NOT_AVAILABLE
        return result
    if warm_first:  # count the queries of a page served warm (from a cache or as stored)
        get(path)
    captured = Captured()
    before()
    with connection.execute_wrapper(captured):
        status, body, _headers = get(path)
    result.http_status, result.size = status, len(body)
    if status != 200:
        result.status = f"{NOT_AVAILABLE} (HTTP {status})"
        return result
    result.status = "ok"
    result.queries = len(captured.statements)
    result.sql = [sql for sql, _p, _m in captured.statements]
    result.facet_queries = sum(1 for sql, _p, _m in captured.statements if "GROUP BY" in sql)
    for _ in range(warmup):
        before()
        get(path)
    result.server = Timing()
    for _ in range(repeats):
        before()
        started = time.perf_counter()
        get(path)
        result.server.add(time.perf_counter() - started)
    if client:
        browser = Client(HTTP_HOST="127.0.0.1")
        result.client = Timing()
        for _ in range(warmup):
            browser.get(path)
        for _ in range(repeats):
            started = time.perf_counter()
            response = browser.get(path)
            if response.streaming:
                b"".join(response.streaming_content)
            result.client.add(time.perf_counter() - started)
    if bare:
        result.bare = replay(captured.statements, repeats, warmup)
    return result


def facet_result(search, repeats, warmup):
    """The facet counts of a search page: its GROUP BY statements alone, as bare SQL."""
    result = Result("facet counts of that search (bare SQL)", search.path)
    if search.status != "ok":
        result.status = search.status
        return result
    statements = getattr(search, "statements", None)
    if not statements:
        result.status = f"{NOT_AVAILABLE} (the page sends no GROUP BY query)"
        return result
    result.status = "ok"
    result.queries = len(statements)
    result.bare = replay(statements, repeats, warmup)
    return result


def whole_catalog_counts(path, repeats, warmup):
    """What the unfiltered list's counts cost when the catalog has changed: the statement a
    cold page sends (the total and every facet of the whole catalog), as bare SQL."""
    from django.conf import settings
    from django.core.cache import caches
    from django.db import connection

    result = Result("whole-catalog counts, once per change (bare SQL)", path)
    from catalog.models import SharedFigures

    # Both the pages and the figures kept per catalog version (``cache.per_version``), in this
    # process and in the database.
    caches[settings.CATALOG_PAGE_CACHE].clear()
    caches["default"].clear()
    SharedFigures.forget()
    captured = Captured()
    with connection.execute_wrapper(captured):
        status, _body, _headers = wsgi_get(path)
    statements = [s for s in captured.statements if "GROUP BY" in s[0]]
    if status != 200 or not statements:
        result.status = f"{NOT_AVAILABLE} (HTTP {status})" if status != 200 else NOT_AVAILABLE
        return result
    result.status = "ok"
    result.queries = len(statements)
    result.bare = replay(statements, repeats, warmup)
    return result


def measure_after_change(name, path, repeats, warmup, *, wait_seconds=120):
    """A page as the first visitor after a change gets it: the catalog's version is bumped (as
    every write bumps it) before each timed request. The whole catalog's counts of the version
    before are served meanwhile and this version's computed in the background; this waits for
    that computation before it returns, so that it does not slow what is measured next."""
    from django.db import connection

    from catalog.models import CatalogVersion, SharedFigures

    result = Result(name, path)
    if not available(path):
        result.status = NOT_AVAILABLE
        return result
    wsgi_get(path)  # figures to serve exist (the very first visitor counts them)
    captured = Captured()
    CatalogVersion.bump()
    with connection.execute_wrapper(captured):
        status, _body, _headers = wsgi_get(path)
    if status != 200:
        result.status = f"{NOT_AVAILABLE} (HTTP {status})"
        return result
    result.status = "ok"
    result.queries = len(captured.statements)
    result.facet_queries = sum(1 for sql, _p, _m in captured.statements if "GROUP BY" in sql)
    result.server = Timing()
    for index in range(warmup + repeats):
        CatalogVersion.bump()
        started = time.perf_counter()
        wsgi_get(path)
        if index >= warmup:
            result.server.add(time.perf_counter() - started)
    # A computation that ended before the last change is followed by another, started by the
    # next request: done when, after a request, none is running.
    computing = SharedFigures.objects.filter(computing_since__isnull=False)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        wsgi_get(path)
        time.sleep(0.5)
        if not computing.exists():
            break
    return result


def measure_list(name, path, repeats, warmup, *, warm_first=False):
    """A list page, with its statements kept so its facet queries can be timed apart."""
    from django.db import connection

    result = measure_page(name, path, repeats, warmup, bare=True, warm_first=warm_first)
    if result.status == "ok":
        captured = Captured()
        with connection.execute_wrapper(captured):
            wsgi_get(path)
        result.statements = [s for s in captured.statements if "GROUP BY" in s[0]]
    return result


def _bare_connection():
    """A plain psycopg connection with the site's connection parameters."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params, autocommit=True)


def explain(statements):
    """``EXPLAIN (ANALYZE, BUFFERS)`` of each statement, as text."""
    import psycopg

    out = []
    with _bare_connection() as conn:
        cursor = psycopg.ClientCursor(conn)
        for sql, args, many in statements:
            if many:
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, args)
            out.append("\n".join(row[0] for row in cursor.fetchall()))
    return "\n\n".join(out)


def replay(statements, repeats, warmup):
    """Run the statements through a plain psycopg connection, as Django sent them."""
    import psycopg

    timing = Timing()
    with _bare_connection() as conn:
        cursor = psycopg.ClientCursor(conn)
        cursor.execute("SET TIME ZONE 'UTC'")
        for i in range(warmup + repeats):
            started = time.perf_counter()
            for sql, args, many in statements:
                if many:
                    cursor.executemany(sql, args)
                else:
                    cursor.execute(sql, args)
                    if cursor.description:
                        cursor.fetchall()
            if i >= warmup:
                timing.add(time.perf_counter() - started)
    return timing
