"""``python -m bench.deep_pages``: deep pages of the list and the API, on the development
database: a list page asked for by its number (read with OFFSET, past every row before it)
against the same page reached by Next (continued from its row, ``after=``), and an API page
of 100 after a page token, at several depths. Server side, through Django's WSGI handler, as
``python -m bench`` measures; p50 of ``--repeats``.
"""

import argparse
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEPTHS = (40, 400, 4000, 19000)  # pages of 25, as far as the catalog has them


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.deep_pages", description=__doc__)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args(argv)
    from bench.measure import measure_page, set_up_django, wsgi_get

    set_up_django()
    from catalog.search.listing import TrialSearch, page_token

    def p50(path):
        result = measure_page(path, path, args.repeats, args.warmup, client=False)
        return f"{result.server.p50:8.1f}" if result.status == "ok" else f"{result.status:>8}"

    search = TrialSearch({})
    total = search.queryset().count()
    print(f"{total:,} public trials; p50 ms of {args.repeats} requests")
    print(f"{'page of 25':>12} {'by number':>10} {'by Next':>10} {'API after row':>14}")
    for depth in DEPTHS:
        if depth * 25 > total:
            break
        by_number = f"/trials/?page={depth}"
        _status, body, _headers = wsgi_get(f"/trials/?page={depth - 1}")
        found = re.search(rb'rel="next" href="([^"]+)"', body)
        by_next = html.unescape(found.group(1).decode()) if found else None
        row = search.ordered().only("nct_id", *search.sort_columns)[(depth - 1) * 25]
        api = f"/api/v2/studies?pageSize=100&pageToken={page_token(row, search.sort_keys)}"
        print(
            f"{depth:>12,} {p50(by_number):>10} {p50(by_next) if by_next else '—':>10}"
            f" {p50(api):>14}"
        )


if __name__ == "__main__":
    main()
