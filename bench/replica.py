"""``python -m bench.replica``: the read replica's figures, measured on this machine.

    .venv/bin/python -m bench.replica            # the bundled 1,538 trials
    .venv/bin/python -m bench.replica --seeds    # the five seed trials: a quick check

A scratch primary (the embedded server's PostgreSQL binaries) is migrated and loaded, a hot
standby is made from it with ``pg_basebackup`` and streams its WAL, and gunicorn serves the
catalog in production mode with the page cache off (every page reads the database):

1. anonymous page reads, one at a time and then concurrently, without a replica and with one;
2. where the reads went: the transactions each server committed during the run;
3. the fallback: a client reads trial pages while the replica is stopped and started again.

Prints the figures and writes docs/benchmarks/replica.md (``--out`` elsewhere). The servers are
the test suite's (tests/servers.py); everything is removed at the end.
"""

import argparse
import datetime
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loopback import load  # noqa: E402
from bench.measure import Timing  # noqa: E402
from bench.report import markdown_table, ms  # noqa: E402

DATABASE = "bench_replica"
PAGES = {
    "trial page": "/trials/{id}/",
    "list, first page": "/trials/",
    "one-word search": "/trials/?q=osteoarthritis",
    "API page of 100": "/api/v2/studies?pageSize=100",
}
TRIAL_IDS = 20  # the trial page is read for this many trials in turn


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.replica", description=__doc__)
    parser.add_argument("--seeds", action="store_true", help="Load the 5 seed trials only.")
    parser.add_argument("--repeats", type=int, default=40, help="Timed requests per page.")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10, help="Duration of each load run.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
    parser.add_argument("--outage", type=float, default=5.0, help="Seconds the replica is down.")
    parser.add_argument("--ports", default=os.environ.get("BENCH_PORTS", "8180-8199"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks" / "replica.md"))
    return parser.parse_args(argv)


def say(message):
    print(message, flush=True)


def main(argv=None):
    args = parse_args(argv)
    # The servers of tests/servers.py take their ports from TEST_PORTS.
    os.environ["TEST_PORTS"] = args.ports
    from tests.servers import ScratchPostgres, StreamingReplica

    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()
    directory = Path(tempfile.mkdtemp(prefix="catalog-bench-replica-"))
    primary = replica = None
    try:
        say("starting the primary and loading it")
        primary = ScratchPostgres(directory / "pgdata")
        primary_url = primary.create_database(DATABASE)
        static_root = directory / "static"
        load_catalog(primary_url, static_root, args.seeds)
        say("making the replica (pg_basebackup) and starting it")
        copy_started = time.perf_counter()
        replica = StreamingReplica(primary, directory / "replica")
        replica.wait_until_caught_up()
        copy_seconds = time.perf_counter() - copy_started
        replica_url = replica.url(DATABASE)
        context = Context(args, primary_url, replica_url, static_root, directory)
        reads = {
            "primary only": context.measure_reads(replica_url=None),
            "with the replica": context.measure_reads(replica_url=replica_url, replica=replica),
        }
        say("stopping and starting the replica under a steady reader")
        outage = context.measure_outage(replica)
        figures = {
            "started": started,
            "load_before": load_before,
            "load_after": os.getloadavg(),
            "postgresql": primary.psql("SHOW server_version;").split("\n")[2].strip(),
            "trials": count(primary_url, "SELECT count(*) FROM catalog_trial"),
            "copy_seconds": copy_seconds,
            "reads": reads,
            "outage": outage,
        }
    finally:
        if replica:
            replica.cleanup()
        if primary:
            primary.cleanup()
        shutil.rmtree(directory, ignore_errors=True)
    text = report(args, figures)
    print(text)
    Path(args.out).write_text(text)
    say(f"written to {args.out}")


def load_catalog(url, static_root, seeds_only):
    from tests.servers import manage, production_env

    env = production_env(url, static_root)
    python = sys.executable
    manage(python, "collectstatic", "--noinput", env=env)
    manage(python, "migrate", "--noinput", env=env, timeout=1800)
    data = ["data/seeds"] if seeds_only else ["data/msc-trials-2022.json.gz", "data/seeds"]
    manage(python, "import_ctgov", *data, env=env, timeout=3600)
    manage(python, "annotate_msc", "--missing", env=env, timeout=3600)


def count(url, sql):
    from tests.servers import query_value

    return query_value(url, sql)


def committed(url):
    """Transactions committed so far in the catalog's database on the server at ``url``."""
    # Statistics reach the view within about a second of a backend going idle.
    time.sleep(1.5)
    return count(url, f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{DATABASE}'")


class Context:
    def __init__(self, args, primary_url, replica_url, static_root, directory):
        self.args = args
        self.primary_url = primary_url
        self.replica_url = replica_url
        self.static_root = static_root
        self.directory = directory
        ids = _column(primary_url, "SELECT nct_id FROM catalog_trial WHERE is_public ORDER BY 1")
        step = max(1, len(ids) // TRIAL_IDS)
        self.trial_ids = ids[::step][:TRIAL_IDS]

    def gunicorn(self, replica_url, name):
        from tests.servers import Gunicorn, production_env

        extra = {"CATALOG_CACHE_PAGES": "0", "GUNICORN_MAX_REQUESTS": "0"}
        if replica_url:
            extra["DATABASE_REPLICA_URL"] = replica_url
        env = production_env(self.primary_url, self.static_root, **extra)
        return Gunicorn(env, self.directory / f"{name}.log", workers=self.args.workers)

    def paths(self, name, n):
        template = PAGES[name]
        return [template.format(id=self.trial_ids[i % len(self.trial_ids)]) for i in range(n)]

    def measure_reads(self, replica_url, replica=None):
        mode = "with the replica" if replica_url else "primary only"
        say(f"anonymous reads, {mode}")
        with self.gunicorn(replica_url, mode.replace(" ", "-")) as server:
            for name in PAGES:  # warm up every worker's connections and caches
                for path in self.paths(name, 2 * self.args.workers):
                    server.get(path, timeout=120)
            before = (committed(self.primary_url), replica and committed(self.replica_url))
            pages = {}
            for name in PAGES:
                timing, failures = Timing(), 0
                for path in self.paths(name, self.args.repeats):
                    begun = time.perf_counter()
                    status = server.get(path, timeout=120).status
                    timing.add(time.perf_counter() - begun)
                    failures += status != 200
                pages[name] = (timing, failures)
                say(f"  {name}: p50 {ms(timing.p50)} ms, p95 {ms(timing.p95)} ms")
            after = (committed(self.primary_url), replica and committed(self.replica_url))
            concurrent = load(
                server.port,
                PAGES["trial page"].format(id=self.trial_ids[0]),
                self.args.concurrency,
                self.args.seconds,
            )
            say(f"  {concurrent.concurrency} clients: {concurrent.rate:.0f} requests/s")
        transactions = {
            "primary": after[0] - before[0],
            "replica": (after[1] - before[1]) if replica else None,
        }
        return {"pages": pages, "load": concurrent, "transactions": transactions}

    def measure_outage(self, replica):
        """A reader of trial pages, one request at a time, while the replica stops and starts."""
        with self.gunicorn(self.replica_url, "outage") as server:
            for path in self.paths("trial page", 4 * self.args.workers):
                server.get(path, timeout=120)
            events = []  # (phase, seconds since the stop, latency ms, status)
            phase = {"name": "replica up", "since": time.perf_counter()}
            stop = threading.Event()

            def reader():
                i = 0
                while not stop.is_set():
                    path = self.paths("trial page", i + 1)[i]
                    begun = time.perf_counter()
                    try:
                        status = server.get(path, timeout=120).status
                    except OSError:
                        status = 0
                    latency = (time.perf_counter() - begun) * 1000
                    events.append((phase["name"], begun - phase["since"], latency, status))
                    i += 1

            thread = threading.Thread(target=reader)
            thread.start()
            time.sleep(2)
            phase.update(name="replica stopped", since=time.perf_counter())
            replica.stop()
            stopped_seconds = time.perf_counter() - phase["since"]
            time.sleep(self.args.outage)
            phase.update(name="replica starting", since=time.perf_counter())
            replica.start()
            started = time.perf_counter()
            back = None
            deadline = started + 120
            while time.perf_counter() < deadline:
                body = server.get("/healthz").json()
                if body.get("replica", {}).get("status") == "ok":
                    back = time.perf_counter() - started
                    break
                time.sleep(0.1)
            phase.update(name="replica back", since=time.perf_counter())
            time.sleep(2)
            stop.set()
            thread.join()
        return {"events": events, "stop_seconds": stopped_seconds, "back_seconds": back}


def _column(url, sql):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return [row[0] for row in connection.execute(sql)]


def report(args, figures):
    load_before, load_after = figures["load_before"], figures["load_after"]
    started = figures["started"]
    reads = figures["reads"]
    lines = [
        "# Read replica: measured figures",
        "",
        "Written by `python -m bench.replica` "
        f"({'--seeds, ' if args.seeds else ''}{args.repeats} requests per page, "
        f"{args.workers} gunicorn workers, page cache off). "
        "See [../replicas.md](../replicas.md) for the topology.",
        "",
        f"- Run on {started:%Y-%m-%d} at {started:%H:%M} UTC: {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"PostgreSQL {figures['postgresql']}; primary, replica, gunicorn and the client on "
        "the same machine.",
        f"- Machine load average (1/5/15 min) before the run {_load(load_before)}, "
        f"at its end {_load(load_after)}.",
        f"- {figures['trials']:,} trials. Base backup and catch-up of the replica: "
        f"{figures['copy_seconds']:.1f} s.",
        "",
        "## Anonymous reads, one request at a time",
        "",
    ]
    header = ["page"]
    for mode in reads:
        header += [f"{mode} p50 ms", f"{mode} p95 ms"]
    body = []
    for name in PAGES:
        row = [name]
        for mode in reads:
            timing, failures = reads[mode]["pages"][name]
            row += [ms(timing.p50), ms(timing.p95)]
            if failures:
                row[-1] += f" ({failures} not 200)"
        body.append(row)
    lines += markdown_table(header, body).splitlines()
    lines += [
        "",
        "## Where the reads went, and the trial page under concurrent clients",
        "",
    ]
    header = ["", "transactions on the primary", "on the replica", "requests/s", "errors"]
    body = []
    for mode, result in reads.items():
        transactions, concurrent = result["transactions"], result["load"]
        body.append(
            [
                f"{mode} ({concurrent.concurrency} clients, {concurrent.seconds} s)",
                str(transactions["primary"]),
                "—" if transactions["replica"] is None else str(transactions["replica"]),
                f"{concurrent.rate:.0f}",
                str(concurrent.errors),
            ]
        )
    lines += markdown_table(header, body).splitlines()
    outage = figures["outage"]
    lines += [
        "",
        "## The replica stopped and started under a steady reader",
        "",
        f"One client reads trial pages one after another. The replica is stopped "
        f"(`pg_ctl stop -m fast`, {outage['stop_seconds']:.1f} s), left down "
        f"{args.outage:.0f} s, and started again; the router checks it every 5 s "
        f"(`DATABASE_REPLICA_CHECK_SECONDS`). /healthz reported it usable again "
        + (
            f"{outage['back_seconds']:.1f} s after it was started."
            if outage["back_seconds"] is not None
            else "not within 120 s."
        ),
        "",
    ]
    header = ["phase", "requests", "not 200", "p50 ms", "slowest ms", "first request ms"]
    body = []
    for name in ("replica up", "replica stopped", "replica starting", "replica back"):
        events = [e for e in outage["events"] if e[0] == name]
        if not events:
            continue
        timing = Timing([e[2] for e in events])
        body.append(
            [
                name,
                str(len(events)),
                str(sum(e[3] != 200 for e in events)),
                ms(timing.p50),
                ms(max(timing.samples)),
                ms(events[0][2]),
            ]
        )
    lines += markdown_table(header, body).splitlines()
    return "\n".join(lines) + "\n"


def _load(values):
    return " / ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    main()
