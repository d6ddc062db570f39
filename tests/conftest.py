"""Shared fixtures.

Tests run against a real PostgreSQL: the embedded server under var/ unless DATABASE_URL names
another. Tests that need the bundled catalog ask for ``bundled_catalog``; it is imported once
per session, so tests must not use ``transactional_db`` (which would empty the tables).
"""

import pytest


@pytest.fixture(scope="session")
def bundled_catalog(django_db_setup, django_db_blocker):
    """The bundled 1,536 studies and the five seed trials, imported once for the session."""
    from django.conf import settings
    from django.core.management import call_command

    from catalog.importer import Importer

    with django_db_blocker.unblock():
        summary = Importer().run(settings.CATALOG_BUNDLED_DATA)
    yield summary
    with django_db_blocker.unblock():
        call_command("flush", "--noinput", verbosity=0)


@pytest.fixture
def curator(db):
    """A staff account in the "Curator" group (view, add, change; no delete, no publishing)."""
    return _staff("curator", "Curator")


@pytest.fixture
def editor(db):
    """A staff account in the "Editor" group (also delete, publish and hide)."""
    return _staff("editor", "Editor")


def _staff(username, group):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username, f"{username}@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def imported_trial(db):
    """A real study with arms, interventions and four sites (bundled item 9), imported under
    NCT09000001 for this test."""
    from catalog.importer import Importer
    from catalog.models import Trial
    from tests.factories import real_study

    study = real_study(9)
    study["protocolSection"]["identificationModule"]["nctId"] = "NCT09000001"
    Importer().import_study(study, "test.json")
    return Trial.objects.get(nct_id="NCT09000001")
