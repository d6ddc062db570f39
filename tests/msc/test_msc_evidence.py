"""Every value of every bundled trial's MSC profile has an evidence sentence that contains the
words that give it (catalog.msc.extraction.review.unsupported_values)."""

import pytest

from catalog.models import MscProfile
from catalog.msc.extraction.review import unsupported_values

pytestmark = pytest.mark.django_db


def test_every_value_of_every_bundled_trial_is_supported_by_its_evidence(bundled_catalog):
    profiles = list(MscProfile.objects.select_related("trial"))
    assert len(profiles) == 1538
    unsupported = {}
    for profile in profiles:
        assert not profile.curated  # the rules' own values and evidence
        missing = unsupported_values(profile.as_json())
        if missing:
            unsupported[profile.trial.nct_id] = missing
    assert unsupported == {}


def test_a_value_whose_evidence_lacks_its_words_is_unsupported():
    profile = {
        "is_msc": True,
        "source": ["bone_marrow"],
        "donor": "not_stated",
        "product": ["cells"],
        "route": ["local_injection"],
        "dose": {"min": 1e6, "max": 1e6, "unit": "total", "n_doses": None},
        "evidence": {
            "source": ["Bone marrow-derived mesenchymal stem cells"],
            "route": ["Safety and efficacy assessments will be performed daily"],
            "dose": ["Patients receive 2 million cells"],
        },
    }
    assert unsupported_values(profile) == [("route", "local_injection"), ("dose", "min"), ("dose", "max")]
