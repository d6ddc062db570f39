"""The hottest parts of the pages, rendered by Jinja2 from Django templates.

A list page shows 25 results and hundreds of facet values, and the trial page up to hundreds
of sites: in Django's template language those loops took most of each page's time, and the
same markup renders three to four times faster in Jinja2 (``make bench`` has the figures,
``docs/performance.md`` the comparison). Only these loops move: the pages, their layout and
everything else stay Django templates, which call a fragment with ``{% fragment %}``.

Fragments live beside the templates, as ``templates/catalog/fragments/*.jinja``, rendered by
the ``fragments`` engine of ``settings.TEMPLATES`` with the ``environment`` below: the Django
filters and the catalog's display helpers they use, under the same names.
"""

import html

import jinja2
import markupsafe
from django import template
from django.template import defaultfilters, engines
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from catalog.templatetags import trial_page

register = template.Library()


def environment(**options):
    """The Jinja2 environment of the ``fragments`` engine."""
    env = jinja2.Environment(finalize=_escaped, **options)
    env.globals.update(
        url=lambda name, *args: reverse(name, args=args),
        status_badge=trial_page.status_badge,
        contact=trial_page.contact,
        record_date=trial_page.record_date,
        facet_options=facet_options,
    )
    env.filters.update(trial_page.register.filters)
    env.filters.update(
        date=_date,
        pluralize=defaultfilters.pluralize,
        truncatechars=defaultfilters.truncatechars,
        truncatewords=defaultfilters.truncatewords,
        urlencode=defaultfilters.urlencode,
        yesno=defaultfilters.yesno,
    )
    return env


def _date(value, format=None):
    # As Django's filter in a Django template: a date and time in the current time zone.
    return defaultfilters.date(template_localtime(value), format)


def _escaped(value):
    """A text with quotes escaped as Django escapes them (``&#x27;``, ``&quot;``, where Jinja2
    writes ``&#39;``, ``&#34;``), so a page reads the same throughout; the rest, and texts
    already safe, as Jinja2 escapes them (in C: most of what a page prints has no quote)."""
    if type(value) is str and ("'" in value or '"' in value):
        return markupsafe.Markup(html.escape(value))
    return value


def facet_options(facet, partial=False):
    """A facet's values, each an ``<li>`` with its input and count (``partial``: counted among
    the first matches only, "12+"), for the filter panel (``filters.jinja``).

    Built here rather than in the template: the list page shows a couple of hundred facet
    values, and this loop was a quarter of the page's rendering in Jinja2 (five escapes and
    attribute look-ups per value); as one join it is a few times faster, with the same
    markup."""
    opening = f'<li><label><input type="{facet.input_type}" name="{_html(facet.name)}" value="'
    more = "+" if partial else ""
    return markupsafe.Markup(
        "\n      ".join(
            f'{opening}{_html(v.value)}"{" checked" if v.selected else ""}> {_html(v.label)} '
            f'<span class="count">({v.count}{more})</span></label></li>'
            for v in facet.values
        )
        + ("\n      " if facet.values else "")
    )


def _html(value):
    # As the templates print a value (see ``_escaped``): safe texts as they are.
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


@register.simple_tag
def fragment(name, **context):
    """``{% fragment "catalog/fragments/results.jinja" trials=page.object_list %}``: the
    fragment ``name`` rendered with ``context`` (escaped by Jinja2, so safe here)."""
    return mark_safe(engines["fragments"].get_template(name).render(context))
