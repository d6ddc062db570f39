"""Login safety: the admin locks an account out (for the address it is attacked from) after
repeated failed logins, lives at the path ADMIN_PATH sets, and its sessions expire."""

import datetime
import importlib

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.urls import clear_url_caches, reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Many logins here: hash passwords quickly (the hasher is not what is tested)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PASSWORD = "violet-anchor-harbour-58"
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def staff(db):
    return User.objects.create_user("curie", password=PASSWORD, is_staff=True)


def login(client, password, address="203.0.113.7"):
    return client.post(LOGIN, {"username": "curie", "password": password}, REMOTE_ADDR=address)


def test_repeated_failures_lock_the_account_out_even_for_the_right_password(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, "wrong")
        assert response.status_code == 200  # the login form again, with its error
    response = login(client, "wrong")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()

    response = login(client, PASSWORD)
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302  # still not logged in


def test_a_lockout_holds_for_that_address_only(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong", address="203.0.113.7")
    assert login(client, PASSWORD, address="198.51.100.9").status_code == 302


def test_a_successful_login_clears_earlier_failures(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "wrong")
    assert login(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "wrong")
    assert login(client, PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong")
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(days=1))
    assert login(client, PASSWORD).status_code == 302


@pytest.fixture
def admin_at(settings):
    """Reload the URLs with ADMIN_PATH set; restore them afterwards."""
    import trialsite.urls

    def at(path):
        settings.ADMIN_PATH = path
        importlib.reload(trialsite.urls)
        clear_url_caches()

    yield at
    settings.ADMIN_PATH = "admin/"
    importlib.reload(trialsite.urls)
    clear_url_caches()


def test_the_admin_lives_at_the_path_the_environment_sets(client, staff, admin_at):
    assert reverse("admin:index") == f"/{settings.ADMIN_PATH}"
    admin_at("back-office-7f3a/")
    assert reverse("admin:index") == "/back-office-7f3a/"
    assert client.get("/admin/").status_code == 404
    response = client.get("/back-office-7f3a/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/back-office-7f3a/login/"
    )


def test_the_admin_path_comes_from_the_environment(monkeypatch):
    from trialsite import settings as site_settings

    monkeypatch.setenv("ADMIN_PATH", "/desk/")
    try:
        assert importlib.reload(site_settings).ADMIN_PATH == "desk/"
    finally:
        monkeypatch.delenv("ADMIN_PATH")
        importlib.reload(site_settings)


def test_sessions_expire(client, staff):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert login(client, PASSWORD).status_code == 302
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert client.get("/admin/").status_code == 200

    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
