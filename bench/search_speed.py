"""``python -m bench.search_speed``: the search pages alone, on the development database.

Times the list page's one-word search, the search with three filters and a few other searches
(server side, through Django's WSGI handler, as ``python -m bench`` does) on whatever catalog the
development database holds, the page's own SQL replayed bare (its p50) and the queries each page
sends. A quick before/after check for search changes; the full benchmark stays ``make bench``.
``--explain`` also prints ``EXPLAIN (ANALYZE, BUFFERS)`` of each page's statements, run as the
site's connections run them (its ``DATABASE_*`` settings included: ``DATABASE_JIT=on`` shows
what JIT compilation costs).
"""

import argparse
import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.__main__ import FILTERS, SEARCH_WORD  # noqa: E402

# Short and long searches: "COVID-19" is widened by the synonyms to 24 phrases.
EXTRA = ("ALS", "type 1 diabetes", "COVID-19", "NCT02883803")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.search_speed", description=__doc__)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print each page's plans")
    parser.add_argument(
        "--search",
        action="append",
        default=[],
        metavar="TEXT",
        help="time this search too (repeatable): --search 'knee osteoarthritis'",
    )
    args = parser.parse_args(argv)
    from bench.measure import Captured, explain, measure_page, set_up_django, wsgi_get

    set_up_django()
    from django.db import connection

    pages = [
        (f"one-word search ({SEARCH_WORD})", {"q": SEARCH_WORD}),
        ("search + 3 filters + facets", {"q": SEARCH_WORD, **FILTERS}),
    ] + [(f"search {q!r}", {"q": q}) for q in EXTRA + tuple(args.search)]
    print(f"{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'SQL p50':>8} {'queries':>8}")
    for name, params in pages:
        path = f"/trials/?{urlencode(params)}"
        result = measure_page(
            name,
            path,
            args.repeats,
            args.warmup,
            client=False,
            bare=True,
        )
        if result.status != "ok":
            print(f"{name:40} {result.status}")
            continue
        print(
            f"{name:40} {result.server.p50:8.1f} {result.server.p95:8.1f}"
            f" {result.bare.p50:8.1f} {result.queries:8}"
        )
        if args.explain:
            captured = Captured()
            with connection.execute_wrapper(captured):
                wsgi_get(path)
            print(explain(captured.statements), end="\n\n")


if __name__ == "__main__":
    main()
