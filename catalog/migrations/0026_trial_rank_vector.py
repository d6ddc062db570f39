# What a search ranks by (``Trial.rank_vector``): the search vector without its D weight, kept
# by PostgreSQL in the trial's row. The whole vector (4.6 kB on average) is stored out of line,
# and ranking read it there for every match of a search: at 500,000 trials, 0.7 s of a one-word
# search that matches 58,000. Without the long texts (1.3 kB on average) it stays in the row
# with storage MAIN, set in the statement that adds the column so that its one rewrite of the
# table already keeps the values in the rows (the type's default, EXTENDED, moves them out).
#
# The columns a search's facets and filters read for every match get storage MAIN in the same
# statement. PostgreSQL moves a row's values out of line, the largest first, until the row fits
# in about 2 kB, and with the rank vector in the row it went on to these small arrays: each
# facet then read them back from the TOAST table, two index and heap reads per match (at
# 500,000 trials, 270 to 430 ms a facet for a one-word search). MAIN values leave the row only
# when nothing else can. A column added to what the facets read should be added here.
#
# No v2 study shows the rank vector: the trigger that forgets a trial's stored study when a
# column its study shows changes leaves it out, as it leaves out the search vector.

import django.contrib.postgres.search
from django.db import migrations, models

import catalog.models

# Columns of catalog_trial that no v2 study shows (migration 0018's list, and rank_vector).
NOT_IN_STUDY = (
    "search_vector",
    "key_terms_search_vector",
    "search_ids",
    "current_status",
    "updated_at",
)


def _forget_studies_trigger(columns):
    row = "to_jsonb({}) - ARRAY[" + ", ".join(f"''{c}''" for c in columns) + "]"
    query = (
        "SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id "
        f"WHERE {row.format('n')} IS DISTINCT FROM {row.format('o')}"
    )
    return f"""
DROP TRIGGER IF EXISTS catalog_forget_studies_trial_update ON catalog_trial;
CREATE TRIGGER catalog_forget_studies_trial_update AFTER UPDATE ON catalog_trial
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_forget_stored_studies('{query}');
"""


# The columns of catalog_trial that the facets and filters of a search read for every match.
READ_FOR_EVERY_MATCH = (
    "search_ids",
    "overall_status",
    "current_status",
    "study_type",
    "sex",
    "phases",
    "std_ages",
    "countries",
    "cities",
    "intervention_types",
    "condition_terms",
)


def _storage(kind):
    return ",\n".join(f"    ALTER COLUMN {c} SET STORAGE {kind}" for c in READ_FOR_EVERY_MATCH)


FORWARD = f"""
ALTER TABLE catalog_trial
    ADD COLUMN rank_vector tsvector
        GENERATED ALWAYS AS (ts_filter(search_vector, '{{a,b,c}}'::"char"[])) STORED,
    ALTER COLUMN rank_vector SET STORAGE MAIN,
{_storage("MAIN")};
""" + _forget_studies_trigger((*NOT_IN_STUDY, "rank_vector"))

BACKWARD = _forget_studies_trigger(NOT_IN_STUDY) + (
    "ALTER TABLE catalog_trial DROP COLUMN IF EXISTS rank_vector;\n"
    f"ALTER TABLE catalog_trial\n{_storage('EXTENDED')};\n"
)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0025_trial_condition_terms"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AddField(
                    model_name="trial",
                    name="rank_vector",
                    field=models.GeneratedField(
                        db_persist=True,
                        expression=catalog.models.WeightsOf(models.F("search_vector"), "abc"),
                        output_field=django.contrib.postgres.search.SearchVectorField(),
                    ),
                ),
            ],
        ),
    ]
