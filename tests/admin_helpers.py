"""Filling in admin change forms as a browser would: every field with the value it shows."""

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper


def _widget_value(bound):
    widget, value = bound.field.widget, bound.value()
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(widget, forms.CheckboxInput):
        return "on" if value else None
    if isinstance(widget, forms.NullBooleanSelect):
        return {True: "true", False: "false"}.get(value, "unknown")
    if isinstance(widget, forms.SelectMultiple | forms.CheckboxSelectMultiple) or isinstance(
        bound.field, forms.MultipleChoiceField
    ):
        return [str(v.pk if hasattr(v, "pk") else v) for v in (value or [])]
    if hasattr(value, "pk"):
        value = value.pk
    return "" if value is None else str(value)


def _add_form(data, form):
    for bound in form:
        value = _widget_value(bound)
        if value is not None:
            data[bound.html_name] = value


def change_form_data(response):
    """The POST data a browser sends for an admin change page as it was rendered
    (``BoundField.value()`` is the value as the widget shows it)."""
    data = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _add_form(data, formset.management_form)
        for form in formset.forms:
            _add_form(data, form)
    data["_continue"] = "Save and continue editing"
    return data
