"""Template helpers for the trial page: record texts, record links, sharing data."""

import datetime
import functools
import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from catalog.site import sharing, text

register = template.Library()

# As django.utils.html.json_script: nothing in the data can end the script element.
JSON_SCRIPT_ESCAPES = {
    ord(">"): "\\u003E",
    ord("<"): "\\u003C",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


@register.simple_tag
def joining(trial):
    """What someone deciding whether to call needs first, from the record's structured fields
    only: whether the study recruits now, whom it states it takes, where it recruits, and
    whom to contact. Reads the page's prefetched rows; no query of its own."""
    sites = list(trial.sites.all())
    recruiting = [site for site in sites if site.status == "RECRUITING"]
    site = (recruiting or [None])[0]
    contacts = list(trial.central_contacts.all())
    if not contacts and site and site.contacts:
        contacts = [site.contacts[0]]
    contact = next((c for c in contacts if _get(c, "email") or _get(c, "phone")), None)
    action = ""
    if contact and _get(contact, "email"):
        action = f"mailto:{_get(contact, 'email')}"
    elif contact and _get(contact, "phone"):
        action = "tel:" + _get(contact, "phone").replace(" ", "")
    return {
        "open": trial.status_group == "open",
        "site": site,
        "recruiting_sites": len(recruiting),
        "contact": contact,
        "action": action,
    }


@register.simple_tag
def contact(person):
    """A contact's name, role, phone (a ``tel:`` link, with its extension) and email (a
    ``mailto:`` link): a central contact's row or a site contact of the record's JSON."""
    parts = []
    if name := _get(person, "name"):
        parts.append(format_html('<span class="contact-name">{}</span>', name))
    if role := _get(person, "role"):
        parts.append(
            format_html(' <span class="contact-role">({})</span>', code_label(role).lower())
        )
    if phone := _get(person, "phone"):
        parts.append(format_html('<br><a href="tel:{}">{}</a>', phone.replace(" ", ""), phone))
        if extension := _get(person, "phone_ext") or _get(person, "phoneExt"):
            parts.append(format_html(" ext. {}", extension))
    if email := _get(person, "email"):
        parts.append(format_html('<br><a href="mailto:{}">{}</a>', email, email))
    return mark_safe("".join(parts))


def _get(contact, name):
    # Central contacts are rows; a site's contacts are the record's JSON objects.
    return (contact.get(name) if isinstance(contact, dict) else getattr(contact, name, "")) or ""


@register.filter
def ago(value):
    """How long ago a date was, in its largest unit ("4 years ago"): how old a record is
    matters more to a reader deciding whether to call than the date itself."""
    if not value:
        return ""
    today = datetime.date.today()
    if type(value) is datetime.date and (today - value).days > 1:
        # In days or more, the same all day: a list page asks for 25, and timesince is slow.
        return _days_ago(value, today)
    return f"{timesince(value, depth=1)} ago"


@functools.lru_cache(maxsize=4096)
def _days_ago(value, today):
    return f"{timesince(value, depth=1)} ago"


# What a record says of a date it gives, as the page words it.
DATE_TYPES = {"ESTIMATED": " (estimated)", "ACTUAL": " (actual)"}


@register.simple_tag
def record_date(value, precision="", type=""):
    """A record's date as the page shows it: ``May 2019`` (a month's precision) or
    ``15 May 2019``, with "(estimated)" or "(actual)" when the record says which; a dash
    for none."""
    if not value:
        return "—"
    shown = date_format(value, "F Y" if precision == "month" else "j F Y")
    return shown + DATE_TYPES.get(type, "")


@register.simple_tag
def status_badge(trial):
    """The trial's status as the catalog judges it, as a badge of its group's colour."""
    return format_html(
        '<span class="status badge badge-{}">{}</span>',
        trial.status_group,
        trial.get_current_status_display(),
    )


# A ClinicalTrials.gov text (Markdown dialect) as safe HTML; eligibility criteria split into
# their inclusion and exclusion sections.
register.filter("ctgov_text", text.render_text)
register.filter("eligibility", text.split_eligibility)


@register.filter
def http_url(value):
    """The address if it is an http(s) one, else an empty string: never a ``javascript:``."""
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) else ""


@register.filter
def month_name(value):
    """``2019-07`` → ``July 2019``; other values as they are."""
    try:
        return datetime.date.fromisoformat(f"{value}-01").strftime("%B %Y")
    except (TypeError, ValueError):
        return value


register.simple_tag(sharing.page_title, name="trial_title")
register.simple_tag(sharing.description, name="trial_description")


@register.simple_tag
def trial_json_ld(trial, url):
    """The schema.org data in a ``<script type="application/ld+json">``, safely escaped."""
    data = json.dumps(sharing.json_ld(trial, url), cls=DjangoJSONEncoder, ensure_ascii=False)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(data.translate(JSON_SCRIPT_ESCAPES)),
    )


# Labels for the codes of the record's free-form lists (identifiers, references, contacts).
CODE_LABELS = {
    "BACKGROUND": "Background",
    "RESULT": "Results",
    "DERIVED": "Derived from the study",
    "EUDRACT_NUMBER": "EudraCT number",
    "CTIS": "EU CT number",
    "NIH": "U.S. NIH grant/contract",
    "FDA": "U.S. FDA grant/contract",
    "U_S_NIH_GRANT_CONTRACT": "U.S. NIH grant/contract",
    "U_S_FDA_GRANT_CONTRACT": "U.S. FDA grant/contract",
    "OTHER_GRANT": "Other grant/funding number",
    "REGISTRY": "Registry identifier",
    "OTHER": "Other identifier",
    "YES": "Yes",
    "NO": "No",
    "UNDECIDED": "Undecided",
    "PRINCIPAL_INVESTIGATOR": "Principal investigator",
    "SUB_INVESTIGATOR": "Sub-investigator",
    "STUDY_CHAIR": "Study chair",
    "STUDY_DIRECTOR": "Study director",
    "CONTACT": "Contact",
}


@register.filter
def code_label(value):
    """``EUDRACT_NUMBER`` → ``EudraCT number``; unknown codes in plain words."""
    if not value:
        return ""
    return CODE_LABELS.get(value) or value.replace("_", " ").capitalize()


@register.filter
def ipd_info_type(value):
    """``SAP`` → ``Statistical analysis plan``; unknown codes in plain words."""
    from catalog.models import IpdInfoType

    return dict(IpdInfoType.choices).get(value) or code_label(value)


@register.filter
def document_parts(document):
    """What a registry document holds: ``["Protocol", "SAP"]``."""
    flags = (("has_protocol", "Protocol"), ("has_sap", "SAP"), ("has_icf", "Consent form"))
    return [label for name, label in flags if getattr(document, name)]


@register.filter
def iso_date(value):
    """``2017-05-15`` → ``15 May 2017``; ``2017-05`` → ``May 2017``; other values as they are."""
    try:
        return datetime.date.fromisoformat(value).strftime("%-d %B %Y")
    except (TypeError, ValueError):
        return month_name(value)


@register.filter
def zip_groups(cells, groups):
    """A results row's cells with the group each is for (``catalog.site.results``)."""
    return zip(cells, groups, strict=False)


@register.filter
def zip_headers(cells, headers):
    """A table view row's cells with their column headers (``catalog.site.table``)."""
    return zip(cells, headers, strict=False)
