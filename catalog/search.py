"""Full-text search: the weighted search vector, kept in one place.

Weights: A, title and acronym; B, conditions, interventions and keywords; C, the brief summary;
D, the detailed description and the eligibility criteria. The vector is stored in
``Trial.search_vector`` (GIN-indexed) and refreshed by the importer whenever a trial changes.
"""

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector
from django.db.models import F, Func, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce

SEARCH_CONFIG = "english"


def _joined(model, field):
    """The trial's related ``field`` values joined by spaces, as a subquery."""
    rows = (
        model.objects.filter(trial=OuterRef("pk"))
        .order_by()
        .values("trial")
        .annotate(joined=StringAgg(field, delimiter=" "))
        .values("joined")
    )
    return Coalesce(Subquery(rows, output_field=TextField()), Value(""), output_field=TextField())


def search_vector_expression():
    from catalog.models import Intervention, TrialCondition

    keywords = Func(F("keywords"), Value(" "), function="array_to_string", output_field=TextField())
    return (
        SearchVector("brief_title", "acronym", "official_title", weight="A", config=SEARCH_CONFIG)
        + SearchVector(
            _joined(TrialCondition, "condition__name"),
            _joined(Intervention, "name"),
            keywords,
            weight="B",
            config=SEARCH_CONFIG,
        )
        + SearchVector("brief_summary", weight="C", config=SEARCH_CONFIG)
        + SearchVector(
            "detailed_description", "eligibility_criteria", weight="D", config=SEARCH_CONFIG
        )
    )


def update_search_vectors(trials):
    """Recompute the stored vector for a queryset of trials, in one UPDATE."""
    return trials.update(search_vector=search_vector_expression())
