"""The load test: gunicorn in production mode on 127.0.0.1, driven by locust (headless) with
the mixed workload of bench/workload.py at a concurrency above what the machine can serve, for
a bounded time. Writes the figures to docs/benchmarks/load.md.

    make load-test                                     # 50 users for 4 minutes
    make load-test LOAD_ARGS="--users 100 --duration 120"
    .venv/bin/python -m bench.load --help

The catalog must be loaded (``make load``); DATABASE_URL selects another database. Worker
recycling is turned off for the run (GUNICORN_MAX_REQUESTS=0), so the memory figures show any
growth instead of hiding it.
"""

import argparse
import csv
import datetime
import gzip
import json
import os
import platform
import re
import runpy
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.loopback import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))
from workload import WORKLOAD, fill  # noqa: E402

PORTS = range(8160, 8180)
ACCESS_STATUS = re.compile(r'" (\d{3}) ')


def development_database_url():
    """The database ``make run`` uses (the embedded server unless DATABASE_URL is set)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    sys.path.insert(0, str(BASE_DIR))
    from trialsite.embedded_db import database_url

    return database_url(Path(os.environ.get("VAR_DIR", BASE_DIR / "var")))


def production_env(database_url, static_root, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(
        DJANGO_SETTINGS_MODULE="trialsite.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HTTPS="0",
        STATIC_ROOT=str(static_root),
        PYTHONUNBUFFERED="1",
        # One address sends every request here: the per-address download limit would refuse
        # the downloads of a busy run (429), which are the workload, not abuse.
        CATALOG_EXPORT_LIMIT="0",
        **extra,
    )
    return env


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def worker_memory(master):
    """Each gunicorn worker's proportional memory (PSS, in MiB): its own pages, and its share of
    the pages it shares with the master and the other workers (the gazetteer the master loads
    for them), so that the workers' figures add up to what they use together."""
    return [round(p.memory_full_info().pss / 2**20, 1) for p in master.children()]


def cpu_seconds(master, locust_pid):
    """CPU seconds used so far by gunicorn (its master and workers), PostgreSQL's server
    processes on this machine and the load generator: where the run's cores went."""
    used = {"gunicorn": 0.0, "PostgreSQL": 0.0, "locust": 0.0}
    gunicorn = {master.pid, *(p.pid for p in master.children(recursive=True))}
    for process in psutil.process_iter(["name"]):
        try:
            if process.pid in gunicorn:
                part = "gunicorn"
            elif process.pid == locust_pid:
                part = "locust"
            elif process.info["name"] == "postgres":
                part = "PostgreSQL"
            else:
                continue
            times = process.cpu_times()
            used[part] += times.user + times.system
            parent = process.parent() if part == "PostgreSQL" else None
            if part == "PostgreSQL" and (parent is None or parent.name() != "postgres"):
                # The server's first process: what its connections that have closed used.
                used[part] += times.children_user + times.children_system
        except psutil.Error:
            continue  # gone since it was listed
    return used


def parse_stats(prefix):
    with open(f"{prefix}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


def start_gunicorn(env, port, log_path):
    """gunicorn with gunicorn.conf.py on 127.0.0.1:``port``, once it answers /healthz."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
            + ["--bind", f"127.0.0.1:{port}", "trialsite.wsgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            if get(f"http://127.0.0.1:{port}/healthz") == 200:
                return process
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            sys.exit(f"gunicorn did not start:\n{Path(log_path).read_text()}")
        time.sleep(0.3)


# The worker models the downloads scenario compares: (name, environment).
WORKER_MODELS = (
    ("8 threads per worker, one request computed at a time (the default)", {}),
    (
        "gthread, 8 threads per worker, computing at once",
        {"GUNICORN_CMD_ARGS": "--worker-class gthread --keep-alive 5"},
    ),
    ("sync", {"GUNICORN_THREADS": "1"}),
)


def downloads_scenario(args, work, database):
    """bench/downloads.py against gunicorn with each worker model; the section's Markdown."""
    import downloads

    with gzip.open(BASE_DIR / "data" / "msc-trials-2022.json.gz") as f:
        example = json.load(f)[0]["protocolSection"]["identificationModule"]["nctId"]
    runs = []
    for number, (name, model) in enumerate(WORKER_MODELS):
        env = production_env(
            database,
            work / "static",
            GUNICORN_MAX_REQUESTS="0",
            CATALOG_EXPORT_DIR=str(work / "exports"),
            **model,
        )
        if args.workers:
            env["WEB_CONCURRENCY"] = str(args.workers)
        port = free_port(PORTS)
        log_path = work / f"gunicorn-downloads-{number}.log"
        process = start_gunicorn(env, port, log_path)
        try:
            get(f"http://127.0.0.1:{port}/trials/{example}/")
            load_before = os.getloadavg()[0]
            figures = downloads.run(port, f"/trials/{example}/", args.downloads_duration)
            load_after = os.getloadavg()[0]
            # Counted once all have booted (gunicorn answers as soon as the first has).
            workers = len(psutil.Process(process.pid).children())
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(60)
        log = log_path.read_text(errors="replace")
        access = [m.group(1) for m in map(ACCESS_STATUS.search, log.splitlines()) if m]
        figures.update(
            name=name,
            workers=workers,
            server_errors=sum(1 for status in access if status.startswith("5")),
            timeouts=log.count("WORKER TIMEOUT"),
            load=(load_before, load_after),
        )
        runs.append(figures)
    return render_downloads(args, runs)


def render_downloads(args, runs):
    size = runs[0]["size"]
    lines = [
        "## Downloads under load",
        "",
        f"Measured {datetime.date.today().isoformat()} ({os.cpu_count()} cores; the clients ran "
        "on the same cores). For "
        f"{args.downloads_duration} s, 10 clients download the whole catalog's JSON "
        f"(`/trials/export.json`, {size / 1e6:.1f} MB) in a loop and 5 slow clients download "
        "it once each at 160 kB/s, while two probes ask for `/api/v2/version` and a trial "
        "page every 100 ms (bench/downloads.py; the downloading clients run at a lower CPU "
        "priority, standing for clients on other machines). Every download is checked whole: its "
        "Content-Length and its SHA-256 against the file. The export is built once per "
        "catalog version and then served from its file (catalog/site/downloads.py); the "
        "per-address download limit is off for the run, as every client shares one address.",
        "",
        "| Worker model | Workers | /api/v2/version median / **p95** / max ms | Trial page "
        "median / **p95** / max ms | Full downloads complete | Slow downloads complete | "
        "5xx | Worker timeouts |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        version, trial = run["/api/v2/version"], run["trial page"]
        lines.append(
            f"| {run['name']} | {run['workers']} | {version['median']:.0f} / "
            f"**{version['p95']:.0f}** / {version['max']:.0f} ({version['requests']} requests, "
            f"{version['failed']} failed) | {trial['median']:.0f} / **{trial['p95']:.0f}** / "
            f"{trial['max']:.0f} ({trial['requests']} requests, {trial['failed']} failed) | "
            f"{run['full']['complete']} of {run['full']['downloads']} | "
            f"{run['slow']['complete']} of {run['slow']['downloads']} | "
            f"{run['server_errors']} | {run['timeouts']} |"
        )
    lines += [
        "",
        "Machine load average (1 min) before and after each run: "
        + "; ".join(f"{r['name']} {r['load'][0]:.1f} → {r['load'][1]:.1f}" for r in runs)
        + ".",
        "",
        "The default workers (gunicorn.conf.py, trialsite/workers.py) have 8 threads each and "
        "compute one request at a time: a slow reader holds one thread, not a whole worker, "
        "and the worker's main loop keeps answering the arbiter, so a long download is not "
        "killed by the timeout. With sync workers each slow reader takes a whole worker for "
        "the length of its download, and the 30 s timeout kills it midway.",
        "",
    ]
    return "\n".join(lines)


def replace_section(text, heading, section):
    """``text`` with its ``heading`` section (up to the next ``## ``) replaced by ``section``
    (or with ``section`` added at the end)."""
    start = text.find(heading)
    if start == -1:
        return text.rstrip("\n") + "\n\n" + section
    end = text.find("\n## ", start + len(heading))
    return text[:start] + section + (text[end + 1 :] if end != -1 else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent users (50)")
    parser.add_argument("--spawn-rate", type=int, default=25, help="users started per second")
    parser.add_argument("--duration", type=int, default=240, help="seconds of load (240)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (gunicorn.conf.py's)")
    parser.add_argument(
        "--threads",
        type=int,
        help="threads per gunicorn worker, 1 for sync workers (gunicorn.conf.py's)",
    )
    parser.add_argument(
        "--gunicorn-args",
        help='gunicorn options over gunicorn.conf.py\'s ("--worker-class gthread --keep-alive 5")',
    )
    parser.add_argument("--out", default=parser_default_out())
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="serve every page afresh (CATALOG_CACHE_PAGES=0), as a first visit after a change",
    )
    parser.add_argument(
        "--scenario",
        choices=("all", "mixed", "downloads"),
        default="all",
        help="the mixed workload (locust), downloads under load (bench/downloads.py), or both",
    )
    parser.add_argument(
        "--downloads-duration",
        type=int,
        default=120,
        help="seconds of the downloads scenario per worker model (120)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="load-"))
    database = development_database_url()
    env = production_env(database, work / "static", GUNICORN_MAX_REQUESTS="0")
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    if args.gunicorn_args:
        env["GUNICORN_CMD_ARGS"] = args.gunicorn_args
    if args.no_page_cache:
        env["CATALOG_CACHE_PAGES"] = "0"
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    if args.scenario == "downloads":
        section = downloads_scenario(args, work, database)
        out = Path(args.out)
        out.write_text(
            replace_section(out.read_text() if out.exists() else "", "## Downloads", section)
        )
        print(section)
        return 0

    # The trial pages as a running site keeps them, rendered ahead (the compose file's "pages"
    # service) rather than by the run's first visitor of each trial.
    subprocess.run([sys.executable, "manage.py", "store_pages"], cwd=BASE_DIR, env=env, check=True)
    port = free_port(PORTS)
    base = f"http://127.0.0.1:{port}"
    log_path = work / "gunicorn.log"
    master_process = start_gunicorn(env, port, log_path)
    try:
        master = psutil.Process(master_process.pid)

        # Which entries exist yet, and a warm-up of each.
        with gzip.open(BASE_DIR / "data" / "msc-trials-2022.json.gz") as f:
            example = json.load(f)[0]["protocolSection"]["identificationModule"]["nctId"]
        active, missing = [], []
        for _, name, path in WORKLOAD:
            statuses = {get(base + fill(path, example)) for _ in range(3)}
            (missing if statuses == {404} else active).append(name)
        memory_start = worker_memory(master)
        load_before = os.getloadavg()

        samples = []
        prefix = work / "locust"
        locust_log = open(work / "locust.log", "w")  # noqa: SIM115 (closed below)
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(BASE_DIR / "bench" / "locustfile.py")]
            + ["--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate)]
            + ["--run-time", f"{args.duration}s", "--host", base, "--csv", str(prefix)]
            + ["--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"],
            cwd=BASE_DIR / "bench",
            env={**os.environ, "LOAD_ENTRIES": "|".join(active)},
            stdout=subprocess.DEVNULL,
            stderr=locust_log,
        )
        # The first and last readings while locust runs (its own, taken before it exits).
        cpu_first = cpu_last = None
        while locust.poll() is None:
            samples.append(sum(worker_memory(master)))
            reading = (time.monotonic(), cpu_seconds(master, locust.pid))
            cpu_first, cpu_last = cpu_first or reading, reading
            time.sleep(2)
        locust_log.close()
        locust_errors = (work / "locust.log").read_text()
        memory_end = worker_memory(master)
        load_average = os.getloadavg()
    finally:
        master_process.send_signal(signal.SIGTERM)
        master_process.wait(30)

    access = [m.group(1) for m in map(ACCESS_STATUS.search, log_path.read_text().splitlines()) if m]
    server_errors = sum(1 for status in access if status.startswith("5"))
    rows = parse_stats(prefix)
    total = next(row for row in rows if row["Name"] == "Aggregated")
    server = ServerFigures(
        memory_start,
        memory_end,
        samples,
        server_errors,
        len(access),
        (load_before, load_average),
        worker_model(log_path.read_text(), env),
        cpu_share(cpu_first, cpu_last),
    )
    report = render(args, rows, total, active, missing, server)
    if args.scenario == "all":
        report = report.rstrip("\n") + "\n\n" + downloads_scenario(args, work, database)
    Path(args.out).write_text(report)
    print(report)
    if locust.returncode not in (0, 1):  # 1: some requests failed, as reported
        print(locust_errors[-3000:], file=sys.stderr)
    return 1 if server_errors else 0


@dataclass
class ServerFigures:
    """What a run measured of gunicorn and the machine, beside locust's own figures."""

    memory_start: list  # each worker's proportional memory (PSS, MiB)
    memory_end: list
    samples: list  # the workers' total memory every 2 s of the run
    server_errors: int  # responses with a 5xx status in the access log
    served: int  # responses in the access log
    load_average: tuple  # os.getloadavg() before the run and at its end
    workers: str  # what the workers are, as worker_model() names them
    cpu: dict  # cores each part used on average during the run (cpu_share)


def cpu_share(first, last):
    """{part: cores it used on average} between two (time, cpu_seconds()) readings."""
    if not first or not last or last[0] <= first[0]:
        return {}
    elapsed = last[0] - first[0]
    return {part: (last[1][part] - first[1][part]) / elapsed for part in first[1]}


# The worker classes gunicorn names in its log ("Using worker: …"), as the report names them.
WORKER_CLASSES = {
    "sync": "sync workers",
    "gthread": "gthread workers of {threads} threads, computing their requests at once",
    "trialsite.workers.SerialThreadWorker": (
        "workers of {threads} threads computing one request at a time (trialsite/workers.py)"
    ),
}


def worker_model(log, env):
    """The gunicorn workers of a run, from its log and its environment."""
    used = re.search(r"Using worker: (\S+)", log)
    name = used.group(1) if used else "?"
    threads = (
        env.get("GUNICORN_THREADS") or runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))["threads"]
    )
    return WORKER_CLASSES.get(name, name + " workers").format(threads=threads)


def parser_default_out():
    return str(BASE_DIR / "docs" / "benchmarks" / "load.md")


def render(args, rows, total, active, missing, server):
    today = datetime.date.today().isoformat()
    command = "make load-test"
    options = []
    if (args.users, args.duration) != (50, 240):
        options += [f"--users {args.users}", f"--duration {args.duration}"]
    if args.scenario != "all":
        options.append(f"--scenario {args.scenario}")
    if args.threads:
        options.append(f"--threads {args.threads}")
    if args.gunicorn_args:
        options.append(f"--gunicorn-args '{args.gunicorn_args}'")
    if args.no_page_cache:
        options.append("--no-page-cache")
    if args.out != parser_default_out():
        options.append(f"--out {os.path.relpath(args.out, BASE_DIR)}")
    if options:
        command += f' LOAD_ARGS="{" ".join(options)}"'
    cpu = platform.processor() or platform.machine()
    lines = [
        "# Load test",
        "",
        f"Measured {today} on this project's development machine ({os.cpu_count()} cores, "
        f"{cpu}, Python {platform.python_version()}); the load generator ran on the same cores. "
        "Rerun with:",
        "",
        "```sh",
        command,
        "```",
        "",
        f"gunicorn with gunicorn.conf.py ({len(server.memory_start)} {server.workers}, "
        "worker recycling off) in production mode on 127.0.0.1, the bundled catalog in "
        "PostgreSQL (the embedded server unless DATABASE_URL names another); locust "
        "(FastHttpUser), headless, "
        f"{args.users} users with no pause between requests for {args.duration} s: far more "
        f"concurrent requests than {len(server.memory_start)} workers "
        "can serve, so requests queue and latency shows the saturation. The per-address "
        "download limit is off, as every client shares one address. "
        + (
            "The page cache is off: every page is built afresh."
            if args.no_page_cache
            else "The page cache is on, as in production."
        ),
        "",
        "## Results",
        "",
        f"- Throughput: **{float(total['Requests/s']):.1f} requests/s** "
        f"({total['Request Count']} requests)",
        f"- Latency: median {total['50%']} ms, **p95 {total['95%']} ms**, "
        f"p99 {total['99%']} ms, max {float(total['Max Response Time']):.0f} ms",
        f"- Errors: **{total['Failure Count']} failed requests**; "
        f"**{server.server_errors} responses with a 5xx status** among the {server.served} in gunicorn's "
        "access log",
        f"- Worker memory (proportional set size, MiB): {fmt(server.memory_start)} at the start, "
        f"{fmt(server.memory_end)} at the end (total {sum(server.memory_start):.0f} → "
        f"{sum(server.memory_end):.0f}; highest total during the run "
        f"{max(server.samples, default=0):.0f})",
        f"- Workers' total memory at each quarter of the run (MiB): {quarters(server.samples)}; "
        f"from half-way to the end: {half_way_growth(server.samples):+.0f} MiB (workers grow "
        "while they warm up to their working size; growth in the second half is what a leak "
        "would show)",
        "- CPU used during the run (cores, of "
        f"{os.cpu_count()}): "
        + (", ".join(f"{part} {cores:.2f}" for part, cores in server.cpu.items()) or "not read")
        + "; per request: "
        + (
            ", ".join(
                f"{part} {cores * 1000 / float(total['Requests/s']):.1f} ms"
                for part, cores in server.cpu.items()
            )
            if server.cpu and float(total["Requests/s"])
            else "not read"
        ),
        f"- Machine load average (1 min) before the run {server.load_average[0][0]:.1f}, at its end "
        f"{server.load_average[1][0]:.1f}"
        + (
            ": other work was sharing the cores, so these figures are a floor"
            if server.load_average[0][0] > (os.cpu_count() or 1)
            else ""
        ),
        "",
        "| Request | Requests | Failures | Median ms | p95 ms | p99 ms | Requests/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        lines.append(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Requests/s']):.1f} |"
        )
    lines += ["", "## The workload", "", "From bench/workload.py, by weight:", ""]
    for weight, name, path in WORKLOAD:
        note = "" if name in active else " — *not in this run: the address answered 404*"
        lines.append(f"- {weight} × {name}: `{path}`{note}")
    if missing:
        lines += [
            "",
            "Entries that answered 404 when the run started are pages the catalog does not "
            "have yet; they join the run by themselves once they exist.",
        ]
    lines.append("")
    return "\n".join(lines)


def quarters(samples):
    if len(samples) < 4:
        return fmt(samples)
    return " → ".join(
        f"{samples[min(len(samples) - 1, len(samples) * q // 4)]:.0f}" for q in (1, 2, 3, 4)
    )


def half_way_growth(samples):
    return samples[-1] - samples[len(samples) // 2] if samples else 0


def fmt(values):
    return ", ".join(f"{v:.0f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
