""""Could I join?": the age filter, the home page's short form, and the answer near the top of a
trial page, built from the record's structured fields only."""

import pytest
from django.db.models import Q

from catalog.models import Trial

pytestmark = pytest.mark.django_db


def listed(client, query):
    response = client.get(f"/trials/?{query}&per_page=100")
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("age", [0, 16, 40, 75])
def test_the_age_filter_keeps_trials_whose_stated_limits_include_the_age(
    client, bundled_catalog, age
):
    expected = (
        Trial.objects.public()
        .filter(Q(minimum_age_years__isnull=True) | Q(minimum_age_years__lte=age))
        .filter(Q(maximum_age_years__isnull=True) | Q(maximum_age_years__gte=age))
    )
    assert listed(client, f"age={age}").context["count"] == expected.count()


@pytest.mark.parametrize("value", ["abc", "-3", "200", "40.5"])
def test_an_age_that_is_no_age_is_left_out_with_a_notice(client, bundled_catalog, value):
    response = listed(client, f"age={value}")
    assert response.context["count"] == Trial.objects.public().count()
    assert any(notice.param == "age" for notice in response.context["search"].notices)


def test_the_home_form_narrows_the_list_to_recruiting_trials_for_an_age_and_sex(
    client, bundled_catalog
):
    home = client.get("/").content.decode()
    for name in ('name="q"', 'name="age"', 'name="sex"', 'name="healthy"', 'value="RECRUITING"'):
        assert name in home
    response = client.get("/trials/?q=&age=40&sex=FEMALE&status=RECRUITING")
    assert response.status_code == 302
    assert response["Location"] == "/trials/?age=40&sex=FEMALE&status=RECRUITING"
    expected = (
        Trial.objects.public()
        .filter(current_status="RECRUITING", sex__in=["FEMALE", "ALL"])
        .filter(Q(minimum_age_years__isnull=True) | Q(minimum_age_years__lte=40))
        .filter(Q(maximum_age_years__isnull=True) | Q(maximum_age_years__gte=40))
    )
    assert listed(client, "age=40&sex=FEMALE&status=RECRUITING").context["count"] == (
        expected.count()
    )


def test_a_trial_page_says_whom_the_record_takes_and_how_to_contact_the_study(
    client, bundled_catalog
):
    trial = (
        Trial.objects.filter(current_status="RECRUITING", central_contacts__email__contains="@")
        .exclude(minimum_age="")
        .order_by("nct_id")
        .first()
    )
    html = client.get(f"/trials/{trial.nct_id}/").content.decode()
    box = html[html.index('<section class="joining"') :]
    box = box[: box.index("</section>")]
    assert "<strong>Recruiting.</strong>" in box
    assert f"people aged {trial.minimum_age.lower()}" in box
    assert 'href="#eligibility">the full eligibility criteria</a>' in box
    email = trial.central_contacts.exclude(email="").first().email
    assert f'<a class="button" href="mailto:{email}">Contact the study</a>' in box
    # Before the summary, the design and the eligibility on the page.
    assert html.index('<section class="joining"') < html.index('id="eligibility"')


def test_a_trial_no_longer_recruiting_says_so_and_claims_nothing_unstated(client, bundled_catalog):
    trial = Trial.objects.filter(current_status="UNKNOWN", minimum_age="", maximum_age="").first()
    html = client.get(f"/trials/{trial.nct_id}/").content.decode()
    box = html[html.index('<section class="joining"') :]
    box = box[: box.index("</section>")]
    assert "<strong>Not recruiting now</strong> (unknown status)" in box
    assert "people of any age (no limit stated)" in box
