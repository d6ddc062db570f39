"""The benchmark's one table, as text for the terminal and as Markdown for docs/."""

import os
import platform
import re
import subprocess


def machine(connection):
    cores = os.cpu_count()
    memory = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = re.search(r"model name\s*:\s*(.*)", f.read()).group(1).strip()
    except (OSError, AttributeError):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    load = os.getloadavg()
    return {
        "cpu": f"{cores} cores ({cpu})" if cpu else f"{cores} cores",
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": pg,
        "load": f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
    }


def tool_version(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "not installed"


def ms(value):
    return "—" if value is None else (f"{value:.1f}" if value < 100 else f"{value:.0f}")


def ratio(value):
    return "—" if value is None else f"{value:.2f}x"


HEADER = [
    "measure",
    "status",
    "queries",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "test client p50",
    "bare SQL p50",
    "Django / SQL",
]


def rows(results):
    out = []
    for r in results:
        timing = r.server or r.bare
        out.append(
            [
                r.name,
                r.status if r.status == "ok" else r.status,
                "—" if r.queries is None else str(r.queries),
                ms(timing.p50) if timing else "—",
                ms(timing.p95) if timing else "—",
                ms(timing.p99) if timing else "—",
                ms(r.client.p50) if r.client else "—",
                ms(r.bare.p50) if r.bare and r.server else "—",
                ratio(r.overhead),
            ]
        )
    return out


HTTP_HEADER = ["over loopback", "status", "p50 ms", "p95 ms", "p99 ms"]
LOAD_HEADER = ["load", "tool", "concurrency", "seconds", "requests", "req/s", "errors", "p99 ms"]


def text_table(header, body):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    lines = [line, "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in body]
    return "\n".join(lines)


def markdown_table(header, body):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in body]
    return "\n".join(lines)
