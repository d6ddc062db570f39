"""The peer: the same trials in Datasette (SQLite), with full-text search and facets.

One row per trial with the same text fields the catalog's search vector covers (titles,
acronym, conditions, interventions, keywords, summary, description, eligibility) under an FTS
index, and status, phases and countries to filter and facet on (phases and countries as JSON
arrays, faceted with ``_facet_array``). The SQLite file is built once per catalog state and
kept under ``bench/out/``.
"""

import os
import shutil
import sys

from bench.loopback import sequential, serve

FTS_COLUMNS = [
    "brief_title",
    "acronym",
    "official_title",
    "conditions",
    "interventions",
    "keywords",
    "brief_summary",
    "detailed_description",
    "eligibility_criteria",
]

EXPORT_SQL = """
SELECT t.nct_id, t.brief_title, t.acronym, t.official_title,
  coalesce((SELECT string_agg(c.name, ' | ' ORDER BY tc.position) FROM catalog_trialcondition tc
            JOIN catalog_condition c ON c.id = tc.condition_id WHERE tc.trial_id = t.id), ''),
  coalesce((SELECT string_agg(i.name, ' | ' ORDER BY i.position) FROM catalog_intervention i
            WHERE i.trial_id = t.id), ''),
  array_to_string(t.keywords, ' | '),
  t.brief_summary, t.detailed_description, t.eligibility_criteria,
  t.overall_status, to_json(t.phases)::text,
  coalesce((SELECT json_agg(DISTINCT s.country)::text FROM catalog_site s
            WHERE s.trial_id = t.id AND s.country <> ''), '[]'),
  t.enrollment_count, t.start_date::text, t.last_update_posted::text
FROM catalog_trial t WHERE t.is_public
"""
COLUMNS = [
    "nct_id",
    *FTS_COLUMNS,
    "overall_status",
    "phases",
    "countries",
    "enrollment_count",
    "start_date",
    "last_update_posted",
]


def installed():
    try:
        import datasette  # noqa: F401
        import sqlite_utils  # noqa: F401
    except ImportError:
        return False
    return True


def build(path, fingerprint, say):
    """Write the catalog's public trials into a SQLite file for Datasette (once per state)."""
    import psycopg
    import sqlite_utils
    from django.db import connection

    stamp = path + ".fingerprint"
    if os.path.exists(path) and os.path.exists(stamp) and open(stamp).read() == fingerprint:
        return False
    say("building the Datasette copy")
    for leftover in (path, stamp):
        if os.path.exists(leftover):
            os.remove(leftover)
    db = sqlite_utils.Database(path)
    db.conn.execute("PRAGMA journal_mode = OFF")
    db.conn.execute("PRAGMA synchronous = OFF")
    table = db["trials"]
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    with psycopg.connect(**params) as conn, conn.cursor(name="peer_export") as cursor:
        cursor.itersize = 5000
        cursor.execute(EXPORT_SQL)
        rows = (dict(zip(COLUMNS, row, strict=True)) for row in cursor)
        table.insert_all(rows, pk="nct_id", batch_size=2000, columns={"enrollment_count": int})
    table.create_index(["overall_status"])
    table.enable_fts(FTS_COLUMNS, create_triggers=False)
    db.conn.execute("ANALYZE")
    db.conn.commit()
    db.close()
    with open(stamp, "w") as f:
        f.write(fingerprint)
    return True


def datasette_path(search, status=None, phase=None, country=None):
    """Datasette's page for the same search: FTS, the filters given and the three facets."""
    from urllib.parse import urlencode

    filters = [
        ("overall_status", status),
        ("phases__arraycontains", phase),
        ("countries__arraycontains", country),
    ]
    query = urlencode(
        [
            ("_search", search),
            *((name, value) for name, value in filters if value),
            ("_facet", "overall_status"),
            ("_facet_array", "phases"),
            ("_facet_array", "countries"),
            ("_size", "25"),
        ]
    )
    return f"/peer/trials?{query}"


def datasette_row_path(nct_id):
    """Datasette's page of one trial: its row."""
    return f"/peer/trials/{nct_id}"


def measure(db_path, port, paths, repeats, warmup, log):
    """[(status, size, Timing)] of Datasette's pages, served on 127.0.0.1:port."""
    datasette = shutil.which("datasette", path=os.path.dirname(sys.executable))
    command = [
        datasette,
        "serve",
        "-i",
        db_path,
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        # No time limits: every facet is computed, as the catalog computes all of them.
        "--setting",
        "sql_time_limit_ms",
        "120000",
        "--setting",
        "facet_time_limit_ms",
        "120000",
        "--setting",
        "num_sql_threads",
        "3",
        # The catalog suggests no facets either; Datasette would try every column.
        "--setting",
        "suggest_facets",
        "off",
    ]
    with serve(command, port, log=log):
        return [sequential(port, path, repeats, warmup) for path in paths]
