"""The trial page shows the MSC profile at the top: each value links to the list filtered by it,
its evidence on demand, the values a curator set marked as curated; no extra query."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import MscProfile, Trial
from tests.site.test_trial_page_queries import MAX_QUERIES

pytestmark = pytest.mark.django_db

EXAMPLE = "NCT02923375"  # iPSC-derived CYP-001, allogeneic, IV, 1 and 2 million cells/kg, 2 doses


def page(client, nct_id):
    response = client.get(f"/trials/{nct_id}/")
    assert response.status_code == 200
    return response, unescape(response.content.decode())


def msc_section(html):
    match = re.search(r'<section id="msc".*?</section>', html, re.S)
    assert match, "no MSC profile section"
    return match.group(0)


def test_the_profile_comes_first_with_links_to_the_filtered_list(client, bundled_catalog):
    _, html = page(client, EXAMPLE)
    assert html.index('id="msc"') < html.index('id="summary"')
    section = msc_section(html)
    assert '<a href="/trials/?source=ipsc">iPSC-derived</a>' in section
    assert '<a href="/trials/?donor=allogeneic">' in section
    assert '<a href="/trials/?product=cells">Living cells</a>' in section
    assert '<a href="/trials/?route=intravenous">Intravenous</a>' in section
    assert "/trials/?dose_min=1e6&dose_max=2e6&dose_unit=per_kg" in section
    assert "1 × 10⁶ to 2 × 10⁶ cells per kg" in section
    assert '<a href="/trials/?n_doses=2">2 doses</a>' in section
    assert "derived: for a 70 kg adult" in section
    assert "Interval: 1 week" in section
    assert "CYP-001" in section
    assert 'href="#msc"' in html


def test_each_link_finds_the_trial(client, bundled_catalog):
    _, html = page(client, EXAMPLE)
    links = re.findall(r'<a href="(/trials/\?[^"]+)"', msc_section(html))
    assert len(links) >= 6
    for link in links:
        response = client.get(link + "&per_page=100&ids=" + EXAMPLE)
        assert response.context["count"] == 1, link


def test_evidence_is_shown_on_demand(client, bundled_catalog):
    profile = MscProfile.objects.get(trial__nct_id=EXAMPLE)
    _, html = page(client, EXAMPLE)
    section = msc_section(html)
    assert section.count("<details") >= 4
    for sentence in profile.evidence["source"]:
        assert sentence in section
    assert "<summary>Evidence" in section


def test_curated_values_are_marked_with_the_curators_note(client, bundled_catalog):
    profile = MscProfile.objects.get(trial__nct_id=EXAMPLE)
    profile.set_curated("route", ["intra_arterial"], user="alice", note="Per the protocol.")
    profile.save()
    try:
        _, html = page(client, EXAMPLE)
        section = msc_section(html)
        route = re.search(r"<dt>Route.*?</dd>", section, re.S).group(0)
        assert ">curated</span>" in route
        assert "Per the protocol." in route and "Curator's note" in route
        assert '<a href="/trials/?route=intra_arterial">' in route
        source = re.search(r"<dt>Cell source.*?</dd>", section, re.S).group(0)
        assert "curated" not in source
    finally:
        profile.clear_curated("route")
        profile.save()


def test_a_trial_giving_no_msc_product_says_so(client, bundled_catalog):
    nct_id = MscProfile.objects.filter(is_msc=False, trial__is_public=True).values_list(
        "trial__nct_id", flat=True
    )[0]
    _, html = page(client, nct_id)
    assert "gives no mesenchymal stem/stromal cell product" in msc_section(html)
    assert "/trials/?source=" not in msc_section(html)


def test_the_profile_costs_no_query(
    client, bundled_catalog, no_stored_pages, django_assert_max_num_queries
):
    not_msc = Trial.objects.filter(msc__is_msc=False, is_public=True).values_list(
        "nct_id", flat=True
    )[0]
    counts = set()
    for nct_id in (EXAMPLE, not_msc, "NCT02883803"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/trials/{nct_id}/").status_code == 200
        counts.add(len(captured))
    assert len(counts) == 1 and counts.pop() <= MAX_QUERIES
