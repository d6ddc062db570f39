"""A shared trial link previews well: title, description, canonical address, Open Graph,
Twitter card and schema.org data, and the page offers its link to copy."""

import json
import re

import pytest

from catalog.models import Trial
from catalog.registry.importer import Importer
from tests.factories import study
from tests.pages import element, elements, head_tags

pytestmark = pytest.mark.django_db

URL = "http://testserver/trials/NCT02883803/"
TITLE = "Treatment of Severe Infections With Mesenchymal Stem Cells (NCT02883803)"


@pytest.fixture
def page(client, bundled_catalog):
    return client.get("/trials/NCT02883803/").content.decode()


def meta(page, key):
    for tag in head_tags(page, "meta"):
        if tag.get("name") == key or tag.get("property") == key:
            return tag["content"]
    raise AssertionError(f"no meta {key}")


def json_ld(page):
    (script,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(script)


def test_the_title_names_the_trial_and_its_number(page):
    # The page's own title, in its head (the map's sites have SVG titles of their own).
    head = page[: page.index("</head>")]
    assert element(head, "title") == f"<title>{TITLE} — MSC Trials Catalog</title>"


def test_the_description_gives_status_phase_and_condition_then_the_summary(page):
    description = meta(page, "description")
    assert description.startswith(
        "Unknown status · Not applicable · Septic Shock. "
        "The main purpose at the early phase of septic shock"
    )
    assert len(description) <= 160
    assert description.endswith("…")


def test_the_canonical_link_is_absolute(page):
    links = [tag for tag in head_tags(page, "link") if tag.get("rel") == "canonical"]
    assert links == [{"rel": "canonical", "href": URL}]


def test_open_graph_and_twitter_card_tags(page):
    description = meta(page, "description")
    assert meta(page, "og:title") == TITLE
    assert meta(page, "og:description") == description
    assert meta(page, "og:url") == URL
    assert meta(page, "og:type") == "article"
    assert meta(page, "og:site_name") == "MSC Trials Catalog"
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "og:image").startswith("http://testserver/static/img/og-card")
    assert len([tag for tag in head_tags(page, "meta") if tag.get("property") == "og:title"]) == 1
    assert meta(page, "twitter:title") == TITLE
    assert meta(page, "twitter:description") == description


def test_json_ld_describes_a_medical_study(page):
    data = json_ld(page)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalStudy"
    assert data["url"] == URL
    assert data["name"] == "Treatment of Severe Infections With Mesenchymal Stem Cells"
    assert "NCT02883803" in data["identifier"]
    assert data["sameAs"] == "https://clinicaltrials.gov/study/NCT02883803"
    assert "CHOCMSC" in data["alternateName"]
    assert {"@type": "MedicalCondition", "name": "Septic Shock"} in data["healthCondition"]
    mesh = [c for c in data["healthCondition"] if "code" in c]
    assert mesh[0]["name"] == "Shock, Septic"
    assert mesh[0]["code"]["codingSystem"] == "MeSH"
    assert data["sponsor"] == [{"@type": "Organization", "name": "Central Hospital, Nancy, France"}]
    assert data["studyLocation"] == [{"@type": "AdministrativeArea", "name": "France"}]
    assert data["description"].startswith("The main purpose")


def test_a_recruiting_trial_has_a_schema_org_status(client, bundled_catalog):
    trial = Trial.objects.filter(current_status="RECRUITING").first()
    data = json_ld(client.get(trial.get_absolute_url()).content.decode())
    assert data["status"] == "https://schema.org/Recruiting"


def test_a_record_cannot_break_out_of_the_json_ld(client, bundled_catalog):
    title = 'MSCs </script><script>alert("x")</script> & <!-- more'
    Importer().import_study(study("NCT09000001", title=title))
    page = client.get("/trials/NCT09000001/").content.decode()
    assert "<script>alert" not in page
    assert "<!--" not in page
    assert json_ld(page)["name"] == title


def test_a_trial_without_summary_is_described_by_its_facts(client, bundled_catalog):
    Trial.objects.filter(nct_id="NCT02883803").update(brief_summary="")
    page = client.get("/trials/NCT02883803/").content.decode()
    description = meta(page, "description")
    assert description.startswith("Unknown status · Not applicable · Septic Shock. Effects of")
    assert len(description) <= 160


@pytest.mark.parametrize(
    "address", ["/", "/trials/", "/trials/?q=knee", "/insights/", "/compare/?ids=NCT02883803"]
)
def test_every_page_has_open_graph_tags_a_card_image_and_an_icon(client, bundled_catalog, address):
    page = client.get(address).content.decode()
    for key in ("og:title", "og:description", "og:url", "og:site_name", "og:image"):
        assert meta(page, key), key
    assert meta(page, "og:image").endswith(".png")
    icons = [tag for tag in head_tags(page, "link") if tag.get("rel") == "icon"]
    assert icons and icons[0]["href"].endswith(".svg")


def test_the_page_offers_its_link_to_copy_without_inline_script(page):
    share = element(page, "div", **{"class": "share"})
    assert f'<input id="share-url" type="url" value="{URL}" readonly>' in share
    assert '<label for="share-url">Link to this trial</label>' in share
    button = element(share, "button")
    assert 'data-copy-target="share-url"' in button and " hidden>" in button
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert '<script src="/static/js/copy-link.js" defer>' in scripts
    # Only data (JSON-LD) or external files: nothing for a strict Content-Security-Policy to block.
    assert all("src=" in s or 'type="application/ld+json"' in s for s in scripts)
    assert not re.search(r"\son\w+=", page), "no inline event handlers"
    assert elements(page, "script", type="application/ld+json")


def test_the_copy_link_script_is_served(client, bundled_catalog):
    from django.contrib.staticfiles import finders

    path = finders.find("js/copy-link.js")
    source = open(path).read()
    assert "navigator.clipboard" in source and "data-copy-target" in source
