"""Public addresses, API answers and admin lists answer as recorded.

Each address below is requested from the bundled catalog and reduced to a fingerprint
(``tests/recorded.py``: status, content type, counts, ordered NCT IDs, facet counts, chips, the
search in words, form controls, link addresses, API JSON); the fingerprints must equal those in
``recorded_responses.json``. A refactoring that changes none of them changes nothing a visitor,
a client or an editor sees.

When behaviour changes on purpose, record the file again and review its diff::

    make record-responses
    # or: RECORD_RESPONSES=1 .venv/bin/python -m pytest tests/search/test_recorded_responses.py
"""

import difflib
import json
import os
from pathlib import Path

import pytest

from tests.recorded import fingerprint

RECORDING = Path(__file__).with_name("recorded_responses.json")

# The list page: each parameter alone, bad values of each, and combinations.
LIST_QUERIES = [
    "",
    "q=umbilical+cord",
    "q=knee+osteoarthritis&sort=-start",
    "q=stem+cells+AND+NOT+covid",
    "q=" + "mesenchymal+" * 80,
    "status=RECRUITING&status=NOT_YET_RECRUITING",
    "status=BOGUS&status=COMPLETED",
    "phase=PHASE2&type=INTERVENTIONAL",
    "phase=PHASE1&phase=PHASE2",
    "condition=Knee+Osteoarthritis",
    "condition=osteoarthritis%2C+knee&condition=COVID-19",
    "country=China&country=spain",
    "city=Seoul",
    "sponsor=Mayo+Clinic",
    "sponsor_class=INDUSTRY&sponsor_class=NIH",
    "sponsor_class=nope",
    "sex=FEMALE",
    "sex=ALL",
    "sex=X",
    "age_group=CHILD",
    "healthy=true",
    "healthy=maybe",
    "has_results=true",
    "has_results=false&status=COMPLETED",
    "intervention_type=BIOLOGICAL&intervention_type=DRUG",
    "source=umbilical_cord&source=wharton_jelly",
    "source=bogus",
    "donor=allogeneic",
    "donor=autologous&route=intravenous",
    "product=extracellular_vesicles",
    "route=intra_articular",
    "n_doses=2",
    "n_doses=4%2B",
    "n_doses=3+",
    "n_doses=0&n_doses=abc",
    "dose_min=1e6&dose_max=1e8",
    "dose_min=1e6&dose_unit=per_kg",
    "dose_max=2%2C000%2C000",
    "dose_unit=per_kg",
    "dose_min=lots&dose_unit=furlongs",
    "start_from=2015&start_to=2018-06",
    "start_from=2019-13",
    "updated_from=2021-01-01&updated_to=2021",
    "enrollment_min=10&enrollment_max=100",
    "enrollment_min=-1&enrollment_max=abc",
    "cond_q=arthritis",
    "intr_q=exosome",
    "locn_q=Madrid",
    "title_q=safety+efficacy",
    "ids=NCT00081055&ids=nct00114452&ids=NCT1",
    "sort=bogus",
    "sort=relevance",
    "sort=enrollment&per_page=10&page=2",
    "sort=-nct_id&per_page=7",
    "page=999",
    "page=abc",
    "foo=bar&status=RECRUITING",
    "status=&q=",
    "q=cord+blood&status=RECRUITING&source=cord_blood&dose_min=1e6&page=1&per_page=50",
    "q=covid&country=China&phase=PHASE2&route=intravenous&n_doses=1&start_from=2020",
    "phase=PHASE3&status=COMPLETED&sponsor_class=INDUSTRY&age_group=ADULT&has_results=true",
    "near=Madrid",
    "near=Boston%2C+MA&radius=300&sort=distance",
    "near=Texas&q=knee",
    "near=Xyzzyville",
    "near=distance(39.0035707%2C-77.1013313%2C50mi)&radius=5",
    "sort=distance",
]

# Downloads and the feed of a few of those searches.
DOWNLOAD_QUERIES = [
    "",
    "q=umbilical+cord",
    "status=RECRUITING&source=umbilical_cord&dose_min=1e6",
    "country=China&phase=PHASE2&enrollment_max=50",
    "status=BOGUS&foo=1",
]

INSIGHTS_QUERIES = [
    "",
    "source=bone_marrow",
    "q=knee&phase=PHASE2&dose_min=1e6&dose_max=1e8",
    "route=intravenous&country=China&start_from=2015&start_to=2020",
    "status=BOGUS&n_doses=2",
]

TRIALS = ["NCT02883803", "NCT00081055", "NCT03818737", "NCT04313322"]

API_QUERIES = [
    "",
    "pageSize=5&countTotal=true",
    "query.term=umbilical+cord&pageSize=20",
    "query.cond=arthritis&query.intr=exosome",
    "query.locn=Madrid&query.titles=safety",
    "filter.overallStatus=RECRUITING,NOT_YET_RECRUITING&countTotal=true",
    "filter.overallStatus=BOGUS",
    "filter.ids=NCT00081055,NCT00114452|NCT00136903",
    "filter.ids=NCT1",
    "sort=StartDate:desc&pageSize=3",
    "sort=EnrollmentCount,NCTId:desc&pageSize=3",
    "sort=Nope",
    "source=umbilical_cord&route=intravenous&countTotal=true",
    "source=umbilical_cord,bone_marrow&donor=allogeneic&pageSize=50",
    "source=nope",
    "n_doses=2,3%2B&countTotal=true",
    "n_doses=0",
    "dose_min=1e6&dose_max=1e8&dose_unit=per_kg&countTotal=true",
    "dose_min=lots",
    "dose_unit=furlongs",
    "format=csv&pageSize=5&fields=NCTId,BriefTitle,OverallStatus",
    "fields=NCTId,Phase&pageSize=4",
    "pageSize=abc",
    "pageToken=garbage",
    "query.term=covid&sort=@relevance&pageSize=5",
    "filter.geo=distance(39.0035707,-77.1013313,50mi)&countTotal=true&fields=NCTId",
    "filter.geo=distance(40.4168,-3.7038,100km)&query.term=knee&countTotal=true&fields=NCTId",
    "filter.geo=Madrid",
]

ADMIN_QUERIES = [
    "/admin/catalog/trial/",
    "/admin/catalog/trial/?overall_status__exact=RECRUITING",
    "/admin/catalog/trial/?phase=PHASE2",
    "/admin/catalog/trial/?country=China",
    "/admin/catalog/trial/?q=umbilical",
    "/admin/catalog/trial/?o=-1",
    "/admin/catalog/site/?country=Spain",
    "/admin/catalog/organization/?agency_class__exact=INDUSTRY",
    "/admin/catalog/intervention/?type__exact=BIOLOGICAL",
]


def _with(path, query):
    return f"{path}?{query}" if query else path


PUBLIC = (
    [_with("/trials/", q) for q in LIST_QUERIES]
    + [_with(p, q) for q in DOWNLOAD_QUERIES for p in ("/trials/export.csv", "/trials/export.json")]
    + [_with("/trials/feed/", q) for q in DOWNLOAD_QUERIES]
    + [_with("/insights/", q) for q in INSIGHTS_QUERIES]
    + ["/"]
    + [f"/trials/{nct_id}/" for nct_id in TRIALS]
    + [_with("/api/v2/studies", q) for q in API_QUERIES]
    + [f"/api/v2/studies/{nct_id}" for nct_id in TRIALS[:2]]
    + ["/api/v2/studies/NCT99999999"]
    + [f"/api/msc/{nct_id}" for nct_id in TRIALS]
)


def record(client, editor_client):
    found = {}
    for path in PUBLIC:
        found[path] = fingerprint(client.get(path), path)
    for path in ADMIN_QUERIES:
        found["editor " + path] = fingerprint(editor_client.get(path), path)
    # A page token from the API leads to the next page.
    first = client.get("/api/v2/studies?pageSize=3&sort=StartDate").json()
    path = f"/api/v2/studies?pageSize=3&sort=StartDate&pageToken={first['nextPageToken']}"
    found["next page of /api/v2/studies?pageSize=3&sort=StartDate"] = fingerprint(
        client.get(path), path
    )
    return found


def _dumped(data):
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


@pytest.mark.django_db
@pytest.mark.slow
def test_public_editor_and_api_responses_match_the_recording(bundled_catalog, client):
    from django.contrib.auth.models import Group, User
    from django.test import Client

    editor = User.objects.create_user("recorded-editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    editor_client = Client()
    editor_client.force_login(editor)

    found = record(client, editor_client)
    if os.environ.get("RECORD_RESPONSES"):
        RECORDING.write_text(_dumped(found))
        pytest.skip(f"recorded {len(found)} responses in {RECORDING}")
    expected = json.loads(RECORDING.read_text())
    assert sorted(found) == sorted(expected), "the set of addresses changed: record again"
    differing = [key for key in expected if _dumped(found[key]) != _dumped(expected[key])]
    report = []
    for key in differing[:5]:
        diff = difflib.unified_diff(
            _dumped(expected[key]).splitlines(), _dumped(found[key]).splitlines(), lineterm="", n=2
        )
        report.append(key + "\n" + "\n".join(list(diff)[2:60]))
    assert not differing, f"{len(differing)} responses differ:\n\n" + "\n\n".join(report)
