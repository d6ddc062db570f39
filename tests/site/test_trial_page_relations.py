"""The trial page reads a trial's relations in one statement (``catalog.prefetch``): the same
rows, in the same order, with the same linked records, as Django's ``prefetch_related``."""

import pytest
from django.db.models import Prefetch

from catalog.models import (
    Collaboration,
    Site,
    Trial,
    TrialCondition,
    TrialMesh,
    TrialQuerySet,
)

pytestmark = pytest.mark.django_db

JOINED = {
    "collaboration_set": "organization",
    "trialcondition_set": "condition",
    "trialmesh_set": "mesh_term",
}


def values(obj):
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def prefetched_by_django(nct_ids):
    trials = Trial.objects.filter(nct_id__in=nct_ids).prefetch_related(
        Prefetch(
            "collaboration_set", queryset=Collaboration.objects.select_related("organization")
        ),
        Prefetch("trialcondition_set", queryset=TrialCondition.objects.select_related("condition")),
        Prefetch("trialmesh_set", queryset=TrialMesh.objects.select_related("mesh_term")),
        "arms__interventions",
        *TrialQuerySet.CHILD_ROWS,
    )
    return {trial.nct_id: trial for trial in trials}


def described(trial, accessor):
    """Each row of the relation: its values, its linked record's and its interventions'."""
    rows = []
    for row in getattr(trial, accessor).all():
        linked = JOINED.get(accessor)
        rows.append(
            (
                values(row),
                values(getattr(row, linked)) if linked else None,
                [item.pk for item in row.interventions.all()] if accessor == "arms" else None,
            )
        )
    return rows


def test_every_bundled_trial_reads_the_rows_django_prefetches(bundled_catalog):
    nct_ids = list(Trial.objects.public().values_list("nct_id", flat=True))
    expected = prefetched_by_django(nct_ids)
    accessors = [accessor for accessor, _joined in TrialQuerySet.PAGE_RELATIONS.relations]
    for start in range(0, len(nct_ids), 200):
        chunk = nct_ids[start : start + 200]
        for trial in Trial.objects.public().for_page().filter(nct_id__in=chunk):
            for accessor in accessors:
                assert described(trial, accessor) == described(expected[trial.nct_id], accessor), (
                    trial.nct_id,
                    accessor,
                )


def test_the_relations_cost_one_query_and_reading_them_none(
    bundled_catalog, django_assert_num_queries
):
    with django_assert_num_queries(2):
        trial = Trial.objects.public().for_page().get(nct_id="NCT00366145")
    with django_assert_num_queries(0):
        sites = list(trial.sites.all())
        assert len(sites) == 70
        assert all(site.trial is trial for site in sites)
        assert [arm.interventions.all() for arm in trial.arms.all()]
        assert all(link.organization.name for link in trial.collaboration_set.all())
        assert trial.documents.all() is not None and trial.former_ids.all() is not None


def test_a_filter_on_a_relation_read_together_still_reads_that_trials_rows(bundled_catalog):
    trial = Trial.objects.public().for_page().get(nct_id="NCT00366145")
    countries = {site.country for site in trial.sites.all()}
    country = sorted(countries)[0]
    filtered = list(trial.sites.filter(country=country))
    assert filtered
    assert {site.trial_id for site in filtered} == {trial.pk}
    assert len(filtered) == Site.objects.filter(trial=trial, country=country).count()


def test_a_trial_without_relations_reads_empty_ones(bundled_catalog):
    trial = Trial.objects.public().for_page().exclude(documents__isnull=False).first()
    assert list(trial.documents.all()) == []


def test_every_trials_results_rows_are_read_together_as_queried_one_by_one(bundled_catalog):
    from catalog.models import AdverseEventCount, FlowCount, ResultGroup, ResultMeasurement
    from catalog.prefetch import prefetch_together
    from catalog.site.results import RESULT_ROWS

    trials = list(Trial.objects.filter(has_results=True))
    assert len(trials) >= 50
    prefetch_together(trials, RESULT_ROWS)
    for trial in trials:
        assert [values(g) for g in trial.result_groups.all()] == [
            values(g) for g in ResultGroup.objects.filter(trial=trial)
        ]
        for measure in trial.result_measures.all():
            assert measure.trial is trial
            assert [values(v) for v in measure.measurements.all()] == [
                values(v) for v in ResultMeasurement.objects.filter(measure=measure)
            ]
        for step in trial.flow_steps.all():
            assert [values(c) for c in step.counts.all()] == [
                values(c) for c in FlowCount.objects.filter(step=step)
            ]
        for event in trial.adverse_events.all():
            assert [values(c) for c in event.counts.all()] == [
                values(c) for c in AdverseEventCount.objects.filter(event=event)
            ]
