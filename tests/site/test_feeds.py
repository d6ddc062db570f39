"""The Atom feed of new and updated trials for a search."""

import xml.etree.ElementTree as ET

import pytest

from catalog.search.listing import SortKey, TrialSearch

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(client, query=""):
    response = client.get("/trials/feed/" + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def test_the_feed_lists_the_searchs_trials_most_recently_updated_first(client, bundled_catalog):
    root = feed(client, "?q=knee&status=RECRUITING")
    entries = root.findall(f"{ATOM}entry")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    newest_first = TrialSearch({"q": "knee", "status": "RECRUITING"}).ordered(
        [SortKey("updated", descending=True)]
    )
    assert entries
    assert [link.split("/")[-2] for link in links] == [t.nct_id for t in newest_first[:50]]
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert all(link.startswith("http://testserver/trials/NCT") for link in links)


def test_the_feed_names_its_search_and_links_back_to_it(client, bundled_catalog):
    root = feed(client, "?q=knee&status=RECRUITING&page=3")
    assert root.find(f"{ATOM}title").text == "MSC trials: “knee” · Status: Recruiting"
    alternate = [
        link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "alternate"
    ]
    assert alternate == ["http://testserver/trials/?q=knee&status=RECRUITING"]


def test_entries_carry_the_trial(client, bundled_catalog):
    root = feed(client, "?ids=NCT02883803")
    (entry,) = root.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == (
        "Treatment of Severe Infections With Mesenchymal Stem Cells (NCT02883803)"
    )
    # Its seed document states no update date: the feed falls back to the first-posted date.
    assert entry.find(f"{ATOM}updated").text.startswith("2016-08-30")
    assert entry.find(f"{ATOM}published").text.startswith("2016-08-30")
    assert entry.find(f"{ATOM}summary").text.startswith("Unknown status. The main purpose")
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Central Hospital, Nancy, France"


def test_the_whole_catalog_feed_is_capped(client, bundled_catalog):
    assert len(feed(client).findall(f"{ATOM}entry")) == 50


def test_bad_parameters_do_not_fail_the_feed(client, bundled_catalog):
    root = feed(client, "?status=FOO&start_from=2020-13-45&q=" + "x" * 10000)
    assert root.tag == f"{ATOM}feed"
