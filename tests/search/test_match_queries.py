"""A search widened to single words and phrases is matched as two tsqueries, the words apart
from the phrases, so the index answers the words alone; the trials found are the same."""

import pytest
from django.db.models import Q

from catalog.models import Trial
from catalog.search import fulltext

pytestmark = pytest.mark.django_db

WIDENED = ["osteoarthritis", "COVID-19", "type 1 diabetes", "ALS", "GvHD", "knee"]


def found(queries):
    condition = Q()
    for query in queries:
        condition |= Q(search_vector=query)
    return set(Trial.objects.filter(condition).values_list("nct_id", flat=True))


@pytest.mark.parametrize("text", WIDENED)
def test_the_words_and_phrases_matched_apart_find_what_the_whole_query_finds(
    text, bundled_catalog
):
    parsed = fulltext.parse(text)
    assert found(parsed.match_queries()) == found([parsed.tsquery()])


def test_a_word_widened_by_phrases_is_matched_as_words_and_as_phrases():
    parsed = fulltext.parse("osteoarthritis")
    words, phrases = parsed.match_queries()
    assert "degenerative" not in str(words.params)
    assert any("degenerative" in str(p) for p in phrases.params)


def test_a_search_of_two_groups_is_matched_whole():
    parsed = fulltext.parse("COVID lung")
    assert len(parsed.match_queries()) == 1
