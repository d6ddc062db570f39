"""Many one-to-many relations of a few objects, read in one statement.

The trial page shows a dozen of a trial's relations (sites, arms, outcomes, contacts...), most
of them a handful of rows or none. ``prefetch_related`` sends one query per relation, and
building each query in Python costs more than PostgreSQL takes to run it (about 1 ms against a
fraction of one). ``prefetch_together`` reads them all in one ``UNION ALL`` of ``row_to_json``
rows, from a statement written once per process, and fills the caches ``prefetch_related``
fills, so ``trial.sites.all()``, ``site.trial`` and ``collaboration.organization`` read them
as before and make no query.
"""

from dataclasses import dataclass
from functools import cache

from django.db import connections

# Fields whose JSON value is not already the Python value: parsed by the field itself.
_PARSED = {"DateField", "DateTimeField", "DecimalField", "TimeField", "UUIDField", "DurationField"}


@dataclass(frozen=True)
class Together:
    """What to read with ``prefetch_together``: reverse foreign keys by their accessor names,
    each with the foreign keys of its rows to read with it (as ``select_related`` would), and
    many-to-many fields between two of those relations (``("arms", "interventions")``: each
    arm's interventions, which are among the object's own)."""

    relations: tuple  # ((accessor, (foreign key, ...)), ...)
    many_to_many: tuple = ()  # ((accessor, field name), ...)


def _relation(model, accessor):
    """The reverse relation whose accessor is ``accessor`` (``sites``, ``collaboration_set``)."""
    for rel in model._meta.related_objects:
        if rel.get_accessor_name() == accessor:
            return rel
    raise ValueError(f"{model.__name__} has no relation {accessor!r}")


def _column(model, name):
    return model._meta.get_field(name).column


def _order(model, alias):
    ordering = model._meta.ordering or ["pk"]
    if any(name.startswith("-") for name in ordering):
        raise ValueError(f"{model.__name__}: only ascending orderings are read together")
    columns = [model._meta.pk.column if name == "pk" else _column(model, name) for name in ordering]
    return ", ".join(f'{alias}."{column}"' for column in columns)


@cache
def _plan(model, together):
    """The statement and, per branch, how to make its rows into objects."""
    branches, steps = [], []
    for accessor, joined in together.relations:
        rel = _relation(model, accessor)
        part = rel.related_model
        joins = [part._meta.get_field(name) for name in joined]
        values = ", ".join(["row_to_json(p)"] + [f"row_to_json(j{i})" for i in range(len(joins))])
        sql = (
            f"SELECT {len(steps)} AS branch, "
            f"row_number() OVER (ORDER BY {_order(part, 'p')}) AS n, "
            f"json_build_array({values}) AS row "
            f'FROM "{part._meta.db_table}" p '
        )
        for i, field in enumerate(joins):
            target = field.related_model
            sql += (
                f'LEFT JOIN "{target._meta.db_table}" j{i} '
                f'ON j{i}."{field.target_field.column}" = p."{field.column}" '
            )
        sql += f'WHERE p."{rel.field.column}" = ANY(%(ids)s)'
        branches.append(sql)
        steps.append(("relation", accessor, rel, part, joins))
    for accessor, name in together.many_to_many:
        owner_rel = _relation(model, accessor)
        owner = owner_rel.related_model
        field = owner._meta.get_field(name)
        if field.related_model not in {step[3] for step in steps}:
            raise ValueError(f"{accessor}.{name}: its rows must be among the relations read")
        through = field.remote_field.through
        source = through._meta.get_field(field.m2m_field_name())
        target = through._meta.get_field(field.m2m_reverse_field_name())
        owner_fk = owner_rel.field
        branches.append(
            f"SELECT {len(steps)} AS branch, row_number() OVER (ORDER BY x.id) AS n, "
            f'json_build_array(x."{source.column}", x."{target.column}") AS row '
            f'FROM "{through._meta.db_table}" x '
            f'JOIN "{owner._meta.db_table}" o ON o."{owner._meta.pk.column}" = x."{source.column}" '
            f'WHERE o."{owner_fk.column}" = ANY(%(ids)s)'
        )
        steps.append(("many_to_many", accessor, field, name, None))
    union = " UNION ALL ".join(f"({branch})" for branch in branches)
    sql = f"SELECT branch, row FROM ({union}) parts ORDER BY branch, n"
    return sql, steps


@cache
def _fields(model):
    """The model's concrete fields, and for each the parser its JSON value needs (or None)."""
    parsers = []
    for field in model._meta.concrete_fields:
        kind = field.get_internal_type()
        base = getattr(field, "base_field", None)
        needs = kind in _PARSED or (base is not None and base.get_internal_type() in _PARSED)
        parsers.append((field.column, field.to_python if needs else None))
    return parsers


def _instance(model, data, db):
    values = [
        data[column] if parse is None or data[column] is None else parse(data[column])
        for column, parse in _fields(model)
    ]
    return model.from_db(db, None, values)


def _cached_queryset(model, rows, **lookup):
    """A queryset of ``rows`` already read, filtered as the relation's own would be (a
    ``.filter()`` on it then queries the right rows)."""
    queryset = model._default_manager.all()
    # As Django's related managers do: the filter is built only if the queryset is queried
    # again, not for each of a page's dozen relations that are only read.
    queryset._defer_next_filter = True
    queryset = queryset.filter(**lookup)
    queryset._result_cache = rows
    queryset._prefetch_done = True
    return queryset


def prefetch_together(instances, together):
    """Read the relations ``together`` names for ``instances`` (objects of one model, saved) in
    one query, and cache them on each object as ``prefetch_related`` would."""
    instances = [obj for obj in instances if obj is not None]
    if not instances:
        return
    model, db = type(instances[0]), instances[0]._state.db or "default"
    sql, steps = _plan(model, together)
    by_pk = {obj.pk: obj for obj in instances}
    found = {(obj.pk, step): [] for obj in instances for step in range(len(steps))}
    pairs = {}
    with connections[db].cursor() as cursor:
        cursor.execute(sql, {"ids": list(by_pk)})
        rows = cursor.fetchall()
    for branch, row in rows:
        kind, _accessor, rel, part, joins = steps[branch]
        if kind == "many_to_many":
            pairs.setdefault(branch, []).append(row)
            continue
        child = _instance(part, row[0], db)
        for field, data in zip(joins, row[1:], strict=True):
            field.set_cached_value(
                child, None if data is None else _instance(field.related_model, data, db)
            )
        owner = by_pk[getattr(child, rel.field.attname)]
        rel.field.set_cached_value(child, owner)
        found[(owner.pk, branch)].append(child)
    for obj in instances:
        cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
        for branch, (kind, accessor, rel, part, _joins) in enumerate(steps):
            if kind == "relation":
                rows = found[(obj.pk, branch)]
                cache[accessor] = _cached_queryset(part, rows, **{rel.field.attname: obj.pk})
    for branch, (kind, accessor, field, name, _none) in enumerate(steps):
        if kind != "many_to_many":
            continue
        links = {}
        for source, target in pairs.get(branch, []):
            links.setdefault(source, set()).add(target)
        target_model = field.related_model
        for obj in instances:
            targets = _targets_of(obj, target_model)
            for owner in getattr(obj, accessor).all():
                mine = links.get(owner.pk, ())
                rows = [item for item in targets if item.pk in mine]
                owner_cache = owner.__dict__.setdefault("_prefetched_objects_cache", {})
                owner_cache[name] = _cached_queryset(
                    target_model, rows, **{field.related_query_name(): owner.pk}
                )


def _targets_of(obj, target_model):
    """The object's own rows of ``target_model`` already read, in their order."""
    for queryset in obj._prefetched_objects_cache.values():
        if queryset.model is target_model:
            return queryset._result_cache
    return []
