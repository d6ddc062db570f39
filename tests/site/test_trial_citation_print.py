"""The trial page carries a citation line for its record, and prints cleanly: the site's
navigation, the contents, sharing and related trials are left off paper."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from catalog.models import Trial
from tests.pages import element, elements, text

pytestmark = pytest.mark.django_db


def test_the_citation_names_the_record_its_version_and_the_site(client, bundled_catalog):
    trial = Trial.objects.get(nct_id="NCT00587990")
    page = client.get(f"/trials/{trial.nct_id}/").content.decode()
    version = trial.last_update_posted
    expected = (
        f"ClinicalTrials.gov NCT00587990, version of {version.day} {version:%B %Y}, via MSC"
        " Trials Catalog http://testserver/trials/NCT00587990/"
    )
    assert text(element(page, "p", id="citation")) == expected
    # And on paper, under the title.
    header = element(page, "header", **{"class": "trial-header"})
    assert text(element(header, "p", **{"class": "citation print-only"})) == expected


def test_a_record_without_an_update_date_is_cited_without_a_version(client, bundled_catalog):
    from catalog.site.sharing import citation

    trial = Trial(nct_id="NCT09999999", last_update_posted=None)
    assert citation(trial, "https://x/trials/NCT09999999/") == (
        "ClinicalTrials.gov NCT09999999, via MSC Trials Catalog https://x/trials/NCT09999999/"
    )


def test_the_print_stylesheet_leaves_the_screen_only_parts_off():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
    printed = re.search(r"@media print \{(.*?)\n\}", css, re.DOTALL).group(1)
    hidden = re.search(r"([^{}]*)\{ display: none !important; \}", printed).group(0)
    for selector in (".site-header nav", ".toc", ".share", ".related", ".compare-link", "footer"):
        assert selector in printed, selector
    assert ".print-only { display: block !important; }" in printed
    assert "display: table-header-group" in printed  # table headers repeat on each sheet
    assert hidden


def test_the_stylesheet_is_linked_for_all_media(client, bundled_catalog):
    page = client.get("/trials/NCT02883803/").content.decode()
    links = [tag for tag in elements(page, "head") for tag in re.findall(r"<link[^>]+>", tag)]
    sheet = [tag for tag in links if 'rel="stylesheet"' in tag]
    assert sheet and all("media=" not in tag for tag in sheet)
