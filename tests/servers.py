"""Real servers for the tests that need them: gunicorn in production mode, and a scratch
embedded PostgreSQL that a test may stop and start without touching the main test database.

Servers bind 127.0.0.1 on a port of ``TEST_PORTS`` (8160-8179 unless set) and are stopped by
the fixtures that start them.
"""

import http.client
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
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

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
            return Response(response.status, dict(response.getheaders()), content)
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
