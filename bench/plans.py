"""``python -m bench.plans --size N``: query plans before and after the list/search design.

Runs ``EXPLAIN (ANALYZE, BUFFERS)`` and times the list, search and facet queries a catalog
page needs, first as a plain implementation sends them against ``catalog_trial`` ("before"),
then against a narrow listing table with denormalized countries and partial indexes, built in
the benchmark database for the run and dropped after ("after"). Writes
docs/benchmarks/plans.md; docs/scaling.md explains the figures.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

Q = "plainto_tsquery('english', 'osteoarthritis')"
FILTERS = "overall_status = 'RECRUITING' AND phases @> ARRAY['PHASE2']::varchar(64)[]"
BEFORE = {
    "B1 list page": "SELECT t.nct_id, t.brief_title, t.overall_status, t.phases, o.name FROM catalog_trial t LEFT JOIN catalog_organization o ON o.id = t.lead_sponsor_id WHERE t.is_public ORDER BY t.last_update_posted DESC, t.nct_id LIMIT 25",
    "B2 list count": "SELECT count(*) FROM catalog_trial WHERE is_public",
    "B3 list facets: status": "SELECT overall_status, count(*) FROM catalog_trial WHERE is_public GROUP BY 1",
    "B4 list facets: phase": "SELECT p, count(*) FROM catalog_trial, unnest(phases) p WHERE is_public GROUP BY 1",
    "B5 list facets: country via sites": "SELECT s.country, count(DISTINCT s.trial_id) FROM catalog_site s JOIN catalog_trial t ON t.id = s.trial_id WHERE t.is_public GROUP BY 1 ORDER BY 2 DESC LIMIT 30",
    "B6 search page by rank": f"SELECT nct_id, brief_title FROM catalog_trial WHERE is_public AND search_vector @@ {Q} ORDER BY ts_rank(search_vector, {Q}) DESC, nct_id LIMIT 25",
    "B7 search count": f"SELECT count(*) FROM catalog_trial WHERE is_public AND search_vector @@ {Q}",
    "B8 search+3 filters page by rank": f"SELECT nct_id FROM catalog_trial t WHERE is_public AND search_vector @@ {Q} AND {FILTERS} AND EXISTS (SELECT 1 FROM catalog_site s WHERE s.trial_id = t.id AND s.country = 'China') ORDER BY ts_rank(search_vector, {Q}) DESC, nct_id LIMIT 25",
    "B9 search+3 filters count": f"SELECT count(*) FROM catalog_trial t WHERE is_public AND search_vector @@ {Q} AND {FILTERS} AND EXISTS (SELECT 1 FROM catalog_site s WHERE s.trial_id = t.id AND s.country = 'China')",
    "B10 facets of the search: status": f"SELECT overall_status, count(*) FROM catalog_trial t WHERE is_public AND search_vector @@ {Q} AND phases @> ARRAY['PHASE2']::varchar(64)[] AND EXISTS (SELECT 1 FROM catalog_site s WHERE s.trial_id = t.id AND s.country = 'China') GROUP BY 1",
    "B11 facets of the search: country via sites": f"SELECT s.country, count(DISTINCT s.trial_id) FROM catalog_site s JOIN catalog_trial t ON t.id = s.trial_id WHERE t.is_public AND t.search_vector @@ {Q} AND t.overall_status = 'RECRUITING' AND t.phases @> ARRAY['PHASE2']::varchar(64)[] GROUP BY 1 ORDER BY 2 DESC LIMIT 30",
}
SETUP = [
    # A narrow table for lists, filters and facets: one row per trial, the search vector
    # stored out of line (TOAST), so the main rows stay ~150 bytes.
    """CREATE TABLE proto_listing AS
    SELECT t.id, t.nct_id, t.is_public, t.last_update_posted, t.overall_status, t.phases,
           coalesce((SELECT array_agg(DISTINCT s.country) FROM catalog_site s
                     WHERE s.trial_id = t.id AND s.country <> ''), '{}')::varchar(100)[] AS countries,
           t.search_vector,
           setweight(to_tsvector('english', t.brief_title || ' ' || t.acronym), 'A') AS rank_vector
    FROM catalog_trial t""",
    "ALTER TABLE proto_listing ADD PRIMARY KEY (id)",
    "CREATE INDEX proto_recent ON proto_listing (last_update_posted DESC, nct_id) WHERE is_public",
    "CREATE INDEX proto_status ON proto_listing (overall_status) WHERE is_public",
    "CREATE INDEX proto_phases ON proto_listing USING gin (phases) WHERE is_public",
    "CREATE INDEX proto_countries ON proto_listing USING gin (countries) WHERE is_public",
    "CREATE INDEX proto_search ON proto_listing USING gin (search_vector)",
    "VACUUM ANALYZE proto_listing",
]
FACETS = """
WITH m AS MATERIALIZED (SELECT overall_status, phases, countries,
    {fs} AS fs, {fp} AS fp, {fc} AS fc FROM proto_listing WHERE is_public {where})
SELECT 'status', overall_status, count(*) FILTER (WHERE fp AND fc) FROM m GROUP BY 2
UNION ALL SELECT 'phase', p, count(*) FILTER (WHERE fs AND fc) FROM m, unnest(phases) p GROUP BY 2
UNION ALL SELECT 'country', c, count(*) FILTER (WHERE fs AND fp) FROM m, unnest(countries) c GROUP BY 2
"""
AFTER = {
    "A1 list page (ids from the narrow table, then 25 rows)": "SELECT t.nct_id, t.brief_title, t.overall_status, t.phases, o.name FROM catalog_trial t LEFT JOIN catalog_organization o ON o.id = t.lead_sponsor_id WHERE t.id IN (SELECT id FROM proto_listing WHERE is_public ORDER BY last_update_posted DESC, nct_id LIMIT 25) ORDER BY t.last_update_posted DESC, t.nct_id",
    "A2 list count (index-only)": "SELECT count(*) FROM proto_listing WHERE is_public",
    "A3 list facets, all three in one pass": FACETS.format(
        fs="true", fp="true", fc="true", where=""
    ),
    "A4 search page by title rank": f"SELECT id FROM proto_listing WHERE is_public AND search_vector @@ {Q} ORDER BY ts_rank(rank_vector, {Q}) DESC, last_update_posted DESC, nct_id LIMIT 25",
    "A5 search page by date": f"SELECT id FROM proto_listing WHERE is_public AND search_vector @@ {Q} ORDER BY last_update_posted DESC, nct_id LIMIT 25",
    "A6 search count": f"SELECT count(*) FROM proto_listing WHERE is_public AND search_vector @@ {Q}",
    "A7 search+3 filters page by title rank": f"SELECT id FROM proto_listing WHERE is_public AND search_vector @@ {Q} AND {FILTERS} AND countries @> ARRAY['China']::varchar(100)[] ORDER BY ts_rank(rank_vector, {Q}) DESC, last_update_posted DESC, nct_id LIMIT 25",
    "A8 search+3 filters count": f"SELECT count(*) FROM proto_listing WHERE is_public AND search_vector @@ {Q} AND {FILTERS} AND countries @> ARRAY['China']::varchar(100)[]",
    "A9 facets of the search+3 filters, one pass (each facet ignores its own filter)": FACETS.format(
        fs="overall_status = 'RECRUITING'",
        fp="phases @> ARRAY['PHASE2']::varchar(64)[]",
        fc="countries @> ARRAY['China']::varchar(100)[]",
        where=f"AND search_vector @@ {Q}",
    ),
    "A10 facets within the search+3 filters result, one pass (drill-down)": FACETS.format(
        fs="true",
        fp="true",
        fc="true",
        where=f"AND search_vector @@ {Q} AND {FILTERS} AND countries @> ARRAY['China']::varchar(100)[]",
    ),
}


def run(c, name, sql, out):
    c.execute(sql)
    c.fetchall()
    c.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
    plan = "\n".join(r[0] for r in c.fetchall())
    ts = []
    spent = time.perf_counter()
    while len(ts) < 7 and (time.perf_counter() - spent < 5 or len(ts) < 3):
        t = time.perf_counter()
        c.execute(sql)
        c.fetchall()
        ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    line = f"{name}: median {ts[len(ts) // 2]:.1f} ms, max {ts[-1]:.1f} ms ({len(ts)} runs)"
    print(line, file=sys.stderr, flush=True)
    out.write(f"### {line}\n\n```sql\n{sql.strip()}\n```\n\n```\n{plan}\n```\n\n")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.plans")
    parser.add_argument("--size", default="500000")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks" / "plans.md"))
    args = parser.parse_args(argv)
    from bench.database import select_database

    select_database(args.size)
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialsite.settings")
    import django

    django.setup()
    write(args.out)


def write(path):
    from django.db import connection

    with connection.cursor() as c, open(path, "w") as out:
        c.execute(
            f"SELECT count(*), count(*) FILTER (WHERE search_vector @@ {Q}) FROM catalog_trial"
        )
        total, hits = c.fetchone()
        out.write(f"{total} trials, {hits} match 'osteoarthritis'.\n\n## Before\n\n")
        for name, sql in BEFORE.items():
            run(c, name, sql, out)
        # The design's settings: the catalog fits in memory, so random reads cost little more
        # than sequential ones (the default of 4 makes the planner scan and detoast every
        # search vector instead of using the GIN index); facets keep their rows in memory.
        c.execute("SET random_page_cost = 1.1")
        c.execute("SET work_mem = '64MB'")
        c.execute("DROP TABLE IF EXISTS proto_listing")
        t = time.perf_counter()
        for sql in SETUP:
            c.execute(sql)
        c.execute(
            "SELECT pg_size_pretty(pg_relation_size('proto_listing')), pg_size_pretty(pg_relation_size('catalog_trial'))"
        )
        narrow, wide = c.fetchone()
        out.write(
            f"## After\n\nThe narrow table took {time.perf_counter() - t:.0f} s to build; main rows {narrow} (catalog_trial: {wide}).\n\n"
        )
        for name, sql in AFTER.items():
            run(c, name, sql, out)
        c.execute("DROP TABLE proto_listing")


if __name__ == "__main__":
    main()
