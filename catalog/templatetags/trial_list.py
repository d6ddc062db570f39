"""Template helpers for the trial list: what it shows many times over, built in Python."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def facet_value_items(facet):
    """A facet's values as the ``<li>`` items of its list, each an input with its label and
    count: built in one pass here, since the list page shows hundreds of them and the template
    language took most of the page's rendering time for them."""
    return format_html_join(
        "\n      ",
        '<li><label><input type="{}" name="{}" value="{}"{}> {} <span class="count">({})</span>'
        "</label></li>",
        (
            (
                facet.input_type,
                facet.name,
                v.value,
                mark_safe(" checked") if v.selected else "",
                v.label,
                v.count,
            )
            for v in facet.values
        ),
    )
