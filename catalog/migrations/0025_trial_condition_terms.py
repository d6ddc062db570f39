# A trial's condition terms (``Trial.condition_terms``): the MeSH terms the condition facet
# counts it under, kept by PostgreSQL on its row as its countries are (migrations 0022, 0024).
# They are its MeSH condition terms and the terms named exactly (in any case) as one of its
# conditions. The facet counted them by joining the trial's MeSH links, its conditions and the
# terms for every match (at 500,000 trials, 0.6 s of a one-word search's 1.9 s of facets).

import django.contrib.postgres.fields
from django.db import migrations, models

FUNCTIONS = """
-- The condition terms of the trials ``ids``, again: a trial's MeSH links or conditions written
-- (through catalog_recount_from_parts, migration 0024), a MeSH term or a condition named anew.
-- Nothing is written (and the catalog version is not bumped) when there are no trials.
CREATE OR REPLACE FUNCTION catalog_recount_condition_terms(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    UPDATE catalog_trial t SET condition_terms = m.terms
      FROM (SELECT x.trial_id,
                   ARRAY(SELECT tm.mesh_term_id FROM catalog_trialmesh tm
                          WHERE tm.trial_id = x.trial_id AND tm.kind = 'condition'
                         UNION
                         SELECT named.id FROM catalog_trialcondition tc
                           JOIN catalog_condition c ON c.id = tc.condition_id
                           JOIN catalog_meshterm named ON upper(named.term) = upper(c.name)
                          WHERE tc.trial_id = x.trial_id
                         ORDER BY 1) AS terms
              FROM unnest(ids) AS x(trial_id)) AS m
     WHERE t.id = m.trial_id AND t.condition_terms IS DISTINCT FROM m.terms;
END
$$;

-- A MeSH term added, renamed or removed: the trials with a condition of its name.
CREATE OR REPLACE FUNCTION catalog_meshterm_condition_terms() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    names text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        names := ARRAY(SELECT upper(term) FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        names := ARRAY(SELECT upper(o.term) FROM old_rows o JOIN new_rows n ON n.id = o.id
                        WHERE o.term IS DISTINCT FROM n.term
                       UNION
                       SELECT upper(n.term) FROM old_rows o JOIN new_rows n ON n.id = o.id
                        WHERE o.term IS DISTINCT FROM n.term);
    ELSE
        names := ARRAY(SELECT upper(term) FROM old_rows);
    END IF;
    IF cardinality(names) > 0 THEN
        PERFORM catalog_recount_condition_terms(ARRAY(
            SELECT DISTINCT tc.trial_id FROM catalog_trialcondition tc
              JOIN catalog_condition c ON c.id = tc.condition_id
             WHERE upper(c.name) = ANY(names)));
    END IF;
    RETURN NULL;
END
$$;

-- A condition renamed: the trials that have it.
CREATE OR REPLACE FUNCTION catalog_condition_condition_terms() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM catalog_recount_condition_terms(ARRAY(
        SELECT DISTINCT tc.trial_id FROM old_rows o JOIN new_rows n ON n.id = o.id
          JOIN catalog_trialcondition tc ON tc.condition_id = n.id
         WHERE upper(o.name) IS DISTINCT FROM upper(n.name)));
    RETURN NULL;
END
$$;

CREATE TRIGGER catalog_trialmesh_condition_terms_insert AFTER INSERT ON catalog_trialmesh
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_recount_from_parts('catalog_recount_condition_terms');
CREATE TRIGGER catalog_trialmesh_condition_terms_update AFTER UPDATE ON catalog_trialmesh
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_recount_from_parts('catalog_recount_condition_terms');
CREATE TRIGGER catalog_trialmesh_condition_terms_delete AFTER DELETE ON catalog_trialmesh
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_recount_from_parts('catalog_recount_condition_terms');
CREATE TRIGGER catalog_trialcondition_condition_terms_insert AFTER INSERT ON catalog_trialcondition
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_recount_from_parts('catalog_recount_condition_terms');
CREATE TRIGGER catalog_trialcondition_condition_terms_update AFTER UPDATE ON catalog_trialcondition
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_recount_from_parts('catalog_recount_condition_terms');
CREATE TRIGGER catalog_trialcondition_condition_terms_delete AFTER DELETE ON catalog_trialcondition
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_recount_from_parts('catalog_recount_condition_terms');
CREATE TRIGGER catalog_meshterm_condition_terms_insert AFTER INSERT ON catalog_meshterm
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_meshterm_condition_terms();
CREATE TRIGGER catalog_meshterm_condition_terms_update AFTER UPDATE ON catalog_meshterm
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_meshterm_condition_terms();
CREATE TRIGGER catalog_meshterm_condition_terms_delete AFTER DELETE ON catalog_meshterm
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_meshterm_condition_terms();
CREATE TRIGGER catalog_condition_condition_terms_update AFTER UPDATE ON catalog_condition
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION catalog_condition_condition_terms();

-- The trials already held. No v2 study shows this column: the stored studies stay. (DDL on a
-- table refuses to run while checks of earlier writes are pending.)
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE catalog_trial DISABLE TRIGGER catalog_forget_studies_trial_update;
UPDATE catalog_trial t SET condition_terms = x.terms
  FROM (SELECT trial_id, array_agg(DISTINCT term_id ORDER BY term_id) AS terms
          FROM (SELECT tm.trial_id, tm.mesh_term_id AS term_id FROM catalog_trialmesh tm
                 WHERE tm.kind = 'condition'
                UNION ALL
                SELECT tc.trial_id, named.id FROM catalog_trialcondition tc
                  JOIN catalog_condition c ON c.id = tc.condition_id
                  JOIN catalog_meshterm named ON upper(named.term) = upper(c.name)) AS y
         GROUP BY trial_id) AS x
 WHERE t.id = x.trial_id AND t.condition_terms IS DISTINCT FROM x.terms;
ALTER TABLE catalog_trial ENABLE TRIGGER catalog_forget_studies_trial_update;
"""

DROP = """
DROP TRIGGER IF EXISTS catalog_trialmesh_condition_terms_insert ON catalog_trialmesh;
DROP TRIGGER IF EXISTS catalog_trialmesh_condition_terms_update ON catalog_trialmesh;
DROP TRIGGER IF EXISTS catalog_trialmesh_condition_terms_delete ON catalog_trialmesh;
DROP TRIGGER IF EXISTS catalog_trialcondition_condition_terms_insert ON catalog_trialcondition;
DROP TRIGGER IF EXISTS catalog_trialcondition_condition_terms_update ON catalog_trialcondition;
DROP TRIGGER IF EXISTS catalog_trialcondition_condition_terms_delete ON catalog_trialcondition;
DROP TRIGGER IF EXISTS catalog_meshterm_condition_terms_insert ON catalog_meshterm;
DROP TRIGGER IF EXISTS catalog_meshterm_condition_terms_update ON catalog_meshterm;
DROP TRIGGER IF EXISTS catalog_meshterm_condition_terms_delete ON catalog_meshterm;
DROP TRIGGER IF EXISTS catalog_condition_condition_terms_update ON catalog_condition;
DROP FUNCTION IF EXISTS catalog_condition_condition_terms();
DROP FUNCTION IF EXISTS catalog_meshterm_condition_terms();
DROP FUNCTION IF EXISTS catalog_recount_condition_terms(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0024_trial_cities_and_intervention_types"),
    ]

    operations = [
        migrations.AddField(
            model_name="trial",
            name="condition_terms",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                blank=True,
                default=list,
                editable=False,
                size=None,
            ),
        ),
        migrations.RunSQL(FUNCTIONS, DROP),
    ]
