"""``python -m bench --size N``: measure the catalog at N trials (``make bench SIZE=N``).

Prints one table and writes it to docs/benchmarks/bench.md (a section per size;
``--size smoke`` writes bench/out/smoke.md instead). Pages that do not exist yet are reported
as not available.
"""

import argparse
import os
import re
import signal
import sys
import time
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEARCH_WORD = "osteoarthritis"
FILTERS = {"status": "RECRUITING", "phase": "PHASE2", "country": "China"}
CSV_ROWS = 10_000
CSV_PAGE = 1000  # the API's largest page, as ClinicalTrials.gov's
IGNORED = "query ignored (same SQL as the list)"
# Warm-up requests over loopback per gunicorn worker (which worker answers is the kernel's
# choice: a few each makes it likely that every one has answered before the timing starts).
WARMUP_PER_WORKER = 4


def gunicorn_warmup(args):
    return max(args.warmup, WARMUP_PER_WORKER * args.workers)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", default="1538", help="Trials to measure at, or 'smoke'.")
    parser.add_argument("--repeats", type=int, help="Timed repeats per page (default 50; smoke 5).")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=int, help="Load duration (default 10; smoke 2).")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4).")
    parser.add_argument("--ports", default=os.environ.get("BENCH_PORTS", "8180-8199"))
    parser.add_argument("--no-http", action="store_true", help="Skip gunicorn and Datasette.")
    parser.add_argument(
        "--no-store",
        action="store_true",
        help="Leave the generated trials' v2 studies unstored (the API builds them on read).",
    )
    parser.add_argument("--out", help="Markdown file to write (default by size).")
    args = parser.parse_args(argv)
    smoke = args.size == "smoke"
    if not smoke and not args.size.isdigit():
        parser.error("--size is a number of trials or 'smoke'")
    args.repeats = args.repeats or (5 if smoke else 50)
    args.seconds = args.seconds or (2 if smoke else 10)
    args.warmup = 1 if smoke else args.warmup
    lo, hi = (int(p) for p in args.ports.split("-"))
    args.ports = list(range(lo, hi + 1))
    args.out = (
        Path(args.out)
        if args.out
        else ROOT / ("bench/out/smoke.md" if smoke else "docs/benchmarks/bench.md")
    )
    return args


def say(message):
    print(message, file=sys.stderr, flush=True)


def setup_django(size):
    from bench.database import select_database

    select_database(size)
    # Production settings: no query log, no debug toolbar of any kind.
    os.environ["DEBUG"] = "0"
    # The benchmark's servers answer plain HTTP on the loopback: no redirect to HTTPS.
    os.environ["HTTPS"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    os.environ["CATALOG_CACHE_PAGES"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialsite.settings")
    import django

    django.setup()


def trial_with_sites(n=70):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.nct_id, count(s.id) AS sites FROM catalog_trial t "
            "JOIN catalog_site s ON s.trial_id = t.id WHERE t.is_public "
            "GROUP BY t.id ORDER BY abs(count(s.id) - %s), t.is_synthetic, t.nct_id LIMIT 1",
            [n],
        )
        row = cursor.fetchone()
    return row or (None, 0)


def forget_stored_page(path):
    from catalog.models import StoredPage

    StoredPage.objects.filter(trial__nct_id=path.rstrip("/").rsplit("/", 1)[-1]).delete()


def forget_stored_cards():
    from catalog.models import StoredCard

    StoredCard.objects.all().delete()


def scenarios(nct_id):
    search = f"/trials/?{urlencode({'q': SEARCH_WORD})}"
    filtered = f"/trials/?{urlencode({'q': SEARCH_WORD, **FILTERS})}"
    return {
        "list": "/trials/",
        "search": search,
        "filtered": filtered,
        "trial": f"/trials/{nct_id}/" if nct_id else "/trials/NCT00000000/",
        "api": "/api/v2/studies?pageSize=100",
        "csv": f"/api/v2/studies?format=csv&pageSize={CSV_PAGE}",
    }


def csv_get(path):
    """The CSV export of CSV_ROWS trials, following next-page tokens if the API pages it."""
    from bench.measure import wsgi_get

    status, body, headers = wsgi_get(path)
    total, rows = body, body.count(b"\n") - 1
    while status == 200 and rows < CSV_ROWS:
        token = {k.lower(): v for k, v in headers.items()}.get("x-next-page-token")
        if not token:
            break
        status, body, headers = wsgi_get(f"{path}&{urlencode({'pageToken': token})}")
        total += body
        rows += body.count(b"\n") - 1
    return status, total, headers


def in_process(paths, args):
    from bench import measure

    r, w = args.repeats, args.warmup
    say("timing pages in process")
    # The whole catalog's counts are kept per catalog version: the unfiltered list is timed
    # with them in the cache, and what they cost once per change is timed apart.
    # Each viewed once first, so that its queries and bare SQL are those of the page with its
    # results' cards stored (catalog.site.cards).
    results = [
        measure.measure_list("unfiltered list", paths["list"], r, w, warm_first=True),
        measure.measure_list(
            f"one-word search ({SEARCH_WORD})", paths["search"], r, w, warm_first=True
        ),
    ]
    filtered = measure.measure_list(
        "search + 3 filters + facets", paths["filtered"], r, w, warm_first=True
    )
    results += [filtered, measure.facet_result(filtered, r, w)]
    # The one-word search on the first listing of its results after they changed: their
    # cards rendered, not read as stored.
    results.append(
        measure.measure_page(
            "one-word search, its results' cards rendered",
            paths["search"],
            r,
            w,
            client=False,
            before=forget_stored_cards,
        )
    )
    results.append(measure.whole_catalog_counts(paths["list"], max(3, r // 10), 1))
    results.append(
        measure.measure_after_change("unfiltered list, right after a change", paths["list"], r, w)
    )
    for result in results[1:3]:
        # Before the search exists, the list page answers every query with the plain list.
        if result.status == "ok" and getattr(result, "sql", None) == getattr(results[0], "sql", 0):
            result.status = IGNORED
    # Viewed once first, so that its queries and bare SQL are those of the page as stored.
    results.append(
        measure.measure_page(
            "trial page (~70 sites)", paths["trial"], r, w, bare=True, warm_first=True
        )
    )
    # The same page on its first view after the trial changed: rendered, not read as stored.
    results.append(
        measure.measure_page(
            "trial page, first view after a change",
            paths["trial"],
            r,
            w,
            client=False,
            before=partial(forget_stored_page, paths["trial"]),
        )
    )
    results.append(measure.measure_page("API v2 page of 100", paths["api"], r, w, bare=True))
    from django.conf import settings

    settings.CATALOG_CACHE_PAGES = True
    try:
        for name, key in (("unfiltered list, cache on", "list"), ("trial page, cache on", "trial")):
            results.append(
                measure.measure_page(name, paths[key], r, w, client=False, warm_first=True)
            )
    finally:
        settings.CATALOG_CACHE_PAGES = False
    results.append(
        measure.measure_page(
            f"CSV export of {CSV_ROWS:,}",
            paths["csv"],
            max(3, r // 10),
            1,
            client=False,
            get=csv_get,
        )
    )
    return results


# The catalog's pages over loopback beside Datasette's equivalents: (what, ours, theirs).
PEER_PAIRS = [
    (
        "search + 3 filters + facets",
        "catalog: search + 3 filters + facets (gunicorn)",
        "Datasette: the same search (FTS, 3 filters, 3 facets)",
    ),
    (
        "one-word search",
        "catalog: one-word search (gunicorn)",
        "Datasette: the same one-word search (FTS, 3 facets)",
    ),
    ("trial page", "catalog: trial page (~70 sites) (gunicorn)", "Datasette: the same trial's row"),
]


def over_http(paths, args, out_dir, nct_id):
    """gunicorn (cache off, then on for the trial page) and Datasette, over loopback."""
    from bench import loopback, peer

    env = {**os.environ, "CATALOG_CACHE_PAGES": "0"}
    port = loopback.free_port(args.ports)
    sequential, loads = [], []
    say(f"gunicorn on 127.0.0.1:{port}, {args.workers} workers")
    with loopback.gunicorn(port, args.workers, env, out_dir / "gunicorn.log"):
        for name, key in (
            ("search + 3 filters + facets", "filtered"),
            ("one-word search", "search"),
            ("trial page (~70 sites)", "trial"),
            ("API v2 page of 100", "api"),
        ):
            # Each worker's first request of a page fills caches of its own (vocabulary,
            # templates, counts): the warm-up reaches every worker, as Datasette's one process.
            status, _size, timing = loopback.sequential(
                port, paths[key], args.repeats, gunicorn_warmup(args)
            )
            sequential.append((f"catalog: {name} (gunicorn)", status, timing))
        for name, key in (
            ("trial page", "trial"),
            ("search + 3 filters + facets", "filtered"),
            ("unfiltered list", "list"),
        ):
            status, _ = loopback.get(port, paths[key])
            if status != 200:
                loads.append((name + " (cache off)", f"not available (HTTP {status})", None))
                continue
            say(f"  load: {name}")
            loads.append(
                (
                    name + " (cache off)",
                    "ok",
                    loopback.load(port, paths[key], args.concurrency, args.seconds),
                )
            )
    env["CATALOG_CACHE_PAGES"] = "1"
    port = loopback.free_port(args.ports)
    with loopback.gunicorn(port, args.workers, env, out_dir / "gunicorn-cached.log"):
        status, _ = loopback.get(port, paths["trial"])
        if status == 200:
            say("  load: trial page, cache on")
            loads.append(
                (
                    "trial page (cache on)",
                    "ok",
                    loopback.load(port, paths["trial"], args.concurrency, args.seconds),
                )
            )
    peer_path = peer.datasette_path(
        SEARCH_WORD, FILTERS["status"], FILTERS["phase"], FILTERS["country"]
    )
    if not peer.installed():
        sequential.append(
            (
                "Datasette: the same search",
                "not available (pip install -r requirements-bench.txt)",
                None,
            )
        )
    else:
        from catalog.models import CatalogVersion, Trial

        db_path = str(out_dir / "peer.db")
        fingerprint = f"{Trial.objects.count()}:{CatalogVersion.current()[0]}"
        started = time.monotonic()
        if peer.build(db_path, fingerprint, say):
            say(f"  built in {time.monotonic() - started:.0f} s")
        port = loopback.free_port(args.ports)
        say(f"Datasette on 127.0.0.1:{port}")
        pages = [
            ("the same search (FTS, 3 filters, 3 facets)", peer_path),
            ("the same one-word search (FTS, 3 facets)", peer.datasette_path(SEARCH_WORD)),
            ("the same trial's row", peer.datasette_row_path(nct_id)),
        ]
        measured = peer.measure(
            db_path,
            port,
            [path for _, path in pages],
            args.repeats,
            args.warmup,
            out_dir / "datasette.log",
        )
        for (name, _), (status, _size, timing) in zip(pages, measured, strict=True):
            sequential.append((f"Datasette: {name}", status, timing))
    return sequential, loads, peer_path


def main(argv=None):
    # Stopped by a signal, the servers it started are stopped too (the context managers run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse_args(argv)
    started = time.monotonic()
    setup_django(args.size)
    from django.core.management import call_command
    from django.db import connection

    from bench import report
    from bench.database import fill

    count, generated = fill(args.size, args.seed, say, store=not args.no_store)
    call_command("collectstatic", interactive=False, verbosity=0)
    nct_id, sites = trial_with_sites()
    paths = scenarios(nct_id)
    out_dir = ROOT / "bench" / "out" / str(args.size)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = in_process(paths, args)
    sequential, loads, peer_path = (
        ([], [], None) if args.no_http else over_http(paths, args, out_dir, nct_id)
    )
    info = report.machine(connection)

    main_rows = report.rows(results)
    http_rows = [
        [name, "ok" if status == 200 else status if isinstance(status, str) else f"HTTP {status}"]
        + ([report.ms(t.p50), report.ms(t.p95), report.ms(t.p99)] if t else ["—"] * 3)
        for name, status, t in sequential
    ]
    timings = {name: t for name, _s, t in sequential if t}
    for what, ours, theirs in PEER_PAIRS:
        if ours in timings and theirs in timings:
            ratio = timings[theirs].p50 / timings[ours].p50
            http_rows.append([f"Datasette p50 / catalog p50: {what}", "", report.ratio(ratio)])
            http_rows[-1] += ["", ""]
    load_rows = [
        [name, status, "—", "—", "—", "—", "—", "—"]
        if load is None
        else [
            name,
            load.tool,
            load.concurrency,
            load.seconds,
            load.requests,
            f"{load.rate:.0f}",
            load.errors,
            report.ms(load.latency_p99),
        ]
        for name, status, load in loads
    ]
    title = f"{count:,} trials" + (" (smoke)" if args.size == "smoke" else "")
    print(
        f"\n== {title}: in process (server side), {args.repeats} repeats after {args.warmup} warm-up"
    )
    print(report.text_table(report.HEADER, main_rows))
    if http_rows:
        print()
        print(report.text_table(report.HTTP_HEADER, http_rows))
    if load_rows:
        print()
        print(report.text_table(report.LOAD_HEADER, load_rows))
    elapsed = time.monotonic() - started
    section = markdown_section(args, SimpleNamespace(**locals()))
    write_section(args.out, str(args.size), section)
    say(f"\nwritten to {args.out} ({elapsed:.0f} s)")


def markdown_section(args, run):
    """The run's section of the benchmarks page; ``run`` holds what ``main`` measured."""
    from bench import report

    title, info, paths, sites, elapsed = run.title, run.info, run.paths, run.sites, run.elapsed
    generated, peer_path = run.generated, run.peer_path
    main_rows, http_rows, load_rows = run.main_rows, run.http_rows, run.load_rows

    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        f"## {title}",
        "",
        f"Measured {when} with `make bench SIZE={args.size}` in {elapsed:.0f} s"
        + (f" (of which generating {generated:,} synthetic trials)" if generated else "")
        + ".",
        f"Machine: {info['cpu']}, {info['memory']}, {info['os']}, Python {info['python']}, "
        f"PostgreSQL {info['postgresql']}; load average at the end {info['load']} "
        "(the machine is shared: figures vary between runs).",
        "",
        f"Pages: list `{paths['list']}`, search `{paths['search']}`, filtered `{paths['filtered']}`, "
        f"trial `{paths['trial']}` ({sites} sites), API `{paths['api']}`, CSV `{paths['csv']}`.",
        "",
        f"In process (Django's WSGI handler, no HTTP), {args.repeats} repeats after "
        f"{args.warmup} warm-up, page cache off except where said. *Bare SQL* is the page's own statements "
        "replayed through psycopg; *facet counts* are the page's GROUP BY statements alone.",
        "",
        report.markdown_table(report.HEADER, main_rows),
    ]
    over_loopback = (
        f"Over loopback, one request at a time (gunicorn with gunicorn.conf.py and "
        f"{args.workers} workers of 8 threads computing one request at a time, sync when "
        "GUNICORN_THREADS=1, cache off, "
        f"{gunicorn_warmup(args)} warm-up requests so that every "
        f"worker has answered; Datasette, {args.warmup}: its search `{peer_path}`, its one-word "
        "search without the filters, and its page of the same trial's row):"
    )
    for intro, header, rows in (
        (over_loopback, report.HTTP_HEADER, http_rows),
        ("Under load (gunicorn, loopback):", report.LOAD_HEADER, load_rows),
    ):
        if rows:
            lines += ["", intro, "", report.markdown_table(header, rows)]
    return "\n".join(lines) + "\n"


def write_section(path, key, section):
    begin, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{begin}\n{section}{end}\n"
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if begin in text:
        text = re.sub(
            re.escape(begin) + ".*?" + re.escape(end) + "\n?", lambda m: block, text, flags=re.S
        )
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


if __name__ == "__main__":
    main()
