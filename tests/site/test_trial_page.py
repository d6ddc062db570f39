"""The trial page shows everything the record holds, laid out for reading."""

import re
from urllib.parse import quote

import pytest
from django.utils.html import escape

from catalog.models import Trial
from tests.pages import element, elements, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def septic_shock(client, bundled_catalog):
    response = client.get("/trials/NCT02883803/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def stroke(client, bundled_catalog):
    response = client.get("/trials/NCT06518902/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_header_sums_the_trial_up(septic_shock):
    header = text(element(septic_shock, "header", **{"class": "trial-header"}))
    assert "Treatment of Severe Infections With Mesenchymal Stem Cells" in header
    assert "NCT02883803 · CHOCMSC" in header
    assert "Unknown status" in header
    assert "its status is not known. Last known status: not yet recruiting." in header
    assert "Phase Not applicable" in header
    assert "Study type Interventional" in header
    assert "Enrollment 66 participants (estimated)" in header
    assert "Start December 2019 (estimated)" in header
    assert "Completion November 2022 (estimated)" in header
    assert "Sponsor Central Hospital, Nancy, France" in header


def test_the_status_badge_is_coloured_by_what_the_status_means(septic_shock, stroke):
    assert '<span class="status badge badge-unknown">Unknown status</span>' in septic_shock
    assert '<span class="status badge badge-open">Not yet recruiting</span>' in stroke
    assert "The study has not started enrolling participants yet." in stroke


def test_the_texts_are_rendered_without_their_markdown_escapes(septic_shock):
    summary = text(element(septic_shock, "section", id="summary"))
    assert "will receive 10^6/kg heterologous mesenchymal stem cells" in summary
    assert "\\^" not in septic_shock


def test_arms_sit_beside_their_interventions(septic_shock):
    arms = element(septic_shock, "section", id="arms")
    rows = [text(row) for row in elements(arms, "tr")][1:]
    assert len(rows) == 2
    assert rows[0].startswith("MSC Experimental")
    assert "Biological Injection of mesenchymal stem cells" in rows[0]
    assert "albumin alone" not in rows[0]
    assert rows[1].startswith("Placebo Sham comparator")
    assert "Biological Injection of albumin alone" in rows[1]


def test_outcomes_come_primary_first_with_their_time_frames(septic_shock):
    outcomes = element(septic_shock, "section", id="outcomes")
    headings = [text(h) for h in elements(outcomes, "h3")]
    assert headings == ["Primary outcome (1)", "Secondary outcomes (7)"]
    primary, secondary = elements(outcomes, "table")
    assert "SOFA score To assess the efficacy of a recovery treatment Day 7 (or death day" in text(
        primary
    )
    rows = [text(row) for row in elements(secondary, "tr")][1:]
    assert rows[0] == "Number of living days without catecholamines Day 28"
    assert rows[-1] == "Administration safety (i.e. side effects) up to 90 days"


def test_eligibility_is_split_into_inclusion_and_exclusion_lists(septic_shock):
    eligibility = element(septic_shock, "section", id="eligibility")
    inclusion = element(eligibility, "div", **{"class": "criteria criteria-inclusion"})
    exclusion = element(eligibility, "div", **{"class": "criteria criteria-exclusion"})
    assert len(re.findall("<li>", inclusion)) == 5
    assert len(re.findall("<li>", exclusion)) == 8
    assert "<li>PaO2/FiO2 &lt;100</li>" in exclusion
    facts = text(element(eligibility, "dl"))
    assert "Ages 18 Years and older (Adult (18–64), Older adult (65+))" in facts
    assert "Sex All" in facts
    assert "Healthy volunteers Not accepted" in facts


def test_numbered_criteria_keep_their_numbers_and_sub_items(stroke):
    eligibility = element(stroke, "section", id="eligibility")
    exclusion = element(eligibility, "div", **{"class": "criteria criteria-exclusion"})
    assert text(exclusion).startswith("Exclusion Criteria 2. Bleeding transformation occurred")
    assert "NIHSS score of Ia&lt;2 points" in eligibility
    organ_function = re.search(r"<span class=\"marker\">6\.</span>(.*?)</li></ol></li>", exclusion)
    assert organ_function, "item 6 holds a nested list"
    assert len(re.findall('<span class="marker">', organ_function.group(1))) == 4
    assert "Ages 18 Years to 80 Years" in text(eligibility)


def test_sites_are_grouped_by_country_with_counts_and_contacts(septic_shock):
    locations = element(septic_shock, "section", id="locations")
    assert "4 sites in 1 country." in text(locations)
    france = element(locations, "details", **{"class": "country"})
    assert text(element(france, "summary")) == "France 4 sites"
    assert [text(p) for p in elements(france, "p", **{"class": "place"})] == [
        "Dijon",
        "Nancy",
        "Strasbourg",
        "Vandoeuvre-les-Nancy",
    ]
    assert "UTCT, Hôpital Brabois" in text(france)
    assert "Véronique Decot (sub-investigator)" in text(france)


def test_a_trial_with_many_sites_folds_each_country(client, bundled_catalog):
    page = client.get("/trials/NCT00366145/").content.decode()
    countries = elements(page, "details", **{"class": "country"})
    summaries = [text(element(c, "summary")) for c in countries]
    assert summaries[:2] == ["United States 47 sites", "Canada 12 sites"]
    assert len(summaries) == 6
    assert all('<details class="country">' in c for c in countries)  # closed: 70 sites


def test_conditions_and_mesh_terms_link_to_the_filtered_list(septic_shock):
    conditions = element(septic_shock, "section", id="conditions")
    assert '<a href="/trials/?condition=Septic%20Shock">Septic Shock</a>' in conditions
    assert '<a href="/trials/?condition=Shock%2C%20Septic">Shock, Septic</a>' in conditions


def test_intervention_mesh_terms_and_keywords_link_to_a_search(client, bundled_catalog):
    trial = Trial.objects.filter(trialmesh__kind="intervention").exclude(keywords=[]).first()
    page = client.get(trial.get_absolute_url()).content.decode()
    conditions = element(page, "section", id="conditions")
    term = trial.intervention_mesh_terms[0].term
    assert f'<a href="/trials/?q={quote(term, safe="")}">{escape(term)}</a>' in conditions
    keyword = trial.keywords[0]
    assert f'<a href="/trials/?q={quote(keyword, safe="")}">{escape(keyword)}</a>' in conditions


def test_sponsor_contacts_and_officials(septic_shock):
    people = text(element(septic_shock, "section", id="people"))
    assert "Lead sponsor Central Hospital, Nancy, France Other" in people
    assert "Sébastien GIBOT (contact) +33383852970 s.gibot@chu-nancy.fr" in people
    assert "Sébastien GIBOT (principal investigator) Service de Réanimation Médicale" in people
    assert '<a href="mailto:s.gibot@chu-nancy.fr">' in septic_shock
    assert '<a href="tel:+33383852970">' in septic_shock


def test_identifiers_references_and_the_source(client, bundled_catalog, septic_shock):
    ids = text(element(septic_shock, "section", id="references"))
    assert "Organization's study ID PHRCI 2012/CHOCMSC-GIBOT/SKJ" in ids
    assert '<a href="https://clinicaltrials.gov/study/NCT02883803">' in septic_shock
    record = text(element(septic_shock, "section", id="record"))
    # The MedPath page states no update date (only its copyright year): none is shown.
    assert "Last update posted —" in record
    assert "Source record seed document, MedPath" in record
    assert "Status verified July 2019" in record

    trial = Trial.objects.exclude(references=[]).exclude(version_holder=None).first()
    pmid = next(r["pmid"] for r in trial.references if r.get("pmid"))
    page = client.get(trial.get_absolute_url()).content.decode()
    assert f'<a href="https://pubmed.ncbi.nlm.nih.gov/{pmid}/">PubMed {pmid}</a>' in page
    assert f"version of {trial.version_holder:%-d %B %Y}" in text(page)
    assert f"ClinicalTrials.gov record of {trial.last_update_posted.isoformat()}" in text(page)


def test_secondary_ids_are_listed_with_their_kind(client, bundled_catalog):
    trial = Trial.objects.filter(secondary_ids__0__type="EUDRACT_NUMBER").first()
    page = client.get(trial.get_absolute_url()).content.decode()
    number = trial.secondary_ids[0]["id"]
    assert f"Secondary ID {number} (EudraCT number)" in text(page)


def test_a_trial_without_conditions_or_outcomes_says_so(stroke):
    assert "No conditions listed." in text(element(stroke, "section", id="conditions"))
    assert "No outcome measures listed." in text(element(stroke, "section", id="outcomes"))
    assert "No locations listed." in text(element(stroke, "section", id="locations"))


def test_a_hidden_trial_is_not_shown(client, bundled_catalog):
    Trial.objects.filter(nct_id="NCT02883803").update(is_public=False)
    response = client.get("/trials/NCT02883803/")
    assert response.status_code == 410
    assert "SOFA score" not in response.content.decode()


def test_record_html_never_reaches_the_page(client, bundled_catalog):
    trial = Trial.objects.get(nct_id="NCT02883803")
    trial.brief_summary = 'Cells <script>alert("x")</script> and <img src=x onerror=alert(1)>'
    trial.save()
    arm = trial.arms.first()
    arm.description = "<b>bold</b>"
    arm.save()
    page = client.get("/trials/NCT02883803/").content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
