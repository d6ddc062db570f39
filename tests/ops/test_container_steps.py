"""The image's steps, proven without Docker: the Dockerfile is read for what it promises, and
its steps are run as it runs them, in a fresh virtualenv, on the files its build context holds
(the repository less .dockerignore): install the pinned requirements, collect static files,
run the release step against an empty database, start gunicorn with gunicorn.conf.py, and ask
the health probe.

The run takes a minute or two (a virtualenv, the bundled data's import), so it runs in CI
(``CI`` set) or with ``RUN_CONTAINER_STEPS=1`` (``make container-steps``), and is skipped
otherwise.
"""

import fnmatch
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.public_urls import EXAMPLE_ID
from tests.servers import BASE_DIR, Gunicorn, production_env

DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()


def instructions(name):
    """The arguments of every ``name`` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def test_the_dockerfile_builds_in_stages_from_python_311_slim():
    bases = instructions("FROM")
    assert len(bases) >= 2
    assert all(base.startswith("python:3.11-slim") for base in bases)


def test_the_image_installs_only_the_runtime_requirements_and_collects_static_files():
    runs = " ".join(instructions("RUN"))
    assert "pip install --no-cache-dir -r requirements.txt" in runs
    assert "requirements-dev" not in DOCKERFILE
    assert "manage.py collectstatic --noinput" in runs
    assert "manage.py place_sites --tables-only" in runs


def test_the_image_runs_gunicorn_as_an_unprivileged_user_with_a_health_check():
    (user,) = instructions("USER")
    assert user.split(":")[0] not in ("root", "0")
    (command,) = instructions("CMD")
    assert '"gunicorn", "--config", "gunicorn.conf.py", "trialsite.wsgi:application"' in command
    (healthcheck,) = instructions("HEALTHCHECK")
    assert 'CMD ["python", "-m", "trialsite.healthcheck"]' in healthcheck


def test_compose_runs_the_release_step_before_the_web_service():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "web", "release"} <= set(services)
    assert services["release"]["command"] == ["sh", "deploy/release.sh"]
    assert services["web"]["depends_on"]["release"] == {
        "condition": "service_completed_successfully"
    }
    assert services["web"]["depends_on"]["db"] == {"condition": "service_healthy"}
    environment = services["web"]["environment"]
    assert environment["DATABASE_URL"].endswith("@db:5432/catalog")
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    release = (BASE_DIR / "deploy" / "release.sh").read_text()
    assert "manage.py migrate --noinput" in release
    assert "import_ctgov data/msc-trials-2022.json.gz data/seeds" in release


# The image's steps, for real ---------------------------------------------------------------


def build_context_files():
    """The repository's files less those .dockerignore leaves out (the syntax it uses)."""
    patterns = [
        line.strip()
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=BASE_DIR, capture_output=True, check=True
    ).stdout.decode()

    def ignored(path):
        for pattern in patterns:
            if pattern.startswith("**/"):
                if any(fnmatch.fnmatch(part, pattern[3:]) for part in path.split("/")):
                    return True
            elif (
                path == pattern or path.startswith(pattern + "/") or fnmatch.fnmatch(path, pattern)
            ):
                return True
        return False

    return [path for path in tracked.split("\0") if path and not ignored(path)]


needs_time = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("RUN_CONTAINER_STEPS")),
    reason=(
        "the image's steps (fresh virtualenv, collectstatic, release, gunicorn) take a minute "
        "or two: they run in CI, or here with RUN_CONTAINER_STEPS=1 (make container-steps)"
    ),
)


def step(command, cwd, env, timeout=600):
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@needs_time
def test_the_image_steps_give_a_working_catalog(tmp_path, scratch_postgres):
    app = tmp_path / "app"
    for path in build_context_files():
        (app / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(BASE_DIR / path, app / path)
    assert not (app / "tests").exists() and (app / "data" / "msc-trials-2022.json.gz").exists()

    # RUN python -m venv /opt/venv; pip install -r requirements.txt
    venv = tmp_path / "venv"
    step([sys.executable, "-m", "venv", str(venv)], app, os.environ)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    step([*pip, "--no-cache-dir", "-r", "requirements.txt"], app, os.environ)
    installed = step([str(python), "-m", "pip", "freeze"], app, os.environ).stdout
    assert "pytest" not in installed.lower() and "pgserver" not in installed.lower()

    # RUN DEBUG=0 ... manage.py collectstatic --noinput (into the image's /app/staticfiles)
    build_env = production_env("postgres://build@127.0.0.1:1/none", app / "staticfiles")
    step([str(python), "manage.py", "collectstatic", "--noinput"], app, build_env)
    assert list((app / "staticfiles" / "css").glob("site.*.css.gz"))
    # ... && manage.py place_sites --tables-only (the gazetteer's tables, under /app/var)
    step([str(python), "manage.py", "place_sites", "--tables-only"], app, build_env)
    assert list((app / "var" / "gazetteer").glob("cities1000-*.marshal"))

    # The release step against an empty database, twice (the second run changes nothing).
    database = scratch_postgres.create_database("container_steps")
    env = production_env(database, app / "staticfiles", PATH=f"{venv / 'bin'}:{os.environ['PATH']}")
    env.pop("STATIC_ROOT")  # the image's default, /app/staticfiles
    first = step(["sh", "deploy/release.sh"], app, env)
    assert "1538 created" in first.stdout
    again = step(["sh", "deploy/release.sh"], app, env)
    assert "0 created, 0 updated, 1538 unchanged" in again.stdout

    # CMD gunicorn --config gunicorn.conf.py, and the HEALTHCHECK.
    with Gunicorn(env, tmp_path / "gunicorn.log", python=python, cwd=app) as server:
        health = server.get("/healthz")
        trial = server.get(f"/trials/{EXAMPLE_ID}/")
        probe = subprocess.run(
            [str(python), "-m", "trialsite.healthcheck"],
            cwd=app,
            env={**env, "PORT": str(server.port)},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert health.status == 200, server.log()
    assert trial.status == 200 and EXAMPLE_ID in trial.text
    assert probe.returncode == 0, probe.stdout + probe.stderr
