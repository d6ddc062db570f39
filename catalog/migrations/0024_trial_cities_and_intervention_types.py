# A trial's cities and intervention types (``Trial.cities``, ``Trial.intervention_types``), kept
# by PostgreSQL from its sites and interventions as its countries are (migration 0022), so that
# the city and intervention type filters and facets read the trial's own row: a search's
# facets joined the sites and the interventions for each match (at 500,000 trials, 1.0 s and
# 0.6 s of a one-word search's 4.0 s). The site triggers of 0022 now keep the cities too.

import catalog.models
import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

FUNCTIONS = """
-- The countries and cities of the trials ``ids`` from their sites, again (one spelling per
-- name whatever its case: catalog_countries, migration 0022).
CREATE OR REPLACE FUNCTION catalog_recount_places(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE catalog_trial t SET countries = m.countries, cities = m.cities
      FROM (SELECT x.trial_id,
                   catalog_countries(ARRAY(SELECT s.country FROM catalog_site s
                                            WHERE s.trial_id = x.trial_id)) AS countries,
                   catalog_countries(ARRAY(SELECT s.city FROM catalog_site s
                                            WHERE s.trial_id = x.trial_id)) AS cities
              FROM unnest(ids) AS x(trial_id)) AS m
     WHERE t.id = m.trial_id
       AND (t.countries IS DISTINCT FROM m.countries OR t.cities IS DISTINCT FROM m.cities)
$$;

CREATE OR REPLACE FUNCTION catalog_site_countries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;
        END IF;
        -- New sites only add places: merged, without reading the trial's other sites.
        UPDATE catalog_trial t SET countries = catalog_countries(t.countries || n.countries),
                                   cities = catalog_countries(t.cities || n.cities)
          FROM (SELECT trial_id, array_agg(country) AS countries, array_agg(city) AS cities
                  FROM new_rows GROUP BY trial_id) AS n
         WHERE t.id = n.trial_id
           AND (t.countries IS DISTINCT FROM catalog_countries(t.countries || n.countries)
                OR t.cities IS DISTINCT FROM catalog_countries(t.cities || n.cities));
    ELSIF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN
            RETURN NULL;
        END IF;
        -- A site moved to another trial changes the places of both.
        PERFORM catalog_recount_places(
            ARRAY(SELECT trial_id FROM old_rows UNION SELECT trial_id FROM new_rows));
    ELSE
        IF NOT EXISTS (SELECT FROM old_rows) THEN
            RETURN NULL;
        END IF;
        PERFORM catalog_recount_places(ARRAY(SELECT DISTINCT trial_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;
DROP FUNCTION IF EXISTS catalog_recount_countries(bigint[]);

-- The intervention types of the trials ``ids`` from their interventions, again: distinct,
-- sorted, no empty type.
CREATE OR REPLACE FUNCTION catalog_recount_intervention_types(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE catalog_trial t SET intervention_types = m.types
      FROM (SELECT x.trial_id,
                   ARRAY(SELECT DISTINCT i.type FROM catalog_intervention i
                          WHERE i.trial_id = x.trial_id AND i.type <> ''
                          ORDER BY 1)::varchar(24)[] AS types
              FROM unnest(ids) AS x(trial_id)) AS m
     WHERE t.id = m.trial_id AND t.intervention_types IS DISTINCT FROM m.types
$$;

-- A statement that wrote rows of a trial's parts (``trial_id``): the trials' column again, by
-- the function the trigger names (``catalog_recount_…(ids bigint[])``). A statement that wrote
-- no row writes no trial, and bumps no catalog version.
CREATE OR REPLACE FUNCTION catalog_recount_from_parts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY(SELECT DISTINCT trial_id FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        ids := ARRAY(SELECT trial_id FROM old_rows UNION SELECT trial_id FROM new_rows);
    ELSE
        ids := ARRAY(SELECT DISTINCT trial_id FROM old_rows);
    END IF;
    IF cardinality(ids) > 0 THEN
        EXECUTE format('SELECT %I($1)', TG_ARGV[0]) USING ids;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER catalog_intervention_types_insert AFTER INSERT ON catalog_intervention
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_recount_from_parts('catalog_recount_intervention_types');
CREATE TRIGGER catalog_intervention_types_update AFTER UPDATE ON catalog_intervention
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_recount_from_parts('catalog_recount_intervention_types');
CREATE TRIGGER catalog_intervention_types_delete AFTER DELETE ON catalog_intervention
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_recount_from_parts('catalog_recount_intervention_types');

-- The trials already held. No v2 study shows these columns: the stored studies stay. (DDL on
-- a table refuses to run while checks of earlier writes are pending.)
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE catalog_trial DISABLE TRIGGER catalog_forget_studies_trial_update;
UPDATE catalog_trial t SET cities = c.cities
  FROM (SELECT trial_id, catalog_countries(array_agg(city)) AS cities
          FROM catalog_site GROUP BY trial_id) AS c
 WHERE t.id = c.trial_id AND t.cities IS DISTINCT FROM c.cities;
UPDATE catalog_trial t SET intervention_types = i.types
  FROM (SELECT trial_id, array_agg(DISTINCT type ORDER BY type)::varchar(24)[] AS types
          FROM catalog_intervention WHERE type <> '' GROUP BY trial_id) AS i
 WHERE t.id = i.trial_id AND t.intervention_types IS DISTINCT FROM i.types;
ALTER TABLE catalog_trial ENABLE TRIGGER catalog_forget_studies_trial_update;
"""

DROP = """
DROP TRIGGER IF EXISTS catalog_intervention_types_insert ON catalog_intervention;
DROP TRIGGER IF EXISTS catalog_intervention_types_update ON catalog_intervention;
DROP TRIGGER IF EXISTS catalog_intervention_types_delete ON catalog_intervention;
DROP FUNCTION IF EXISTS catalog_recount_from_parts();
DROP FUNCTION IF EXISTS catalog_recount_intervention_types(bigint[]);

CREATE OR REPLACE FUNCTION catalog_recount_countries(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE catalog_trial t SET countries = m.countries
      FROM (SELECT x.trial_id, catalog_countries(ARRAY(SELECT s.country FROM catalog_site s
                                                        WHERE s.trial_id = x.trial_id)) AS countries
              FROM unnest(ids) AS x(trial_id)) AS m
     WHERE t.id = m.trial_id AND t.countries IS DISTINCT FROM m.countries
$$;
CREATE OR REPLACE FUNCTION catalog_site_countries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT FROM new_rows) THEN
            RETURN NULL;
        END IF;
        UPDATE catalog_trial t SET countries = catalog_countries(t.countries || n.added)
          FROM (SELECT trial_id, array_agg(country) AS added
                  FROM new_rows GROUP BY trial_id) AS n
         WHERE t.id = n.trial_id
           AND t.countries IS DISTINCT FROM catalog_countries(t.countries || n.added);
    ELSIF TG_OP = 'UPDATE' THEN
        IF NOT EXISTS (SELECT FROM old_rows) THEN
            RETURN NULL;
        END IF;
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
DROP FUNCTION IF EXISTS catalog_recount_places(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0023_shared_figures"),
    ]

    operations = [
        migrations.AddField(
            model_name="trial",
            name="cities",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=200),
                blank=True,
                default=list,
                editable=False,
                size=None,
            ),
        ),
        migrations.AddField(
            model_name="trial",
            name="intervention_types",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=24),
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
                catalog.models.UpperAll("cities"), name="trial_city_keys_gin"
            ),
        ),
        migrations.AddIndex(
            model_name="trial",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["intervention_types"], name="trial_intervention_types_gin"
            ),
        ),
    ]
