"""Roles: the "Curator" and "Editor" groups from the data migration, what each may do in the
admin, and ``create_curator``."""

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from catalog.models import Trial
from tests.admin_helpers import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Many logins here: hash passwords quickly (the hasher is not what is tested)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


STRONG = "violet-anchor-harbour-58"


def perms(group):
    return set(
        Group.objects.get(name=group).permissions.values_list("content_type__app_label", "codename")
    )


def test_curators_view_add_and_change_catalog_records_but_never_delete_or_publish():
    curator = perms("Curator")
    for model in ("trial", "site", "arm", "organization", "condition"):
        for action in ("view", "add", "change"):
            assert ("catalog", f"{action}_{model}") in curator
        assert ("catalog", f"delete_{model}") not in curator
    assert ("catalog", "publish_trial") not in curator
    assert {app for app, _ in curator} == {"catalog"}  # nothing about users or groups
    assert ("catalog", "view_trialchange") in curator
    assert ("catalog", "change_trialchange") not in curator


def test_editors_also_delete_and_publish():
    editor = perms("Editor")
    assert perms("Curator") < editor
    assert ("catalog", "delete_trial") in editor
    assert ("catalog", "publish_trial") in editor
    assert ("catalog", "change_trialchange") not in editor  # history is never edited
    assert {app for app, _ in editor} == {"catalog"}


def test_a_curator_cannot_delete_a_trial_or_manage_users(curator_client, imported_trial):
    response = curator_client.post(
        f"/admin/catalog/trial/{imported_trial.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Trial.objects.filter(pk=imported_trial.pk).exists()
    assert curator_client.get("/admin/auth/user/").status_code == 403


def test_an_editor_can_delete_a_trial_with_its_history(editor_client, imported_trial):
    response = editor_client.post(
        f"/admin/catalog/trial/{imported_trial.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Trial.objects.filter(pk=imported_trial.pk).exists()


def test_history_entries_are_never_deleted_on_their_own(editor_client, imported_trial):
    change = imported_trial.changes.get()
    response = editor_client.post(f"/admin/catalog/trialchange/{change.pk}/delete/", {"post": "1"})
    assert response.status_code == 403
    assert imported_trial.changes.exists()


def test_a_curator_is_not_offered_publishing(curator_client, imported_trial):
    actions = curator_client.get("/admin/catalog/trial/").context["action_form"]
    choices = {name for name, _ in actions.fields["action"].choices}
    assert "hide" not in choices and "publish" not in choices
    assert "revert_to_source" in choices

    response = curator_client.post(
        "/admin/catalog/trial/",
        {"action": "hide", "_selected_action": [imported_trial.pk], "apply": "1", "reason": "x"},
    )
    assert response.status_code == 302  # "No action selected."
    imported_trial.refresh_from_db()
    assert imported_trial.is_public


def test_a_curator_s_trial_form_cannot_hide_the_trial(curator_client, imported_trial):
    url = f"/admin/catalog/trial/{imported_trial.pk}/change/"
    data = change_form_data(curator_client.get(url))
    assert "is_public" not in data  # read only for curators
    data["hidden_reason"] = "sneaky"
    data.pop("is_public", None)

    assert curator_client.post(url, data).status_code == 302
    imported_trial.refresh_from_db()
    assert imported_trial.is_public and imported_trial.hidden_reason == ""


def run(*args, **kwargs):
    out = io.StringIO()
    call_command("create_curator", *args, stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


def test_create_curator_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("CURATOR_PASSWORD", STRONG)
    out = run("alice", email="alice@example.org")
    user = User.objects.get(username="alice")
    assert "Created curator account 'alice'" in out
    assert user.is_staff and not user.is_superuser
    assert user.email == "alice@example.org"
    assert user.check_password(STRONG)
    assert list(user.groups.values_list("name", flat=True)) == ["Curator"]


def test_create_curator_editor_moves_an_account_to_the_editor_group(monkeypatch):
    monkeypatch.setenv("CURATOR_PASSWORD", STRONG)
    run("bob")
    out = run("bob", editor=True)
    user = User.objects.get(username="bob")
    assert "Updated editor account 'bob'" in out
    assert list(user.groups.values_list("name", flat=True)) == ["Editor"]
    assert user.has_perm("catalog.publish_trial")


def test_create_curator_asks_for_the_password_twice_at_a_terminal(monkeypatch):
    monkeypatch.delenv("CURATOR_PASSWORD", raising=False)
    answers = iter([STRONG, STRONG])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    run("carol")
    assert User.objects.get(username="carol").check_password(STRONG)


def test_create_curator_without_a_password_refuses(monkeypatch):
    monkeypatch.delenv("CURATOR_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO())
    with pytest.raises(CommandError, match="CURATOR_PASSWORD"):
        run("dave")
    assert not User.objects.filter(username="dave").exists()


def test_create_curator_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("CURATOR_PASSWORD", "password")
    with pytest.raises(CommandError, match="Password refused"):
        run("erin")
    assert not User.objects.filter(username="erin").exists()


def test_create_curator_refuses_two_different_passwords(monkeypatch):
    monkeypatch.delenv("CURATOR_PASSWORD", raising=False)
    answers = iter([STRONG, STRONG + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    with pytest.raises(CommandError, match="differ"):
        run("frank")
    assert not User.objects.filter(username="frank").exists()


def test_a_created_curator_can_log_in_to_the_admin(monkeypatch, client):
    monkeypatch.setenv("CURATOR_PASSWORD", STRONG)
    run("grace")
    response = client.post("/admin/login/?next=/admin/", {"username": "grace", "password": STRONG})
    assert response.status_code == 302
    assert client.get("/admin/catalog/trial/").status_code == 200
