"""The home page: search box, counts by status and phase, top conditions, latest trials."""

import re

import pytest
from django.db.models import F

from catalog.models import Trial

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
    counts = [c.count for c in conditions]
    assert counts == sorted(counts, reverse=True) and len(conditions) >= 10
    top = conditions[0]
    listed = client.get("/trials/", {"condition": top.value})
    assert listed.context["count"] == top.count


def test_the_latest_updated_trials(client, bundled_catalog):
    response = client.get("/")
    latest = list(response.context["latest"])
    # Trials with no update date (seeds whose pages state none) come last.
    newest = Trial.objects.order_by(F("last_update_posted").desc(nulls_last=True), "nct_id")
    newest = newest[: len(latest)]
    assert [t.nct_id for t in latest] == [t.nct_id for t in newest]
    assert f'href="/trials/{latest[0].nct_id}/"' in response.content.decode()


def test_the_home_page_takes_few_queries(client, bundled_catalog, django_assert_max_num_queries):
    # The catalog version, the counts (kept per version after the first visit), the latest.
    with django_assert_max_num_queries(3):
        client.get("/")
