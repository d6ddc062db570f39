"""Curators override MSC profile values on the trial's admin page: each changed value becomes
curated (kept by re-annotation and re-import, the derived value beside it), is recorded in the
trial's history under its version lock, shows as curated, and can be reverted."""

import json

import pytest
from django.conf import settings
from django.core.management import call_command

from catalog.models import MscProfile, Trial, TrialChange
from catalog.registry.importer import Importer
from tests.admin_helpers import change_form_data

pytestmark = pytest.mark.django_db

NCT_ID = "NCT05016804"  # umbilical cord MSCs, 100 million cells; a seed record


def trial():
    return Trial.objects.get(nct_id=NCT_ID)


def profile():
    return MscProfile.objects.get(trial__nct_id=NCT_ID)


def change_url(t):
    return f"/admin/catalog/trial/{t.pk}/change/"


def form_data(client, t, **msc):
    """The trial page's POST data, with ``msc`` values for the MSC profile inline."""
    response = client.get(change_url(t))
    assert response.status_code == 200
    data = change_form_data(response)
    formset = next(
        f.formset for f in response.context["inline_admin_formsets"] if f.opts.model is MscProfile
    )
    for name, value in msc.items():
        data[f"{formset.prefix}-0-{name}"] = value
    return data


def save(client, t, **msc):
    response = client.post(change_url(t), form_data(client, t, **msc))
    assert response.status_code == 302, response.context["adminform"].form.errors or [
        f.formset.errors for f in response.context["inline_admin_formsets"]
    ]
    return response


def test_a_curator_sets_a_value_and_it_becomes_curated(curator_client, bundled_catalog):
    before = profile()
    assert "intra_arterial" not in before.routes
    version = trial().version
    save(curator_client, trial(), routes=["intra_arterial"], note="Into the hepatic artery.")
    after = profile()
    assert after.routes == ["intra_arterial"]
    assert set(after.curated) == {"route"}
    entry = after.curated["route"]
    assert entry["by"] == "curator" and entry["note"] == "Into the hepatic artery."
    assert entry["computed"] == before.routes
    assert after.sources == before.sources  # untouched values stay derived
    # The trial moved on and its history says what changed.
    assert trial().version == version + 1
    change = TrialChange.objects.filter(trial=trial()).order_by("-version").first()
    assert change.version == version + 1 and change.actor == "curator"
    assert "MSC route: " in change.text() and "Intra-arterial" in change.text()
    # The API serves the curator's value with the note as its evidence.
    data = curator_client.get(f"/api/msc/{NCT_ID}").json()
    assert data["route"] == ["intra_arterial"] and data["curated"] == ["route"]
    assert data["evidence"]["route"] == ["Into the hepatic artery."]


def test_saving_the_page_untouched_curates_nothing(curator_client, bundled_catalog):
    version = trial().version
    save(curator_client, trial())
    assert profile().curated == {}
    assert trial().version == version
    assert trial().curated_fields == {}


def test_the_page_shows_curated_values_with_the_derived_value_beside(
    curator_client, bundled_catalog
):
    derived = profile().donor
    assert derived == "allogeneic"
    save(curator_client, trial(), donor="autologous")
    html = curator_client.get(change_url(trial())).content.decode()
    assert "Curated MSC profile values" in html
    row = html[html.index("Curated MSC profile values") :]
    row = row[: row.index("</table>")]
    assert "MSC donor" in row
    assert "Autologous (the patient&#x27;s own cells)" in row
    assert "Allogeneic (a donor&#x27;s cells)" in row
    assert "?field=msc.donor" in row
    # The form's field says it too.
    assert "Curated by curator. Derived: allogeneic." in html
    # The public trial page marks it.
    public = curator_client.get(f"/trials/{NCT_ID}/").content.decode()
    donor = public[public.index("<dt>Donor") :]
    assert ">curated</span>" in donor[: donor.index("</dd>")]


def test_a_curated_value_survives_reannotation_and_reimport(curator_client, bundled_catalog):
    save(
        curator_client,
        trial(),
        sources=["bone_marrow"],
        cells_per_kg="2000000",
        dose_min="1000000",
        dose_max="2000000",
        dose_unit="per_kg",
        n_doses="3",
        dose_interval="4 weeks",
    )
    call_command("annotate_msc", NCT_ID, stdout=open("/dev/null", "w"))
    p = profile()
    assert p.sources == ["bone_marrow"]
    assert (p.dose_unit, p.cells_per_kg, p.dose_min, p.dose_max) == ("per_kg", 2e6, 1e6, 2e6)
    assert (p.n_doses, p.dose_interval) == (3, "4 weeks")
    assert set(p.curated) == {"source", "dose"}

    study = json.loads((settings.BASE_DIR / "data" / "seeds" / f"{NCT_ID}.json").read_text())
    study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {
        "date": "2030-01-01",
        "type": "ACTUAL",
    }
    assert Importer().import_study(study) == "updated"
    p = profile()
    assert p.sources == ["bone_marrow"] and p.n_doses == 3
    assert p.curated["source"]["computed"] == ["umbilical_cord"]
    assert p.curated["dose"]["computed"]["total_cells"] == 1e8


def test_a_curated_value_is_reverted_to_the_derived_one(curator_client, bundled_catalog):
    derived = profile().routes
    save(curator_client, trial(), routes=["intrathecal"])
    t = trial()
    url = f"/admin/catalog/trial/{t.pk}/revert/?field=msc.route"
    confirm = curator_client.get(url)
    assert confirm.status_code == 200
    assert "Revert to the derived value" in confirm.content.decode()
    response = curator_client.post(url, {"field": "msc.route", "loaded_version": str(t.version)})
    assert response.status_code == 302
    p = profile()
    assert p.routes == derived and p.curated == {}
    change = TrialChange.objects.filter(trial=t).order_by("-version").first()
    assert change.kind == "revert" and "MSC route" in change.text()
    assert trial().version == t.version + 1


def test_a_stale_page_is_refused(curator_client, bundled_catalog):
    t = trial()
    data = form_data(curator_client, t, routes=["topical"])
    # Someone else saved the trial meanwhile.
    save(curator_client, trial(), donor="autologous")
    response = curator_client.post(change_url(t), data)
    assert response.status_code == 200
    assert "Not saved: someone changed this trial" in response.content.decode()
    assert "topical" not in profile().routes


def test_a_stale_revert_is_refused(curator_client, bundled_catalog):
    save(curator_client, trial(), routes=["topical"])
    t = trial()
    response = curator_client.post(
        f"/admin/catalog/trial/{t.pk}/revert/",
        {"field": "msc.route", "loaded_version": str(t.version - 1)},
    )
    assert response.status_code == 302
    assert profile().routes == ["topical"]


def test_an_inconsistent_dose_is_refused_with_a_message(curator_client, bundled_catalog):
    t = trial()
    data = form_data(curator_client, t, dose_min="2e8", dose_max="1e8")
    response = curator_client.post(change_url(t), data)
    assert response.status_code == 200
    assert "The highest dose is below the lowest." in response.content.decode()
    assert profile().curated == {}


def test_a_changed_total_is_no_longer_derived(curator_client, bundled_catalog):
    p = MscProfile.objects.filter(dose_derived=True, trial__is_public=True).first()
    t = p.trial
    save(curator_client, t, total_cells="5e7")
    p.refresh_from_db()
    assert p.total_cells == 5e7 and p.dose_derived is False
    assert p.curated["dose"]["computed"]["derived"] is True


def test_a_trial_without_a_profile_has_no_msc_section(curator_client, bundled_catalog):
    MscProfile.objects.filter(trial__nct_id=NCT_ID).delete()
    response = curator_client.get(change_url(trial()))
    assert response.status_code == 200
    assert not any(f.opts.model is MscProfile for f in response.context["inline_admin_formsets"])
