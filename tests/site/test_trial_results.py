"""Posted results on the trial page: every trial whose record has a results section shows it,
and each group, measure, unit and value shown is the stored source record's."""

import pytest

from catalog.models import Trial
from tests.pages import element, elements, text

pytestmark = pytest.mark.django_db


def words(value):
    return " ".join(str(value).split())


def shown_value(m):
    """A measurement as the page writes it: value (spread) (lower to upper)."""
    shown = m.get("value", "")
    if m.get("spread"):
        shown += f" ({m['spread']})"
    if m.get("lowerLimit") or m.get("upperLimit"):
        shown += f" ({m.get('lowerLimit') or '?'} to {m.get('upperLimit') or '?'})"
    return words(shown) or "—"


def affected(stat):
    if stat.get("numAffected") is None and stat.get("numAtRisk") is None:
        return "—"
    shown = f"{stat.get('numAffected', '')}/{stat.get('numAtRisk', '')}"
    events = stat.get("numEvents")
    if events is not None and events != stat.get("numAffected"):
        shown += f" ({events} event{'s' if events != 1 else ''})"
    return shown


def table_of(section, table_id):
    return element(section, "table", id=table_id)


def header(table):
    """The group titles of a results table's columns."""
    return [text(th) for th in elements(element(table, "thead"), "th")[1:]]


def body_rows(table):
    """Each row of a results table: ("measure", title) or ("values", label, [cells])."""
    rows = []
    for tr in elements(element(table, "tbody"), "tr"):
        if 'class="measure-row"' in tr:
            rows.append(("measure", text(element(tr, "span", **{"class": "measure-title"}))))
        else:
            rows.append(("values", [text(td) for td in elements(tr, "td")]))
    return rows


def expected_values(measure, groups):
    """The rows of values of a measure, a cell per group, in the record's order."""
    order = [g["id"] for g in groups]
    rows = []
    for klass in measure.get("classes", []):
        for category in klass.get("categories", []):
            cells = ["—"] * len(order)
            for m in category.get("measurements", []):
                if m.get("groupId") in order:
                    cells[order.index(m["groupId"])] = shown_value(m)
            rows.append(("values", cells))
    return rows


def titles(groups):
    return [words(g.get("title") or g["id"]) for g in groups]


def check_results(section, record):
    flow = record.get("participantFlowModule", {})
    for p, period in enumerate(flow.get("periods", [])):
        table = table_of(section, f"results-flow-{p + 1}")
        assert header(table) == titles(flow["groups"])
        order = [g["id"] for g in flow["groups"]]
        expected = []
        for key, counts in (("milestones", "achievements"), ("dropWithdraws", "reasons")):
            for step in period.get(key, []):
                cells = ["—"] * len(order)
                for n in step.get(counts, []):
                    cells[order.index(n["groupId"])] = n.get("numSubjects") or "—"
                expected.append(("values", cells))
        assert body_rows(table) == expected
    baseline = record.get("baselineCharacteristicsModule", {})
    if baseline.get("groups") or baseline.get("measures"):
        table = table_of(section, "results-baseline")
        assert header(table) == titles(baseline.get("groups", []))
        expected = []
        for measure in baseline.get("measures", []):
            expected.append(("measure", words(measure.get("title", ""))))
            expected += expected_values(measure, baseline.get("groups", []))
            if measure.get("unitOfMeasure"):
                assert words(measure["unitOfMeasure"]) in text(table)
        assert body_rows(table) == expected
    outcomes = record.get("outcomeMeasuresModule", {}).get("outcomeMeasures", [])
    blocks = [b.split("<h3")[0] for b in section.split('<div class="results-measure">')[1:]]
    assert len(blocks) == len(outcomes)
    for i, (measure, block) in enumerate(zip(outcomes, blocks, strict=True)):
        title = text(element(block, "span", **{"class": "measure-title"}))
        assert title == words(measure.get("title", ""))
        if measure.get("unitOfMeasure"):
            unit = text(element(block, "span", **{"class": "unit"}))
            assert unit == words(measure["unitOfMeasure"])
        values = expected_values(measure, measure.get("groups", []))
        if measure.get("reportingStatus") == "NOT_POSTED" or not values:
            assert "<table" not in block
            continue
        table = element(block, "table", id=f"results-outcome-{i + 1}")
        assert header(table) == titles(measure["groups"])
        assert body_rows(table) == values
    events = record.get("adverseEventsModule", {})
    groups = events.get("eventGroups", [])
    for kind, key in (("serious", "seriousEvents"), ("other", "otherEvents")):
        terms = events.get(key, [])
        totals = [
            affected(
                {"numAffected": g.get(f"{kind}NumAffected"), "numAtRisk": g.get(f"{kind}NumAtRisk")}
            )
            for g in groups
        ]
        if not terms and all(t == "—" for t in totals):
            assert f'id="results-{kind}-events"' not in section
            continue
        table = table_of(section, f"results-{kind}-events")
        assert header(table) == titles(groups)
        order = [g["id"] for g in groups]
        expected = [("values", totals)]
        for term in terms:
            cells = ["—"] * len(order)
            for stat in term.get("stats", []):
                cells[order.index(stat["groupId"])] = affected(stat)
            expected.append(("values", cells))
        assert body_rows(table) == expected
        shown = text(table)
        for term in terms:
            assert words(term["term"]) in shown


def test_every_trial_with_results_shows_them_as_its_record_holds_them(client, bundled_catalog):
    trials = Trial.objects.public().filter(has_results=True).order_by("nct_id")
    records = list(trials.values_list("nct_id", "source_record"))
    with_section = [(n, r) for n, r in records if r.get("resultsSection")]
    assert len(with_section) >= 50
    for nct_id, record in with_section:
        page = client.get(f"/trials/{nct_id}/").content.decode()
        section = element(page, "section", id="results")
        try:
            check_results(section, record["resultsSection"])
        except AssertionError as error:
            raise AssertionError(f"{nct_id}: {error}") from error


def test_the_record_section_and_contents_link_to_the_results(client, bundled_catalog):
    trial = Trial.objects.filter(has_results=True).order_by("nct_id").first()
    page = client.get(f"/trials/{trial.nct_id}/").content.decode()
    assert '<a href="#results">Results</a>' in element(page, "nav", **{"class": "toc"})
    assert '<a href="#results">see them on this page</a>' in page


def test_a_trial_without_results_has_no_results_section(client, bundled_catalog):
    trial = Trial.objects.filter(has_results=False).order_by("nct_id").first()
    page = client.get(f"/trials/{trial.nct_id}/").content.decode()
    assert 'id="results"' not in page
