"""A persistent connection that the server has closed is found out before a request's first
query and opened again (``trialsite/postgresql``: the health check polls the connection and
asks the server only when there is something to read)."""

import time

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_connection():
    """A connection of the site's backend and settings of its own, outside the test's
    transaction, as a worker holds one between requests."""
    own = connections.create_connection("default")
    own.ensure_connection()
    yield own
    own.close()


def terminate(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)


def test_an_idle_connection_is_usable(own_connection):
    assert own_connection.is_usable()
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert own_connection.is_usable()


def test_a_connection_the_server_closed_is_opened_again_before_the_next_query(own_connection):
    old_pid = own_connection.connection.info.backend_pid
    terminate(old_pid)
    deadline = time.monotonic() + 5
    while own_connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)  # until the server's last message has arrived
    assert not own_connection.is_usable()

    # What Django does before a request's first query with CONN_HEALTH_CHECKS.
    own_connection.health_check_done = False
    own_connection.close_if_health_check_failed()
    with own_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid
