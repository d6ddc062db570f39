# The tables added after 0006_scale whose rows public pages show (a trial's results, documents
# and former IDs; the "did you mean" vocabulary) bump the catalog version as the others do, so a
# change to them alone, by any writer, also makes every cached page of the old version
# unreachable. The function is 0006_scale's.

from django.db import migrations

TABLES = [
    "catalog_trialdocument",
    "catalog_formernctid",
    "catalog_resultmeasure",
    "catalog_resultgroup",
    "catalog_resultmeasurement",
    "catalog_flowstep",
    "catalog_flowcount",
    "catalog_adverseevent",
    "catalog_adverseeventcount",
    "catalog_searchword",
]

TRIGGERS = "".join(
    f"CREATE TRIGGER catalog_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION catalog_bump_version();\n"
    for table in TABLES
)
DROP_TRIGGERS = "".join(
    f"DROP TRIGGER IF EXISTS catalog_version_{table} ON {table};\n" for table in TABLES
)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0018_stored_studies"),
    ]

    operations = [migrations.RunSQL(TRIGGERS, DROP_TRIGGERS)]
