"""``GET /api/msc``: the MSC profiles of exactly the list page's trials, a page at a time."""

import csv
import io
import re
import statistics
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import MscProfile, Trial
from catalog.search.listing import TrialSearch
from catalog.search.params import PARAMS
from catalog.search.places import PlaceKind
from catalog.search.query import PAGE_PARAMS, Choice, FormFieldKind, Search, Texts
from catalog.site import exports

pytestmark = pytest.mark.django_db


def list_ids(client, params):
    """The list page's trials for ``params``, as its CSV download gives them."""
    query = urlencode([*params, ("fields", "NCT Number")])
    response = client.get(f"/trials/export.csv?{query}")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return [row["NCT Number"] for row in csv.DictReader(io.StringIO(text))]


def api_pages(client, params, page_size, fmt="json"):
    """Every page of ``/api/msc`` for ``params``: [(response, ids)]."""
    pages, token = [], None
    while True:
        extra = [("pageSize", page_size), ("format", fmt)]
        if token:
            extra.append(("pageToken", token))
        response = client.get("/api/msc?" + urlencode([*params, *extra]))
        assert response.status_code == 200, response.content
        if fmt == "json":
            body = response.json()
            ids = [p["nct_id"] for p in body["profiles"]]
            token = body.get("nextPageToken")
        else:
            rows = csv.DictReader(io.StringIO(response.content.decode()))
            ids = [row["NCT Number"] for row in rows]
            token = response.get("x-next-page-token")
        pages.append((response, ids))
        if not token:
            return pages
        assert len(pages) < 200


def api_ids(client, params, page_size=1000, fmt="json"):
    return [i for _, ids in api_pages(client, params, page_size, fmt) for i in ids]


def _real_values(param, counts):
    """Up to two values of ``param`` that the bundled trials really have."""
    if param.facet is not None:
        return [v.value for v in sorted(counts[param.name].values, key=lambda v: -v.count)][:2]
    if param.name == "age":
        return ["40", "8"]
    if param.name == "ids":
        return list(Trial.objects.public().order_by("nct_id").values_list("nct_id", flat=True))[
            100:103
        ]
    if isinstance(param.kind, Search):
        condition = counts["condition"].values[0].value
        by_name = {
            "locn_q": counts["country"].values[0].value,
            "intr_q": "mesenchymal",
            "title_q": "stem cells",
        }
        return [by_name.get(param.name, condition)]
    if param.name.startswith("dose_"):
        profile = MscProfile.objects.filter(dose_unit="per_kg").exclude(dose_max=None).first()
        values = {"dose_min": profile.dose_min, "dose_max": profile.dose_max}
        return [f"{values.get(param.name, 0):g}" if param.name in values else "per_kg"]
    if param.name.startswith(("start_", "updated_")):
        field = "start_date" if param.name.startswith("start_") else "last_update_posted"
        dates = sorted(d for d in Trial.objects.values_list(field, flat=True) if d)
        return [str(dates[len(dates) // 2].year)]
    if param.name.startswith("enrollment_"):
        counts_ = [n for n in Trial.objects.values_list("enrollment_count", flat=True) if n]
        return [str(int(statistics.median(counts_)))]
    if param.name in ("near", "radius"):
        return {"near": ["Madrid"], "radius": ["300"]}[param.name]
    raise AssertionError(f"no real value known for {param.name}: add one")


def combinations():
    """Parameter combinations made from the declarations and the bundled data: each parameter
    alone (with two values where it takes several), pairs of an MSC parameter with the others,
    and the list's sorts."""
    counts = TrialSearch({}).facet_counts()
    values = {param.name: _real_values(param, counts) for param in PARAMS}
    found = []
    for param in PARAMS:
        vals = values[param.name]
        if param.qualifies:
            continue  # a unit means nothing alone; it comes with the dose range below
        found.append([(param.name, vals[0])])
        if param.multiple and len(vals) > 1:
            found.append([(param.name, v) for v in vals])
    dose = [(n, values[n][0]) for n in ("dose_min", "dose_max", "dose_unit")]
    found.append(dose)
    msc = [p.name for p in PARAMS if p.within is not None and p.facet is not None]
    others = [p for p in PARAMS if p.within is None and isinstance(p.kind, (Choice, Texts))]
    for index, param in enumerate(others):
        found.append(
            [
                (msc[index % len(msc)], values[msc[index % len(msc)]][0]),
                (param.name, values[param.name][0]),
            ]
        )
    for sort in ("-start", "enrollment", "nct_id", "-nct_id", "updated"):
        found.append([("source", values["source"][0]), ("sort", sort)])
    found.append([("q", values["q"][0]), ("sort", "relevance"), *dose])
    found.append([("near", "Boston"), ("radius", "500"), ("sort", "distance")])
    assert all(
        isinstance(PARAMS[n].kind, (Choice, Texts, Search, FormFieldKind, PlaceKind))
        for c in found
        for n, _ in c
        if n != "sort"
    )
    return found


def test_paging_walks_every_trial_once(client, bundled_catalog):
    params = [("source", "bone_marrow"), ("sort", "-start")]
    pages = api_pages(client, params, page_size=25)
    assert len(pages) > 3
    assert [i for _, ids in pages for i in ids] == list_ids(client, params)
    # A search's relevance order pages too.
    params = [("q", "knee osteoarthritis")]
    assert api_ids(client, params, page_size=7) == list_ids(client, params)


def test_a_page_costs_the_same_queries_whatever_its_size(client, bundled_catalog):
    def queries(size):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/msc?route=intravenous&pageSize={size}&countTotal=true")
        assert len(response.json()["profiles"]) == size
        return len(captured)

    assert queries(5) == queries(100) <= 3


def test_a_trial_without_a_stored_profile_gets_the_rules_answer(client, bundled_catalog):
    nct_ids = ["NCT02923375", "NCT06518902"]
    stored = [client.get(f"/api/msc/{n}").json() for n in nct_ids]
    MscProfile.objects.filter(trial__nct_id__in=nct_ids, curated={}).delete()
    try:
        body = client.get("/api/msc?ids=NCT02923375&ids=NCT06518902&sort=nct_id").json()
        for found, before in zip(body["profiles"], stored, strict=True):
            assert {**found, "computed_at": None} == {**before, "computed_at": None}
    finally:
        from catalog.msc.annotate import annotate

        annotate(Trial.objects.filter(nct_id__in=nct_ids))


def test_each_profile_is_the_one_of_its_trial(client, bundled_catalog):
    body = client.get("/api/msc?condition=COVID-19&pageSize=20&countTotal=true").json()
    assert body["totalCount"] == len(list_ids(client, [("condition", "COVID-19")])) > 20
    for profile in body["profiles"][:5]:
        single = client.get(f"/api/msc/{profile['nct_id']}").json()
        assert profile == single


def test_the_csv_columns_match_each_profile(client, bundled_catalog):
    response = client.get("/api/msc?format=csv&source=umbilical_cord&pageSize=30&countTotal=true")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert int(response["x-total-count"]) > 30 and response["x-next-page-token"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == ["NCT Number", "Study Title"] + [c.name for c in exports.MSC_COLUMNS]
    for row in rows:
        profile = client.get(f"/api/msc/{row['NCT Number']}").json()
        assert row["MSC Source"].split("|") == profile["source"]
        assert row["MSC Donor"] == profile["donor"]
        assert row["MSC Route"] == "|".join(profile["route"])
        assert row["MSC Number of Doses"] == str(profile["dose"]["n_doses"] or "")


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("page=2", "page"),
        ("filter.overallStatus=RECRUITING", "filter.overallStatus"),
        ("colour=red&status=RECRUITING", "colour"),
        ("status=FOO", "status"),
        ("start_from=2020-13-45", "start_from"),
        ("pageSize=lots", "pageSize"),
        ("pageToken=nonsense", "pageToken"),
        ("format=xml", "format"),
        ("sort=colour", "sort"),
        ("has_results=", "has_results"),
        ("status=RECRUITING&q=+", "q"),
    ],
)
def test_unknown_parameters_and_bad_values_are_a_400_naming_them(
    client, bundled_catalog, query, parameter
):
    response = client.get(f"/api/msc?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == parameter
    assert parameter in response.json()["error"]["message"]


def test_the_openapi_document_describes_both_msc_operations(client, bundled_catalog):
    document = client.get("/api/v2/openapi.json").json()
    listing = document["paths"]["/api/msc"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert set(PARAMS.names()) - set(PAGE_PARAMS) <= names
    assert {"pageSize", "pageToken", "countTotal", "format"} <= names
    content = listing["responses"]["200"]["content"]
    assert content["application/json"]["example"]["profiles"]
    assert content["text/csv"]["example"].startswith("NCT Number,Study Title,MSC")
    single = document["paths"]["/api/msc/{nctId}"]["get"]
    assert single["responses"]["200"]["content"]["application/json"]["example"]["nct_id"]
    assert "MscProfile" in document["components"]["schemas"]


def list_page_ids(client, params):
    """The trials the list page itself shows for ``params`` on its first page of 100, and the
    total it announces."""
    response = client.get(f"/trials/?{urlencode([*params, ('per_page', 100)])}")
    assert response.status_code == 200, (params, response.status_code)
    html = response.content.decode()
    total = int(re.search(r'<h2 id="results-h" class="count"[^>]*>(\d+) trial', html).group(1))
    return re.findall(r'<span class="nct">(NCT\d{8})</span>', html), total


@pytest.mark.slow
def test_json_and_csv_give_exactly_the_list_pages_trials_in_its_order_for_30_combinations(
    client, bundled_catalog
):
    # Against the list page's own HTML (the total it announces, and its first page of 100 in
    # its order; its paging is tested with the list) and against its download (the whole
    # list), in JSON and in CSV, over every combination.
    tried = combinations()
    assert len(tried) >= 30
    nonempty = 0
    for params in tried:
        shown, total = list_page_ids(client, params)
        assert len(shown) == min(total, 100), params
        downloaded = list_ids(client, params)
        assert len(downloaded) == total, params
        for fmt in ("json", "csv"):
            found = api_ids(client, params, fmt=fmt)
            assert found == downloaded, (params, fmt)
            assert found[: len(shown)] == shown, (params, fmt)
        nonempty += bool(total)
    # Most combinations find trials: the comparison is not of empty lists.
    assert nonempty >= len(tried) * 0.8
