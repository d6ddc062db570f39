"""What a visitor does in a real Chromium, against gunicorn serving the bundled catalog:
search, filter, open a trial, copy its link and open it, download the results as CSV, and
reach the search box from the keyboard. Skipped where no Chromium is installed (tests/browser.py).
"""

import csv
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

# django_db: the server reads the test database (see the ``chromium`` fixture).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CTGOV_HEADER_START = ["NCT Number", "Study Title", "Study URL", "Acronym", "Study Status"]
CTGOV_HEADER_END = ["Last Update Posted", "Locations", "Study Documents"]


def result_count(page):
    """The number of matching trials the list announces ("123 trials · page 1 of 7")."""
    heading = page.locator("#results-h").inner_text()
    return int(re.match(r"(\d+) trials?\b", heading).group(1))


def query(page):
    return parse_qs(urlsplit(page.url).query)


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
