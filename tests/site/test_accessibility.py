"""axe-core, run in headless Chromium over the public pages, finds no serious or critical
violation on any kind of public page: the home page, a list with a search and filters, a list
near a place, a search that finds nothing, a trial page with sites and arms, a trial page with
results, a trial that is not in the catalog, the table view, three trials compared, the
insights, and on a phone the list with its filters' drawer open. axe-core is the
copy that axe-playwright-python ships. Skipped where no Chromium is installed
(tests/browser.py).
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

# django_db: the server reads the test database (see the ``chromium`` fixture).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

BLOCKING = {"serious", "critical"}

NOT_FOUND = ["/trials/NCT99999999/"]

# Each page, and what it must show for the check to cover it.
PAGES = {
    "home": ("/", [".home-grid .counts a", ".results .result"]),
    "list with filters": (
        "/trials/?q=umbilical+cord&status=RECRUITING&phase=PHASE2",
        [".results .result .snippet mark", ".active-filters .chip", ".facet input:checked"],
    ),
    "trial with sites and arms": (
        "/trials/NCT02883803/",
        ["#locations .sites li", "table.arms td"],
    ),
    "table view with MSC columns": (
        "/trials/table/?condition=COVID-19&route=intravenous",
        ["table.trial-table thead th a", "table.trial-table td", ".columns-chooser"],
    ),
    "trial with results": (
        "/trials/NCT00587990/",
        ["#results table.results-table td", ".badge-results"],
    ),
    "list near a place": (
        "/trials/?q=knee+osteoarthritis&near=Seoul&sort=distance",
        [".results .result .near", "#near"],
    ),
    "a search that finds nothing": ("/trials/?q=stem+cell+knee+Madrid", ["p.empty a"]),
    "trial not in the catalog": (NOT_FOUND[0], ["main h1", "#not-found-q"]),
    "insights": ("/insights/", [".chart svg", ".legend"]),
    "three trials compared": (
        "/compare/?ids=NCT02883803,NCT02923375,NCT06518902",
        ["table.compare tr.differs td", "table.compare thead th a"],
    ),
}


def report(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  - {', '.join(map(str, node['target']))}")
            lines.append(f"    {node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)


@pytest.mark.parametrize(("path", "content"), PAGES.values(), ids=list(PAGES))
def test_no_serious_or_critical_violation(browser_page, path, content):
    page = browser_page
    response = page.goto(path)
    assert response.status == (404 if path in NOT_FOUND else 200)
    for selector in content:
        assert page.locator(selector).count() > 0, selector

    results = Axe().run(page).response

    assert results["testEngine"]["name"] == "axe-core"
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, "axe-core found:\n" + report(blocking)


def test_the_filters_drawer_on_a_phone_has_no_serious_or_critical_violation(browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/trials/?q=umbilical+cord&status=RECRUITING")
    page.get_by_role("button", name=re.compile(r"^Filters \(\d+ in use\)")).click()
    assert page.get_by_role("dialog", name="Filters").is_visible()

    results = Axe().run(page).response

    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, "axe-core found:\n" + report(blocking)
