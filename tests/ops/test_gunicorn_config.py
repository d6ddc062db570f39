"""gunicorn.conf.py as the container runs it: threaded workers computing one request at a time
by default (trialsite/workers.py, tested in test_gunicorn_worker.py), no control socket
under a home directory the container's user cannot write, and the place gazetteer loaded once
in the master for the workers to share."""

import runpy

from tests.servers import BASE_DIR, Gunicorn, production_env


def test_workers_are_threaded_and_serial_by_default_and_sync_on_request(monkeypatch):
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    config = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    assert (config["worker_class"], config["threads"]) == (
        "trialsite.workers.SerialThreadWorker",
        8,
    )
    assert config["keepalive"] == 0
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


def test_the_master_loads_the_gazetteer_for_its_workers_to_share(collected_static, tmp_path):
    from catalog.places.gazetteer import gazetteer

    gazetteer()  # its tables built, as the first import of sites builds them
    env = production_env("postgres://nobody@127.0.0.1:1/none", collected_static)
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=2) as server:
        server.get("/healthz")
    log = server.log()
    assert "Gazetteer loaded in the master" in log
    assert log.index("Gazetteer loaded") < log.index("Booting worker")


def test_without_built_tables_the_master_leaves_the_gazetteer_to_the_workers(
    collected_static, tmp_path
):
    env = production_env(
        "postgres://nobody@127.0.0.1:1/none", collected_static, GAZETTEER_DIR=str(tmp_path)
    )
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=1) as server:
        server.get("/healthz")
    assert "Booting worker" in server.log()
    assert "Gazetteer loaded" not in server.log()
    assert not list(tmp_path.glob("*.marshal"))
