"""Behind a reverse proxy, failed logins lock out the address the client came from, not the
proxy's: real gunicorn (PROXY_COUNT=1) behind a real proxy process (tests/reverse_proxy.py),
reached by two clients from two different loopback addresses."""

import http.client
import re
import subprocess
import sys
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from tests.servers import BASE_DIR, Gunicorn, free_port, manage, production_env

PASSWORD = "violet-anchor-harbour-58"
LOGIN = "/admin/login/?next=/admin/"
CREATE_USER = (
    "from django.contrib.auth.models import User; "
    f"User.objects.create_user('curie', password='{PASSWORD}', is_staff=True)"
)


class Client:
    """A browser-like client with its own source address and cookies."""

    def __init__(self, port, address):
        self.port = port
        self.address = address
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.address, 0)
        )
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, content

    def login(self, password, forwarded_for=None):
        _, page = self.request("GET", LOGIN)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urlencode(
            {"username": "curie", "password": password, "csrfmiddlewaretoken": token}
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        status, _ = self.request("POST", LOGIN, body=body, headers=headers)
        return status


@pytest.fixture
def proxied_site(scratch_postgres, scratch_template, collected_static, tmp_path):
    url = scratch_postgres.create_database("lockout_proxy", template=scratch_template)
    env = production_env(url, collected_static, PROXY_COUNT=1, BEHIND_PROXY=1)
    manage(sys.executable, "shell", "-c", CREATE_USER, env=env)
    with Gunicorn(env, tmp_path / "gunicorn.log", workers=1) as server:
        port = free_port()
        proxy = subprocess.Popen(
            [sys.executable, "-m", "tests.reverse_proxy", str(port), str(server.port)],
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proxy.stdout.readline().strip() == "ready"
            yield port
        finally:
            proxy.terminate()
            proxy.wait(10)


def test_failed_logins_lock_out_the_client_behind_the_proxy_not_everyone(proxied_site):
    attacker = Client(proxied_site, "127.0.0.2")
    curator = Client(proxied_site, "127.0.0.3")
    statuses = [attacker.login("wrong") for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    # The attacker stays locked out, even with the right password and a forged header...
    assert attacker.login(PASSWORD) == 429
    assert attacker.login(PASSWORD, forwarded_for="127.0.0.3") == 429
    # ...while the curator, from another address through the same proxy, logs in.
    assert curator.login(PASSWORD) == 302
