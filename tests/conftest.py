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
