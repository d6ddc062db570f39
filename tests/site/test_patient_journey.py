"""A patient's journey in a real Chromium, on a phone (390 px) and on a desktop (1,366 px):
type a condition, set a place and a radius, tick "Recruiting", put the nearest sites first,
open the first trial and reach its contact.

Filters apply without reloading the page: after each change the address holds the search,
focus stays on the control that was used, and on the phone the first result is on the first
screen once the filters' drawer is closed. Skipped where no Chromium is installed
(tests/browser.py).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import query, result_count

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}




def focused(page):
    """The name and value (or id) of the focused element."""
    return page.evaluate(
        "[document.activeElement.name || document.activeElement.id, document.activeElement.value]"
    )


def first_result_on_first_screen(page, viewport):
    """The page is at its top and the first result's title is wholly on that screen."""
    assert page.evaluate("window.scrollY") == 0
    title = page.locator(".results .result h3").first.bounding_box()
    assert title is not None
    assert 0 <= title["y"] and title["y"] + title["height"] <= viewport["height"], title


class Filters:
    """The filters as each screen offers them: a drawer on the phone, a column on a desktop."""

    def __init__(self, page, phone):
        self.page, self.phone = page, phone

    def open(self):
        if self.phone:
            self.page.get_by_role("button", name=re.compile(r"^Filters")).click()
            expect(self.page.get_by_role("dialog", name="Filters")).to_be_visible()
            expect(self.page.locator("#filters-h")).to_be_focused()

    def close(self, viewport):
        if self.phone:
            show = self.page.get_by_role("link", name=re.compile(r"^Show \d+ trials?$"))
            assert show.inner_text() == f"Show {result_count(self.page)} trial" + (
                "" if result_count(self.page) == 1 else "s"
            )
            show.click()
            expect(self.page.get_by_role("dialog", name="Filters")).to_have_count(0)
            expect(self.page.locator("#results-h")).to_be_focused()
            first_result_on_first_screen(self.page, viewport)


def apply_and_wait(page, pattern, act):
    """Does ``act`` and waits for the address to hold ``pattern``, without a page load."""
    page.evaluate("window.__samePage = true")
    act()
    page.wait_for_url(pattern)
    expect(page.locator(".results-area")).not_to_have_attribute("aria-busy", "true")
    assert page.evaluate("window.__samePage === true"), "the page was reloaded"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-390", "desktop-1366"])
def test_a_patient_finds_a_recruiting_trial_near_a_place_and_its_contact(
    browser_page, viewport
):
    page = browser_page
    page.set_viewport_size(viewport)
    phone = viewport is PHONE
    filters = Filters(page, phone)

    page.goto("/")
    search = page.get_by_role("searchbox", name="Search MSC trials")
    search.fill("knee osteoarthritis")
    search.press("Enter")
    page.wait_for_url("**/trials/?*")
    everywhere = result_count(page)
    assert everywhere > 10
    first_result_on_first_screen(page, viewport)

    # A place, typed and entered: the list narrows, focus stays in the place box.
    filters.open()
    place = page.get_by_label("City, US state or country")
    place.fill("Seoul")
    apply_and_wait(page, re.compile(r"near=Seoul"), lambda: place.press("Enter"))
    assert focused(page) == ["near", "Seoul"]
    near_seoul = result_count(page)
    assert 0 < near_seoul < everywhere
    filters.close(viewport)

    # A wider radius: more trials, or as many.
    filters.open()
    radius = page.get_by_label("Within (km)")
    radius.fill("200")
    apply_and_wait(page, re.compile(r"radius=200"), lambda: radius.press("Enter"))
    assert focused(page) == ["radius", "200"]
    assert result_count(page) >= near_seoul
    filters.close(viewport)

    # Recruiting now: the checkbox keeps the focus, and every result says so.
    filters.open()
    recruiting = page.get_by_role("checkbox", name=re.compile(r"^Recruiting \(\d+\)"))
    recruiting.scroll_into_view_if_needed()
    top_before = recruiting.bounding_box()["y"]
    apply_and_wait(page, re.compile(r"status=RECRUITING"), recruiting.check)
    assert focused(page) == ["status", "RECRUITING"]
    if not phone:
        # The control stays where it was on the screen.
        assert abs(recruiting.bounding_box()["y"] - top_before) < 2
    recruiting_near = result_count(page)
    assert 0 < recruiting_near <= near_seoul
    assert set(page.locator(".results .status").all_inner_texts()) == {"Recruiting"}
    filters.close(viewport)

    # The nearest sites first; each result names its nearest site and how far it is.
    sort = page.get_by_label("Sort by")
    sort.focus()  # as a tap or the Tab key does before a choice
    apply_and_wait(
        page, re.compile(r"sort=distance"), lambda: sort.select_option(label="Nearest site first")
    )
    assert focused(page) == ["sort", "distance"]
    assert query(page) == {
        "q": ["knee osteoarthritis"],
        "near": ["Seoul"],
        "radius": ["200"],
        "status": ["RECRUITING"],
        "sort": ["distance"],
    }
    if phone:
        first_result_on_first_screen(page, viewport)
    expect(page.locator(".results .result .near").first).to_contain_text("km")

    # The same address opens the same results.
    address, count = page.url, result_count(page)
    page.goto(address)
    assert result_count(page) == count

    # The nearest trial, and how to contact it, near the top of its page.
    first = page.locator(".results .result h3 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/trials/NCT\d{8}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    joining = page.locator(".joining")
    expect(joining.get_by_text("Recruiting.")).to_be_visible()
    contact = joining.locator(".contact-action a").first
    contact.scroll_into_view_if_needed()
    expect(contact).to_be_visible()
    href = contact.get_attribute("href")
    assert href.startswith(("mailto:", "tel:", "#locations", "http")), href
    if href == "#locations":
        contact.click()
        expect(page.locator("#locations")).to_be_in_viewport()
