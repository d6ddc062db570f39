"""gunicorn.conf.py as the container runs it: gthread workers by default, and no control
socket under a home directory the container's user cannot write."""

import runpy

from tests.servers import BASE_DIR, Gunicorn, production_env


def test_workers_are_gthread_by_default_and_sync_on_request(monkeypatch):
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert (config["worker_class"], config["threads"]) == ("gthread", 8)
    monkeypatch.setenv("GUNICORN_THREADS", "1")
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert (config["worker_class"], config["threads"]) == ("sync", 1)


def test_no_control_socket_error_with_an_unwritable_home(collected_static, tmp_path):
    env = production_env(
        "postgres://nobody@127.0.0.1:1/none", collected_static, HOME="/proc/no-home"
    )
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=1) as server:
        server.get("/healthz")
    log = server.log()
    assert "Booting worker" in log
    assert "Control server error" not in log
    assert "Permission denied" not in log
