"""Django loads ``catalog.admin``: the curators' admin lives in ``catalog.curation.admin``."""

from catalog.curation import admin  # noqa: F401
