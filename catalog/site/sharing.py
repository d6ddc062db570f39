"""How a trial page presents itself when shared: its title, description and schema.org data.

The template tags in ``catalog/templatetags/trial_page.py`` put these in the page's ``<head>``
(title, meta description, Open Graph and Twitter card tags, JSON-LD).
"""

from catalog.site.text import summarize

SITE_NAME = "MSC Trials Catalog"
DESCRIPTION_LENGTH = 160

# ClinicalTrials.gov statuses that schema.org's MedicalStudyStatus names.
SCHEMA_STATUSES = {
    "NOT_YET_RECRUITING": "https://schema.org/NotYetRecruiting",
    "RECRUITING": "https://schema.org/Recruiting",
    "ENROLLING_BY_INVITATION": "https://schema.org/EnrollingByInvitation",
    "ACTIVE_NOT_RECRUITING": "https://schema.org/ActiveNotRecruiting",
    "SUSPENDED": "https://schema.org/Suspended",
    "TERMINATED": "https://schema.org/Terminated",
    "COMPLETED": "https://schema.org/Completed",
    "WITHDRAWN": "https://schema.org/Withdrawn",
}


def page_title(trial):
    """``Brief title (NCT01234567)``: the name people see in tabs, bookmarks and previews."""
    return f"{trial.brief_title} ({trial.nct_id})"


def description(trial, limit=DESCRIPTION_LENGTH):
    """For previews: the status (as judged today), phase and first conditions, which decide
    whether a link is worth opening, then the brief summary, cut at a word."""
    conditions = [str(link.condition) for link in trial.trialcondition_set.all()][:2]
    facts = [trial.get_current_status_display(), trial.get_phases_display(), ", ".join(conditions)]
    about = trial.brief_summary or trial.official_title or trial.brief_title
    return summarize(f"{' · '.join(filter(None, facts))}. {about}", limit)


def _organization(org):
    return {"@type": "Organization", "name": org.name}


def json_ld(trial, url):
    """The trial as a schema.org ``MedicalStudy``."""
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalStudy",
        "@id": url,
        "url": url,
        "name": trial.brief_title,
        "identifier": [trial.nct_id] + ([trial.org_study_id] if trial.org_study_id else []),
        "sameAs": trial.ctgov_url,
        "description": summarize(trial.brief_summary, 5000),
    }
    alternate = [t for t in (trial.official_title, trial.acronym) if t and t != trial.brief_title]
    if alternate:
        data["alternateName"] = alternate
    data["status"] = SCHEMA_STATUSES.get(trial.current_status, trial.get_current_status_display())
    conditions = []
    for link in trial.trialcondition_set.all():
        condition = {"@type": "MedicalCondition", "name": link.condition.name}
        conditions.append(condition)
    for term in trial.condition_mesh_terms:
        conditions.append(
            {
                "@type": "MedicalCondition",
                "name": term.term,
                "code": {"@type": "MedicalCode", "codeValue": term.mesh_id, "codingSystem": "MeSH"},
            }
        )
    if conditions:
        data["healthCondition"] = conditions
    subjects = [
        {"@type": "MedicalEntity", "name": item.name}
        for item in trial.interventions.all()
        if item.name
    ]
    if subjects:
        data["studySubject"] = subjects
    sponsors = [trial.lead_sponsor] if trial.lead_sponsor else []
    sponsors += [c.organization for c in trial.collaboration_set.all()]
    if sponsors:
        data["sponsor"] = [_organization(org) for org in sponsors]
    countries = [country for country, _, _ in trial.sites_by_country() if country]
    if countries:
        data["studyLocation"] = [{"@type": "AdministrativeArea", "name": c} for c in countries]
    return data


def citation(trial, url):
    """The record's citation line: "ClinicalTrials.gov NCT…, version of <last update>, via
    <site name> <url>" (the version is the record's last update posted)."""
    version = trial.last_update_posted
    when = f", version of {version.day} {version:%B %Y}" if version else ""
    return f"ClinicalTrials.gov {trial.nct_id}{when}, via {SITE_NAME} {url}"
