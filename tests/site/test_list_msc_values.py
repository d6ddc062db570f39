"""Each list result shows its MSC source, donor, route and dose, each a link to the list
filtered by that value; the MSC filters come first in the panel, and ticked values stay at the
top of their facet."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import MscDonor, MscRoute, MscSource, Trial
from catalog.msc import display
from catalog.search.query import list_url
from tests.pages import element, elements, text

pytestmark = pytest.mark.django_db

LIST = "/trials/"


def results_of(page):
    """Each result's HTML (split: a result holds a list of its own)."""
    return page.split('<ol class="results"')[1].split("</ol>\n")[0].split('<li class="result">')[1:]


def msc_line(item):
    found = elements(item, "ul", **{"class": "msc-line"})
    return found[0] if found else ""


def test_each_result_shows_its_msc_values_as_links_to_the_filtered_list(client, bundled_catalog):
    page = client.get(LIST, {"condition": "COVID-19", "per_page": 100}).content.decode()
    shown = results_of(page)
    assert len(shown) > 50
    lines = 0
    for item in shown:
        nct_id = text(element(item, "span", **{"class": "nct"}))
        profile = getattr(Trial.objects.get(nct_id=nct_id), "msc", None)
        line = msc_line(item)
        if profile is None or not profile.is_msc:
            assert not line
            continue
        lines += 1
        words = text(line)
        sources = dict(MscSource.choices)
        for code in profile.sources:
            if code == "not_stated":
                assert "Source: Not stated" not in words
                continue
            label = sources[code].split(" (")[0]
            assert label in words
            assert f'href="{list_url(source=code)}"'.replace("&", "&amp;") in line
        if profile.donor != MscDonor.NOT_STATED:
            assert dict(MscDonor.choices)[profile.donor].split(" (")[0] in words
            assert f'href="{list_url(donor=profile.donor)}"' in line
        else:
            assert "Donor:" not in words
        for code in profile.routes:
            if code == "not_stated":
                assert "Route: Not stated" not in words
                continue
            assert dict(MscRoute.choices)[code].split(" (")[0] in words
            assert f'href="{list_url(route=code)}"' in line
        if profile.n_doses:
            assert f'href="{list_url(n_doses=str(profile.n_doses))}"' in line
        if profile.dose_min is not None and not profile.dose_implausible:
            assert "dose_min=" in line and display.cells(profile.dose_min) in words
    assert lines > 50


def test_each_msc_link_finds_a_list_holding_the_trial(client, bundled_catalog):
    page = client.get(LIST, {"source": "bone_marrow", "route": "intravenous"}).content.decode()
    item = results_of(page)[0]
    nct_id = text(element(item, "span", **{"class": "nct"}))
    links = re.findall(r'href="([^"]+)"', msc_line(item))
    assert len(links) >= 3
    for link in links:
        url = unescape(link)
        assert urlsplit(url).path == LIST and parse_qs(urlsplit(url).query)
        found = client.get(url, {"per_page": 100, "q": nct_id})
        assert found.status_code == 200
        assert nct_id in found.content.decode() or found.status_code == 302


def test_the_msc_filters_come_first_in_the_panel(client, bundled_catalog):
    page = client.get(LIST).content.decode()
    panel = element(page, "section", **{"class": "filters"})
    summaries = [text(s) for s in re.findall(r"<summary>(.*?)</summary>", panel, re.DOTALL)]
    # After the place box, which leads the panel (the patient's first question).
    msc = ["Cell source", "Donor", "MSC product", "Route", "Number of doses", "MSC dose"]
    assert summaries[0] == "Place" and summaries[1 : len(msc) + 1] == msc, summaries
    assert summaries.index("Status") > summaries.index("MSC dose")


def test_ticked_values_stay_at_the_top_of_their_facet(client, bundled_catalog):
    # A rare condition and a small source, ticked, come before the most frequent ones.
    page = client.get(LIST, {"condition": ["COVID-19", "Osteoarthritis, Knee"]}).content.decode()
    facet = [f for f in elements(page, "details", **{"class": "facet"}) if 'name="condition"' in f]
    values = re.findall(r'name="condition" value="([^"]*)"( checked)?', facet[0])
    ticked = [v for v, checked in values if checked]
    assert sorted(ticked) == ["COVID-19", "Osteoarthritis, Knee"]
    assert [v for v, _ in values[:2]] == [v for v, c in values if c]
    page = client.get(LIST, {"source": "dental_pulp"}).content.decode()
    facet = [f for f in elements(page, "details", **{"class": "facet"}) if 'name="source"' in f]
    first = re.search(r'name="source" value="([^"]*)"( checked)?', facet[0])
    assert first.groups() == ("dental_pulp", " checked")


def test_the_msc_values_cost_no_query(client, bundled_catalog, no_stored_cards):
    client.get(LIST)  # the whole catalog's counts, kept until the catalog changes
    for query in ({"per_page": 10}, {"per_page": 100}, {"per_page": 100, "q": "cells"}):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(LIST, query).content.decode()
        assert "msc-line" in page
        # As many as without them: the cards, rendered here as on a first view, read the
        # MSC profiles with the trials (tests/site/test_list_view.py counts the queries).
        assert len(captured) == (7 if "q" in query else 6)
