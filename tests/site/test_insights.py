"""``/insights/``: charts as SVG, each bar a link to exactly the trials behind it."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from catalog.models import MscProfile, Trial
from catalog.site.insights import Insights, select_trials

pytestmark = pytest.mark.django_db


def page(client, query=""):
    response = client.get("/insights/" + (f"?{query}" if query else ""))
    assert response.status_code == 200
    return response


def links(html):
    return [unescape(h) for h in re.findall(r'href="(/trials/\?[^"]*)"', html)]


def count_behind(url):
    """How many trials the list would show for a link (under the same parameter rules)."""
    return select_trials(QueryDict(urlsplit(url).query)).trials.count()


def test_the_page_draws_its_charts_as_accessible_svg(client, bundled_catalog):
    html = page(client).content.decode()
    charts = re.findall(r"<svg [^>]*aria-labelledby=\"([\w-]+)-title \1-desc\"", html)
    assert charts == ["years", "routes", "phases", "countries", "doses", "enrollment"]
    for chart in charts:
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html
    assert html.count('<details class="data">') == 6
    assert "<script" not in html
    assert "median 100 million" in html


def test_every_bar_links_to_the_trials_behind_it(client, bundled_catalog):
    figures = Insights(Trial.objects.public())
    for bar in figures.routes() + figures.phases() + figures.countries()["bars"][:5]:
        assert count_behind(bar.url) == bar.count, bar.url
    for column in figures.years_by_source()["columns"][-6:]:
        for segment in column["segments"]:
            if segment.code != "rest":  # a trial of two grouped sources counts once in the list
                assert count_behind(segment.url) == segment.count, segment.url
    for item in figures.iv_doses()["bins"]:
        assert count_behind(item.url) == item.count, item.url


def test_links_carry_the_pages_filters(client, bundled_catalog):
    html = page(client, "phase=PHASE2&country=China&source=umbilical_cord&start_from=2015").content
    found = links(html.decode())
    assert len(found) > 20
    for url in found:
        query = parse_qs(urlsplit(url).query)
        assert query["country"] == ["China"]
        assert query.get("start_from", ["2015"]) != []
        if "phase" in query and query["phase"] != ["PHASE2"]:
            assert url.count("phase=") == 1  # the phase chart replaces the phase filter
        else:
            assert query["phase"] == ["PHASE2"]
    year_link = next(u for u in found if "start_to=2019" in u)
    assert "start_from=2019" in year_link and "source=" in year_link


def test_filters_narrow_every_chart(client, bundled_catalog):
    all_trials = page(client).context["totals"]["trials"]
    narrowed = page(client, "route=intravenous&donor=autologous").context
    expected = MscProfile.objects.filter(
        is_msc=True, routes__contains=["intravenous"], donor__in=["autologous", "both"]
    ).count()
    assert narrowed["totals"]["trials"] == expected < all_trials
    routes = {m["bar"].code: m["bar"].count for m in narrowed["routes"].marks}
    assert routes["intravenous"] == expected


def test_the_median_dose_is_the_median_of_the_intravenous_doses(bundled_catalog):
    doses = sorted(
        MscProfile.objects.filter(is_msc=True, routes__contains=["intravenous"])
        .exclude(total_cells=None)
        .filter(dose_implausible="")  # until a curator confirms them
        .values_list("total_cells", flat=True)
    )
    middle = len(doses) // 2
    median = doses[middle] if len(doses) % 2 else (doses[middle - 1] + doses[middle]) / 2
    result = Insights(Trial.objects.public()).iv_doses()
    assert result["trials"] == len(doses)
    assert result["median"] == median


def test_bad_parameters_are_ignored_with_a_notice(client, bundled_catalog):
    response = page(client, "route=by+post&start_from=someday&phase=PHASE9")
    html = response.content.decode()
    assert "Ignored route=by post: not a known value." in html
    assert "Ignored start_from=someday" in html
    assert "Ignored phase=PHASE9" in html
    assert response.context["totals"]["trials"] == Trial.objects.public().count()


def test_an_empty_selection_still_renders(client, bundled_catalog):
    html = page(client, "country=Atlantis").content.decode()
    assert "No trials." in html


def test_hidden_trials_are_not_counted(client, bundled_catalog):
    before = page(client).context["totals"]["trials"]
    Trial.objects.filter(nct_id="NCT06518902").update(is_public=False)
    assert page(client).context["totals"]["trials"] == before - 1


def test_the_page_costs_a_constant_number_of_queries_and_the_whole_catalogs_figures_one(
    client, bundled_catalog, django_assert_num_queries
):
    # The whole catalog's figures are kept per catalog version: one query reads the version.
    page(client)
    with django_assert_num_queries(1):
        page(client)
    # A selection's: one per figure (totals, years, routes, phases, countries, doses, enrollment).
    with django_assert_num_queries(7):
        page(client, "source=bone_marrow&source=adipose&phase=PHASE1&country=China&dose_min=1e6")


# The same selection as the list ------------------------------------------------------------------

EVERY_KIND = (
    "q=knee&sex=FEMALE&type=INTERVENTIONAL&age_group=ADULT&intervention_type=BIOLOGICAL"
    "&source=umbilical_cord&source=bone_marrow&donor=allogeneic&n_doses=1&dose_max=1e9"
)


@pytest.mark.parametrize(
    "query",
    [
        "q=knee+osteoarthritis",
        "q=stem+cells&status=COMPLETED&has_results=true",
        "sponsor_class=INDUSTRY&healthy=false",
        "city=Wuhan",
        "product=extracellular_vesicles",
        "n_doses=2%2B&route=intravenous",
        EVERY_KIND,
    ],
)
def test_the_charts_count_the_trials_the_list_shows(client, bundled_catalog, query):
    listed = client.get(f"/trials/?{query}").context["count"]
    assert page(client, query).context["totals"]["trials"] == listed > 0


def test_chart_links_lead_to_the_list_with_the_same_filters(client, bundled_catalog):
    html = page(client, "q=knee&sex=FEMALE&n_doses=1&dose_max=1e9").content.decode()
    found = links(html)
    assert len(found) > 10
    for url in found:
        query = parse_qs(urlsplit(url).query)
        assert query["q"] == ["knee"] and query["sex"] == ["FEMALE"]
        assert query["n_doses"] == ["1"]
    overall = page(client, "q=knee&sex=FEMALE").context["list_url"]
    assert overall == "/trials/?q=knee&sex=FEMALE"


def test_the_form_keeps_the_filters_it_has_no_field_for(client, bundled_catalog):
    response = page(client, "q=knee&sex=FEMALE&country=China&country=Spain&n_doses=1")
    html = unescape(response.content.decode())
    assert 'name="q" value="knee"' in html
    assert '<input type="hidden" name="sex" value="FEMALE">' in html
    assert '<input type="hidden" name="n_doses" value="1">' in html
    assert 'name="country" value="China"' in html
    assert '<input type="hidden" name="country" value="Spain">' in html


def test_active_filters_are_removed_on_this_page(client, bundled_catalog):
    response = page(client, "source=adipose&dose_min=1e6&dose_unit=per_kg&q=knee")
    active = {(a["label"], a["value"]): a["remove"] for a in response.context["form"]["active"]}
    assert active[("Cell source", "Adipose tissue")] == (
        "/insights/?dose_min=1e6&dose_unit=per_kg&q=knee"
    )
    assert active[("Dose from", "1e6 cells per kg")] == "/insights/?source=adipose&q=knee"
    assert active[("Search", "“knee”")] == (
        "/insights/?source=adipose&dose_min=1e6&dose_unit=per_kg"
    )


def test_a_search_costs_no_extra_query(client, bundled_catalog, django_assert_num_queries):
    with django_assert_num_queries(7):
        page(client, EVERY_KIND)
