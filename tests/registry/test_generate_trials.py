"""generate_trials: synthetic trials that follow the real data, marked, searchable, removable."""

from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from catalog.models import Arm, MscProfile, Site, Trial
from catalog.registry import bulkload
from catalog.registry.synthetic import Generator, Profile, SharedRows

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def profile():
    return Profile.from_files(settings.CATALOG_BUNDLED_DATA)


def test_synthetic_trials_are_marked_and_numbered_apart_from_real_ones(bundled_catalog):
    call_command("generate_trials", count=150, seed=7, verbosity=0)
    synthetic = Trial.objects.filter(is_synthetic=True)
    assert synthetic.count() == 150
    assert Trial.objects.filter(is_synthetic=False).count() == 1538
    ids = sorted(synthetic.values_list("nct_id", flat=True))
    assert ids[0] == "NCT90000000" and ids[-1] == "NCT90000149"
    assert not Trial.objects.filter(is_synthetic=False, nct_id__startswith="NCT9").exists()


def test_every_synthetic_trial_has_its_rows_and_a_search_vector(bundled_catalog):
    call_command("generate_trials", count=120, seed=3, verbosity=0)
    synthetic = Trial.objects.filter(is_synthetic=True)
    assert not synthetic.filter(search_vector__isnull=True).exists()
    assert not synthetic.filter(lead_sponsor__isnull=True).exists()
    assert Site.objects.filter(trial__is_synthetic=True).count() > 120
    arm = Arm.objects.filter(trial__is_synthetic=True, interventions__isnull=False).first()
    assert arm is not None
    assert synthetic.filter(search_vector="stem").exists()


def test_synthetic_trials_take_the_msc_profile_of_the_trial_they_took_interventions_from(
    bundled_catalog, profile
):
    call_command("generate_trials", count=60, seed=5, verbosity=0)
    generated = {t.nct_id: t for t in Generator(profile, 5, 90_000_000).trials(60)}
    profiles = MscProfile.objects.filter(trial__is_synthetic=True).select_related("trial")
    assert profiles.count() == 60
    real = {
        p.trial.nct_id: p for p in MscProfile.objects.filter(trial__is_synthetic=False).select_related("trial")
    }
    for synthetic in profiles:
        donor = real[generated[synthetic.trial.nct_id].design_nct_id]
        assert (synthetic.sources, synthetic.donor, synthetic.routes) == (
            donor.sources,
            donor.donor,
            donor.routes,
        )
        assert synthetic.total_cells == donor.total_cells
        assert synthetic.curated == {}


def test_a_synthetic_trial_has_a_page_and_an_api_record(client, bundled_catalog):
    call_command("generate_trials", count=5, seed=1, verbosity=0)
    trial = Trial.objects.filter(is_synthetic=True).first()
    assert client.get(trial.get_absolute_url()).status_code == 200
    study = client.get(f"/api/v2/studies/{trial.nct_id}").json()
    assert study["protocolSection"]["identificationModule"]["nctId"] == trial.nct_id


def test_distributions_follow_the_real_data(profile):
    trials = list(Generator(profile, seed=11, start=90_000_000).trials(4000))
    real = Counter(p.fields["overall_status"] for p in profile.studies)
    made = Counter(t.fields["overall_status"] for t in trials)
    for status, n in real.most_common(4):
        assert abs(made[status] / len(trials) - n / len(profile.studies)) < 0.03
    real_sites = sum(len(p.sites) for p in profile.studies) / len(profile.studies)
    made_sites = sum(len(t.sites) for t in trials) / len(trials)
    assert real_sites <= made_sites < real_sites * 2.5
    assert max(len(t.sites) for t in trials) > 70  # the long tail, stretched
    real_summary = sum(len(p.fields["brief_summary"]) for p in profile.studies) / len(
        profile.studies
    )
    made_summary = sum(len(t.fields["brief_summary"]) for t in trials) / len(trials)
    assert 0.7 < made_summary / real_summary < 1.3

    def share(records, word):
        fields = ("brief_title", "official_title", "brief_summary", "detailed_description")
        texts = (" ".join(r[k] for k in (*fields, "eligibility_criteria")) for r in records)
        return sum(word in text.lower() for text in texts) / len(records)

    # A search word matches as large a share of synthetic trials as of real ones.
    for word in ("osteoarthritis", "covid", "graft", "stroke"):
        real_share = share([p.fields for p in profile.studies], word)
        made_share = share([t.fields for t in trials], word)
        assert abs(made_share - real_share) < 0.03, word


def test_the_same_seed_gives_the_same_trials(profile):
    def titles(seed):
        return [t.fields["brief_title"] for t in Generator(profile, seed, 90_000_000).trials(50)]

    first, again, other = titles(5), titles(5), titles(6)
    assert first == again
    assert first != other


def test_a_bulk_load_rebuilds_every_index_and_foreign_key(bundled_catalog, profile):
    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename LIKE 'catalog_%' ORDER BY 1"
            )
            indexes = [r[0] for r in cursor.fetchall()]
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE contype = 'f' "
                "AND conrelid::regclass::text LIKE 'catalog_%' ORDER BY 1"
            )
            return indexes, [r[0] for r in cursor.fetchall()]

    before = schema()
    shared = SharedRows.ensure(profile)
    start = bulkload.next_synthetic_number()
    trials = Generator(profile, 1, start).trials(300)
    bulkload.load(trials, 300, shared, bulk=True, workers=1)
    assert schema() == before
    assert Trial.objects.filter(is_synthetic=True, search_vector__isnull=True).count() == 0
    assert Trial.objects.filter(is_synthetic=True).count() == 300


def test_delete_removes_every_synthetic_trial_and_its_rows_only(bundled_catalog):
    real_sites = Site.objects.filter(trial__is_synthetic=False).count()
    call_command("generate_trials", count=100, seed=2, verbosity=0)
    call_command("generate_trials", delete=True, verbosity=0)
    assert not Trial.objects.filter(is_synthetic=True).exists()
    assert Trial.objects.count() == 1538
    assert Site.objects.count() == real_sites
    assert not Arm.interventions.through.objects.filter(arm__trial__is_synthetic=True).exists()


def test_a_count_is_required(bundled_catalog):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--count"):
        call_command("generate_trials", verbosity=0)


def test_loaded_trials_have_their_status_judged_and_their_countries(db, profile):
    shared = SharedRows.ensure(profile)
    trials = Generator(profile, 4, bulkload.next_synthetic_number()).trials(200)
    bulkload.load(trials, 200, shared, workers=1)
    loaded = Trial.objects.filter(is_synthetic=True)
    assert not loaded.filter(current_status="").exists()
    # Judging them again by today's date changes nothing: the loader judged them the same way.
    assert loaded.judge_statuses() == 0
    assert loaded.exclude(countries=[]).exists()
