# A trial's countries (``Trial.countries``), kept by PostgreSQL from its sites whoever writes
# them: the importer, the curation admin, a sync, an operator's SQL. Statement triggers with
# transition tables, so a COPY or a bulk insert of sites costs one UPDATE per statement. The bulk
# loader writes the countries with its trials and turns the insert trigger off for its own COPY.

import catalog.models
import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

FUNCTIONS = """
CREATE OR REPLACE FUNCTION catalog_upper_all(varchar[]) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ARRAY(SELECT upper(v) FROM unnest($1) AS v) $$;

-- Country names as a trial's countries: one spelling per country whatever its case (the first
-- in order), no empty names, sorted.
CREATE OR REPLACE FUNCTION catalog_countries(varchar[]) RETURNS varchar[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM
      (SELECT min(v) AS c FROM unnest($1) AS v WHERE v <> '' GROUP BY upper(v)) AS x $$;

-- The countries of the trials ``ids`` from their sites, again.
CREATE OR REPLACE FUNCTION catalog_recount_countries(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE catalog_trial t SET countries = m.countries
      FROM (SELECT x.trial_id, catalog_countries(ARRAY(SELECT s.country FROM catalog_site s
                                                        WHERE s.trial_id = x.trial_id)) AS countries
              FROM unnest(ids) AS x(trial_id)) AS m
     WHERE t.id = m.trial_id AND t.countries IS DISTINCT FROM m.countries
$$;

-- A statement that wrote no site changes no trial (and bumps the catalog version once): each
-- branch returns first when its transition table is empty.
CREATE OR REPLACE FUNCTION catalog_site_countries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;
        END IF;
        -- New sites only add countries: merged, without reading the trial's other sites.
        UPDATE catalog_trial t SET countries = catalog_countries(t.countries || n.added)
          FROM (SELECT trial_id, array_agg(country) AS added
                  FROM new_rows GROUP BY trial_id) AS n
         WHERE t.id = n.trial_id
           AND t.countries IS DISTINCT FROM catalog_countries(t.countries || n.added);
    ELSIF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN
            RETURN NULL;
        END IF;
        -- A site moved to another trial changes the countries of both.
        PERFORM catalog_recount_countries(
            ARRAY(SELECT trial_id FROM old_rows UNION SELECT trial_id FROM new_rows));
    ELSE
        IF NOT EXISTS (SELECT FROM old_rows) THEN
            RETURN NULL;
        END IF;
        PERFORM catalog_recount_countries(ARRAY(SELECT DISTINCT trial_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER catalog_site_countries_insert AFTER INSERT ON catalog_site
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_site_countries();
CREATE TRIGGER catalog_site_countries_update AFTER UPDATE ON catalog_site
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_site_countries();
CREATE TRIGGER catalog_site_countries_delete AFTER DELETE ON catalog_site
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_site_countries();

-- The trials already held. No v2 study shows the countries column: the stored studies stay.
ALTER TABLE catalog_trial DISABLE TRIGGER catalog_forget_studies_trial_update;
UPDATE catalog_trial t SET countries = c.countries
  FROM (SELECT trial_id, catalog_countries(array_agg(country)) AS countries
          FROM catalog_site GROUP BY trial_id) AS c
 WHERE t.id = c.trial_id AND t.countries IS DISTINCT FROM c.countries;
ALTER TABLE catalog_trial ENABLE TRIGGER catalog_forget_studies_trial_update;
"""

DROP = """
DROP TRIGGER IF EXISTS catalog_site_countries_insert ON catalog_site;
DROP TRIGGER IF EXISTS catalog_site_countries_update ON catalog_site;
DROP TRIGGER IF EXISTS catalog_site_countries_delete ON catalog_site;
DROP FUNCTION IF EXISTS catalog_site_countries();
DROP FUNCTION IF EXISTS catalog_recount_countries(bigint[]);
DROP FUNCTION IF EXISTS catalog_countries(varchar[]);
DROP FUNCTION IF EXISTS catalog_upper_all(varchar[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0021_parts_ordered_by_trial_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="trial",
            name="countries",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=100),
                blank=True,
                default=list,
                editable=False,
                size=None,
            ),
        ),
        migrations.RunSQL(FUNCTIONS, DROP),
        migrations.AddIndex(
            model_name="trial",
            index=django.contrib.postgres.indexes.GinIndex(
                catalog.models.UpperAll("countries"), name="trial_country_keys_gin"
            ),
        ),
    ]
