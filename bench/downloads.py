"""Downloads under load: the whole catalog's JSON export downloaded by 10 clients in a loop
and by 5 slow readers (160 kB/s each) at once, while two probes time /api/v2/version and a
trial page. Run for each worker model (gthread, the default, and sync) against gunicorn in
production mode on 127.0.0.1; every download is checked whole (its length and digest).

Run by ``bench/load.py --scenario downloads`` (part of ``make load-test``); writes the
"Downloads under load" section of docs/benchmarks/load.md.
"""

import hashlib
import http.client
import multiprocessing
import os
import statistics
import threading
import time

EXPORT = "/trials/export.json"


def fetch(port, path, rate=None, timeout=120):
    """(status, bytes received, Content-Length or None, sha256, error) of one GET; ``rate``
    limits the reading to that many bytes per second, like a slow client."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    digest, received, error = hashlib.sha256(), 0, ""
    status, length = 0, None
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        status = response.status
        length = response.getheader("Content-Length")
        started = time.monotonic()
        chunk = 16384 if rate else 1 << 20
        while True:
            data = response.read(chunk)
            if not data:
                break
            digest.update(data)
            received += len(data)
            if rate:
                ahead = received / rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
    except (OSError, http.client.HTTPException) as exc:
        error = type(exc).__name__
    finally:
        connection.close()
    return status, received, int(length) if length else None, digest.hexdigest(), error


def _downloader(port, stop_at, rate, reference, results):
    while time.monotonic() < stop_at:
        status, received, length, digest, error = fetch(port, EXPORT, rate, timeout=300)
        results.put(
            (
                "slow" if rate else "full",
                status,
                received,
                status == 200 and received == length and digest == reference and not error,
            )
        )
        if rate:
            return  # one whole download each: at 160 kB/s it takes most of the run


def _group(port, stop_at, clients, rate, reference, results):
    # The downloaders stand for clients on other machines: on the server's own cores they run
    # at a lower priority, so that the time they take from the server (reading and checking
    # gigabytes) is not counted against it. The probes keep the normal priority.
    os.nice(10)
    threads = [
        threading.Thread(target=_downloader, args=(port, stop_at, rate, reference, results))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _probe(port, stop_at, paths, results):
    while time.monotonic() < stop_at:
        for name, path in paths:
            started = time.monotonic()
            status, *_rest, error = fetch(port, path, timeout=60)
            results.put(("probe", name, status, (time.monotonic() - started) * 1000, error))
        time.sleep(0.1)


def run(port, trial_path, seconds, full_clients=10, slow_clients=5, slow_rate=160_000):
    """The scenario against the server on ``port``; returns its figures."""
    fetch(port, EXPORT)  # builds the file if it is not stored yet
    status, size, length, reference, error = fetch(port, EXPORT)
    if status != 200 or size != length:
        raise SystemExit(f"the export did not answer whole: {status} {size}/{length} {error}")
    results = multiprocessing.Queue()
    stop_at = time.monotonic() + seconds
    paths = [("/api/v2/version", "/api/v2/version"), ("trial page", trial_path)]
    processes = [
        multiprocessing.Process(
            target=_group, args=(port, stop_at, full_clients, None, reference, results)
        ),
        multiprocessing.Process(
            target=_group, args=(port, stop_at, slow_clients, slow_rate, reference, results)
        ),
        multiprocessing.Process(target=_probe, args=(port, stop_at, paths, results)),
    ]
    for process in processes:
        process.start()
    collected = []
    while any(p.is_alive() for p in processes) or not results.empty():
        try:
            collected.append(results.get(timeout=1))
        except Exception:  # noqa: BLE001 (queue.Empty)
            pass
    for process in processes:
        process.join()
    figures = {"size": size, "seconds": seconds}
    for kind in ("full", "slow"):
        rows = [r for r in collected if r[0] == kind]
        figures[kind] = {
            "downloads": len(rows),
            "complete": sum(1 for r in rows if r[3]),
            "statuses": sorted({r[1] for r in rows}),
        }
    for name, _ in paths:
        times = sorted(r[3] for r in collected if r[0] == "probe" and r[1] == name)
        failed = [r for r in collected if r[0] == "probe" and r[1] == name and r[2] != 200]
        figures[name] = {
            "requests": len(times),
            "failed": len(failed),
            "median": statistics.median(times) if times else 0,
            "p95": times[int(len(times) * 0.95)] if times else 0,
            "max": times[-1] if times else 0,
        }
    return figures
