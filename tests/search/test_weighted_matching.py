"""A search matched within some weights of the stored vector (a title search, the topic boost
of the rank) labels its query's lexemes with those weights: it must match exactly the trials
that matching the vector filtered to those weights (``ts_filter``) matches, phrases, prefixes
and exclusions included."""

import pytest
from django.db.models import F, Q

from catalog.models import Trial, WeightsOf
from catalog.search import fulltext, relevance

pytestmark = pytest.mark.django_db

TYPED = [
    "mesench",  # a prefix
    '"umbilical cord" -covid',  # a phrase and an exclusion
    "GVHD OR ALS",  # marked abbreviations
    "crohn's disease",  # a quote inside a word
    "type 1 diabetes",  # synonyms widened to phrases
]


def test_a_query_labelled_with_weights_matches_what_the_filtered_vector_matches(bundled_catalog):
    texts = [entry["query"] for entry in relevance.load()["queries"]] + TYPED
    checked = 0
    for text in texts:
        query = fulltext.parse(text).tsquery()
        if query is None:
            continue
        for weights in ("a", "b", "ab", "abc"):
            filtered = fulltext._Matches(WeightsOf(F("rank_vector"), weights), query)
            labelled = fulltext._matches_in(weights, query)
            differing = Trial.objects.annotate(old=filtered, new=labelled).filter(~Q(old=F("new")))
            assert not differing.exists(), (text, weights)
            checked += 1
    assert checked > 300
