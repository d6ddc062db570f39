"""The relevance set (data/search_relevance/queries.json): judged from the records by written
rules, and the search held to its targets on it."""

import pytest

from catalog.search import relevance

pytestmark = pytest.mark.django_db

TARGET_MEAN = {"recall": 0.95, "precision": 0.95, "r_precision": 0.97}
TARGET_LOWEST = 0.80


@pytest.fixture(scope="module")
def entries():
    return relevance.load()["queries"]


def test_the_set_has_sixty_queries_or_more_each_with_its_written_rule(entries):
    assert len(entries) >= 60
    for entry in entries:
        assert entry["judged_by"].strip() and entry["rule"], entry["query"]
        assert entry["relevant"], f"{entry['query']!r} has no relevant trial"
    kinds = {entry["kind"] for entry in entries}
    assert {"identifier", "abbreviation", "lay name", "MSC term", "sponsor", "place"} <= kinds
    assert "misspelling" in kinds


def test_the_set_holds_the_queries_people_complained_about(entries):
    asked = {(entry["query"], entry.get("area", "q")) for entry in entries}
    for query in ("ALS", "GVHD", "COPD", "type 1 diabetes", "avascular necrosis", "covid"):
        assert (query, "q") in asked, query
    assert ("covid", "query.cond") in asked


@pytest.mark.slow
def test_the_judged_trials_are_what_each_rule_gives_on_the_bundled_records(entries):
    """The expected trials come from the rule over the records, not from the search."""
    studies = relevance.bundled_studies()
    for entry in entries:
        assert entry["relevant"] == relevance.judge(entry["rule"], studies), entry["query"]


def test_the_search_meets_its_targets_on_the_relevance_set(bundled_catalog, entries):
    scores = relevance.evaluate(entries)
    print(relevance.format_table(scores))
    total = relevance.summary(scores)
    for measure, target in TARGET_MEAN.items():
        assert total[measure] >= target, (measure, total[measure])
    low = [
        (s.query, s.area, round(min(s.recall, s.precision, s.r_precision), 3))
        for s in scores
        if min(s.recall, s.precision, s.r_precision) < TARGET_LOWEST
    ]
    assert not low


def test_every_identifier_query_finds_its_trial_first_in_the_list_and_through_query_term(
    bundled_catalog, client, entries
):
    identifier_entries = [e for e in entries if e["kind"] == "identifier"]
    assert len(identifier_entries) >= 10
    studies = relevance.bundled_studies()
    for entry in identifier_entries:
        wanted = " ".join(entry["rule"]["identifier"].split()).upper()
        owner = next(n for n, s in studies.items() if wanted in relevance.identifiers(s))
        assert relevance.run_query(entry)[0] == owner, entry["query"]
        response = client.get("/api/v2/studies", {"query.term": entry["query"]})
        assert response.status_code == 200
        first = response.json()["studies"][0]["protocolSection"]["identificationModule"]
        assert first["nctId"] == owner, entry["query"]


def test_search_eval_prints_the_scores_per_query_and_overall(bundled_catalog, tmp_path):
    import io
    import json

    from django.core.management import call_command

    small = tmp_path / "queries.json"
    document = relevance.load()
    document["queries"] = document["queries"][:3]
    small.write_text(json.dumps(document))
    out = io.StringIO()
    call_command("search_eval", "--file", str(small), stdout=out)
    table = out.getvalue()
    assert "recall" in table and "R-prec." in table
    assert "mean of 3 queries" in table
    for entry in document["queries"]:
        assert entry["query"] in table
