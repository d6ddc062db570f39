"""The search: query language, ranking, MSC vocabulary, snippets and "did you mean"."""

import html
import re

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db.models import Q
from django.http import QueryDict

from catalog.models import Trial
from catalog.search import fulltext
from catalog.search.listing import TrialSearch

pytestmark = pytest.mark.django_db


def found(q, **params):
    """NCT IDs the list's search finds for ``q``, best first."""
    return list(TrialSearch({"q": q, **params}).ordered().values_list("nct_id", flat=True))


def having(*phrases, without=()):
    """NCT IDs whose stored text holds any of ``phrases`` and none of ``without``."""
    trials = Trial.objects.public()

    def any_of(items):
        query = None
        for item in items:
            # Compound words are stored as their parts ("UC-MSC" as "UC MSC").
            part = SearchQuery(item.replace("-", " "), config="english", search_type="phrase")
            query = part if query is None else query | part
        return query

    trials = trials.filter(search_vector=any_of(phrases))
    if without:
        trials = trials.exclude(search_vector=any_of(without))
    return set(trials.values_list("nct_id", flat=True))


# The query language (no database needed, but cheap with it) ------------------------------------


def kinds(text, **options):
    return [
        (g.negated, [(t.kind, t.text) for t in g.terms])
        for g in fulltext.parse(text, **options).groups
    ]


def test_words_phrases_exclusions_and_or():
    assert kinds('knee "cartilage repair" -placebo placebos OR sepsis') == [
        (False, [("word", "knee")]),
        (False, [("phrase", "cartilage repair")]),
        (True, [("word", "placebo")]),
        (False, [("word", "placebos"), ("prefix", "sepsis")]),
    ]


def test_the_last_word_is_a_prefix_unless_short_or_a_stop_word():
    assert kinds("stem mesench") == [(False, [("word", "stem")]), (False, [("prefix", "mesench")])]
    assert kinds("stem cel")[-1] == (False, [("word", "cel")])
    assert kinds("cells for the")[-1] == (False, [("word", "the")])
    assert kinds('knee "osteo"')[-1] == (False, [("phrase", "osteo")])


def test_msc_names_become_synonym_groups():
    groups = fulltext.parse("umbilical cord mesenchymal stromal cells").groups
    assert [g.terms[0].kind for g in groups] == ["synonyms", "synonyms"]
    assert "UC-MSC" in groups[0].terms[0].alternatives
    assert "MSCs" in groups[1].terms[0].alternatives
    assert fulltext.parse("Wharton jelly").groups[0].terms[0].kind == "synonyms"
    assert fulltext.parse('"wharton\'s jelly"').groups[0].terms[0].kind == "synonyms"


def phrases(query):
    """The English phrases a tsquery searches, in the words the search compares."""
    texts = re.findall(r"to_tsquery\('english'::regconfig, '((?:[^']|'')*)'\)", query.sql)
    return [" ".join(text.replace("''", "'").lower().replace(",", " ").split()) for text in texts]


def test_a_synonym_groups_names_that_differ_in_case_or_commas_are_searched_once():
    from catalog.search import synonyms

    for name in synonyms.expansions():
        query = fulltext.parse(name, prefix=False).tsquery()
        if query is not None:
            searched = phrases(query)
            assert len(searched) == len(set(searched)), name


def test_snippets_mark_a_synonym_groups_shortest_names_only():
    marked = phrases(fulltext.parse("type 1 diabetes", prefix=False).tsquery(for_headline=True))
    searched = phrases(fulltext.parse("type 1 diabetes", prefix=False).tsquery())
    assert "type 1 diabetes" in marked and "type 1 diabetes mellitus" in searched
    assert "type 1 diabetes mellitus" not in marked
    for phrase in marked:
        assert not any(other != phrase and f" {other} " in f" {phrase} " for other in marked)


def test_nothing_to_search_is_falsy():
    for text in ("", "   ", '""', "-", "OR", "\x00"):
        assert not fulltext.parse(text)


def test_a_very_long_search_is_cut_and_says_so():
    parsed = fulltext.parse("stem " * 2000)
    assert parsed.truncated
    assert len(parsed.text) <= fulltext.MAX_QUERY_CHARS
    assert len(parsed.groups) <= fulltext.MAX_QUERY_TERMS
    assert not fulltext.parse("stem cells").truncated


# Matching and ranking over the bundled catalog ---------------------------------------------------


def test_all_words_must_match(bundled_catalog):
    both = set(found("knee cartilage"))
    assert both
    assert both <= set(found("knee")) & set(found("cartilage"))


def test_results_are_ranked_title_matches_first(bundled_catalog):
    ids = found("sepsis")
    in_title = set(
        Trial.objects.filter(
            Q(brief_title__icontains="sepsis") | Q(official_title__icontains="sepsis")
        ).values_list("nct_id", flat=True)
    )
    assert in_title and len(ids) > 3 * len(in_title)
    assert set(ids[: len(in_title)]) == in_title
    ranks = list(TrialSearch({"q": "sepsis"}).ordered().values_list("rank", flat=True))
    assert ranks == sorted(ranks, reverse=True)


def test_prefix_matching_on_the_last_word(bundled_catalog):
    assert set(found("mesench")) >= having("mesenchymal")
    assert set(found("osteoarth")) >= having("osteoarthritis", "osteoarthrosis")
    # A word of the catalog is no prefix: "cell" does not find "cellulitis".
    assert set(found("cell")) == having("cell")


def test_a_phrase_in_quotes_needs_its_words_together(bundled_catalog):
    phrase = set(found('"stem cell transplantation"'))
    words = set(found("stem cell transplantation"))
    assert phrase and phrase < words


def test_minus_excludes_a_word(bundled_catalog):
    knee = set(found("osteoarthritis"))
    without = set(found("osteoarthritis -knee"))
    assert without and without < knee
    assert not without & set(found("knee"))


def test_or_finds_either(bundled_catalog):
    either = set(found("sepsis OR lupus"))
    assert either == set(found("sepsis")) | set(found("lupus"))


@pytest.mark.parametrize(
    "query, names, abbreviations",
    [
        ("umbilical cord", ["umbilical cord"], ["UC-MSC", "UC-MSCs", "UCMSC", "hUC-MSC"]),
        ("UC-MSC", ["UC-MSC", "UC-MSCs"], ["umbilical cord"]),
        ("Wharton's jelly", ["Wharton jelly"], ["WJ-MSC", "WJ-MSCs", "WJMSC"]),
        ("WJ-MSC", ["WJ-MSC"], ["Wharton jelly"]),
        ("bone marrow", ["bone marrow"], ["BM-MSC", "BM-MSCs", "BMSC", "BMSCs", "BMMSC"]),
        ("BM-MSC", ["BM-MSC"], ["bone marrow"]),
        ("AD-MSC", ["AD-MSC"], ["adipose"]),
        ("ADSC", ["ADSC"], ["adipose"]),
        ("ASC", ["ASC"], ["adipose"]),
        ("adipose", ["adipose"], ["ADSC", "ADSCs", "AD-MSC", "ASC", "ASCs"]),
    ],
)
def test_msc_vocabulary_finds_the_other_names(bundled_catalog, query, names, abbreviations):
    """Trials that only use the other names of the thing searched for are found too."""
    only_other = having(*abbreviations, without=names)
    results = set(found(query))
    assert only_other, "the bundled data has trials using only the other names"
    assert only_other <= results


def test_msc_mscs_and_the_long_names_find_each_other(bundled_catalog):
    long_names = ["mesenchymal stem cells", "mesenchymal stromal cells", "mesenchymal stem cell"]
    abbreviated_only = having("MSC", "MSCs", without=long_names)
    stromal_only = having(
        "mesenchymal stromal cells", without=["MSC", "MSCs", "mesenchymal stem cells"]
    )
    assert abbreviated_only and stromal_only
    for query in ("MSC", "MSCs", "mesenchymal stem cells", "mesenchymal stromal cells"):
        results = set(found(query))
        assert abbreviated_only <= results, query
        assert stromal_only <= results, query


def test_sorting_a_search_by_another_key(bundled_catalog):
    ids = found("knee", sort="-start")
    dates = list(
        TrialSearch({"q": "knee", "sort": "-start"}).ordered().values_list("start_date", flat=True)
    )
    assert len(ids) == len(dates)
    present = [d for d in dates if d]
    assert present == sorted(present, reverse=True)
    assert dates[len(present) :] == [None] * (len(dates) - len(present))


# Snippets ----------------------------------------------------------------------------------------


def test_snippets_cut_inside_a_summary_say_so_with_an_ellipsis(bundled_catalog):
    page = TrialSearch(QueryDict("q=septic")).results(100)
    by_id = {t.nct_id: t for t in page.object_list}
    for trial in Trial.objects.filter(nct_id__in=by_id):
        snippet = str(by_id[trial.nct_id].snippet)
        text = html.unescape(re.sub(r"</?mark>", "", snippet))
        summary = " ".join(trial.brief_summary.split())
        fragments = text.removeprefix("… ").removesuffix(" …").split(" … ")
        assert text.endswith(" …") or summary.endswith(fragments[-1]), snippet
        assert text.startswith("… ") or summary.startswith(fragments[0]), snippet
        assert text.endswith(" …") != summary.endswith(fragments[-1]), snippet


def test_snippets_mark_the_matched_words(bundled_catalog):
    page = TrialSearch({"q": "septic shock"}).results(total=100)
    snippets = [str(t.snippet) for t in page.object_list]
    assert any("<mark>septic</mark>" in s.lower() for s in snippets)
    assert all(len(s) < 1200 for s in snippets)


def test_snippets_are_escaped_html():
    raw = "a <script>alert(1)</script> \ue000stem\ue001 & cells"
    html = fulltext.snippet_html(raw)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>stem</mark>" in html
    assert "&amp;" in html


# Did you mean ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("mesenchimal stem cells", "mesenchymal stem cells"),
        ("umbilcal cord", "umbilical cord"),
        ("osteoartritis knee", "osteoarthritis knee"),
    ],
)
def test_did_you_mean_corrects_misspellings(bundled_catalog, typed, expected):
    assert fulltext.suggest(fulltext.parse(typed)) == expected


def test_well_spelt_words_and_prefixes_get_no_suggestion(bundled_catalog):
    for typed in ("mesenchymal stem cells", "knee osteoarthritis", "mesench", "umbil"):
        assert fulltext.suggest(fulltext.parse(typed)) is None, typed


def test_suggestions_take_one_query(bundled_catalog, django_assert_num_queries):
    parsed = fulltext.parse("mesenchimal umbilcal osteoartritis cardiak")
    with django_assert_num_queries(1):
        fulltext.suggest(parsed)


def test_the_vocabulary_is_rebuilt_from_the_catalog(bundled_catalog):
    from catalog.models import SearchWord

    fulltext.refresh_vocabulary()
    words = dict(SearchWord.objects.values_list("word", "ndoc"))
    assert words["mesenchymal"] > 1000
    assert all(len(w) >= 3 and not re.search(r"[0-9\s_.,;:'()-]", w) for w in words)


def test_a_search_as_the_list_reads_it(bundled_catalog):
    listing = TrialSearch(QueryDict("q=+umbilical++cord+"))
    assert listing.searching
    assert listing.parsed.text == "umbilical cord"


def test_a_search_vector_does_not_depend_on_where_its_rows_lie_on_disk(bundled_catalog):
    from catalog.models import TrialCondition

    trial = Trial.objects.filter(trialcondition__isnull=False).order_by("nct_id")[0]
    links = TrialCondition.objects.filter(trial=trial)
    assert links.count() > 1 or pytest.skip("a trial with several conditions is needed")
    fulltext.update_search_vectors(Trial.objects.filter(pk=trial.pk))
    before = Trial.objects.values_list("search_vector", flat=True).get(pk=trial.pk)
    # An UPDATE writes a new version of the row at the end of the table: a scan without an
    # order now meets the first condition last.
    first = links.order_by("pk").first()
    TrialCondition.objects.filter(pk=first.pk).update(condition=first.condition)
    fulltext.update_search_vectors(Trial.objects.filter(pk=trial.pk))
    after = Trial.objects.values_list("search_vector", flat=True).get(pk=trial.pk)
    assert after == before


def test_words_of_the_long_texts_find_a_trial_but_only_its_other_texts_rank_it(bundled_catalog):
    """The rank reads ``rank_vector``, the search vector without its D lexemes (descriptions,
    eligibility), which PostgreSQL keeps in step with it whoever writes the trial."""
    from django.db import connection

    trial = Trial.objects.order_by("nct_id").first()
    Trial.objects.filter(pk=trial.pk).update(
        detailed_description="Assessed with the quokkameter scale.",
        brief_summary="A quollometric study.",
    )
    fulltext.update_search_vectors(Trial.objects.filter(pk=trial.pk))

    for word, ranked in (("quokkameter", False), ("quollometric", True)):
        rows = list(TrialSearch({"q": word}).ordered().values_list("nct_id", "rank"))
        assert [nct_id for nct_id, _ in rows] == [trial.nct_id]
        assert (rows[0][1] > 0) is ranked
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM catalog_trial"
            " WHERE rank_vector IS DISTINCT FROM ts_filter(search_vector, '{a,b,c}')"
        )
        assert cursor.fetchone() == (0,)


def test_a_phrase_is_found_with_its_words_together_in_any_text_and_never_apart(bundled_catalog):
    first, second, third = Trial.objects.order_by("nct_id")[:3]
    texts = {
        first: {"detailed_description": "Measured on the quokka wallaby scale."},
        second: {"brief_summary": "A quokka, then later a wallaby."},
        third: {"brief_title": "Quokka wallaby trial"},
    }
    for trial, fields in texts.items():
        Trial.objects.filter(pk=trial.pk).update(**fields)
    fulltext.update_search_vectors(Trial.objects.filter(pk__in=[t.pk for t in texts]))

    assert found('"quokka wallaby"') == [third.nct_id, first.nct_id]
    assert set(found("quokka wallaby")) == {first.nct_id, second.nct_id, third.nct_id}
