"""The MSC filters on the list page, its downloads and feed: what they find, their counts in the
one facet statement, their chips and words, bad values, and a constant number of queries."""

import csv
import io
import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from catalog.models import MscProfile, Trial
from catalog.search.listing import TrialSearch
from catalog.search.params import PARAMS

pytestmark = pytest.mark.django_db

LIST = "/trials/"


def expected(query):
    """The public trials catalog.msc.query finds for ``query``."""
    return set(
        PARAMS.read(QueryDict(query)).apply(Trial.objects.public()).values_list("nct_id", flat=True)
    )


def found(query):
    return set(TrialSearch(QueryDict(query)).queryset().values_list("nct_id", flat=True))


def page(client, query):
    response = client.get(LIST + query)
    assert response.status_code == 200, response.status_code
    return response, response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "source=umbilical_cord",
        "source=adipose&source=wharton_jelly",
        "donor=autologous",
        "donor=both",
        "product=extracellular_vesicles",
        "route=intrathecal&route=intra_arterial",
        "n_doses=2",
        "n_doses=1&n_doses=5%2B",
        "dose_min=1e8&dose_max=1.5e8",
        "dose_min=1e6&dose_unit=per_kg",
        "dose_max=1e7",
        "source=bone_marrow&route=intravenous&donor=allogeneic&dose_min=1e7",
    ],
)
def test_each_msc_filter_finds_what_the_msc_rules_find(bundled_catalog, query):
    assert found(query) == expected(query)
    assert found(query)


def test_msc_filters_combine_with_the_other_filters(bundled_catalog):
    got = found("source=umbilical_cord&status=COMPLETED&q=knee")
    both = found("status=COMPLETED&q=knee") & expected("source=umbilical_cord")
    assert got == both and got


def test_msc_facets_count_what_each_value_gives_under_the_other_filters(client, bundled_catalog):
    response, html = page(client, "?route=intravenous&phase=PHASE2")
    facets = response.context["facets"]
    for name in ("source", "donor", "product", "route"):
        values = facets[name].values
        assert values, name
        for value in values[:4]:
            # Disjunctive: a facet's counts leave its own filter out.
            others = "phase=PHASE2" + ("" if name == "route" else "&route=intravenous")
            query = f"{others}&{name}={value.value}"
            assert value.count == len(found(query)), (name, value.value)
    assert re.search(r'name="route" value="intravenous" checked', html)
    assert "Cell source" in html and "Number of doses" in html


def test_the_number_of_doses_is_offered_as_counts_and_n_or_more(client, bundled_catalog):
    response, html = page(client, "?n_doses=7")
    values = {v.value: v for v in response.context["facets"]["n_doses"].values}
    assert values["7"].selected and values["7"].count == len(found("n_doses=7"))
    assert values["5+"].label == "5 or more"
    assert values["5+"].count == len(found("n_doses=5%2B"))
    assert values["1"].count == len(found("n_doses=1"))
    assert 'value="5+"' in html


def test_active_msc_filters_are_removable_chips_and_words(client, bundled_catalog):
    query = "?source=adipose&donor=autologous&dose_min=1e6&dose_unit=per_kg&n_doses=3%2B"
    response, html = page(client, query)
    chips = {(c["param"], c["value"]): c["remove_url"] for c in response.context["chips"]}
    assert chips[("Cell source", "Adipose tissue")] == (
        LIST + "?donor=autologous&dose_min=1e6&dose_unit=per_kg&n_doses=3%2B"
    )
    # The only bound goes with its unit.
    assert chips[("Dose from", "1e6 cells per kg")] == (
        LIST + "?source=adipose&donor=autologous&n_doses=3%2B"
    )
    assert ("Number of doses", "3 or more doses") in chips
    assert not any(param == "Dose unit" for param, _ in chips)
    described = response.context["described"]
    assert "Cell source: Adipose tissue" in described
    assert "Dose: at least 1e6 cells per kg" in described
    assert "<title>" + described.split(" · ")[0] in html.replace("&#x27;", "'")


def test_a_dose_range_is_described_as_one(client, bundled_catalog):
    response, _ = page(client, "?dose_min=1e8&dose_max=2e8")
    assert response.context["described"] == "Dose: 1e8–2e8 cells in total"
    assert re.search(
        r'<details class="facet" open>\s*<summary>MSC dose</summary>', response.content.decode()
    )
    assert 'name="dose_min" value="1e8"' in response.content.decode()


def test_a_dose_unit_without_a_range_is_left_out(client, bundled_catalog):
    response, _ = page(client, "?dose_unit=per_kg&status=RECRUITING")
    assert response.context["count"] == len(found("status=RECRUITING"))
    assert response.context["share_url"].endswith(LIST + "?status=RECRUITING")
    assert response.context["described"] == "Status: Recruiting"


@pytest.mark.parametrize(
    "query, param",
    [
        ("source=moon", "source"),
        ("donor=martian", "donor"),
        ("product=pills", "product"),
        ("route=ear", "route"),
        ("dose_min=lots", "dose_min"),
        ("dose_max=-5", "dose_max"),
        ("dose_min=1e6&dose_unit=kg", "dose_unit"),
        ("n_doses=0", "n_doses"),
        ("n_doses=many", "n_doses"),
        ("n_doses=99999", "n_doses"),
    ],
)
def test_bad_msc_values_give_a_notice_and_are_left_out(client, bundled_catalog, query, param):
    response, html = page(client, f"?{query}&status=COMPLETED")
    notices = [n for n in response.context["search"].notices if n.param == param]
    assert notices and "Ignored" in str(notices[0])
    assert str(notices[0]).split(":")[0] in html.replace("&#x27;", "'")
    kept = ("dose_min=1e6&" if param == "dose_unit" else "") + "status=COMPLETED"
    assert response.context["share_url"].endswith(f"{LIST}?{kept}")


def test_a_plus_typed_into_an_address_still_means_or_more(client, bundled_catalog):
    response = client.get(LIST + "?n_doses=4+")
    assert response.status_code == 302
    assert response["Location"] == LIST + "?n_doses=4%2B"


def test_msc_filters_cost_no_extra_query(client, bundled_catalog, no_stored_cards):
    def queries(query):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST + query).status_code == 200
        return len(captured)

    # The first visit after a change counts the whole catalog once (kept per catalog
    # version); what is measured here is every visit after it.
    client.get(LIST)
    plain = queries("?per_page=10")
    # The catalog version, the page, its stored cards; the version, trials and conditions the
    # cards are rendered from (as on a first view: the test's transaction never stores them).
    assert plain == 6
    for query in (
        "?source=umbilical_cord&route=intravenous",
        "?source=bone_marrow&source=adipose&donor=autologous&product=cells&route=intravenous"
        "&n_doses=2&n_doses=5%2B&dose_min=1e6&dose_max=1e9&status=RECRUITING&status=UNKNOWN&per_page=100",
        "?dose_min=1e6&dose_unit=per_kg&phase=PHASE1&country=China",
    ):
        assert queries(query) == plain, query


def test_downloads_and_the_feed_follow_the_msc_filters(client, bundled_catalog):
    query = "source=adipose&route=intra_articular"
    wanted = expected(query)
    assert wanted
    response = client.get(f"{LIST}export.csv?{query}")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row[0] for row in rows[1:]} == wanted
    feed = client.get(f"{LIST}feed/?{query}").content.decode()
    assert "Cell source: Adipose tissue · Route: Intra-articular" in feed
    assert set(re.findall(r"/trials/(NCT\d{8})/", feed)) <= wanted


def test_links_on_the_page_keep_the_msc_filters(client, bundled_catalog):
    response, html = page(client, "?route=intravenous&dose_min=1e8&per_page=10")
    assert response.context["exports"]["csv"] == (
        "/trials/export.csv?route=intravenous&dose_min=1e8"
    )
    assert "page=2" in response.context["pages"]["next"]
    assert "route=intravenous&dose_min=1e8" in response.context["pages"]["next"]


def test_only_msc_trials_are_found_by_msc_filters(bundled_catalog):
    ids = found("route=not_stated")
    assert ids
    assert not MscProfile.objects.filter(trial__nct_id__in=ids, is_msc=False).exists()
