"""No lost updates: the trial form carries the version it was loaded at, and a save over a
newer version is refused with what changed meanwhile; nothing is overwritten."""

import html

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from catalog.registry.importer import Importer
from tests.admin_helpers import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_client(db):
    """Another curator, logged in on their own client (their own session)."""
    user = User.objects.create_user("second", is_staff=True)
    user.groups.add(Group.objects.get(name="Curator"))
    client = Client()
    client.force_login(user)
    return client


def open_form(client, trial):
    url = f"/admin/catalog/trial/{trial.pk}/change/"
    return url, change_form_data(client.get(url))


def test_the_second_of_two_concurrent_saves_is_refused(
    curator_client, second_client, imported_trial
):
    url, first = open_form(curator_client, imported_trial)
    _, second = open_form(second_client, imported_trial)
    assert first["loaded_version"] == second["loaded_version"] == "1"
    old_title = imported_trial.brief_title

    first["brief_title"] = "Title from the first curator"
    assert curator_client.post(url, first).status_code == 302

    second["overall_status"] = "SUSPENDED"
    second["acronym"] = "SECOND"
    response = second_client.post(url, second)

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Not saved: someone changed this trial after you opened it" in page
    assert "you opened version 1; it is now version 2" in page
    assert f"brief title: {old_title} → Title from the first curator" in page
    assert "Version 2," in page and "curator (curator)" in page
    assert "Open the trial again" in page
    imported_trial.refresh_from_db()
    assert imported_trial.brief_title == "Title from the first curator"
    assert imported_trial.overall_status == "COMPLETED" and imported_trial.acronym == ""
    assert imported_trial.version == 2
    assert set(imported_trial.curated_fields) == {"brief_title"}


def test_after_reopening_the_trial_the_second_curator_saves(
    curator_client, second_client, imported_trial
):
    url, first = open_form(curator_client, imported_trial)
    first["brief_title"] = "First"
    curator_client.post(url, first)

    _, second = open_form(second_client, imported_trial)
    second["overall_status"] = "SUSPENDED"
    assert second_client.post(url, second).status_code == 302

    imported_trial.refresh_from_db()
    assert (imported_trial.brief_title, imported_trial.overall_status) == ("First", "SUSPENDED")
    assert imported_trial.version == 3


def test_a_save_after_an_import_changed_the_trial_is_refused(curator_client, imported_trial):
    url, form = open_form(curator_client, imported_trial)
    study = dict(imported_trial.source_record)
    study["protocolSection"] = dict(study["protocolSection"])
    study["protocolSection"]["statusModule"] = {
        **study["protocolSection"]["statusModule"],
        "overallStatus": "TERMINATED",
        "lastUpdatePostDateStruct": {"date": "2099-01-01", "type": "ACTUAL"},
    }
    Importer().import_study(study, "nightly.json")

    form["overall_status"] = "SUSPENDED"
    page = curator_client.post(url, form).content.decode()

    assert "import of nightly.json (import): overall status: Completed → Terminated" in page
    imported_trial.refresh_from_db()
    assert imported_trial.overall_status == "TERMINATED"


def test_a_change_to_the_trial_s_parts_also_moves_the_version(
    curator_client, second_client, imported_trial
):
    url = f"/admin/catalog/trial/{imported_trial.pk}/change/"
    response = curator_client.get(url)
    first = change_form_data(response)
    _, second = open_form(second_client, imported_trial)
    sites = next(
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.opts.model.__name__ == "Site"
    )
    first[f"{sites.prefix}-0-city"] = "Changed City"
    assert curator_client.post(url, first).status_code == 302

    second[f"{sites.prefix}-1-city"] = "Other City"
    page = second_client.post(url, second).content.decode()

    assert "locations: 4 items → 4 items (changed)" in page
    assert not imported_trial.sites.filter(city="Other City").exists()


def test_a_form_without_its_version_is_refused(curator_client, imported_trial):
    url, form = open_form(curator_client, imported_trial)
    del form["loaded_version"]
    form["acronym"] = "X"
    assert "Not saved" in curator_client.post(url, form).content.decode()
    imported_trial.refresh_from_db()
    assert imported_trial.acronym == ""


def test_a_stale_revert_is_refused(curator_client, second_client, imported_trial):
    url, form = open_form(curator_client, imported_trial)
    form["acronym"] = "CURATED"
    curator_client.post(url, form)
    imported_trial.refresh_from_db()
    loaded = imported_trial.version
    _, again = open_form(second_client, imported_trial)
    again["acronym"] = "CURATED AGAIN"
    second_client.post(url, again)

    response = curator_client.post(
        f"/admin/catalog/trial/{imported_trial.pk}/revert/",
        {"field": "acronym", "loaded_version": loaded},
        follow=True,
    )

    assert "Not saved: someone changed this trial" in response.content.decode()
    imported_trial.refresh_from_db()
    assert imported_trial.acronym == "CURATED AGAIN"


def test_a_stale_site_page_is_refused(curator_client, second_client, imported_trial):
    site = imported_trial.sites.first()
    url = f"/admin/catalog/site/{site.pk}/change/"
    first = change_form_data(curator_client.get(url))
    second = change_form_data(second_client.get(url))
    first["city"] = "First City"
    assert curator_client.post(url, first).status_code == 302
    second["city"] = "Second City"
    assert "Not saved" in second_client.post(url, second).content.decode()
    site.refresh_from_db()
    assert site.city == "First City"
