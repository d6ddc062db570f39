"""What a visitor does in a real Chromium, against gunicorn serving the bundled catalog:
search, filter, open a trial, copy its link and open it, download the results as CSV, and
reach the search box from the keyboard. Skipped where no Chromium is installed (tests/browser.py).
"""

import csv
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser import query, result_count

# django_db: the server reads the test database (see the ``chromium`` fixture).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CTGOV_HEADER_START = ["NCT Number", "Study Title", "Study URL", "Acronym", "Study Status"]
CTGOV_HEADER_END = ["Last Update Posted", "Locations", "Study Documents"]




def test_a_search_typed_on_the_home_page_lists_trials_with_the_words_marked(browser_page):
    page = browser_page
    page.goto("/")
    page.get_by_role("searchbox", name="Search MSC trials").fill("septic shock")
    page.get_by_role("searchbox", name="Search MSC trials").press("Enter")

    page.wait_for_url("**/trials/?*")
    assert query(page)["q"] == ["septic shock"]
    assert result_count(page) >= 1
    marked = page.locator(".results .snippet mark")
    expect(marked.first).to_be_visible()
    words = {word.lower() for word in marked.all_inner_texts()}
    assert words & {"septic", "shock"}, words


def test_ticking_a_filter_applies_it_at_once(browser_page):
    page = browser_page
    page.goto("/trials/?q=umbilical+cord")
    before = result_count(page)

    page.get_by_role("checkbox", name=re.compile(r"^Recruiting \(\d+\)")).check()

    page.wait_for_url(re.compile(r"status=RECRUITING"))
    assert query(page) == {"q": ["umbilical cord"], "status": ["RECRUITING"]}
    after = result_count(page)
    assert 0 < after < before
    expect(page.get_by_role("link", name="Remove status: Recruiting")).to_be_visible()
    statuses = page.locator(".results .status").all_inner_texts()
    assert statuses and set(statuses) == {"Recruiting"}


def test_a_trial_opens_from_the_results(browser_page):
    page = browser_page
    page.goto("/trials/?q=septic+shock")
    first = page.locator(".results .result h3 a").first
    title = first.inner_text()

    first.click()

    page.wait_for_url(re.compile(r"/trials/NCT\d{8}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def test_the_copied_link_opens_the_same_trial(browser_page):
    page = browser_page
    page.goto("/trials/NCT02883803/")
    title = page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("button", name="Copy link").click()

    expect(page.locator("#share-status")).to_have_text("Link copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.url
    other = page.context.new_page()
    other.goto(copied)
    assert other.url == page.url
    expect(other.get_by_role("heading", level=1)).to_have_text(title)


def test_the_csv_download_holds_every_matching_trial(browser_page):
    page = browser_page
    page.goto("/trials/?q=umbilical+cord&status=RECRUITING&per_page=10")
    count = result_count(page)
    shown = {text.strip() for text in page.locator(".results .nct").all_inner_texts()}

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value

    assert re.fullmatch(r"msc-trials-.*\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    header, records = rows[0], rows[1:]
    # ClinicalTrials.gov's 30 columns first, then the MSC profile's.
    from catalog.site.exports import CSV_COLUMNS, MSC_COLUMNS

    assert len(header) == len(CSV_COLUMNS) + len(MSC_COLUMNS) == 41
    assert header[:5] == CTGOV_HEADER_START and header[27:30] == CTGOV_HEADER_END
    assert len(records) == count > len(shown) == 10
    assert shown <= {record[0] for record in records}


def test_tab_reaches_the_search_box_with_a_visible_focus(browser_page):
    page = browser_page
    page.goto("/")
    search = page.get_by_role("searchbox", name="Search MSC trials")

    for _ in range(10):
        page.keyboard.press("Tab")
        if search.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("ten presses of Tab did not reach the search box")

    outline = search.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline


def test_pages_run_their_scripts_without_errors(browser_page):
    """The scripts and styles load under the site's Content-Security-Policy, and run."""
    page = browser_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    for path in ("/", "/trials/?q=umbilical+cord&status=RECRUITING", "/trials/NCT02883803/"):
        page.goto(path)
        page.wait_for_load_state("load")

    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    assert errors == []


# The researcher's workbench (issue 18) -------------------------------------------------------

MSC_CSV = {
    "MSC Source": lambda p: "|".join(p["source"]),
    "MSC Donor": lambda p: p["donor"],
    "MSC Route": lambda p: "|".join(p["route"]),
    "MSC Dose Min": lambda p: "" if p["dose"]["min"] is None else format(p["dose"]["min"], "g"),
    "MSC Dose Max": lambda p: "" if p["dose"]["max"] is None else format(p["dose"]["max"], "g"),
    "MSC Dose Unit": lambda p: p["dose"]["unit"] or "",
    "MSC Number of Doses": lambda p: str(p["dose"]["n_doses"] or ""),
}


def test_the_researchers_journey_from_filters_to_a_shared_comparison(browser_page):
    page = browser_page
    page.goto("/trials/")
    # Filter by condition and by MSC fields (each tick applies at once).
    page.get_by_role("checkbox", name=re.compile(r"^COVID-19 \(\d+\)")).check()
    page.wait_for_url(re.compile(r"condition=COVID-19"))
    page.get_by_role("checkbox", name=re.compile(r"^Intravenous \(\d+\)")).check()
    page.wait_for_url(re.compile(r"route=intravenous"))
    assert query(page) == {"condition": ["COVID-19"], "route": ["intravenous"]}
    count = result_count(page)
    assert count >= 3

    # The MSC values are in the results, each a link to the list filtered by it.
    lines = page.locator(".results .result .msc-line")
    assert lines.count() == page.locator(".results .result").count()
    for text in lines.all_inner_texts():
        assert "Route: " in text and "Intravenous" in text
    route = lines.first.get_by_role("link", name="Intravenous", exact=True)
    assert urlsplit(route.get_attribute("href")).query == "route=intravenous"

    # The table view of the same search, with the MSC columns.
    page.get_by_role("link", name="View as a table").click()
    page.wait_for_url(re.compile(r"/trials/table/\?"))
    assert query(page) == {"condition": ["COVID-19"], "route": ["intravenous"]}
    headers = page.locator("table.trial-table thead th").all_inner_texts()
    headers = [h.rstrip(" ▲▼") for h in headers]
    assert set(MSC_CSV) <= set(headers)
    in_table = [t.strip() for t in page.locator("table.trial-table tbody th a").all_inner_texts()]
    from catalog.search.listing import DEFAULT_PER_PAGE

    assert len(in_table) == min(count, DEFAULT_PER_PAGE)

    # Its CSV: every row's MSC columns are the trial's /api/msc/<NCT ID>.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    with open(download_info.value.path(), encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == count
    assert in_table == [row["NCT Number"] for row in rows][: len(in_table)]
    for row in rows:
        profile = page.request.get(f"/api/msc/{row['NCT Number']}").json()
        for column, value in MSC_CSV.items():
            assert row[column] == value(profile), (row["NCT Number"], column)

    # Compare three of them: open the first, add it to a comparison, add two more.
    chosen = in_table[:3]
    page.get_by_role("link", name=chosen[0], exact=True).click()
    page.wait_for_url(f"**/trials/{chosen[0]}/")
    page.get_by_role("link", name="Add to compare").click()
    page.wait_for_url(re.compile(r"/compare/\?ids="))
    page.get_by_label(re.compile(r"^NCT IDs to compare")).fill(",".join(chosen))
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"/compare/\?ids="))
    compared = page.locator("table.compare thead th .compare-remove").all_inner_texts()
    assert compared == [f"Remove {nct_id}" for nct_id in chosen]
    table = page.locator("table.compare").inner_text()

    # Share the comparison's link and reopen it.
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#share-status")).to_have_text("Link copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    # The form sent the IDs with their commas encoded; the link to share writes them plainly.
    assert parse_qs(urlsplit(copied).query) == {"ids": [",".join(chosen)]} == query(page)
    other = page.context.new_page()
    other.goto(copied)
    assert other.url == copied
    assert other.locator("table.compare").inner_text() == table


def test_results_and_the_table_reflow_on_a_phone(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 740})
    nct_id = None
    page.goto("/trials/?has_results=true&sort=nct_id")
    nct_id = page.locator(".results .nct").first.inner_text().strip()
    for path in (
        f"/trials/{nct_id}/",
        "/trials/table/?condition=COVID-19&fields=mscProfile,Conditions,Locations",
    ):
        page.goto(path)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 375, (path, wide)
    page.goto(f"/trials/{nct_id}/#results")
    expect(page.locator("#results .results-table").first).to_be_visible()


def test_the_trial_page_prints_without_the_screen_only_parts(browser_page):
    page = browser_page
    page.goto("/trials/NCT00587990/")
    page.emulate_media(media="print")
    for selector in (".toc", ".share", ".compare-link", ".site-header nav"):
        assert not page.locator(selector).first.is_visible(), selector
    expect(page.locator(".trial-header .citation")).to_be_visible()
    expect(page.locator(".trial-header .citation")).to_contain_text(
        "ClinicalTrials.gov NCT00587990, version of "
    )


def test_insights_charts_stay_readable_on_a_phone(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/insights/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Chart words are drawn at their own size (12 px), not shrunk with the chart.
    sizes = page.eval_on_selector_all(
        ".chart > svg text", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert sizes and min(sizes) >= 11, min(sizes)
    # Each legend square sits on the line of its label, not above it.
    for item in page.locator(".legend span").all()[:6]:
        square = item.locator("svg").bounding_box()
        line = item.bounding_box()
        assert square["y"] >= line["y"] - 1 and square["y"] + square["height"] <= line["y"] + line["height"] + 1
        assert square["height"] < line["height"] + 1 < 2 * square["height"] + 8
