"""Forms of the curators' admin: the trial form (with the version it was loaded at), the
trial-part forms, hiding, and uploading a ClinicalTrials.gov file."""

from django import forms
from django.conf import settings
from django.contrib.postgres.forms import SimpleArrayField
from django.db import models
from django.template.defaultfilters import filesizeformat

from catalog import curation
from catalog.models import (
    IPD_INFO_TYPES,
    AgeGroup,
    Arm,
    Phase,
    Site,
    Trial,
    WhoMasked,
)


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
                curation.lock(pk, cleaned.get("loaded_version"))
            except curation.StaleVersion as stale:
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
    and f.name not in {"id", "source_record", "curated_fields", "version", "search_vector"}
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
