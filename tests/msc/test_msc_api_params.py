"""The MSC filters on /api/v2/studies: the list page's parameters as extra parameters, documented
in the OpenAPI document, with a 400 naming the parameter for a bad value."""

import pytest
from django.http import QueryDict

from catalog.models import Trial
from catalog.search.params import PARAMS

pytestmark = pytest.mark.django_db

API = "/api/v2/studies"


def expected(query):
    trials = PARAMS.read(QueryDict(query)).apply(Trial.objects.public())
    return set(trials.values_list("nct_id", flat=True))


def nct_ids(client, query):
    response = client.get(f"{API}?{query}&pageSize=1000&fields=NCTId&countTotal=true")
    assert response.status_code == 200, response.content
    data = response.json()
    ids = {s["protocolSection"]["identificationModule"]["nctId"] for s in data["studies"]}
    assert data["totalCount"] == len(ids)
    return ids


@pytest.mark.parametrize(
    "api_query, list_query",
    [
        ("source=umbilical_cord,wharton_jelly", "source=umbilical_cord&source=wharton_jelly"),
        ("source=adipose&source=bone_marrow", "source=adipose&source=bone_marrow"),
        ("donor=autologous", "donor=autologous"),
        ("product=extracellular_vesicles", "product=extracellular_vesicles"),
        ("route=intrathecal|intra_arterial", "route=intrathecal&route=intra_arterial"),
        ("n_doses=2", "n_doses=2"),
        ("n_doses=1,5%2B", "n_doses=1&n_doses=5%2B"),
        ("n_doses=5+", "n_doses=5%2B"),  # a + typed into the address
        ("dose_min=1e8&dose_max=1.5e8", "dose_min=1e8&dose_max=1.5e8"),
        ("dose_min=1e6&dose_unit=per_kg", "dose_min=1e6&dose_unit=per_kg"),
        ("dose_max=1e%2B7", "dose_max=1e7"),
    ],
)
def test_msc_parameters_find_what_the_list_finds(client, bundled_catalog, api_query, list_query):
    ids = nct_ids(client, api_query)
    assert ids and ids == expected(list_query)


def test_msc_parameters_combine_with_the_v2_ones(client, bundled_catalog):
    ids = nct_ids(client, "source=umbilical_cord&filter.overallStatus=COMPLETED&query.cond=knee")
    plain = nct_ids(client, "filter.overallStatus=COMPLETED&query.cond=knee")
    assert ids and ids == plain & expected("source=umbilical_cord")


def test_a_dose_unit_alone_changes_nothing(client, bundled_catalog):
    assert nct_ids(client, "dose_unit=per_kg&filter.overallStatus=WITHDRAWN") == nct_ids(
        client, "filter.overallStatus=WITHDRAWN"
    )


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("source=moon", "source"),
        ("source=adipose,moon", "source"),
        ("donor=martian", "donor"),
        ("product=pills", "product"),
        ("route=ear", "route"),
        ("n_doses=0", "n_doses"),
        ("n_doses=1001", "n_doses"),
        ("n_doses=two", "n_doses"),
        ("n_doses=2-3", "n_doses"),
        ("dose_min=lots", "dose_min"),
        ("dose_max=-1", "dose_max"),
        ("dose_max=inf", "dose_max"),
        ("dose_min=1e6&dose_unit=kg", "dose_unit"),
    ],
)
def test_a_bad_msc_value_is_a_400_naming_the_parameter(client, bundled_catalog, query, parameter):
    response = client.get(f"{API}?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["parameter"] == parameter
    assert error["message"].startswith(f"{parameter}: ")


def test_the_openapi_document_describes_the_msc_parameters(client, bundled_catalog):
    document = client.get("/api/v2/openapi.json").json()
    parameters = {p["name"]: p for p in document["paths"][API]["get"]["parameters"]}
    assert "umbilical_cord" in parameters["source"]["schema"]["items"]["enum"]
    assert parameters["donor"]["schema"]["items"]["enum"] == [
        "autologous",
        "allogeneic",
        "both",
        "not_stated",
    ]
    assert "extracellular_vesicles" in parameters["product"]["schema"]["items"]["enum"]
    assert "intravenous" in parameters["route"]["schema"]["items"]["enum"]
    assert parameters["dose_unit"]["schema"]["enum"] == ["per_kg", "total"]
    assert parameters["dose_min"]["schema"] == {"type": "number", "minimum": 0}
    assert parameters["n_doses"]["schema"]["items"]["pattern"]
    for name in ("source", "donor", "product", "route", "n_doses"):
        assert parameters[name]["style"] == "form" and parameters[name]["explode"] is False
