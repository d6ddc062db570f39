"""The database a benchmark runs on, filled to the size asked for (and its v2 studies stored).

Without ``DATABASE_URL`` each size gets its own database on the embedded server under ``var/``
(``bench_1538``, ``bench_500000``, ``bench_smoke``), kept between runs so a large catalog is
generated once. With ``DATABASE_URL`` that database is used as it is, and filled up to the size.
"""

import os
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMOKE = "smoke"
SMOKE_TRIALS = 200
BUNDLED = 1538


def target(size):
    """(trials wanted, whether the bundled real trials are part of them)."""
    if size == SMOKE:
        return SMOKE_TRIALS, False
    return int(size), True


def select_database(size):
    """Point ``DATABASE_URL`` at the benchmark database for ``size`` (before Django starts)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    var = Path(os.environ.get("VAR_DIR", ROOT / "var"))
    var.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(var / "pgdata", cleanup_mode="stop")
    name = f"bench_{size}"
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {name};")
    os.environ["DATABASE_URL"] = server.get_uri(name)
    # Keep a handle so the server outlives nothing but this process.
    select_database.server = server
    return os.environ["DATABASE_URL"]


def fill(size, seed, say, store=True):
    """Migrate, import the bundled data where the size includes it, and generate the rest."""
    from django.conf import settings
    from django.core.management import call_command

    from catalog.models import StoredStudy, Trial
    from catalog.registry.importer import Importer

    call_command("migrate", verbosity=0, interactive=False)
    wanted, with_bundled = target(size)
    if with_bundled and not Trial.objects.filter(is_synthetic=False).exists():
        say("importing the bundled trials")
        summary = Importer().run(settings.CATALOG_BUNDLED_DATA)
        say(f"  {summary}")
    have = Trial.objects.count()
    generated = None
    if have < wanted:
        say(f"generating {wanted - have:,} synthetic trials")
        call_command("generate_trials", count=wanted - have, seed=seed, verbosity=1)
        generated = wanted - have
    # As the release step does: the bulk loader's trials get their stored v2 studies (about
    # 3 ms a trial, once), so the API is measured as a deployed catalog serves it. Their
    # related trials are left to be scored on read (``relate_trials`` would take hours here).
    missing = StoredStudy.objects.missing().count() if store else 0
    if missing:
        say(f"storing the v2 studies of {missing:,} trials")
        call_command("store_studies", verbosity=1)
    return Trial.objects.count(), generated
