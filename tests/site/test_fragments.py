"""The pages' Jinja2 fragments (a list's results and filters, a trial's record) escape what they
print as the rest of the page does."""

import pytest

from catalog.models import Trial

pytestmark = pytest.mark.django_db

HOSTILE = "<b>\"O'Brien\"</b> & co"
ESCAPED = "&lt;b&gt;&quot;O&#x27;Brien&quot;&lt;/b&gt; &amp; co"


def test_a_result_prints_a_hostile_title_escaped_as_django_escapes(client, bundled_catalog):
    first = Trial.objects.public().order_by("nct_id").first()
    first.brief_title = HOSTILE
    first.save()
    page = client.get("/trials/?sort=nct_id").content.decode()
    assert "<b>\"O'Brien\"</b>" not in page
    assert f'<a href="/trials/{first.nct_id}/">{ESCAPED}</a>' in page


def test_a_facet_value_prints_a_hostile_city_escaped(client, bundled_catalog):
    trial = Trial.objects.public().filter(sites__isnull=False).order_by("nct_id").first()
    trial.sites.update(city=HOSTILE)
    page = client.get("/trials/", {"city": HOSTILE}).content.decode()
    assert "<b>\"O'Brien\"</b>" not in page
    assert f'name="city" value="{ESCAPED}" checked> {ESCAPED} <span class="count">(1)</span>' in page


def test_a_trial_record_prints_a_hostile_site_and_keyword_escaped(client, bundled_catalog):
    trial = Trial.objects.public().filter(sites__isnull=False).order_by("nct_id").first()
    trial.sites.update(facility=HOSTILE)
    trial.keywords = [HOSTILE]
    trial.save()
    page = client.get(f"/trials/{trial.nct_id}/").content.decode()
    assert "<b>\"O'Brien\"</b>" not in page
    assert f'<p class="facility">{ESCAPED}' in page
    assert f"?q=%3Cb%3E%22O%27Brien%22%3C%2Fb%3E%20%26%20co\">{ESCAPED}</a>" in page
