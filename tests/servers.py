"""Real servers for the tests that need them: gunicorn in production mode, and a scratch
embedded PostgreSQL that a test may stop and start without touching the main test database.

Servers bind 127.0.0.1 on a port of ``TEST_PORTS`` (8160-8179 unless set) and are stopped by
the fixtures that start them.
"""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent


def port_range():
    """The ports this process may serve on: ``TEST_PORTS``, shared out among the workers of a
    parallel run so that two workers never probe the same port at once."""
    first, _, last = os.environ.get("TEST_PORTS", "8160-8179").partition("-")
    ports = range(int(first), int(last or first) + 1)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw"):
        count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
        return ports[int(worker[2:]) :: count]
    return ports


def free_port():
    for port in port_range():
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {port_range()}")


def database_url(settings_dict, name=None):
    """A DATABASE_URL for the database Django's ``settings_dict`` describes (or ``name``)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    host = settings_dict.get("HOST") or ""
    port = settings_dict.get("PORT") or ""
    netloc = f"{user}:{password}@{host}" + (f":{port}" if port else "")
    url = f"postgres://{netloc}/{quote(name or settings_dict['NAME'])}"
    socket_dir = (settings_dict.get("OPTIONS") or {}).get("host")
    if socket_dir:
        url += f"?host={quote(str(socket_dir), safe='/')}"
    return url


def production_env(database_url, static_root, **extra):
    """The environment of a production deployment (DEBUG off), served over plain HTTP."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_")) and key not in ("DEBUG", "HTTPS")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="trialsite.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        HTTPS="0",
        STATIC_ROOT=str(static_root),
        LOG_FORMAT="json",
        PYTHONUNBUFFERED="1",
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(python, *args, env, timeout=300):
    """``manage.py`` in a subprocess; returns the CompletedProcess (raises on failure)."""
    return subprocess.run(
        [str(python), "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


class Response:
    def __init__(self, status, headers, body, header_list=()):
        self.status = status
        self.headers = headers
        self.body = body
        # Every header as sent (``headers`` keeps one value a name: the last Set-Cookie only).
        self.header_list = list(header_list)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    @property
    def cookies(self):
        """{name: value} of the cookies the response sets."""
        pairs = (
            value.split(";", 1)[0].split("=", 1)
            for name, value in self.header_list
            if name.lower() == "set-cookie"
        )
        return {name.strip(): value for name, value in pairs}

    def __repr__(self):
        return f"<Response {self.status} {self.text[:80]!r}>"


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py, on 127.0.0.1, in a subprocess."""

    def __init__(self, env, log_path, python=sys.executable, workers=2, extra_args=(), cwd=None):
        self.env = env
        self.cwd = cwd or BASE_DIR
        self.log_path = Path(log_path)
        self.python = python
        self.workers = workers
        self.extra_args = list(extra_args)
        self.port = None
        self.process = None

    def start(self, timeout=60):
        self.port = free_port()
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        command = [
            str(self.python),
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            *self.extra_args,
            "trialsite.wsgi:application",
        ]
        self.process = subprocess.Popen(
            command, cwd=self.cwd, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log()}")
            try:
                self.get("/healthz", timeout=2)
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log_file.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None, headers=None, timeout=30, max_bytes=None):
        """One request, no redirects followed; path and headers are sent as given. With
        ``max_bytes``, the connection is closed once that much of the body has come (a client
        that stops a long download)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            content = response.read(max_bytes) if max_bytes else response.read()
            headers = response.getheaders()
            return Response(response.status, dict(headers), content, headers)
        finally:
            connection.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def raw(self, data, timeout=30):
        """Send ``data`` bytes as they are; returns the status code (0 when none came)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as connection:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
            received = b""
            while chunk := connection.recv(65536):
                received += chunk
        status_line = received.split(b"\r\n", 1)[0].split()
        return int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0, (
            received
        )


class ScratchPostgres:
    """An embedded PostgreSQL of its own (pgserver) with its data in ``directory``."""

    def __init__(self, directory):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver
        self.server = pgserver.get_server(Path(directory), cleanup_mode="delete")

    def url(self, database):
        return self.server.get_uri(database)

    def psql(self, command):
        return self.server.psql(command)

    def create_database(self, name, template=None):
        """A new database ``name`` (dropped first if a previous run left it); its URL."""
        suffix = f" TEMPLATE {template}" if template else ""
        output = self.psql(f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}{suffix};")
        if "CREATE DATABASE" not in output:
            raise RuntimeError(f"could not create database {name}: {output}")
        return self.url(name)

    def stop(self):
        from pgserver._commands import pg_ctl

        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user
        )

    def start(self):
        self.server.ensure_postgres_running()

    def cleanup(self):
        self.server.cleanup()


class StreamingReplica:
    """A hot standby of a ``ScratchPostgres``: a base backup of the primary (``pg_basebackup -R``)
    started from the same PostgreSQL binaries, streaming the primary's WAL, on a Unix socket of
    its own in ``directory``. As root, it runs as the primary's system user, as pgserver does."""

    def __init__(self, primary, directory):
        import pwd

        from pgserver._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.primary = primary
        self.user = primary.server.system_user
        self.directory = Path(directory)
        self.pgdata = self.directory / "pgdata"
        self.socket_dir = self.directory / "socket"
        self.log_path = self.directory / "replica.log"
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            from pgserver.utils import ensure_prefix_permissions

            account = pwd.getpwnam(self.user)
            for path in (self.directory, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
            ensure_prefix_permissions(self.socket_dir)
        info = primary.server.get_postmaster_info()
        self._run(
            "pg_basebackup",
            *("--pgdata", self.pgdata, "--write-recovery-conf", "--wal-method=stream"),
            *("--checkpoint=fast", "--host", info.socket_dir, "--port", info.port),
            *("--username", "postgres", "--no-password"),
        )
        self.start()

    def _run(self, program, *args, timeout=120):
        return subprocess.run(
            [str(self.bin / program), *map(str, args)],
            user=self.user,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )

    def start(self):
        options = f"-c listen_addresses='' -k {self.socket_dir}"
        self._run(
            "pg_ctl", "--pgdata", self.pgdata, "--log", self.log_path, "--options", options,
            "--wait", "--timeout", "120", "start",
        )  # fmt: skip

    def stop(self):
        self._run("pg_ctl", "--pgdata", self.pgdata, "--mode", "fast", "--wait", "stop")

    def url(self, database):
        return f"postgresql://postgres:@/{database}?host={self.socket_dir}"

    def query(self, sql, params=()):
        return query_value(self.url("postgres"), sql, params)

    def pause(self):
        """Stop replaying the WAL it receives (the primary goes on; the replica falls behind)."""
        self.query("SELECT pg_wal_replay_pause()")
        wait_for(lambda: self.query("SELECT pg_get_wal_replay_pause_state()") == "paused")

    def resume(self):
        self.query("SELECT pg_wal_replay_resume()")

    def wait_until_caught_up(self, timeout=120):
        """Until it has replayed everything the primary had written when asked."""
        position = query_value(self.primary.url("postgres"), "SELECT pg_current_wal_lsn()::text")
        wait_for(
            lambda: self.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position]),
            timeout=timeout,
            what="the replica to catch up",
        )

    def cleanup(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # not running


def query_value(url, sql, params=()):
    """The first column of the first row of ``sql`` on ``url`` (autocommit)."""
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=10) as connection:
        row = connection.execute(sql, params).fetchone()
    return row[0] if row else None


def wait_for(condition, timeout=60, interval=0.1, what="the condition"):
    """Poll ``condition()`` until it returns something true, and return that; fails after
    ``timeout`` seconds (generous: the machine may be busy)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
