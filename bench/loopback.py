"""Measurements over loopback HTTP: the catalog under gunicorn, and the peer under Datasette.

Servers bind 127.0.0.1 only and are stopped when the run ends. Load comes from ``wrk`` when it
is installed (``apt-get install wrk``), else from a small threaded Python client; either way
the number of requests and the time are bounded.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from bench.measure import Timing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port(ports):
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports[0]}-{ports[-1]}")


def wait_for(port, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port} after {seconds} s")


@contextmanager
def serve(command, port, env=None, log=None):
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_for(port, process)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if log:
            out.close()


def gunicorn(port, workers, env, log):
    command = [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"),
        "trialsite.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    return serve(command, port, env=env, log=log)


def get(port, path, conn=None):
    """(status, body) of one GET, on ``conn`` when given (kept alive)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def sequential(port, path, repeats, warmup):
    """Client-side latency of one request at a time (a new connection each, as browsers open)."""
    status, body = get(port, path)
    if status != 200:
        return status, len(body), None
    for _ in range(warmup):
        get(port, path)
    timing = Timing()
    for _ in range(repeats):
        started = time.perf_counter()
        get(port, path)
        timing.add(time.perf_counter() - started)
    return status, len(body), timing


@dataclass
class Load:
    tool: str
    concurrency: int
    seconds: float
    requests: int
    rate: float
    errors: int
    latency_p50: float | None = None
    latency_p99: float | None = None


def load(port, path, concurrency, seconds):
    if shutil.which("wrk"):
        return _wrk(port, path, concurrency, seconds)
    return _threads(port, path, concurrency, seconds)


def _ms(text):
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not match:
        return None
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _wrk(port, path, concurrency, seconds):
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(concurrency),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    done = re.search(r"(\d+) requests in", out)
    per_second = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not done or not per_second:
        raise RuntimeError(f"wrk gave no figures: {out[-500:]}")
    requests, rate = int(done.group(1)), float(per_second.group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    return Load(
        "wrk",
        concurrency,
        seconds,
        requests,
        rate,
        errors,
        _ms(p50.group(1)) if p50 else None,
        _ms(p99.group(1)) if p99 else None,
    )


def _threads(port, path, concurrency, seconds):
    deadline = time.monotonic() + seconds
    counts = {"ok": 0, "errors": 0}
    timing = Timing()
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status, _ = get(port, path, conn)
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            with lock:
                counts["ok" if ok else "errors"] += 1
                timing.add(time.perf_counter() - started)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    total = counts["ok"] + counts["errors"]
    return Load(
        "python threads",
        concurrency,
        seconds,
        total,
        total / elapsed,
        counts["errors"],
        timing.p50,
        timing.p99,
    )
