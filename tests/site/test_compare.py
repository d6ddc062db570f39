"""``/compare/?ids=…``: two to four trials side by side, the selection in the address."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Trial
from catalog.site.compare import Comparison

pytestmark = pytest.mark.django_db

THREE = ["NCT02883803", "NCT02923375", "NCT06518902"]


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.status_code
    return response.content.decode()


def rows_of(html):
    """{row label: (differs, [cell texts])} of the comparison table."""
    found = {}
    for attrs, label, cells in re.findall(
        r'<tr( class="differs")?>\s*<th scope="row">(.*?)(?: <span class="differs-key">Differs'
        r"</span>)?</th>(.*?)</tr>",
        html,
        re.S,
    ):
        texts = [
            " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<td>(.*?)</td>", cells, re.S)
        ]
        found[label] = (bool(attrs), texts)
    return found


def test_three_trials_side_by_side_with_differing_rows_marked(client, bundled_catalog):
    html = page(client, "/compare/?ids=" + ",".join(THREE))
    rows = rows_of(html)
    labels = [
        "Study type",
        "Phase",
        "Design",
        "Enrollment",
        "Arms",
        "Cell source",
        "Donor",
        "Product",
        "Route",
        "Dose per administration",
        "Number of doses",
        "Primary outcomes",
        "Status",
        "Start",
        "Primary completion",
        "Completion",
        "First posted",
        "Last update",
    ]
    assert list(rows) == labels
    trials = [Trial.objects.select_related("msc").get(nct_id=n) for n in THREE]
    for label, (differs, cells) in rows.items():
        assert len(cells) == 3
        # A row is marked exactly when its cells are not all the same.
        assert differs == (len(set(cells)) > 1), label
    assert [cell.split(" (")[0] for cell in rows["Enrollment"][1]] == [
        str(t.enrollment_count) for t in trials
    ]
    assert rows["Status"][1] == [t.get_overall_status_display() for t in trials]
    assert rows["Number of doses"][1] == [str(t.msc.n_doses or "") or "Not stated" for t in trials]
    assert rows["Donor"][1][1].startswith("Allogeneic")
    assert "1 × 10⁶ to 2 × 10⁶ cells per kg" in rows["Dose per administration"][1][1]
    for trial, cell in zip(trials, rows["Primary outcomes"][1], strict=True):
        for outcome in trial.outcomes.filter(kind="primary"):
            assert " ".join(outcome.measure.split()) in cell
    # The columns link to each trial's page carrying the selection, and can be removed.
    assert f'href="/trials/{THREE[0]}/?compare={"%2C".join(THREE)}"' in html
    assert f'href="/compare/?ids={THREE[1]},{THREE[2]}"' in html


def test_it_works_without_javascript_and_prints_cleanly(client, bundled_catalog):
    html = page(client, "/compare/?ids=" + ",".join(THREE[:2]))
    # A plain form and plain links: no inline script, only the optional copy button's file.
    assert "<script>" not in html
    assert all(src.startswith("/static/") for src in re.findall(r'<script[^>]*src="([^"]+)"', html))
    css = open("static/css/site.css").read()
    assert "@media print" in css and ".no-print" in css.split("@media print")[-1]
    assert 'class="compare-form no-print"' in html and 'class="share no-print"' in html


def test_the_comparison_link_reopens_the_same_comparison(client, bundled_catalog):
    html = page(client, "/compare/?ids=nct2883803+NCT02923375")
    url = re.search(r'id="share-url" type="url" value="([^"]+)"', html).group(1)
    assert url == "http://testserver/compare/?ids=NCT02883803,NCT02923375"
    again = page(client, url.removeprefix("http://testserver"))
    assert rows_of(again) == rows_of(html)


@pytest.mark.parametrize(
    ("ids", "message", "status"),
    [
        ("NCT02883803,bogus", "Not NCT IDs, left out: bogus", 400),
        ("NCT02883803,NCT99999999", "Not in the catalog, left out: NCT99999999", 400),
        ("NCT02883803", "Choose 2 to 4 trials", 200),
        ("<script>,NCT02883803,NCT02923375", "Not NCT IDs, left out: &lt;script&gt;", 200),
        (",".join(THREE + ["NCT04684602", "NCT02032004"]), "at most 4 can be compared", 400),
    ],
)
def test_bad_unknown_or_too_many_ids_get_a_clear_message(
    client, bundled_catalog, ids, message, status
):
    html = page(client, f"/compare/?ids={ids}", status)
    assert message in html


def test_an_empty_selection_explains_itself(client, bundled_catalog):
    html = page(client, "/compare/")
    assert "NCT IDs to compare" in html and 'class="compare"' not in html


def test_the_queries_do_not_grow_with_the_trials(client, bundled_catalog):
    def queries(ids):
        with CaptureQueriesContext(connection) as captured:
            page(client, "/compare/?ids=" + ",".join(ids))
        return len(captured)

    assert queries(THREE[:2]) == queries(THREE + ["NCT04684602"])


def test_the_trial_page_offers_add_to_compare_keeping_the_selection(client, bundled_catalog):
    html = page(client, f"/trials/{THREE[2]}/")
    assert f'<a href="/compare/?ids={THREE[2]}">Add to compare</a>' in html
    html = page(client, f"/trials/{THREE[2]}/?compare={THREE[0]},{THREE[1]}")
    assert f'<a href="/compare/?ids={",".join(THREE)}">Add to compare</a>' in html


def test_a_withdrawn_trial_is_left_out(bundled_catalog):
    Trial.objects.filter(nct_id=THREE[0]).update(is_public=False)
    try:
        comparison = Comparison.read([",".join(THREE)])
        assert comparison.shown_ids == THREE[1:]
        assert comparison.messages == [f"Not in the catalog, left out: {THREE[0]}."]
    finally:
        Trial.objects.filter(nct_id=THREE[0]).update(is_public=True)
