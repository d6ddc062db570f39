"""The load test's mixed workload: what a crowd of visitors and API clients asks for.

Each entry is (weight, name, path); ``{nct_id}``, ``{term}``, ``{page}``, ``{status}`` and
``{phase}`` are filled at random for every request. An entry whose address answers 404 when
the run starts (a page that does not exist yet) is left out of that run and named in the
report. Add new pages and API endpoints here.
"""

import random
from urllib.parse import quote_plus

WORKLOAD = [
    (2, "home", "/"),
    (4, "list", "/trials/?page={page}"),
    (4, "search", "/trials/?q={term}"),
    (3, "search with filters", "/trials/?q={term}&status={status}&phase={phase}"),
    (6, "trial page", "/trials/{nct_id}/"),
    (4, "API study", "/api/v2/studies/{nct_id}"),
    (2, "API list", "/api/v2/studies?query.term={term}&pageSize=20"),
    (1, "CSV export", "/trials/export.csv?q={term}"),
]

TERMS = [
    "knee osteoarthritis",
    "COVID-19",
    "graft versus host disease",
    "spinal cord injury",
    "Crohn",
    "heart failure",
    "ARDS",
    "multiple sclerosis",
    "umbilical cord",
    "bone marrow",
]
STATUSES = ["RECRUITING", "COMPLETED", "UNKNOWN", "NOT_YET_RECRUITING"]
PHASES = ["PHASE1", "PHASE2", "PHASE3"]
PAGES = range(1, 40)


def fill(path, nct_id):
    """``path`` with its placeholders filled: ``nct_id`` and random terms and filters."""
    return path.format(
        nct_id=nct_id,
        term=quote_plus(random.choice(TERMS)),
        status=random.choice(STATUSES),
        phase=random.choice(PHASES),
        page=random.choice(PAGES),
    )
