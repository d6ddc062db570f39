"""Writing many synthetic trials fast, and removing them again.

Rows go in with PostgreSQL ``COPY`` (psycopg 3), a chunk of trials at a time, so memory stays
constant whatever the count. For a large load (``bulk``) the secondary indexes and foreign keys
of the tables written are dropped first and built again after, in the same transaction: the
trials and all their rows appear together or not at all. The search vectors are then computed
in the database with the expression of ``catalog.search`` (batches by id range, on several
connections when the rows are committed), the search index is built, and the tables analyzed.

Shared rows (organizations, conditions, MeSH terms) are the real ones: the generator only draws
from them, creating any that are missing. A synthetic trial's MSC profile is the one of the real
trial whose arms and interventions it took (no curated values), so the MSC filters and facets
have realistic work at any size.
"""

import json
import threading
import time
from dataclasses import dataclass

from django.db import connection, connections, models, transaction
from django.db.models import JSONField
from django.utils import timezone

from catalog.models import (
    Arm,
    CentralContact,
    Collaboration,
    Intervention,
    MscProfile,
    Official,
    Outcome,
    Site,
    Trial,
    TrialCondition,
    TrialMesh,
    status_on,
)
from catalog.registry.synthetic import SYNTHETIC_FIRST
from catalog.search.fulltext import update_search_vectors

ArmIntervention = Arm.interventions.through
# The tables a load writes, parents first.
TABLES = (
    Trial,
    MscProfile,
    Collaboration,
    TrialCondition,
    TrialMesh,
    Intervention,
    Arm,
    ArmIntervention,
    Outcome,
    Site,
    CentralContact,
    Official,
)
# The triggers that keep a trial's columns from its rows in other tables (migrations 0022, 0024
# and 0025), which the loader writes itself.
INSERT_TRIGGERS = (
    ("catalog_site", "catalog_site_countries_insert"),
    ("catalog_intervention", "catalog_intervention_types_insert"),
    ("catalog_trialmesh", "catalog_trialmesh_condition_terms_insert"),
    ("catalog_trialcondition", "catalog_trialcondition_condition_terms_insert"),
)
DELETE_TRIGGERS = tuple(
    (table, trigger.replace("_insert", "_delete")) for table, trigger in INSERT_TRIGGERS
)
CHUNK = 2000
VECTOR_BATCH = 2000
BULK_FROM = 10_000


# Rows -------------------------------------------------------------------------------------------


class RowShape:
    """A model's COPY column list: ``leading`` columns the loader supplies, then the rest."""

    def __init__(self, model, leading, skip=("id",)):
        self.model = model
        self.leading = list(leading)
        self.fields = [
            f
            for f in model._meta.concrete_fields
            # PostgreSQL writes a generated column itself (Trial.rank_vector).
            if f.column not in self.leading and f.column not in skip and not f.generated
        ]
        self.columns = self.leading + [f.column for f in self.fields]
        self.json = {f.attname for f in self.fields if isinstance(f, JSONField)}
        self._tails = {}

    def copy_sql(self):
        table = self.model._meta.db_table
        columns = ", ".join(f'"{c}"' for c in self.columns)
        return f'COPY "{table}" ({columns}) FROM STDIN'

    def values(self, item):
        out = []
        for f in self.fields:
            value = item[f.attname] if f.attname in item else f.get_default()
            if f.attname in self.json:
                value = json.dumps(value, ensure_ascii=False)
            out.append(value)
        return tuple(out)

    def tail(self, item, key=None):
        """The non-leading values of a profile item, converted once and remembered."""
        key = id(item) if key is None else key
        tail = self._tails.get(key)
        if tail is None:
            tail = self._tails[key] = self.values(item)
        return tail


def _places(sites, key):
    """The trial's countries or cities (``key``) as PostgreSQL keeps them from its sites
    (``catalog_countries``, migrations 0022 and 0024), for the generated sites, whose names are
    spelled one way each."""
    return sorted({site[key] for site, _status in sites if site[key]})


def _condition_terms(trial, shared):
    """The trial's condition terms as PostgreSQL keeps them (migration 0025): its MeSH
    condition terms and the terms named as one of its conditions."""
    terms = {shared.mesh[mesh_id] for kind, mesh_id, _term in trial.mesh if kind == "condition"}
    for name in trial.conditions:
        terms.update((shared.named_terms or {}).get(name, ()))
    return sorted(terms)


class Writer:
    """Turns synthetic trials into COPY rows, a chunk at a time."""

    def __init__(self, shared):
        self.shared = shared
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.trial = RowShape(Trial, ["id", "nct_id", "lead_sponsor_id"])
        self.collaboration = RowShape(Collaboration, ["trial_id", "organization_id", "position"])
        self.condition = RowShape(TrialCondition, ["trial_id", "condition_id", "position"])
        self.mesh = RowShape(TrialMesh, ["trial_id", "mesh_term_id", "kind", "position"])
        self.intervention = RowShape(Intervention, ["id", "trial_id", "position"])
        self.arm = RowShape(Arm, ["id", "trial_id", "position"])
        self.arm_link = RowShape(ArmIntervention, ["arm_id", "intervention_id"])
        self.outcome = RowShape(Outcome, ["trial_id", "position"])
        self.site = RowShape(Site, ["trial_id", "position"])
        self.contact = RowShape(CentralContact, ["trial_id", "position"])
        self.official = RowShape(Official, ["trial_id", "position"])
        self.msc = RowShape(MscProfile, ["trial_id"])
        self.catalog_state = {
            "is_public": True,
            "is_synthetic": True,
            "source_record": {},
            "curated_fields": {},
            "version": 1,
            "imported_at": self.now,
            "updated_at": self.now,
            "search_vector": None,
            "search_ids": [],
        }

    def rows(self, chunk, first_trial_pk, reserve):
        """{RowShape: [rows]} for a chunk of trials with primary keys from ``first_trial_pk``.

        ``reserve(model, n)`` returns the first of ``n`` primary keys set aside for ``model``.
        """
        shared = self.shared
        out = {shape: [] for shape in self._shapes()}
        n_arms = sum(len(t.arms) for t in chunk)
        n_interventions = sum(len(t.interventions) for t in chunk)
        arm_pk = reserve(Arm, n_arms) if n_arms else 0
        intervention_pk = reserve(Intervention, n_interventions) if n_interventions else 0
        for offset, t in enumerate(chunk):
            pk = first_trial_pk + offset
            lead = shared.organizations[tuple(t.lead_sponsor)] if t.lead_sponsor else None
            values = {
                **t.fields,
                **self.catalog_state,
                "countries": _places(t.sites, "country"),
                "cities": _places(t.sites, "city"),
                "intervention_types": sorted({i["type"] for i in t.interventions if i.get("type")}),
                "condition_terms": _condition_terms(t, shared),
                # Judged as ``Trial.objects.judge_statuses`` judges it, so the load is not
                # followed by an UPDATE of every trial it wrote.
                "current_status": status_on(
                    t.fields["overall_status"], t.fields.get("status_verified_date"), self.today
                ),
            }
            out[self.trial].append((pk, t.nct_id, lead, *self.trial.values(values)))
            msc = (shared.msc_profiles or {}).get(t.design_nct_id)
            if msc is not None:
                out[self.msc].append((pk, *self.msc.tail(msc, t.design_nct_id)))
            for i, org in enumerate(t.collaborators):
                out[self.collaboration].append(
                    (pk, shared.organizations[tuple(org)], i, *self.collaboration.tail({}, 0))
                )
            for i, name in enumerate(t.conditions):
                out[self.condition].append(
                    (pk, shared.conditions[name], i, *self.condition.tail({}, 0))
                )
            positions = {}
            for kind, mesh_id, _term in t.mesh:
                positions[kind] = positions.get(kind, -1) + 1
                out[self.mesh].append(
                    (pk, shared.mesh[mesh_id], kind, positions[kind], *self.mesh.tail({}, 0))
                )
            for i, item in enumerate(t.interventions):
                out[self.intervention].append(
                    (intervention_pk + i, pk, i, *self.intervention.tail(item))
                )
            for i, item in enumerate(t.arms):
                out[self.arm].append((arm_pk + i, pk, i, *self.arm.tail(item)))
            for a, i in t.arm_links:
                out[self.arm_link].append((arm_pk + a, intervention_pk + i))
            arm_pk += len(t.arms)
            intervention_pk += len(t.interventions)
            for shape, items in (
                (self.outcome, t.outcomes),
                (self.contact, t.central_contacts),
                (self.official, t.officials),
            ):
                for i, item in enumerate(items):
                    out[shape].append((pk, i, *shape.tail(item)))
            for i, (site, status) in enumerate(t.sites):
                tail = self.site.tail({**site, "status": status}, (id(site), status))
                out[self.site].append((pk, i, *tail))
        return out

    def _shapes(self):
        return (
            self.trial,
            self.msc,
            self.collaboration,
            self.condition,
            self.mesh,
            self.intervention,
            self.arm,
            self.arm_link,
            self.outcome,
            self.site,
            self.contact,
            self.official,
        )


# Indexes ----------------------------------------------------------------------------------------


@dataclass
class Dropped:
    table: str
    name: str
    definition: str
    kind: str  # "index" or "foreign key"

    @property
    def for_search(self):
        return self.kind == "index" and "search_vector" in self.definition

    def restore_sql(self):
        if self.kind == "index":
            return self.definition
        return f'ALTER TABLE "{self.table}" ADD CONSTRAINT "{self.name}" {self.definition}'


# What a load drops of each table and restores after it, in this order: (kind, the query of
# their names and definitions, the statement that drops one).
DROPPED_FOR_LOAD = (
    (
        "foreign key",
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"',
    ),
    (
        "index",
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique",
        'DROP INDEX "{name}"',
    ),
)


def drop_secondary_indexes(cursor, tables):
    """Drop the non-unique indexes and the foreign keys of ``tables``; return them to restore."""
    dropped = []
    for model in tables:
        table = model._meta.db_table
        for kind, query, drop in DROPPED_FOR_LOAD:
            cursor.execute(query, [table])
            for name, definition in cursor.fetchall():
                dropped.append(Dropped(table, name, definition, kind))
                cursor.execute(drop.format(table=table, name=name))
    return dropped


def restore(cursor, dropped):
    for item in dropped:
        cursor.execute(item.restore_sql())


def ensure_declared_indexes():
    """Create any index the models declare that is missing (after an interrupted load)."""
    with connection.cursor() as cursor:
        existing = set(connection.introspection.get_constraints(cursor, Trial._meta.db_table))
    missing = [index for index in Trial._meta.indexes if index.name not in existing]
    if missing:
        with connection.schema_editor() as editor:
            for index in missing:
                editor.add_index(Trial, index)
    return [index.name for index in missing]


# The load ---------------------------------------------------------------------------------------


def _reserve(cursor, model, n):
    """Set aside ``n`` consecutive primary keys of ``model``; returns the first."""
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id'))"
        " + %s - 1)",
        [model._meta.db_table, model._meta.db_table, n],
    )
    return cursor.fetchone()[0] - n + 1


def _copy(cursor, shape, rows):
    if not rows:
        return
    with cursor.copy(shape.copy_sql()) as copy:
        for row in rows:
            copy.write_row(row)


def next_synthetic_number():
    last = (
        Trial.objects.filter(is_synthetic=True, nct_id__startswith="NCT9")
        .order_by("-nct_id")
        .values_list("nct_id", flat=True)
        .first()
    )
    return int(last[3:]) + 1 if last else SYNTHETIC_FIRST


def load(trials, count, shared, *, bulk=None, workers=2, progress=None):
    """Write ``count`` synthetic trials from the iterable ``trials``; returns their pk range.

    ``bulk`` (default: ``count >= BULK_FROM``) drops and rebuilds secondary indexes around the
    load. ``workers`` connections compute search vectors once the rows are committed; inside an
    outer transaction (tests) the vectors are computed on this connection.
    """
    bulk = count >= BULK_FROM if bulk is None else bulk
    report = progress or (lambda *args: None)
    writer = Writer(shared)
    dropped = []
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        tables = ", ".join(f'"{m._meta.db_table}"' for m in TABLES)
        # DDL on a table refuses to run while checks of earlier writes are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        if bulk:
            dropped = drop_secondary_indexes(cursor, TABLES)
        # The trials' columns kept from their parts (INSERT_TRIGGERS) are written with them: the
        # triggers would rewrite each trial just written. Off for this transaction only.
        for table, trigger in INSERT_TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        raw = cursor.cursor
        first_pk = _reserve(cursor, Trial, count) if count else 0
        done = 0
        chunk = []

        def flush():
            nonlocal done
            rows = writer.rows(chunk, first_pk + done, lambda m, n: _reserve(cursor, m, n))
            for shape, shape_rows in rows.items():
                _copy(raw, shape, shape_rows)
            done += len(chunk)
            chunk.clear()
            report("load", done, count, time.monotonic() - started)

        for trial in trials:
            chunk.append(trial)
            if len(chunk) >= CHUNK:
                flush()
        if chunk:
            flush()
        for table, trigger in INSERT_TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
        if bulk:
            report("index", 0, 0, time.monotonic() - started)
            restore(cursor, [d for d in dropped if not d.for_search])
    last_pk = first_pk + count - 1
    # The search vectors are read from the trials' rows in other tables, a lookup by trial per
    # row. Without statistics of the rows just loaded the planner may walk another index for
    # each trial (every link to a MeSH term, say: the whole table, for each trial).
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
    report("search", 0, count, time.monotonic() - started)
    fill_search_vectors(first_pk, last_pk, workers=workers, progress=progress, started=started)
    if bulk:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            restore(cursor, [d for d in dropped if d.for_search])
        ensure_declared_indexes()
    report("analyze", 0, 0, time.monotonic() - started)
    analyze(TABLES)
    report("done", count, count, time.monotonic() - started)
    return first_pk, last_pk


def fill_search_vectors(first_pk, last_pk, *, workers=2, progress=None, started=None):
    """Compute missing search vectors of trials first_pk..last_pk with catalog.search."""
    if last_pk < first_pk:
        return
    report = progress or (lambda *args: None)
    started = time.monotonic() if started is None else started
    batches = [
        (lo, min(lo + VECTOR_BATCH - 1, last_pk))
        for lo in range(first_pk, last_pk + 1, VECTOR_BATCH)
    ]
    total = last_pk - first_pk + 1
    lock = threading.Lock()
    done = [0]

    def run_batch(lo, hi):
        update_search_vectors(
            Trial.objects.filter(pk__gte=lo, pk__lte=hi, search_vector__isnull=True)
        )
        with lock:
            done[0] += hi - lo + 1
            report("search", done[0], total, time.monotonic() - started)

    if workers <= 1 or connection.in_atomic_block:
        for lo, hi in batches:
            run_batch(lo, hi)
        return

    def worker():
        try:
            while True:
                with lock:
                    if not batches:
                        return
                    lo, hi = batches.pop(0)
                run_batch(lo, hi)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def analyze(tables):
    names = ", ".join(f'"{m._meta.db_table}"' for m in tables)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {names}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {names}")


# Removal ----------------------------------------------------------------------------------------


def delete_synthetic():
    """Delete every synthetic trial and all its rows, in one transaction; returns the count."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The parts go with their trials: no trial's columns to count again (DELETE_TRIGGERS).
        for table, trigger in DELETE_TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        count = _delete(
            cursor, Trial, f'SELECT id FROM "{Trial._meta.db_table}" WHERE is_synthetic', set()
        )
        for table, trigger in DELETE_TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
    analyze(TABLES)
    return count


def _delete(cursor, model, ids_sql, seen):
    """Delete rows of ``model`` whose pk is in ``ids_sql``, and first every row pointing to them."""
    table = model._meta.db_table
    for rel in model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        if (rel.related_model, rel.field.column) in seen:
            continue
        child, column = rel.related_model, rel.field.column
        pointing = (
            f'SELECT "{child._meta.pk.column}" FROM "{child._meta.db_table}" '
            f'WHERE "{column}" IN ({ids_sql})'
        )
        if rel.on_delete is models.SET_NULL:
            cursor.execute(
                f'UPDATE "{child._meta.db_table}" SET "{column}" = NULL '
                f'WHERE "{column}" IN ({ids_sql})'
            )
        else:
            _delete(cursor, child, pointing, seen | {(child, column)})
    cursor.execute(f'DELETE FROM "{table}" WHERE "{model._meta.pk.column}" IN ({ids_sql})')
    return cursor.rowcount
