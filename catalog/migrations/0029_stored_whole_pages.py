"""A stored trial page is the whole page in one piece (``StoredPage.html``), served without a
template. Stored pages are renderings, rendered again on their next view: those of the pieces
before are dropped, not converted."""

from django.db import migrations, models

PIECES = ("title", "description", "head", "header", "body", "related")
# Both ways: going back, the pages stored whole are dropped before the pieces' columns return.
FORGET = migrations.RunSQL("DELETE FROM catalog_storedpage", "DELETE FROM catalog_storedpage")
# Compressed with lz4 where the server has it, as the pieces were (0027).
COMPRESSION = """
DO $$
BEGIN
    ALTER TABLE catalog_storedpage ALTER COLUMN html SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0028_stored_cards")]

    operations = [
        FORGET,
        *(migrations.RemoveField("storedpage", name) for name in PIECES),
        migrations.AddField(
            "storedpage",
            "html",
            models.TextField(
                default="", help_text="The whole page, its origin and compare link to be set."
            ),
            preserve_default=False,
        ),
        migrations.RunSQL(COMPRESSION, migrations.RunSQL.noop),
        FORGET,
    ]
