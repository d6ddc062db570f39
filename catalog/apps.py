from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CatalogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog"
    verbose_name = "MSC trials catalog"

    def ready(self):
        post_migrate.connect(forget_shared_figures, sender=self)


def forget_shared_figures(using, **kwargs):
    """A release migrates: the figures the code before it computed (their facets, labels and
    classes) are not served by the code after it."""
    from django.db import connections

    from catalog.models import SharedFigures

    if SharedFigures._meta.db_table in connections[using].introspection.table_names():
        SharedFigures.forget(using)
