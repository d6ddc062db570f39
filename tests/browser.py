"""A real Chromium for the browser tests: Debian's ``chromium`` driven by Playwright.

Playwright never downloads a browser here: it launches the system Chromium, found as
``CHROMIUM_PATH`` when set, else ``chromium`` on the PATH, else /usr/bin/chromium. Where none
is installed the browser tests skip, saying how to enable them; in CI (``CI`` set) they fail
instead, so that they are never skipped unnoticed.
"""

import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

# Headless, and nothing that reaches out to the network by itself (the tests' machines reach
# only the loopback: Chromium waits on connections it cannot make).
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

HOW_TO_ENABLE = (
    "install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium "
    "executable"
)


def in_ci():
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def chromium_path():
    """The Chromium executable to drive, or None when there is none."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).is_file() else None
    found = shutil.which("chromium") or "/usr/bin/chromium"
    return found if Path(found).is_file() else None


def require_chromium():
    """The Chromium executable; skips the test where there is none (fails in CI)."""
    path = chromium_path()
    if path:
        return path
    if os.environ.get("CHROMIUM_PATH"):
        message = f"CHROMIUM_PATH={os.environ['CHROMIUM_PATH']} is not a file"
    else:
        message = "no Chromium found"
    message += f": to run the browser tests, {HOW_TO_ENABLE}"
    if in_ci():
        pytest.fail(f"{message} (.ci/setup installs it in CI)", pytrace=False)
    pytest.skip(message)


def launch(playwright, executable):
    """The system Chromium through Playwright, headless."""
    return playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)


# What a page shows -------------------------------------------------------------------------


def result_count(page):
    """The number of matching trials the list announces ("123 trials · page 1 of 7")."""
    heading = page.locator("#results-h").inner_text()
    return int(re.match(r"(\d+) trials?\b", heading).group(1))


def query(page):
    """The parameters of the page's address."""
    return parse_qs(urlsplit(page.url).query)
