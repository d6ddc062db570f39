"""A parameter added with one declaration, and nothing else, works everywhere a search does: it
filters the list, is counted as a facet in the one facet statement, shows as a chip and in
words, keeps its value in the list's addresses, and the API takes it by its API name; one
declared with a form input appears in the filter form."""

import datetime
import re

import pytest

from catalog.models import EnrollmentType, Trial
from catalog.search.filters import PartialDateField, filter_in, filter_range
from catalog.search.params import PARAMS
from catalog.search.query import Api, Choice, Facet, FormFieldKind, Input, Param

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment_type():
    """A toy parameter: whether a trial's enrollment is actual or estimated."""
    param = Param(
        "enrollment_kind",
        "Enrollment kind",
        Choice(EnrollmentType),
        filter=filter_in("enrollment_type"),
        facet=Facet(
            99,
            "SELECT enrollment_type, count(*) FROM {b} WHERE enrollment_type <> '' GROUP BY 1",
            columns=("enrollment_type",),
        ),
        api=Api(("filter.enrollmentKind",), strip=True),
    )
    PARAMS.add(param)
    yield param
    PARAMS.remove(param.name)


def public(**lookups):
    return set(Trial.objects.public().filter(**lookups).values_list("nct_id", flat=True))


def test_a_declared_parameter_filters_the_list(client, bundled_catalog, enrollment_type):
    response = client.get("/trials/?enrollment_kind=ESTIMATED&per_page=100&sort=nct_id")
    estimated = public(enrollment_type="ESTIMATED")
    assert response.context["count"] == len(estimated) > 0
    shown = {trial.nct_id for trial in response.context["page"].object_list}
    assert shown <= estimated and len(shown) == min(100, len(estimated))


def test_a_declared_parameter_is_counted_as_a_facet(
    client, bundled_catalog, enrollment_type, django_assert_max_num_queries
):
    response = client.get("/trials/?enrollment_kind=ACTUAL&status=COMPLETED")
    facet = response.context["facets"]["enrollment_kind"]
    counts = {v.value: v.count for v in facet.values}
    # Counted under the other filters (status), not its own.
    assert counts == {
        "ACTUAL": len(public(overall_status="COMPLETED", enrollment_type="ACTUAL")),
        "ESTIMATED": len(public(overall_status="COMPLETED", enrollment_type="ESTIMATED")),
    }
    assert [v.label for v in facet.values] == ["Actual", "Estimated"]
    assert [v.value for v in facet.selected] == ["ACTUAL"]
    html = response.content.decode()
    assert 'name="enrollment_kind" value="ESTIMATED"' in html
    # Still one statement for all the facets and the total.
    with django_assert_max_num_queries(1) as queries:
        response.context["search"].facet_counts()
    assert "enrollment_type" in queries.captured_queries[0]["sql"]


def test_a_declared_parameter_reads_as_a_chip_and_in_words(
    client, bundled_catalog, enrollment_type
):
    response = client.get("/trials/?status=RECRUITING&enrollment_kind=ESTIMATED")
    chips = [(c["param"], c["value"], c["remove_url"]) for c in response.context["chips"]]
    assert ("Enrollment kind", "Estimated", "/trials/?status=RECRUITING") in chips
    assert response.context["described"] == "Status: Recruiting · Enrollment kind: Estimated"
    assert response.context["exports"]["csv"].endswith("enrollment_kind=ESTIMATED")
    bad = client.get("/trials/?enrollment_kind=GUESSED")
    assert "Ignored enrollment_kind=GUESSED: not a known value." in [
        str(n) for n in bad.context["search"].notices
    ]
    assert "enrollment_kind" in PARAMS.names()


def test_a_declared_parameter_is_taken_by_the_api(client, bundled_catalog, enrollment_type):
    body = client.get("/api/v2/studies?filter.enrollmentKind=ACTUAL&countTotal=true").json()
    assert body["totalCount"] == len(public(enrollment_type="ACTUAL"))
    bad = client.get("/api/v2/studies?filter.enrollmentKind=GUESSED")
    assert bad.status_code == 400
    assert bad.json()["error"]["parameter"] == "filter.enrollmentKind"


def test_without_the_declaration_the_parameter_is_unknown(client, bundled_catalog):
    assert "enrollment_kind" not in PARAMS.names()
    # An unknown parameter is redirected away before anything is rendered.
    response = client.get("/trials/?enrollment_kind=ACTUAL")
    assert (response.status_code, response["Location"]) == (302, "/trials/")
    assert client.get(response["Location"]).context["count"] == Trial.objects.public().count()


@pytest.fixture
def first_posted_from():
    """A toy parameter with an input of the filter form instead of a facet."""
    param = Param(
        "first_posted_from",
        "First posted from",
        FormFieldKind(PartialDateField(required=False)),
        filter=filter_range("first_posted", "gte"),
        form=Input("Dates and enrollment", "First posted", "From", "date"),
    )
    PARAMS.add(param)
    yield param
    PARAMS.remove(param.name)


def test_a_declared_input_appears_in_the_filter_form(client, bundled_catalog, first_posted_from):
    response = client.get("/trials/?first_posted_from=2020")
    since = public(first_posted__gte=datetime.date(2020, 1, 1))
    assert response.context["count"] == len(since) > 0
    html = response.content.decode()
    section = re.search(
        r"<details class=\"facet\" open>\s*<summary>Dates and enrollment.*?</details>", html, re.S
    )
    assert section and "<legend>First posted</legend>" in section.group(0)
    assert 'id="first_posted_from" name="first_posted_from" value="2020"' in section.group(0)
    chips = [(c["param"], c["value"]) for c in response.context["chips"]]
    assert chips == [("First posted from", "2020")]
    assert response.context["described"] == "First posted from: 2020-01-01"
