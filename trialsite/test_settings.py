"""Settings for the test suite: the development settings, whatever the shell exports."""

import os

os.environ.setdefault("DEBUG", "1")

from trialsite.settings import *  # noqa: E402, F403

# Tests read response.context; the page cache is switched on by the tests of the cache itself.
CATALOG_CACHE_PAGES = False

# Export files of the test databases apart from the development server's.
CATALOG_EXPORT_DIR = VAR_DIR / "test-exports"  # noqa: F405

# No download limit per address: every test client is 127.0.0.1, and the tests of the limit set
# their own.
CATALOG_EXPORT_LIMIT = 0

# Statuses are judged by the dates the tests give (the import judges by today).
CATALOG_JUDGE_STATUSES_DAILY = False
