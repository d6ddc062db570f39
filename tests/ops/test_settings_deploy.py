"""Production settings come from the environment only, and ``check --deploy`` passes clean."""

import json
import os
import re
import secrets
import socket
import subprocess
import sys

import pytest
import yaml

from tests.servers import BASE_DIR

PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "catalog.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://catalog.example.org",
    "DATABASE_URL": "postgres://catalog:secret@db.example.org:5432/catalog",
    "HTTPS": "1",
    "BEHIND_PROXY": "1",
}

SHOW_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name, None) for name in %r}, default=str))
"""


def run(args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    for name in (
        "DEBUG",
        "SECRET_KEY",
        "DATABASE_URL",
        "HTTPS",
        "BEHIND_PROXY",
        "REDIS_URL",
        "PROXY_COUNT",
        "PAGE_CACHE_URL",
    ):
        clean.pop(name, None)
    clean.update(env, DJANGO_SETTINGS_MODULE="trialsite.settings")
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60
    )


def settings_under(names, **env):
    result = run(["-c", SHOW_SETTINGS % (names,)], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_reports_nothing_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_does_warn_when_https_is_off():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **{**PRODUCTION, "HTTPS": "0"},
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W012" in result.stderr  # session cookie not secure


def test_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_refuses_to_guess_the_database_in_production():
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}
    result = run(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert "DATABASE_URL must be set when DEBUG is off." in result.stderr


def test_production_values():
    names = [
        "DEBUG",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LOG_FORMAT",
        "STORAGES",
        "CACHES",
        "DATABASES",
    ]
    values = settings_under(names, **PRODUCTION)
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["catalog.example.org"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://catalog.example.org"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["LOG_FORMAT"] == "json"
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    database = values["DATABASES"]["default"]
    assert (database["HOST"], database["NAME"], database["USER"]) == (
        "db.example.org",
        "catalog",
        "catalog",
    )
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["OPTIONS"]["connect_timeout"] == 5


def test_the_proxy_header_is_trusted_only_when_asked():
    values = settings_under(["SECURE_PROXY_SSL_HEADER"], **{**PRODUCTION, "BEHIND_PROXY": "0"})
    assert values["SECURE_PROXY_SSL_HEADER"] is None


def test_https_off_for_a_plain_http_deployment():
    values = settings_under(
        ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE"],
        **{**PRODUCTION, "HTTPS": "0"},
    )
    assert values == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SESSION_COOKIE_SECURE": False,
    }


def test_a_bad_number_is_a_clear_error():
    result = run(["manage.py", "check"], **{**PRODUCTION, "SECURE_HSTS_SECONDS": "a year"})
    assert result.returncode != 0
    assert "SECURE_HSTS_SECONDS must be a whole number, not 'a year'." in result.stderr


def redis_answers():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def test_redis_caches_when_redis_url_is_set():
    env = {**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/1"}
    values = settings_under(["CACHES"], **env)
    assert values["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
        "KEY_PREFIX": "data",
    }
    assert values["CACHES"]["pages"]["LOCATION"] == "redis://127.0.0.1:6379/1"
    assert values["CACHES"]["pages"]["KEY_PREFIX"] == "pages"
    if not redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379: the cache round trip is not tried")
    key = f"deploy-test-{secrets.token_hex(4)}"
    script = (
        "import django; django.setup()\n"
        "from django.core.cache import cache\n"
        f"cache.set({key!r}, 'stored', 30); print(cache.get({key!r})); cache.delete({key!r})\n"
    )
    result = run(["-c", script], **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "stored"


# The compose file's configuration ----------------------------------------------------------------

COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^{}]*))?\}")


def interpolate(value, given):
    """``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}`` as docker compose reads them
    (innermost first, so defaults may nest), with the variables ``given``."""

    def one(match):
        name, kind, rest = match.groups()
        if given.get(name):
            return given[name]
        if kind == "?":
            raise AssertionError(f"compose requires {name}: {rest}")
        return rest if kind == "-" else ""

    while _VARIABLE.search(value):
        value = _VARIABLE.sub(one, value)
    return value


def compose_environment(service="web", **given):
    environment = COMPOSE["services"][service]["environment"]
    return {name: interpolate(str(value), given) for name, value in environment.items()}


REQUIRED = {"SECRET_KEY": secrets.token_urlsafe(50), "POSTGRES_PASSWORD": "secret"}


@pytest.mark.parametrize("given", [{}, {"SITE_ADDRESS": "catalog.example.org"}])
def test_check_deploy_reports_nothing_with_the_compose_configuration(given):
    env = compose_environment(**REQUIRED, **given)
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    values = settings_under(
        ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "PROXY_COUNT", "ALLOWED_HOSTS"], **env
    )
    assert values["SECURE_SSL_REDIRECT"] is True and values["SESSION_COOKIE_SECURE"] is True
    assert values["PROXY_COUNT"] == 1
    assert values["ALLOWED_HOSTS"] == [given.get("SITE_ADDRESS", "localhost")]


def test_compose_publishes_only_the_tls_proxy():
    services = COMPOSE["services"]
    # What `docker compose up` starts: services of a profile (the replica topology) only run
    # when that profile is asked for.
    default = {name: s for name, s in services.items() if not s.get("profiles")}
    published = {name for name, service in default.items() if service.get("ports")}
    assert published == {"caddy"}
    assert services["caddy"]["image"].startswith("caddy:")
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["caddy"]["volumes"]
    assert COMPOSE["networks"]["internal"]["internal"] is True
    for name in ("web", "db", "redis", "page-cache", "release"):
        assert services[name]["networks"] == ["internal"], name
    caddyfile = (BASE_DIR / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8000" in caddyfile
