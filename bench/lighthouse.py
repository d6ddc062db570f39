"""Lighthouse scores of the home, list and trial pages, served by gunicorn in production mode on
127.0.0.1 and measured in Debian's Chromium. Writes the scores to docs/benchmarks/lighthouse.md.

    make lighthouse
    .venv/bin/python -m bench.lighthouse --help

Needs the catalog loaded (``make load``; DATABASE_URL selects another database), Chromium
(``apt-get install chromium``) and Lighthouse from npm: ``lighthouse`` on the PATH, or
``--lighthouse PATH``, or else ``npx --yes lighthouse`` fetches it. Each page is measured as
Lighthouse does by default (a phone on a throttled network, simulated) and as a desktop.
"""

import argparse
import datetime
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.load import (
    BASE_DIR,
    PORTS,
    development_database_url,
    production_env,
    start_gunicorn,
)
from bench.loopback import free_port

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 90, "accessibility": 95, "best-practices": 95, "seo": 95}
FORM_FACTORS = ("mobile", "desktop")


def busiest_trial():
    """The bundled trial with the most sites: the longest trial page."""
    with gzip.open(BASE_DIR / "data" / "msc-trials-2022.json.gz") as f:
        studies = json.load(f)

    def sites(study):
        return len(study["protocolSection"].get("contactsLocationsModule", {}).get("locations", []))

    busiest = max(studies, key=sites)
    return busiest["protocolSection"]["identificationModule"]["nctId"]


def lighthouse_command(given):
    if given:
        return [given]
    if shutil.which("lighthouse"):
        return ["lighthouse"]
    return ["npx", "--yes", "lighthouse@12"]


def chromium():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        sys.exit("no Chromium: apt-get install chromium, or set CHROMIUM_PATH")
    return path


def measure(command, url, form_factor, work):
    """{category: score out of 100} of one Lighthouse run."""
    out = work / f"report-{abs(hash((url, form_factor)))}.json"
    args = command + [
        url,
        f"--chrome-path={chromium()}",
        "--chrome-flags=--headless --no-sandbox --disable-gpu",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
    ]
    if form_factor == "desktop":
        args.append("--preset=desktop")
    # Lighthouse now and then fails to record a trace (NO_NAVSTART): such a run is repeated.
    for attempt in range(3):
        run = subprocess.run(args, env={**os.environ, "CHROME_PATH": chromium()})
        if run.returncode == 0:
            break
        print(f"lighthouse failed on {url} ({form_factor}), attempt {attempt + 1}", flush=True)
    else:
        raise RuntimeError(f"lighthouse failed three times on {url} ({form_factor})")
    report = json.loads(out.read_text())
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    failed = [
        audit["title"]
        for audit in report["audits"].values()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit.get("scoreDisplayMode") == "binary"
    ]
    return scores, failed


def render(rows, when, load):
    lines = [
        "# Lighthouse",
        "",
        f"Measured {when} with `make lighthouse` (bench/lighthouse.py): gunicorn in production "
        "mode on 127.0.0.1 serving the bundled catalog, Lighthouse "
        "in Debian's Chromium, each page as a phone (Lighthouse's default: simulated slow 4G "
        f"and CPU) and as a desktop. Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} before the run.",
        "",
        "Targets: performance ≥ 90, accessibility, best practices and SEO ≥ 95, for the home, "
        "list and trial pages. A searched list carries `robots: noindex` on purpose (search "
        "combinations are not pages to index), which Lighthouse's SEO score counts against it.",
        "",
        "| page | device | performance | accessibility | best practices | SEO | met |",
        "|---|---|---|---|---|---|---|",
    ]
    notes = []
    for name, path, form_factor, scores, failed, _ in rows:
        met = all(scores[c] >= TARGETS[c] for c in CATEGORIES)
        lines.append(
            f"| {name} (`{path}`) | {form_factor} | "
            + " | ".join(str(scores[c]) for c in CATEGORIES)
            + f" | {'yes' if met else 'NO'} |"
        )
        if failed:
            notes.append(f"- {name}, {form_factor}: {'; '.join(sorted(set(failed)))}")
    if notes:
        lines += ["", "Pass/fail audits that did not pass:", "", *notes]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lighthouse", help="the lighthouse executable (npm's)")
    parser.add_argument("--out", default=str(BASE_DIR / "docs" / "benchmarks" / "lighthouse.md"))
    args = parser.parse_args()

    # (name, path, whether the targets apply): a searched list asks not to be indexed (robots
    # noindex), on purpose, and Lighthouse's SEO score counts that against it.
    pages = (
        ("home", "/", True),
        ("list", "/trials/", True),
        ("list, searched and filtered", "/trials/?q=knee+osteoarthritis&status=RECRUITING", False),
        ("trial", f"/trials/{busiest_trial()}/", True),
    )
    work = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    env = production_env(development_database_url(), work / "static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    port = free_port(PORTS)
    load = os.getloadavg()
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    server = start_gunicorn(env, port, work / "gunicorn.log")
    rows = []
    try:
        command = lighthouse_command(args.lighthouse)
        for name, path, targeted in pages:
            for form_factor in FORM_FACTORS:
                scores, failed = measure(
                    command, f"http://127.0.0.1:{port}{path}", form_factor, work
                )
                rows.append((name, path, form_factor, scores, failed, targeted))
                print(name, form_factor, scores, flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = render(rows, when, load)
    Path(args.out).write_text(text)
    print(text)
    met = all(
        all(s[c] >= TARGETS[c] for c in CATEGORIES) for *_, s, _, targeted in rows if targeted
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
