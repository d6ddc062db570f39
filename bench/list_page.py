"""Server time of the list page: a search, three filters and all facet counts.

    .venv/bin/python bench/list_page.py [--requests 200] [--markdown]

Runs against the development database (the embedded PostgreSQL under var/, or DATABASE_URL),
migrating it and loading the bundled data first if it is empty, then ANALYZE. Each page is
requested through Django's test client (the whole request: URL routing, middleware, queries,
template rendering), after a warm-up; it prints p50/p95/max, the time spent in SQL and the
number of SQL queries per request. A benchmark, not a test: it asserts nothing.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialsite.settings")
warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic needed here

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

SCENARIOS = [
    (
        "list: search + 3 filters + all facets",
        "/trials/?q=umbilical+cord&status=RECRUITING&status=NOT_YET_RECRUITING"
        "&status=COMPLETED&phase=PHASE1&phase=PHASE2&country=China",
    ),
    ("list: search only", "/trials/?q=mesenchymal+stem+cells+knee"),
    ("list: no search, no filter", "/trials/"),
    ("list: 100 per page, sorted by start", "/trials/?per_page=100&sort=-start&phase=PHASE2"),
    ("home", "/"),
    ("API: 100 studies, search", "/api/v2/studies?query.term=umbilical+cord&pageSize=100"),
]


class SqlTimer:
    """Counts queries and the time they take (a database execute wrapper)."""

    def __init__(self):
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.queries += 1


def prepare():
    from catalog.models import Trial
    from catalog.registry.importer import Importer

    call_command("migrate", verbosity=0)
    if not Trial.objects.exists():
        print("Loading the bundled data (once)...", file=sys.stderr)
        Importer().run(settings.CATALOG_BUNDLED_DATA)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Trial.objects.count()


def measure(client, url, requests, warmup):
    for _ in range(warmup):
        client.get(url)
    totals, sql_times, query_counts = [], [], set()
    for _ in range(requests):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
            totals.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        sql_times.append(timer.seconds)
        query_counts.add(timer.queries)
    totals.sort()
    return {
        "p50": statistics.median(totals) * 1000,
        "p95": totals[max(0, round(0.95 * len(totals)) - 1)] * 1000,
        "max": totals[-1] * 1000,
        "sql": statistics.median(sql_times) * 1000,
        "queries": "/".join(str(n) for n in sorted(query_counts)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()

    trials = prepare()
    settings.DEBUG = False  # as in production: no query log, no debug templates
    client = Client(HTTP_HOST="localhost")
    rows = [
        (name, url, measure(client, url, args.requests, args.warmup)) for name, url in SCENARIOS
    ]

    load = os.getloadavg()
    print(
        f"{trials} trials, {args.requests} requests per page after {args.warmup} warm-up, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    if args.markdown:
        print("\n| Page | p50 ms | p95 ms | max ms | SQL ms (p50) | SQL queries |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, _url, r in rows:
            print(
                f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | {r['sql']:.1f} "
                f"| {r['queries']} |"
            )
        print()
        for name, url, _ in rows:
            print(f"- {name}: `{url}`")
    else:
        print(f"{'page':42} {'p50':>7} {'p95':>7} {'max':>7} {'sql p50':>8} {'queries':>8}")
        for name, _url, r in rows:
            print(
                f"{name:42} {r['p50']:7.1f} {r['p95']:7.1f} {r['max']:7.1f} {r['sql']:8.1f} "
                f"{r['queries']:>8}"
            )


if __name__ == "__main__":
    main()
