"""The filters (the declared parameters, read into a Query) and their facet counts, checked
against plain ORM counts."""

import datetime

import pytest
from django.db.models import Q
from django.http import QueryDict

from catalog.models import Trial
from catalog.search import facets
from catalog.search.params import PARAMS

pytestmark = pytest.mark.django_db


def filtered(query):
    return PARAMS.read(QueryDict(query))


def ids(query):
    return set(filtered(query).apply(Trial.objects.public()).values_list("nct_id", flat=True))


def counts_of(query):
    return facets.count(query, Trial.objects.public())


def orm(*conditions, **lookups):
    return set(
        Trial.objects.public()
        .filter(*conditions, **lookups)
        .distinct()
        .values_list("nct_id", flat=True)
    )


# Each filter -------------------------------------------------------------------------------------


def test_status_several_values_mean_any(bundled_catalog):
    got = ids("status=RECRUITING&status=NOT_YET_RECRUITING")
    assert got == orm(current_status__in=["RECRUITING", "NOT_YET_RECRUITING"])
    assert got


def test_phase_matches_any_of_a_trials_phases(bundled_catalog):
    got = ids("phase=PHASE2")
    assert got == orm(phases__contains=["PHASE2"])
    assert orm(phases=["PHASE1", "PHASE2"]) <= got


def test_type_country_city_and_sponsor(bundled_catalog):
    assert ids("type=OBSERVATIONAL") == orm(study_type="OBSERVATIONAL")
    assert ids("country=China&country=Spain") == orm(sites__country__in=["China", "Spain"])
    assert ids("country=china") == orm(sites__country="China")
    assert ids("city=Seoul") == orm(sites__city__iexact="Seoul")
    assert ids("sponsor=mayo+clinic") == orm(lead_sponsor__name__iexact="Mayo Clinic")
    assert ids("sponsor_class=INDUSTRY") == orm(lead_sponsor__agency_class="INDUSTRY")


def test_condition_matches_a_name_or_a_mesh_term_in_any_case(bundled_catalog):
    by_name = ids("condition=knee+osteoarthritis")
    assert by_name == orm(trialcondition__condition__name__iexact="Knee Osteoarthritis") | orm(
        trialmesh__kind="condition", trialmesh__mesh_term__term__iexact="Knee Osteoarthritis"
    )
    by_term = ids("condition=Osteoarthritis,+Knee")
    assert by_term == orm(
        Q(trialmesh__kind="condition", trialmesh__mesh_term__term="Osteoarthritis, Knee")
        | Q(trialcondition__condition__name__iexact="Osteoarthritis, Knee")
    )
    assert len(by_term) > len(by_name) > 0


def test_sex_means_who_may_take_part(bundled_catalog):
    assert ids("sex=FEMALE") == orm(sex__in=["FEMALE", "ALL"])
    assert ids("sex=MALE") == orm(sex__in=["MALE", "ALL"])
    assert ids("sex=ALL") == orm(sex="ALL")


def test_age_group_healthy_results_intervention_type(bundled_catalog):
    assert ids("age_group=CHILD") == orm(std_ages__contains=["CHILD"])
    assert ids("healthy=true") == orm(healthy_volunteers=True)
    assert ids("healthy=false") == orm(healthy_volunteers=False)
    assert ids("has_results=true") == orm(has_results=True)
    assert ids("intervention_type=DEVICE") == orm(interventions__type="DEVICE")


def test_date_and_enrollment_ranges(bundled_catalog):
    assert ids("start_from=2020-01-01&start_to=2020-12-31") == orm(
        start_date__range=(datetime.date(2020, 1, 1), datetime.date(2020, 12, 31))
    )
    # A year or a month stands for its first day (from) or its last day (to).
    assert ids("start_from=2020&start_to=2020") == ids("start_from=2020-01-01&start_to=2020-12-31")
    assert ids("updated_to=2021-02") == orm(last_update_posted__lte=datetime.date(2021, 2, 28))
    assert ids("enrollment_min=100&enrollment_max=200") == orm(
        enrollment_count__gte=100, enrollment_count__lte=200
    )


def test_filters_combine(bundled_catalog):
    got = ids("q=stem+cells&status=RECRUITING&phase=PHASE2&country=China")
    assert got
    assert got == ids("q=stem+cells") & ids("status=RECRUITING") & ids("phase=PHASE2") & ids(
        "country=China"
    )


def test_only_public_trials(bundled_catalog):
    hidden = Trial.objects.get(nct_id="NCT02883803")
    hidden.is_public = False
    hidden.save(update_fields=["is_public"])
    assert "NCT02883803" not in ids("")
    assert "NCT02883803" not in ids("q=septic+shock")
    counts = counts_of(filtered(""))
    assert counts.total == Trial.objects.filter(is_public=True).count()


# Malformed and unknown values --------------------------------------------------------------------


def test_unknown_codes_are_dropped_with_a_notice_and_the_rest_applied(bundled_catalog):
    filterset = filtered("status=RECRUITING&status=FOO&phase=PHASE9")
    assert ids("status=RECRUITING&status=FOO") == orm(current_status="RECRUITING")
    notices = [str(n) for n in filterset.notices]
    assert "Ignored status=FOO: not a known value." in notices
    assert "Ignored phase=PHASE9: not a known value." in notices


@pytest.mark.parametrize(
    "query, param",
    [
        ("start_from=2020-13-45", "start_from"),
        ("updated_to=yesterday", "updated_to"),
        ("enrollment_min=abc", "enrollment_min"),
        ("enrollment_max=-5", "enrollment_max"),
        ("sex=FOO", "sex"),
        ("healthy=maybe", "healthy"),
    ],
)
def test_malformed_values_are_ignored_with_a_notice(bundled_catalog, query, param):
    filterset = filtered(query)
    assert ids(query) == orm()
    assert [n.param for n in filterset.notices] == [param]


def test_unknown_parameters_are_ignored(bundled_catalog):
    filterset = filtered("utm_source=mail&foo=bar&status=COMPLETED")
    assert ids("utm_source=mail&foo=bar&status=COMPLETED") == orm(current_status="COMPLETED")
    assert filterset.notices == []


# Facet counts ------------------------------------------------------------------------------------

ACTIVE = "q=stem+cells&status=RECRUITING&status=COMPLETED&phase=PHASE2&country=China"


def test_each_count_is_what_choosing_the_value_gives_under_the_other_filters(bundled_catalog):
    """For every value shown: the count equals the trials found by replacing that filter's
    values with this one value and keeping the others."""
    base = QueryDict(ACTIVE)
    counts = counts_of(filtered(ACTIVE))
    checked = 0
    for facet in counts:
        for value in facet.values:
            query = base.copy()
            query.setlist(facet.name, [value.value])
            assert len(ids(query.urlencode())) == value.count, (facet.name, value.value)
            checked += 1
    assert checked > 40


def test_counts_agree_with_straightforward_orm_counts(bundled_catalog):
    counts = counts_of(filtered(ACTIVE))
    searched = ids("q=stem+cells")
    china = orm(sites__country="China")
    phase2 = orm(phases__contains=["PHASE2"])
    statuses = orm(current_status__in=["RECRUITING", "COMPLETED"])

    assert counts.total == len(searched & china & phase2 & statuses)
    # Status is counted without the status filter, under the others.
    for value in counts["status"].values:
        expected = searched & china & phase2 & orm(current_status=value.value)
        assert value.count == len(expected), value.value
    # Country: without the country filter.
    for value in counts["country"].values:
        expected = searched & phase2 & statuses & orm(sites__country=value.value)
        assert value.count == len(expected), value.value
    # An inactive facet is counted under every filter.
    for value in counts["type"].values:
        expected = searched & china & phase2 & statuses & orm(study_type=value.value)
        assert value.count == len(expected), value.value


def test_values_without_trials_are_hidden_but_selected_ones_stay(bundled_catalog):
    counts = counts_of(filtered("country=China&status=WITHDRAWN&status=AVAILABLE"))
    for facet in counts:
        for value in facet.values:
            assert value.count > 0 or value.selected, (facet.name, value.value)
    statuses = {v.value: v for v in counts["status"].values}
    assert statuses["AVAILABLE"].selected and statuses["AVAILABLE"].count == 0
    assert "TEMPORARILY_NOT_AVAILABLE" not in statuses


def test_a_selected_free_text_value_is_shown_with_its_count(bundled_catalog):
    counts = counts_of(filtered("condition=knee+osteoarthritis"))
    values = {v.value.lower(): v for v in counts["condition"].values}
    assert values["knee osteoarthritis"].selected
    assert values["knee osteoarthritis"].count == len(ids("condition=knee+osteoarthritis"))


def test_all_counts_take_one_query(bundled_catalog, django_assert_num_queries):
    filterset = filtered(ACTIVE + "&sex=FEMALE&condition=Osteoarthritis&healthy=false")
    with django_assert_num_queries(1):
        counts_of(filterset)
