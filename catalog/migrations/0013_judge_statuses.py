"""Each trial's status judged by today's date, in a migration of its own: the column's index
cannot be built in the same transaction as the rows' update."""

from django.db import migrations, models
from django.utils import timezone


def judge_statuses(apps, schema_editor):
    """Each trial's status by today's date (``catalog.models.status_on``)."""
    from catalog.models import ACTIVE_STATUSES, status_on

    Trial = apps.get_model("catalog", "Trial")
    Trial.objects.update(current_status=models.F("overall_status"))
    today = timezone.localdate()
    active = Trial.objects.filter(overall_status__in=ACTIVE_STATUSES)
    rows = active.values_list("pk", "overall_status", "status_verified_date")
    stale = [
        pk for pk, status, verified in rows.iterator() if status_on(status, verified, today) != status
    ]
    Trial.objects.filter(pk__in=stale).update(current_status="UNKNOWN")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0012_current_status"),
    ]

    operations = [
        migrations.RunPython(judge_statuses, migrations.RunPython.noop),
    ]
