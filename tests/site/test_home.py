"""The home page: search box, counts by status and phase, top conditions, latest trials."""

import re
from urllib.parse import quote

import pytest
from django.db.models import F

from catalog.models import MeshTerm, Trial

pytestmark = pytest.mark.django_db


def test_the_home_page_has_the_search_box(client, bundled_catalog):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<form method="get" action="/trials/">', html)
    assert 'name="q"' in html and '<label for="q">' in html


def test_counts_by_status_and_phase_link_to_the_list(client, bundled_catalog):
    response = client.get("/")
    statuses = {v.value: v.count for v in response.context["statuses"]}
    assert statuses["RECRUITING"] == Trial.objects.filter(current_status="RECRUITING").count()
    assert sum(statuses.values()) == 1538
    phases = {v.value: v.count for v in response.context["phases"]}
    assert phases["PHASE2"] == Trial.objects.filter(phases__contains=["PHASE2"]).count()
    html = response.content.decode()
    assert 'href="/trials/?status=RECRUITING"' in html
    assert 'href="/trials/?phase=PHASE2"' in html


def test_top_conditions_link_to_their_trials(client, bundled_catalog):
    response = client.get("/")
    conditions = response.context["conditions"]
    counts = [count for _, count in conditions]
    assert counts == sorted(counts, reverse=True) and len(conditions) == 12
    for term, count in conditions[:3]:
        listed = client.get("/trials/", {"condition": term})
        assert listed.context["count"] == count
        assert f'href="/trials/?condition={quote(term)}"' in response.content.decode()


def test_top_conditions_are_diseases_not_mesh_headings(client, bundled_catalog):
    terms = set(
        MeshTerm.objects.filter(trialmesh__kind="condition").values_list("term", flat=True)
    )
    one_word_headings = {
        t
        for t in terms
        if " " not in t
        and "," not in t
        and any(o != t and (o.startswith(t + ",") or o.endswith(" " + t)) for o in terms)
    }
    assert {"Osteoarthritis", "Sclerosis", "Syndrome"} <= one_word_headings
    named = [term for term, _ in client.get("/").context["conditions"]]
    assert not set(named) & one_word_headings
    # A term that more trials carry as an ancestor of theirs than as their own is a heading.
    assert "Wounds and Injuries" not in named
    assert "Osteoarthritis, Knee" in named and "Multiple Sclerosis" in named


def test_the_latest_updated_trials(client, bundled_catalog):
    response = client.get("/")
    latest = list(response.context["latest"])
    # Trials with no update date (seeds whose pages state none) come last.
    newest = Trial.objects.order_by(F("last_update_posted").desc(nulls_last=True), "nct_id")
    newest = newest[: len(latest)]
    assert [t.nct_id for t in latest] == [t.nct_id for t in newest]
    assert f'href="/trials/{latest[0].nct_id}/"' in response.content.decode()


def test_the_home_page_takes_few_queries(client, bundled_catalog, django_assert_max_num_queries):
    client.get("/")
    # The catalog version, the latest; the counts and the conditions are kept per version.
    with django_assert_max_num_queries(3):
        client.get("/")
