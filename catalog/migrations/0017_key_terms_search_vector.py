"""The search vector's key terms (its A and B weights: titles, conditions, condition MeSH terms,
keywords) as a column of their own, kept by PostgreSQL from ``search_vector`` and indexed.

Related trials (``TrialQuerySet.related_to``) look up each title word among other trials' key
terms. Against ``search_vector`` with a weight filter, every match had to be rechecked in the
whole vector, read from the table (two thirds of an uncached trial page); against this column
the index answers alone. The ORM never reads it: it is not a model field.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE catalog_trial ADD COLUMN key_terms_search_vector tsvector
    GENERATED ALWAYS AS (ts_filter(search_vector, '{a,b}'::"char"[])) STORED;
CREATE INDEX trial_key_terms_search_gin ON catalog_trial USING gin (key_terms_search_vector);
"""

BACKWARD = """
DROP INDEX IF EXISTS trial_key_terms_search_gin;
ALTER TABLE catalog_trial DROP COLUMN IF EXISTS key_terms_search_vector;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0016_age_index"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
