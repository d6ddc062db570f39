"""ClinicalTrials.gov's query areas, filter.advanced and aggFilters, each checked against a
count computed here in plain Python over the bundled records; what the API does not support
is a 400 that names it."""

import re

import pytest

from catalog.search.relevance import bundled_studies, condition_texts
from tests.statuses import STATUSES_JUDGED_ON, judged_status

pytestmark = pytest.mark.django_db

STUDIES = "/api/v2/studies"


@pytest.fixture(scope="module")
def records():
    return list(bundled_studies().values())


def total(client, **params):
    response = client.get(STUDIES, {**params, "countTotal": "true", "pageSize": "1"})
    assert response.status_code == 200, response.content[:300]
    return response.json()["totalCount"]


def refused(client, parameter, **params):
    response = client.get(STUDIES, params)
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["parameter"] == parameter
    return error["message"]


def protocol(study, module):
    return study["protocolSection"].get(module) or {}


def count(records, predicate):
    return sum(1 for study in records if predicate(study))


def sites(study):
    return protocol(study, "contactsLocationsModule").get("locations") or []


def date(study, name):
    return (protocol(study, "statusModule").get(name) or {}).get("date")


def at_most(value, bound):
    return value is not None and value <= bound


def years(age):
    match = re.match(r"(\d+)\s*(year|month|week|day|hour|minute)", age or "", re.I)
    if not match:
        return None
    day = 1 / 365.25
    per = {"year": 1, "month": 1 / 12, "week": 7 * day, "day": day, "hour": day / 24}
    per["minute"] = per["hour"] / 60
    return int(match[1]) * per[match[2].lower()]


COVID = re.compile(r"covid|sars[- ]?cov[- ]?2|2019[- ]ncov|corona ?virus", re.I)


def test_query_cond_finds_every_spelling_of_covid_in_conditions(bundled_catalog, client, records):
    expected = count(records, lambda s: any(COVID.search(t) for t in condition_texts(s)))
    assert expected > 100
    for typed in ("COVID-19", "covid", "Covid19", "SARS-CoV-2"):
        assert total(client, **{"query.cond": typed}) == expected, typed
    assert total(client, **{"filter.advanced": "AREA[Condition]COVID-19"}) == expected


def test_query_spons_and_query_lead(bundled_catalog, client, records):
    def lead(s):
        return protocol(s, "sponsorCollaboratorsModule").get("leadSponsor", {}).get("name", "")

    def collaborators(s):
        return [
            c["name"] for c in protocol(s, "sponsorCollaboratorsModule").get("collaborators") or []
        ]

    mesoblast = re.compile(r"\bmesoblast\b", re.I)
    leads = count(records, lambda s: bool(mesoblast.search(lead(s))))
    either = count(
        records, lambda s: any(mesoblast.search(n) for n in [lead(s), *collaborators(s)])
    )
    assert 0 < leads < either
    assert total(client, **{"query.lead": "Mesoblast"}) == leads
    assert total(client, **{"query.spons": "Mesoblast"}) == either
    assert total(client, **{"filter.advanced": "AREA[LeadSponsorName]Mesoblast"}) == leads


def test_query_outc(bundled_catalog, client, records):
    def outcome_texts(s):
        module = protocol(s, "outcomesModule")
        for kind in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes"):
            for o in module.get(kind) or []:
                yield " ".join(o.get(k) or "" for k in ("measure", "description", "timeFrame"))

    pattern = re.compile(r"\bsurviv(al|als|e|ed|es|ing)?\b", re.I)
    expected = count(records, lambda s: any(pattern.search(t) for t in outcome_texts(s)))
    assert total(client, **{"query.outc": "survival"}) == expected


def test_query_titles_and_query_locn(bundled_catalog, client, records):
    def titles(s):
        ident = protocol(s, "identificationModule")
        return " ".join(ident.get(k) or "" for k in ("briefTitle", "officialTitle", "acronym"))

    knee = re.compile(r"\bknees?\b", re.I)
    assert total(client, **{"query.titles": "knee"}) == count(
        records, lambda s: bool(knee.search(titles(s)))
    )
    place = re.compile(r"\bseoul\b", re.I)
    seoul = count(
        records,
        lambda s: any(
            place.search(
                " ".join(site.get(k) or "" for k in ("facility", "city", "state", "country"))
            )
            for site in sites(s)
        ),
    )
    assert total(client, **{"query.locn": "Seoul"}) == seoul


def test_query_id_in_the_forms_people_type(bundled_catalog, client):
    for typed in ("NCT02883803", "nct02883803", "NCT 02883803", "2883803"):
        assert total(client, **{"query.id": typed}) == 1, typed
    assert total(client, **{"query.id": "NCT02883803, NCT05016804"}) == 2


def test_query_patient_reads_what_a_patient_reads(bundled_catalog, client, records):
    def patient_text(s):
        ident = protocol(s, "identificationModule")
        cond = protocol(s, "conditionsModule")
        arms = protocol(s, "armsInterventionsModule")
        parts = [ident.get("briefTitle"), ident.get("officialTitle"), ident.get("acronym")]
        parts += cond.get("conditions") or []
        parts += cond.get("keywords") or []
        parts.append(protocol(s, "descriptionModule").get("briefSummary"))
        for module in ("conditionBrowseModule", "interventionBrowseModule"):
            meshes = (s.get("derivedSection") or {}).get(module, {}).get("meshes") or []
            parts += [m.get("term") for m in meshes]
        outcomes = protocol(s, "outcomesModule")
        for kind in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes"):
            parts += [o.get("measure") for o in outcomes.get(kind) or []]
        sponsors = protocol(s, "sponsorCollaboratorsModule")
        parts.append((sponsors.get("leadSponsor") or {}).get("name"))
        parts += [c.get("name") for c in sponsors.get("collaborators") or []]
        for item in arms.get("interventions") or []:
            parts += [item.get("name"), *(item.get("otherNames") or [])]
        parts += [a.get("label") for a in arms.get("armGroups") or []]
        return " ".join(p for p in parts if p)

    pattern = re.compile(r"\bsecretomes?\b", re.I)
    expected = count(records, lambda s: bool(pattern.search(patient_text(s))))
    assert expected > 0
    assert total(client, **{"query.patient": "secretome"}) == expected


def test_filter_advanced_fields_and_operators(bundled_catalog, client, records):
    def status(s):
        return judged_status(protocol(s, "statusModule"), STATUSES_JUDGED_ON)

    def phases(s):
        return protocol(s, "designModule").get("phases") or []

    def enrollment(s):
        return (protocol(s, "designModule").get("enrollmentInfo") or {}).get("count")

    def countries(s):
        return {site.get("country") for site in sites(s)}

    def cities(s):
        return {site.get("city") for site in sites(s)}

    eligibility = lambda s: protocol(s, "eligibilityModule")  # noqa: E731
    cases = {
        "AREA[OverallStatus]RECRUITING": lambda s: status(s) == "RECRUITING",
        "AREA[Phase](PHASE2 OR PHASE3) AND AREA[StudyType]INTERVENTIONAL": lambda s: (
            bool({"PHASE2", "PHASE3"} & set(phases(s)))
            and protocol(s, "designModule").get("studyType") == "INTERVENTIONAL"
        ),
        "AREA[StartDate]RANGE[2020-01-01, MAX]": lambda s: (
            (date(s, "startDateStruct") or "") >= "2020-01"
        ),
        "AREA[PrimaryCompletionDate]RANGE[MIN, 2015-12-31]": lambda s: (
            "0" < (date(s, "primaryCompletionDateStruct") or "") <= "2015-12-31"
        ),
        "AREA[LastUpdatePostDate]RANGE[2022-01-01, 2022-06-30]": lambda s: (
            "2022-01-01" <= (date(s, "lastUpdatePostDateStruct") or "") <= "2022-06-30"
        ),
        "AREA[ResultsFirstPostDate]RANGE[2015, MAX]": lambda s: (
            (date(s, "resultsFirstPostDateStruct") or "") >= "2015"
        ),
        "AREA[EnrollmentCount]RANGE[100, 200]": lambda s: (
            enrollment(s) is not None and 100 <= enrollment(s) <= 200
        ),
        "AREA[LocationCountry]China AND NOT AREA[LocationCity]Beijing": lambda s: (
            "China" in countries(s) and "Beijing" not in cities(s)
        ),
        "(AREA[LocationCity]Madrid OR AREA[LocationCity]Barcelona) AND AREA[Sex]ALL": lambda s: (
            bool({"Madrid", "Barcelona"} & cities(s)) and eligibility(s).get("sex") == "ALL"
        ),
        "AREA[MinimumAge]RANGE[MIN, 17 years]": lambda s: at_most(
            years(eligibility(s).get("minimumAge")), 17
        ),
        "AREA[MaximumAge]RANGE[80 years, MAX]": lambda s: (
            (years(eligibility(s).get("maximumAge")) or 0) >= 80
        ),
        "AREA[Sex]FEMALE": lambda s: eligibility(s).get("sex") == "FEMALE",
    }
    for expression, predicate in cases.items():
        expected = count(records, predicate)
        assert expected > 0, expression
        assert total(client, **{"filter.advanced": expression}) == expected, expression


def test_agg_filters(bundled_catalog, client, records):
    def matches(s):
        phases = set(protocol(s, "designModule").get("phases") or [])
        status = judged_status(protocol(s, "statusModule"), STATUSES_JUDGED_ON)
        return bool({"PHASE2", "PHASE3"} & phases) and status == "RECRUITING"

    assert total(client, aggFilters="phase:2 3,status:rec") == count(records, matches)
    assert total(client, aggFilters="results:with") == count(records, lambda s: s.get("hasResults"))


def test_what_the_api_does_not_support_is_refused_by_name(client, db):
    assert "postFilter.overallStatus" in refused(
        client, "postFilter.overallStatus", **{"postFilter.overallStatus": "RECRUITING"}
    )
    message = refused(client, "filter.advanced", **{"filter.advanced": "AREA[Foo]bar"})
    assert "AREA[Foo]" in message
    message = refused(
        client, "filter.advanced", **{"filter.advanced": "SEARCH[Location](AREA[LocationCity]X)"}
    )
    assert "SEARCH" in message
    message = refused(client, "filter.advanced", **{"filter.advanced": "AREA[Phase]PHASE9"})
    assert "PHASE9" in message
    message = refused(
        client, "filter.advanced", **{"filter.advanced": "AREA[StartDate]RANGE[2020-13, MAX]"}
    )
    assert "2020-13" in message
    for broken in ("(AREA[Phase]PHASE2", "AREA[Phase]", "OR", "AREA[Phase]RANGE[1, 2]"):
        refused(client, "filter.advanced", **{"filter.advanced": broken})
    assert "bogus" in refused(client, "aggFilters", aggFilters="bogus:1")
    assert "'9'" in refused(client, "aggFilters", aggFilters="phase:9")


def test_every_parameter_the_api_reads_is_in_the_openapi_document(client, db):
    from catalog.api.views import known_parameters

    document = client.get("/api/v2/openapi.json").json()
    listed = {p["name"] for p in document["paths"]["/api/v2/studies"]["get"]["parameters"]}
    assert listed == known_parameters()
    advanced = next(
        p
        for p in document["paths"]["/api/v2/studies"]["get"]["parameters"]
        if p["name"] == "filter.advanced"
    )
    for example in advanced["examples"].values():
        response = client.get(STUDIES, {"filter.advanced": example["value"]})
        assert response.status_code == 200, example


def test_deeply_nested_or_negated_expressions_are_refused_not_crashed(client, db):
    for expression in ("NOT " * 120 + "x", "(" * 240 + "x" + ")" * 240):
        refused(client, "filter.advanced", **{"filter.advanced": expression})
