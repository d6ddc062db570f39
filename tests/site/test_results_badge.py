"""Trials with posted results are marked in the list and on their page, the badge leading to
the results; the results filter counts them."""

import re

import pytest

from catalog.models import Trial
from tests.pages import element, elements, text

pytestmark = pytest.mark.django_db

LIST = "/trials/"


def results_of(page):
    """Each result's HTML (split: a result holds a list of its own)."""
    return page.split('<ol class="results"')[1].split("</ol>\n")[0].split('<li class="result">')[1:]


def test_each_result_with_results_has_the_badge_linking_to_them(client, bundled_catalog):
    page = client.get(LIST, {"has_results": "true", "per_page": 100}).content.decode()
    shown = results_of(page)
    assert len(shown) == Trial.objects.public().filter(has_results=True).count() == 50
    for item in shown:
        nct_id = text(element(item, "span", **{"class": "nct"}))
        assert f'<a class="badge badge-results" href="/trials/{nct_id}/#results">' in item


def test_a_result_without_results_has_no_badge(client, bundled_catalog):
    page = client.get(LIST, {"has_results": "false", "per_page": 100}).content.decode()
    assert results_of(page)
    assert "badge-results" not in page


def test_the_results_filter_counts_the_trials_with_and_without(client, bundled_catalog):
    page = client.get(LIST, {"condition": "COVID-19"}).content.decode()
    facet = [f for f in elements(page, "details", **{"class": "facet"}) if "With results" in f][0]
    counts = dict(re.findall(r'value="(true|false)"[^>]*> [^<]+<span class="count">\((\d+)\)', facet))
    for value in ("true", "false"):
        page = client.get(LIST, {"condition": "COVID-19", "has_results": value}).content.decode()
        total = text(element(page, "h2", id="results-h")).split()[0]
        assert int(counts[value]) == int(total) > 0


def test_the_trial_page_header_has_the_badge(client, bundled_catalog):
    trial = Trial.objects.filter(has_results=True).order_by("nct_id").first()
    page = client.get(f"/trials/{trial.nct_id}/").content.decode()
    header = element(page, "header", **{"class": "trial-header"})
    assert '<a class="badge badge-results" href="#results">Has results</a>' in header
    other = Trial.objects.filter(has_results=False).order_by("nct_id").first()
    assert "badge-results" not in client.get(f"/trials/{other.nct_id}/").content.decode()
