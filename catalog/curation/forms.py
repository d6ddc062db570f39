"""Forms of the curators' admin: the trial form (with the version it was loaded at), the
trial-part forms, hiding, and uploading a ClinicalTrials.gov file."""

from django import forms
from django.conf import settings
from django.contrib.postgres.forms import SimpleArrayField
from django.db import models
from django.template.defaultfilters import filesizeformat

from catalog.curation import service
from catalog.models import (
    IPD_INFO_TYPES,
    AgeGroup,
    Arm,
    MscProduct,
    MscProfile,
    MscRoute,
    MscSource,
    Phase,
    Site,
    Trial,
    WhoMasked,
)
from catalog.msc.query import MAX_N_DOSES


class CodesField(forms.TypedMultipleChoiceField):
    """A list of codes, as check boxes."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, choices, **kwargs):
        super().__init__(choices=choices, required=False, **kwargs)


class LinesField(SimpleArrayField):
    """A list of texts, one a line (texts may hold commas)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(forms.CharField(), delimiter="\n", required=False, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = "\n".join(line.strip() for line in value.splitlines() if line.strip())
        return super().to_python(value)


class VersionedForm(forms.ModelForm):
    """Carries the trial's version the form was loaded at; ``clean`` locks the trial's row and
    refuses the save if someone changed the trial since (optimistic locking)."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def versioned_trial_pk(self):
        return self.instance.pk

    def loaded_trial_version(self):
        return self.instance.version

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.versioned_trial_pk():
            self.fields["loaded_version"].initial = self.loaded_trial_version()

    def clean(self):
        cleaned = super().clean()
        pk = self.versioned_trial_pk()
        if pk:
            try:
                service.lock(pk, cleaned.get("loaded_version"))
            except service.StaleVersion as stale:
                self.stale = stale
                raise forms.ValidationError(stale.messages(), code="stale") from None
            except Trial.DoesNotExist:
                raise forms.ValidationError(
                    "Not saved: the trial was deleted after you opened it.", code="deleted"
                ) from None
        return cleaned


# What a curator edits on the trial form: everything but the record-keeping fields.
TRIAL_FORM_FIELDS = [
    f.name
    for f in Trial._meta.concrete_fields
    if f.editable
    and f.name
    not in {
        "id",
        "source_record",
        "source_extra",
        "content_hash",
        "curated_fields",
        "version",
        "search_vector",
    }
]


def https_by_default(db_field, **kwargs):
    """Form fields as the model gives them, addresses typed without a scheme taken as https."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class TrialAdminForm(VersionedForm):
    phases = CodesField(Phase.choices, help_text="ClinicalTrials.gov phase codes.")
    std_ages = CodesField(AgeGroup.choices, label="Age groups")
    who_masked = CodesField(WhoMasked.choices)
    ipd_sharing_info_types = CodesField([(c, c) for c in IPD_INFO_TYPES])
    keywords = LinesField(help_text="One keyword a line.")

    class Meta:
        model = Trial
        fields = TRIAL_FORM_FIELDS
        formfield_callback = https_by_default
        widgets = {
            name: forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"})
            for name in ("brief_title", "official_title", "why_stopped", "hidden_reason")
        }
        error_messages = {
            "enrollment_count": {"min_value": "Enrollment cannot be negative."},
        }


class TrialPartForm(VersionedForm):
    """A trial's arm, site... edited on its own page: locked by its trial's version."""

    def versioned_trial_pk(self):
        return self.instance.trial_id

    def loaded_trial_version(self):
        return self.instance.trial.version


class SiteForm(TrialPartForm):
    class Meta:
        model = Site
        fields = [
            "trial",
            "position",
            "facility",
            "status",
            "city",
            "state",
            "zip",
            "country",
            "latitude",
            "longitude",
            "contacts",
        ]


class ArmForm(forms.ModelForm):
    intervention_names = LinesField(help_text="As the record lists them, one a line.")

    class Meta:
        model = Arm
        fields = ["position", "type", "label", "description", "intervention_names", "interventions"]

    def clean_interventions(self):
        interventions = self.cleaned_data.get("interventions")
        trial_id = self.instance.trial_id
        if interventions and trial_id:
            foreign = [i for i in interventions if i.trial_id != trial_id]
            if foreign:
                raise forms.ValidationError(
                    "Pick interventions of this trial only; "
                    f"{', '.join(str(i) for i in foreign)} belong{'s' * (len(foreign) == 1)} "
                    "to another trial."
                )
        return interventions


class InterventionForm(forms.ModelForm):
    other_names = LinesField()
    arm_group_labels = LinesField(help_text="The arms, as the record lists them, one a line.")


# The columns of each public MSC field a curator sets here (``MscProfile.CURATABLE``, but the
# derived flag, which follows the curator's total, and the implausible flag, which a curator's
# dose clears).
MSC_FORM_COLUMNS = {
    name: tuple(column for column in columns if column not in ("dose_derived", "dose_implausible"))
    for name, columns in MscProfile.CURATABLE.items()
}


class MscProfileForm(forms.ModelForm):
    """A curator's values for the trial's MSC profile (an inline of the trial's page, under the
    trial's version lock). Each public field whose value changes becomes curated
    (``MscProfile.set_curated``): annotation and re-imports keep it, the derived value is kept
    beside it, and it can be reverted to the derived value."""

    FIELD_COLUMNS = MSC_FORM_COLUMNS

    sources = CodesField(MscSource.choices, label="Cell sources")
    products = CodesField(MscProduct.choices)
    routes = CodesField(MscRoute.choices)
    n_doses = forms.IntegerField(
        label="Number of doses", min_value=1, max_value=MAX_N_DOSES, required=False
    )
    note = forms.CharField(
        label="Curator's note",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Why (e.g. “Intra-arterial, per the protocol's section 6.”): shown on the "
        "trial's page as the evidence of the values you change in this save.",
    )

    class Meta:
        model = MscProfile
        fields = [column for columns in MSC_FORM_COLUMNS.values() for column in columns]
        widgets = {"dose_text": forms.Textarea(attrs={"rows": 2, "cols": 60})}
        labels = {
            "cells_per_kg": "Cells per kg",
            "total_cells": "Total cells",
            "dose_min": "Lowest dose",
            "dose_max": "Highest dose",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.before = {name: self.instance.field_value(name) for name in self.FIELD_COLUMNS}
        self.before_columns = {
            column: getattr(self.instance, column)
            for columns in self.FIELD_COLUMNS.values()
            for column in columns
        }
        for name, entry in (self.instance.curated or {}).items():
            for column in self.FIELD_COLUMNS.get(name, ()):
                if column in self.fields:
                    field = self.fields[column]
                    field.help_text = " ".join(
                        filter(
                            None,
                            [
                                field.help_text,
                                f"Curated by {entry.get('by') or 'a curator'}.",
                                f"Derived: {derived_text(name, column, entry.get('computed'))}.",
                            ],
                        )
                    )

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("dose_min"), cleaned.get("dose_max")
        for name in ("cells_per_kg", "total_cells", "dose_min", "dose_max"):
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, "A number of cells cannot be negative.")
        if low is not None and high is not None and low > high:
            self.add_error("dose_max", "The highest dose is below the lowest.")
        if (low is not None or high is not None) and not cleaned.get("dose_unit"):
            self.add_error("dose_unit", "Say whether the doses are per kg or in total.")
        return cleaned

    def changed_fields(self):
        """The public fields whose columns this form changes."""
        changed = set(self.changed_data)
        return [
            name
            for name, columns in self.FIELD_COLUMNS.items()
            if changed & set(columns)
            and any(self.cleaned_data.get(c) != self.before_columns[c] for c in columns)
        ]

    def save_curated(self, user):
        """Record the changed fields as curated and save; returns the history entries
        ``{"msc.<field>": {"old", "new"}}``."""
        profile = self.instance
        names = self.changed_fields()
        if not names:
            return {}
        wanted = {}
        for name in names:
            value = profile.field_value(name)  # the form's values, already on the instance
            if name == "dose":
                total_changed = (
                    self.cleaned_data.get("total_cells") != self.before_columns["total_cells"]
                )
                value["derived"] = bool(self.before["dose"]["derived"]) and not total_changed
            wanted[name] = value
        # Back to the values before the form, so that set_curated keeps the derived ones.
        for column, value in self.before_columns.items():
            setattr(profile, column, value)
        note = self.cleaned_data.get("note", "")
        for name, value in wanted.items():
            profile.set_curated(name, value, user=user.get_username(), note=note)
        profile.save()
        return {
            f"msc.{name}": {"old": self.before[name], "new": profile.field_value(name)}
            for name in names
        }


def derived_text(name, column, computed):
    """The derived (rules') value of one column, as the form's help text gives it."""
    if name == "dose":
        key = {
            "dose_text": "text",
            "dose_min": "min",
            "dose_max": "max",
            "dose_unit": "unit",
            "dose_interval": "interval",
        }.get(column, column)
        value = (computed or {}).get(key)
    else:
        value = computed
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


class HideForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Shown to visitors at the trial's address, e.g. "
        "“Not a mesenchymal stem/stromal cell trial.”",
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        help_text="A ClinicalTrials.gov API v2 file: one study, an API page, a list of "
        "studies (any of them .json or .json.gz), or the website's JSON download (.zip)."
    )
    force = forms.BooleanField(
        required=False,
        help_text="Also overwrite trials whose stored record is newer than the file's.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.CATALOG_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the limit is "
                f"{filesizeformat(limit)}. Import it with the import_ctgov command instead."
            )
        return upload
