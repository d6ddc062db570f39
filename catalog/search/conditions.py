"""The conditions worth naming on the home page: the most common specific MeSH conditions.

ClinicalTrials.gov gives each record MeSH condition terms, and some of them are headings, not
diseases: "Sclerosis" comes with "Multiple Sclerosis", "Syndrome" with "Respiratory Distress
Syndrome", "Wounds and Injuries" with every injury. A visitor choosing where to start wants the
diseases. A term counts as a heading when

- it is one word that begins or ends a longer condition term of the catalog ("Ischemia" of
  "Myocardial Ischemia", "Osteoarthritis" of "Osteoarthritis, Knee"), or
- more trials carry it as an ancestor of their terms than as a term of their own ("Kidney
  Diseases", "Wounds and Injuries").

Both are read from the catalog's own MeSH rows, so the rule follows whatever is imported. Each
count is what the ``condition`` filter gives for the term (the trials having it, or a condition
of that name), so a link's count is the count of the list it opens.
"""

from django.db import connection

from catalog.models import Trial
from catalog.site import cache

SPECIFIC_CONDITIONS_SQL = """
WITH used AS (SELECT DISTINCT mesh_term_id AS id FROM catalog_trialmesh WHERE kind = 'condition'),
kinds AS (
  SELECT mesh_term_id AS id,
         count(DISTINCT trial_id) FILTER (WHERE kind = 'condition') AS own,
         count(DISTINCT trial_id) FILTER (WHERE kind = 'condition_ancestor') AS ancestor
    FROM catalog_trialmesh GROUP BY 1
),
heading AS (
  SELECT m.id FROM catalog_meshterm m JOIN kinds k ON k.id = m.id
   WHERE k.ancestor > k.own
      OR (m.term !~ '[ ,]' AND EXISTS (
            SELECT 1 FROM used u JOIN catalog_meshterm longer ON longer.id = u.id
             WHERE longer.id <> m.id
               AND (upper(longer.term) LIKE upper(m.term) || ',%%'
                    OR upper(longer.term) LIKE '%% ' || upper(m.term))))
),
public AS ({public})
SELECT m.term, count(DISTINCT x.trial_id) AS n
  FROM (SELECT tm.trial_id, tm.mesh_term_id AS mesh_id
          FROM catalog_trialmesh tm WHERE tm.kind = 'condition'
        UNION
        SELECT tc.trial_id, named.id
          FROM catalog_trialcondition tc
          JOIN catalog_condition c ON c.id = tc.condition_id
          JOIN catalog_meshterm named ON upper(named.term) = upper(c.name)) AS x
  JOIN public ON public.id = x.trial_id
  JOIN catalog_meshterm m ON m.id = x.mesh_id
 WHERE m.id NOT IN (SELECT id FROM heading)
 GROUP BY m.id, m.term
 ORDER BY n DESC, m.term
 LIMIT %s
"""


def specific_conditions(limit):
    """The ``limit`` most common specific conditions of the public catalog, as (MeSH term,
    number of trials), most trials first; kept until the catalog changes."""

    def compute():
        public_sql, params = Trial.objects.public().values("id").query.sql_with_params()
        sql = SPECIFIC_CONDITIONS_SQL.replace("{public}", public_sql)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit])
            return cursor.fetchall()

    return cache.per_version(f"specific-conditions:{limit}", compute)
