"""GET /api/v2/studies, /api/v2/version and /api/v2/openapi.json."""

import csv
import io
import re

import pytest
from django.db.models import F

from catalog.api import study_fields
from catalog.models import Trial
from catalog.search.listing import TrialSearch

pytestmark = pytest.mark.django_db

STUDIES = "/api/v2/studies"


def get(client, **params):
    response = client.get(STUDIES, params)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def ids(body):
    return [s["protocolSection"]["identificationModule"]["nctId"] for s in body["studies"]]


def bad(client, parameter, **params):
    response = client.get(STUDIES, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == 400 and error["parameter"] == parameter
    assert error["message"].startswith(f"{parameter}: ")
    return error["message"]


def walk(client, **params):
    """Every study of a search, page by page through nextPageToken."""
    seen, pages, token = [], 0, None
    while True:
        body = get(client, **params, **({"pageToken": token} if token else {}))
        seen += ids(body)
        pages += 1
        token = body.get("nextPageToken")
        if not token:
            return seen, pages


# The v2 shape and the defaults -------------------------------------------------------------------


def test_a_page_in_the_v2_shape(client, bundled_catalog):
    body = get(client)
    assert set(body) == {"studies", "nextPageToken"}
    assert len(body["studies"]) == 10
    # Every study as its record has it (a seed page gives no derived section).
    assert all(set(s) >= {"protocolSection", "hasResults"} for s in body["studies"])
    assert any("derivedSection" in s for s in body["studies"])
    newest = Trial.objects.order_by(F("last_update_posted").desc(nulls_last=True), "nct_id")[:10]
    assert ids(body) == [t.nct_id for t in newest]


def test_count_total(client, bundled_catalog):
    assert get(client, countTotal="true")["totalCount"] == 1538
    body = get(client, countTotal="true", **{"query.term": "knee"})
    assert body["totalCount"] == TrialSearch({"q": "knee"}).queryset().count()
    assert "totalCount" not in get(client, countTotal="false")


@pytest.mark.parametrize(
    "params",
    [
        {"pageSize": "1000", "sort": "StartDate:asc"},
        {"pageSize": "40", "query.term": "umbilical cord", "sort": "@relevance"},
        {
            "pageSize": "7",
            "filter.overallStatus": "WITHDRAWN,SUSPENDED",
            "sort": "EnrollmentCount:desc,NCTId:desc",
        },
    ],
)
def test_paging_through_all_results_gives_every_study_once(client, bundled_catalog, params):
    seen, pages = walk(client, **params)
    search = {}
    if "query.term" in params:
        search["q"] = params["query.term"]
    if "filter.overallStatus" in params:
        search["status"] = params["filter.overallStatus"].split(",")
    expected = set(TrialSearch(search).queryset().values_list("nct_id", flat=True))
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == expected
    assert pages == -(-len(expected) // int(params["pageSize"]))


def test_a_sort_orders_the_pages(client, bundled_catalog):
    seen, _ = walk(
        client, pageSize="100", sort="EnrollmentCount:desc", **{"filter.overallStatus": "COMPLETED"}
    )
    counts = dict(Trial.objects.values_list("nct_id", "enrollment_count"))
    values = [counts[i] for i in seen]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=True)
    assert values[len(present) :] == [None] * (len(values) - len(present))


def test_page_size_limits(client, bundled_catalog):
    assert len(get(client, pageSize="0")["studies"]) == 10
    assert len(get(client, pageSize="3")["studies"]) == 3
    completed = get(client, pageSize="1000", **{"filter.overallStatus": "COMPLETED"})
    assert len(completed["studies"]) == 470 and "nextPageToken" not in completed


# Queries and filters -----------------------------------------------------------------------------


def test_query_term_is_the_lists_search(client, bundled_catalog):
    body = get(client, pageSize="1000", **{"query.term": "umbilical cord knee"})
    listed = TrialSearch({"q": "umbilical cord knee"}).ordered().values_list("nct_id", flat=True)
    assert ids(body) == list(listed)


def test_query_cond_searches_conditions(client, bundled_catalog):
    found = set(ids(get(client, pageSize="1000", **{"query.cond": "osteoarthritis"})))
    named = set(
        Trial.objects.filter(
            trialcondition__condition__name__icontains="osteoarthritis"
        ).values_list("nct_id", flat=True)
    )
    assert named and named <= found
    by_mesh = set(
        Trial.objects.filter(trialmesh__mesh_term__term__icontains="osteoarthritis").values_list(
            "nct_id", flat=True
        )
    )
    # Keywords name conditions too, by any of the names of the search's vocabulary.
    other_names = r"osteoarthr|degenerative (arthritis|joint disease)"
    by_keyword = {
        t.nct_id
        for t in Trial.objects.exclude(keywords=[])
        if any(re.search(other_names, k, re.I) for k in t.keywords)
    }
    assert by_keyword
    assert found <= named | by_mesh | by_keyword


def test_query_intr_searches_interventions(client, bundled_catalog):
    found = set(ids(get(client, pageSize="1000", **{"query.intr": "placebo"})))
    named = set(
        Trial.objects.filter(interventions__name__iregex=r"(^|\s)placebo(\s|$)").values_list(
            "nct_id", flat=True
        )
    )
    assert named and named <= found


def test_query_locn_searches_locations(client, bundled_catalog):
    found = set(ids(get(client, pageSize="1000", **{"query.locn": "Nancy"})))
    assert "NCT02883803" in found
    assert found == set(
        Trial.objects.filter(sites__city__icontains="Nancy").values_list("nct_id", flat=True)
    ) | set(
        Trial.objects.filter(sites__facility__icontains="Nancy").values_list("nct_id", flat=True)
    )


def test_query_titles_searches_titles_only(client, bundled_catalog):
    found = set(ids(get(client, pageSize="1000", **{"query.titles": "sepsis"})))
    assert found == {"NCT05283317", "NCT02789995"}
    assert len(ids(get(client, pageSize="1000", **{"query.term": "sepsis"}))) > len(found)


def test_filter_overall_status_and_ids(client, bundled_catalog):
    body = get(client, pageSize="1000", **{"filter.overallStatus": "WITHDRAWN|SUSPENDED"})
    assert set(ids(body)) == set(
        Trial.objects.filter(overall_status__in=["WITHDRAWN", "SUSPENDED"]).values_list(
            "nct_id", flat=True
        )
    )
    body = get(client, **{"filter.ids": "NCT02883803,NCT05016804,NCT99999999"})
    assert sorted(ids(body)) == ["NCT02883803", "NCT05016804"]


# fields ------------------------------------------------------------------------------------------


def test_fields_by_piece_name(client, bundled_catalog):
    body = get(
        client,
        fields="NCTId,BriefTitle,OverallStatus,Phase,Condition,LeadSponsorName",
        **{"filter.ids": "NCT02883803"},
    )
    assert body["studies"] == [
        {
            "protocolSection": {
                "identificationModule": {
                    "nctId": "NCT02883803",
                    "briefTitle": "Treatment of Severe Infections With Mesenchymal Stem Cells",
                },
                "statusModule": {"overallStatus": "UNKNOWN"},
                "sponsorCollaboratorsModule": {
                    "leadSponsor": {"name": "Central Hospital, Nancy, France"}
                },
                "conditionsModule": {"conditions": ["Septic Shock"]},
                "designModule": {"phases": ["NA"]},
            }
        }
    ]


def test_fields_by_module_path_and_in_lists(client, bundled_catalog):
    body = get(
        client,
        fields="protocolSection.identificationModule|LocationCity|HasResults",
        **{"filter.ids": "NCT02883803"},
    )
    (study,) = body["studies"]
    assert set(study) == {"protocolSection", "hasResults"}
    assert study["protocolSection"]["identificationModule"]["acronym"] == "CHOCMSC"
    cities = [
        loc["city"] for loc in study["protocolSection"]["contactsLocationsModule"]["locations"]
    ]
    assert "Nancy" in cities
    assert all(
        set(loc) == {"city"}
        for loc in study["protocolSection"]["contactsLocationsModule"]["locations"]
    )


def test_every_piece_name_is_accepted(client, bundled_catalog):
    names = ",".join(study_fields.PIECES)
    assert get(client, fields=names, pageSize="2")["studies"]


# CSV ---------------------------------------------------------------------------------------------


def test_csv_format_with_paging_headers(client, bundled_catalog):
    response = client.get(
        STUDIES, {"format": "csv", "pageSize": "5", "countTotal": "true", "sort": "NCTId"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["x-total-count"] == "1538"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    first = list(Trial.objects.order_by("nct_id").values_list("nct_id", flat=True)[:5])
    assert [r["NCT Number"] for r in rows] == first
    following = client.get(
        STUDIES,
        {
            "format": "csv",
            "pageSize": "5",
            "sort": "NCTId",
            "pageToken": response["x-next-page-token"],
        },
    )
    rows = list(csv.DictReader(io.StringIO(following.content.decode())))
    assert rows[0]["NCT Number"] > first[-1]


def test_csv_fields_pick_columns(client, bundled_catalog):
    response = client.get(
        STUDIES,
        {"format": "csv", "fields": "NCT Number,Study Status,Phase", "filter.ids": "NCT02883803"},
    )
    assert response.content.decode().splitlines() == [
        "NCT Number,Study Status,Phases",
        "NCT02883803,UNKNOWN,NA",
    ]


# Bad parameters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parameter, value",
    [
        ("pageSize", "abc"),
        ("pageSize", "-1"),
        ("pageSize", "1001"),
        ("pageToken", "not-a-token"),
        ("countTotal", "yes"),
        ("format", "xml"),
        ("markupFormat", "html"),
        ("filter.overallStatus", "RECRUITING,FOO"),
        ("filter.ids", "NCT123"),
        ("sort", "Title:asc"),
        ("sort", "StartDate:up"),
        ("sort", "StartDate,NCTId,EnrollmentCount"),
        ("fields", "NCTId,NoSuchField"),
        ("query.term", "x" * 501),
    ],
)
def test_bad_parameters_get_a_400_naming_them(client, bundled_catalog, parameter, value):
    bad(client, parameter, **{parameter: value})


def test_a_token_of_another_sort_is_refused(client, bundled_catalog):
    token = get(client, sort="NCTId")["nextPageToken"]
    assert "another sort" in bad(client, "pageToken", pageToken=token, sort="StartDate")


def test_unknown_parameters_are_refused_by_name(client, bundled_catalog):
    assert "foo" in bad(client, "foo", foo="bar")
    assert "query.nothing" in bad(client, "query.nothing", **{"query.nothing": "x"})


def test_nul_characters_do_not_fail(client, bundled_catalog):
    assert client.get(STUDIES, {"query.term": "stem\x00cells"}).status_code == 200


# The detail, version and OpenAPI document --------------------------------------------------------


def test_any_path_below_studies_is_a_json_404(client, bundled_catalog):
    for path in ("/api/v2/studies/", "/api/v2/studies/a/b", "/api/v2/studies/NCT99999999"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["status"] == 404


def test_version_gives_the_data_timestamp(client, bundled_catalog):
    body = client.get("/api/v2/version").json()
    newest = Trial.objects.latest("updated_at").updated_at
    assert body == {"apiVersion": "2.0.3", "dataTimestamp": newest.strftime("%Y-%m-%dT%H:%M:%S")}


def test_other_methods_are_not_allowed(client, bundled_catalog):
    response = client.post(STUDIES)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_the_openapi_document_describes_the_api(client, bundled_catalog):
    response = client.get("/api/v2/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v2/studies",
        "/api/v2/studies/{nctId}",
        "/api/v2/version",
        "/api/msc",
        "/api/msc/{nctId}",
    }
    listing = document["paths"]["/api/v2/studies"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert names >= {
        "query.term",
        "query.cond",
        "query.intr",
        "query.locn",
        "query.titles",
        "filter.overallStatus",
        "filter.ids",
        "pageSize",
        "pageToken",
        "countTotal",
        "sort",
        "fields",
        "markupFormat",
        "format",
    }
    assert set(listing["responses"]) == {"200", "400"}
    assert set(document["paths"]["/api/v2/studies/{nctId}"]["get"]["responses"]) == {"200", "404"}
    # Every $ref resolves.
    schemas = document["components"]["schemas"]
    text = response.content.decode()
    for ref in set(__import__("re").findall(r'"#/components/schemas/(\w+)"', text)):
        assert ref in schemas
