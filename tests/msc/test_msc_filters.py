"""The MSC filters on a trial queryset and their facet counts agree, and bad values are ignored."""

import pytest
from django.db import connection
from django.http import QueryDict

from catalog.models import MscProfile, Trial
from catalog.msc.query import FACET_COLUMNS, FACET_SQL, facet_counts
from catalog.search.facets import with_columns
from catalog.search.params import PARAMS

pytestmark = pytest.mark.django_db


def filtered(query):
    return PARAMS.read(QueryDict(query)).apply(Trial.objects.public())


def test_no_parameters_change_nothing(bundled_catalog):
    trials = Trial.objects.public()
    assert PARAMS.read(QueryDict("")).apply(trials) is trials


@pytest.mark.parametrize("name", ["source", "product", "route", "donor", "n_doses"])
def test_each_facet_count_is_what_its_filter_finds(bundled_catalog, name):
    counts = facet_counts(Trial.objects.public(), name)
    assert counts
    for value, count in counts.items():
        assert filtered(f"{name}={value}").count() == count, value


def test_several_values_of_one_parameter_mean_any_of_them(bundled_catalog):
    either = filtered("route=intrathecal&route=intra_arterial").count()
    both = filtered("route=intrathecal").count() + filtered("route=intra_arterial").count()
    overlap = MscProfile.objects.msc().filter(routes__contains=["intrathecal", "intra_arterial"])
    assert either == both - overlap.count()


def test_different_parameters_must_all_hold(bundled_catalog):
    trials = filtered("source=umbilical_cord&route=intravenous")
    assert trials.exists()
    for p in MscProfile.objects.filter(trial__in=trials):
        assert "umbilical_cord" in p.sources and "intravenous" in p.routes


def test_autologous_finds_trials_using_both_kinds(bundled_catalog):
    donors = set(filtered("donor=autologous").values_list("msc__donor", flat=True))
    assert donors == {"autologous", "both"}
    assert set(filtered("donor=both").values_list("msc__donor", flat=True)) == {"both"}


def test_msc_filters_keep_only_msc_trials(bundled_catalog):
    assert not filtered("source=not_stated").filter(msc__is_msc=False).exists()
    assert MscProfile.objects.filter(is_msc=False, sources=["not_stated"]).exists()


def test_a_total_dose_range_includes_adult_per_kg_doses(bundled_catalog):
    # NCT02923375 states 1-2 million cells/kg in adults: 70-140 million cells for 70 kg.
    ids = set(filtered("dose_min=1e8&dose_max=1.5e8").values_list("nct_id", flat=True))
    assert "NCT02923375" in ids
    # NCT05016804 states 100 million cells.
    assert "NCT05016804" in ids
    assert "NCT05016804" not in filtered("dose_min=2e8").values_list("nct_id", flat=True)


def test_a_per_kg_dose_range_overlaps_escalations(bundled_catalog):
    ids = set(
        filtered("dose_unit=per_kg&dose_min=1.5e6&dose_max=1.8e6").values_list("nct_id", flat=True)
    )
    assert "NCT02923375" in ids  # 1 to 2 million cells/kg reaches into the range
    assert "NCT05016804" not in ids  # a total dose, not per kg
    for p in MscProfile.objects.filter(trial__nct_id__in=ids):
        assert p.dose_unit == "per_kg" and p.dose_max >= 1.5e6 and p.dose_min <= 1.8e6


def test_number_of_doses_exact_or_at_least(bundled_catalog):
    assert set(filtered("n_doses=2").values_list("msc__n_doses", flat=True)) == {2}
    at_least = set(filtered("n_doses=4%2B").values_list("msc__n_doses", flat=True))
    assert at_least and min(at_least) == 4


def test_bad_values_are_ignored_with_notices(bundled_catalog):
    query = PARAMS.read(QueryDict("source=moon&dose_min=lots&dose_unit=kg&n_doses=0&route=topical"))
    assert query.values == {"route": ["topical"]}
    # Unknown codes first, then malformed values, each in declaration order.
    assert [n.param for n in query.notices] == ["source", "n_doses", "dose_min", "dose_unit"]
    assert filtered("source=moon").count() == Trial.objects.public().count()


def test_cell_counts_are_read_as_people_write_them(bundled_catalog):
    for text in ("1e8", "1E%2B08", "1e+8", "100000000", "100,000,000", "1.0e8"):
        assert PARAMS.read(QueryDict(f"dose_min={text}")).values["dose_min"] == 1e8


def test_the_sql_facets_give_the_same_counts(bundled_catalog):
    trials = with_columns(Trial.objects.public(), ("id", *FACET_COLUMNS))
    sql, params = trials.query.sql_with_params()
    for name, facet in FACET_SQL.items():
        with connection.cursor() as cursor:
            cursor.execute(f"WITH b AS ({sql}) " + facet.format(b="b"), params)
            rows = {str(code): n for code, n in cursor.fetchall()}
        expected = {str(k): v for k, v in facet_counts(Trial.objects.public(), name).items()}
        assert rows == expected, name


def test_a_facet_costs_one_query(bundled_catalog, django_assert_num_queries):
    with django_assert_num_queries(1):
        facet_counts(Trial.objects.public().filter(phases__contains=["PHASE2"]), "source")
