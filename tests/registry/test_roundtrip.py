"""Import then export gives back every field, for every bundled trial."""

import gzip
import json

import pytest
from django.conf import settings

from catalog.models import Trial
from catalog.registry.ctgov import sparse, study_from_trial


@pytest.mark.django_db
def test_every_bundled_trial_exports_as_it_was_imported(bundled_catalog):
    trials = Trial.objects.for_export()
    assert trials.count() == 1538
    mismatched = [t.nct_id for t in trials if study_from_trial(t) != sparse(t.source_record)]
    assert mismatched == []


@pytest.mark.django_db
def test_exported_source_records_are_the_newest_files(bundled_catalog):
    with gzip.open(settings.BASE_DIR / "data" / "msc-trials-2022.json.gz") as f:
        by_id = {s["protocolSection"]["identificationModule"]["nctId"]: s for s in json.load(f)}
    trial = Trial.objects.for_export().get(nct_id="NCT00081055")
    assert study_from_trial(trial) == sparse(by_id["NCT00081055"])
