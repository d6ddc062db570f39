"""Pages past the numbered ones (``NUMBERED_PAGES``): Next and Previous say which row they
continue from (``after=``, ``before=``), and such a page is the same rows as the page counted
from the start, read without an OFFSET. Tokens that are not this list's are said, never
followed silently."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.search.listing import NUMBERED_PAGES, SORT_FIELDS, TrialSearch, page_token

pytestmark = pytest.mark.django_db

PER_PAGE = 10  # the bundled catalog then has well over NUMBERED_PAGES pages


def link(response, rel):
    found = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def shown(response):
    return [trial.nct_id for trial in response.context["page"].object_list]


def by_offset(params, number, per_page=PER_PAGE):
    """The page's NCT IDs counted from the start, in the list's own order."""
    ordered = TrialSearch(params).ordered().values_list("nct_id", flat=True)
    start = (number - 1) * per_page
    return list(ordered[start : start + per_page])


@pytest.mark.parametrize(
    "params",
    [
        {},  # last updated, newest first
        {"q": "cells"},  # best match: a float rank
        {"sort": "-enrollment"},  # trials without an enrollment come last
        {"sort": "start", "status": "COMPLETED"},
    ],
    ids=["updated", "relevance", "enrollment", "start"],
)
def test_next_and_previous_past_the_numbered_pages_show_the_pages_counted_from_the_start(
    client, bundled_catalog, params
):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    start = NUMBERED_PAGES - 1
    response = client.get(f"/trials/?{query}&per_page={PER_PAGE}&page={start}")
    total_pages = response.context["page"].paginator.num_pages
    assert total_pages > NUMBERED_PAGES + 3
    for number in range(start + 1, start + 5):
        address = link(response, "next")
        assert ("after=" in address) == (number > NUMBERED_PAGES)
        response = client.get(address)
        assert response.context["page"].number == number
        assert shown(response) == by_offset(params, number)
        assert not response.context["search"].notices
    for number in range(start + 3, start - 1, -1):
        address = link(response, "prev")
        assert ("before=" in address) == (number > NUMBERED_PAGES)
        response = client.get(address)
        assert response.context["page"].number == number
        assert shown(response) == by_offset(params, number)


def test_a_page_past_the_numbered_ones_seeks_its_rows_instead_of_skipping_them(
    client, bundled_catalog
):
    response = client.get(f"/trials/?per_page={PER_PAGE}&page={NUMBERED_PAGES + 5}")
    with CaptureQueriesContext(connection) as numbered:
        response = client.get(f"/trials/?per_page={PER_PAGE}&page={NUMBERED_PAGES + 5}")
    numbered_queries = len(numbered)
    with CaptureQueriesContext(connection) as continued:
        response = client.get(link(response, "next"))
    assert response.context["page"].number == NUMBERED_PAGES + 6
    assert len(continued) == numbered_queries
    assert any("OFFSET" in q["sql"] for q in numbered.captured_queries)
    assert not any("OFFSET" in q["sql"] for q in continued.captured_queries)


def test_pages_past_the_numbered_ones_are_not_linked_by_number(client, bundled_catalog):
    response = client.get(f"/trials/?per_page={PER_PAGE}")
    numbers = [link["number"] for link in response.context["pages"]["links"]]
    assert max(n for n in numbers if n) == NUMBERED_PAGES
    assert response.context["page"].paginator.num_pages > NUMBERED_PAGES


def test_other_pages_and_other_searches_drop_the_row_a_page_continues_from(client, bundled_catalog):
    response = client.get(f"/trials/?status=COMPLETED&per_page={PER_PAGE}&page={NUMBERED_PAGES}")
    response = client.get(link(response, "next"))
    assert "after=" in response.context["share_url"]
    for page_link in response.context["pages"]["links"]:
        if page_link["number"] and not page_link["current"]:
            assert "after=" not in page_link["url"] and "before=" not in page_link["url"]
    for chip in response.context["chips"]:
        assert "after=" not in chip["remove_url"]
    assert "after=" not in response.context["search"].export_urls()["csv"]


@pytest.mark.parametrize(
    "continuation",
    [
        "after=not-a-token",
        "after=eyJzIjpbWyJuY3RfaWQiLGZhbHNlXV0sInYiOlsiTkNUMDAwMDAwMDEiXSwiaWQiOiJOQ1QwMDAwMDAwMSJ9",
        "before=%E2%9C%93",
    ],
    ids=["garbage", "another-sort", "not-ascii"],
)
def test_a_token_that_is_not_this_lists_is_said_and_the_page_counted_from_the_start(
    client, bundled_catalog, continuation
):
    number = NUMBERED_PAGES + 2
    response = client.get(f"/trials/?per_page={PER_PAGE}&page={number}&{continuation}")
    assert response.status_code == 200
    name = continuation.split("=")[0]
    notices = [str(n) for n in response.context["search"].notices]
    assert any(f"Ignored {name}=" in n and "not a page address" in n for n in notices)
    assert shown(response) == by_offset({}, number)
    assert name + "=" not in response.context["share_url"]


def test_a_token_without_a_page_number_is_said(client, bundled_catalog):
    response = client.get(f"/trials/?per_page={PER_PAGE}&page={NUMBERED_PAGES}")
    token = re.search(r"after=([^&]+)", link(response, "next")).group(1)
    response = client.get(f"/trials/?per_page={PER_PAGE}&after={token}")
    assert response.status_code == 200
    assert response.context["page"].number == 1
    notices = [str(n) for n in response.context["search"].notices]
    assert any("Ignored after=" in n and "number of a page" in n for n in notices)


def test_the_table_continues_past_the_numbered_pages_the_same_way(client, bundled_catalog):
    response = client.get(f"/trials/table/?per_page={PER_PAGE}&page={NUMBERED_PAGES}")
    address = link(response, "next")
    assert address.startswith("/trials/table/") and "after=" in address
    response = client.get(address)
    assert response.context["page"].number == NUMBERED_PAGES + 1
    assert shown(response) == by_offset({}, NUMBERED_PAGES + 1)


@pytest.mark.parametrize("sort", ["enrollment", "-start"])
def test_pages_that_run_from_values_into_the_trials_without_one_continue_both_ways(
    client, bundled_catalog, sort
):
    field = SORT_FIELDS[sort.removeprefix("-")]
    values = list(TrialSearch({"sort": sort}).ordered().values_list(field, flat=True))
    per_page = 25
    first_null = values.index(None)
    assert first_null % per_page, "the page of the first null starts with a value"
    number = first_null // per_page + 1  # holds values and nulls
    assert number - 1 > NUMBERED_PAGES
    response = client.get(f"/trials/?sort={sort}&page={number - 1}")
    for expected in (number, number + 1):
        response = client.get(link(response, "next"))
        assert shown(response) == by_offset({"sort": sort}, expected, per_page)
    for expected in (number, number - 1):
        response = client.get(link(response, "prev"))
        assert shown(response) == by_offset({"sort": sort}, expected, per_page)


def test_a_page_continued_from_past_the_last_row_is_empty_and_links_back_by_number(
    client, bundled_catalog
):
    last = TrialSearch({}).ordered().last()
    search = TrialSearch({})
    token = page_token(last, search.sort_keys)
    number = NUMBERED_PAGES + 5
    response = client.get(f"/trials/?per_page={PER_PAGE}&page={number}&after={token}")
    assert response.status_code == 200
    assert shown(response) == []
    assert link(response, "prev") == f"/trials/?per_page={PER_PAGE}&page={number - 1}"
