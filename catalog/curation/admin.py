"""The curators' admin: trials and their parts, publishing, reverting to the source record,
history, and uploading ClinicalTrials.gov files.

A curator's save goes through ``catalog.curation``: the fields and collections they change are
marked curated (a re-import keeps them), the trial's version moves on, and the change is
recorded. The trial form carries the version it was loaded at; a save over a newer version is
refused (see ``admin_forms.VersionedForm``).
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from catalog.curation import service
from catalog.curation.forms import (
    ArmForm,
    HideForm,
    InterventionForm,
    MscProfileForm,
    SiteForm,
    TrialAdminForm,
    UploadForm,
)
from catalog.models import (
    COLLECTION_LABELS,
    MSC_REVIEW_KINDS,
    Arm,
    CentralContact,
    ChangeKind,
    Collaboration,
    Condition,
    DoseUnit,
    Intervention,
    MeshTerm,
    MscProfile,
    Official,
    Organization,
    Outcome,
    Phase,
    Site,
    SyncState,
    Trial,
    TrialChange,
    TrialCondition,
    TrialMesh,
    field_label,
)
from catalog.registry.ctgov import StudyError
from catalog.registry.importer import UNREVIEWED_REASON, Importer

admin.site.site_header = "MSC Trials Catalog"
admin.site.site_title = "MSC Trials Catalog curation"
admin.site.index_title = "Curation"


class PlainCharField(forms.CharField):
    """Text as typed: browsers' CRLF line ends made LF, nothing stripped, so a field the
    curator did not touch never reads as changed (and never becomes curated)."""

    def __init__(self, **kwargs):
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


PLAIN_TEXT = {
    models.TextField: {"form_class": PlainCharField},
    models.CharField: {"form_class": PlainCharField},
    models.URLField: {"assume_scheme": "https"},
}


# List filters ----------------------------------------------------------------------------------


class PhaseFilter(admin.SimpleListFilter):
    title = "phase"
    parameter_name = "phase"

    def lookups(self, request, model_admin):
        return Phase.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(phases__contains=[self.value()])
        return queryset


class CountryFilter(admin.SimpleListFilter):
    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        countries = (
            Site.objects.exclude(country="")
            .order_by("country")
            .values_list("country", flat=True)
            .distinct()
        )
        return [(c, c) for c in countries]

    def queryset(self, request, queryset):
        if self.value():
            sites = Site.objects.filter(trial=OuterRef("pk"), country=self.value())
            return queryset.filter(Exists(sites))
        return queryset


class CuratedFilter(admin.SimpleListFilter):
    title = "curation"
    parameter_name = "curated"

    def lookups(self, request, model_admin):
        return [("yes", "Has curated fields"), ("no", "As imported")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.curated()
        if self.value() == "no":
            return queryset.filter(curated_fields={})
        return queryset


# Inlines: a trial's parts. -----------------------------------------------------------------------


def trial_collection(model):
    """The trial's collection ``model``'s rows make up (``sites``, ``conditions``): the name its
    edits are recorded and curated under."""
    for field in Trial._meta.many_to_many:
        if field.remote_field.through is model:
            return field.name
    return model._meta.get_field("trial").remote_field.related_name


class TrialPartInline:
    """A trial's part on the trial's page, folded away until opened."""

    extra = 0
    classes = ("collapse",)
    formfield_overrides = PLAIN_TEXT

    def __init__(self, parent_model, admin_site):
        super().__init__(parent_model, admin_site)
        self.collection = trial_collection(self.model)
        self.verbose_name_plural = COLLECTION_LABELS[self.collection]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.collection = self.collection
        return formset


class SharedRecordInline(TrialPartInline, admin.TabularInline):
    """A trial's links to records trials share (organizations, conditions, MeSH terms), each
    picked by name."""

    fields_before = ()  # fields shown before the position and the linked record
    classes = ()

    def get_fields(self, request, obj=None):
        return (*self.fields_before, "position", self.model.linked)

    def get_autocomplete_fields(self, request):
        return (self.model.linked,)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(self.model.linked)


class CollaborationInline(SharedRecordInline):
    model = Collaboration


class TrialConditionInline(SharedRecordInline):
    model = TrialCondition


class TrialMeshInline(SharedRecordInline):
    model = TrialMesh
    fields_before = ("kind",)
    classes = ("collapse",)


class InterventionInline(TrialPartInline, admin.StackedInline):
    model = Intervention
    form = InterventionForm
    fields = (("position", "type", "name"), "description", ("other_names", "arm_group_labels"))


class ArmInline(TrialPartInline, admin.StackedInline):
    model = Arm
    form = ArmForm
    fields = (
        ("position", "type", "label"),
        "description",
        ("intervention_names", "interventions"),
    )
    autocomplete_fields = ("interventions",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("interventions")


class OutcomeInline(TrialPartInline, admin.StackedInline):
    model = Outcome
    fields = (("kind", "position"), "measure", ("time_frame", "description"))


class SiteInline(TrialPartInline, admin.TabularInline):
    """Locations in a compact table, folded away; each opens on its own page for the rest."""

    model = Site
    fields = ("position", "facility", "status", "city", "state", "zip", "country")
    show_change_link = True


class CentralContactInline(TrialPartInline, admin.TabularInline):
    model = CentralContact
    fields = ("position", "name", "role", "phone", "phone_ext", "email")


class OfficialInline(TrialPartInline, admin.TabularInline):
    model = Official
    fields = ("position", "name", "role", "affiliation")


class CuratedWithItsTrial:
    """A trial's MSC profile is curated as part of the trial: the trial's permissions decide who
    sees and changes it, and nobody adds one (the rules do) or deletes one on its own."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("catalog.view_trial") or self.has_change_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("catalog.change_trial")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MscProfileInline(CuratedWithItsTrial, admin.StackedInline):
    """The trial's MSC profile: what a curator sets here becomes curated (see MscProfileForm);
    saved with the trial's page, under its version lock, and recorded in its history."""

    model = MscProfile
    form = MscProfileForm
    formfield_overrides = PLAIN_TEXT
    extra = 0
    max_num = 1
    can_delete = False
    verbose_name = "MSC profile"
    verbose_name_plural = "MSC profile (curate the derived values)"
    fieldsets = (
        (
            None,
            {
                "description": "Derived from the record by the catalog's rules. A value you "
                "change here becomes curated: re-annotation and re-imports keep it, and the "
                "derived value stays beside it (see “Curated MSC profile values” above).",
                "fields": ("is_msc", ("sources", "products"), ("donor", "routes")),
            },
        ),
        (
            "Dose",
            {
                "fields": (
                    "dose_text",
                    ("cells_per_kg", "total_cells"),
                    ("dose_min", "dose_max", "dose_unit"),
                    ("n_doses", "dose_interval"),
                )
            },
        ),
        (None, {"fields": ("note",)}),
    )


# The trial admin --------------------------------------------------------------------------------


@admin.register(Trial)
class TrialAdmin(admin.ModelAdmin):
    form = TrialAdminForm
    formfield_overrides = PLAIN_TEXT
    change_list_template = "admin/catalog/trial/change_list.html"
    change_form_template = "admin/catalog/trial/change_form.html"
    list_display = (
        "nct_id",
        "title",
        "overall_status",
        "phases_label",
        "study_type",
        "sponsor",
        "last_update_posted",
        "is_public",
        "curated",
        "version",
    )
    list_display_links = ("nct_id", "title")
    list_select_related = ("lead_sponsor",)
    list_filter = (
        "overall_status",
        PhaseFilter,
        "study_type",
        CountryFilter,
        "is_public",
        CuratedFilter,
    )
    list_per_page = 50
    search_fields = ("nct_id", "brief_title", "acronym", "lead_sponsor__name", "conditions__name")
    search_help_text = "Search by NCT ID, title, acronym, sponsor or condition."
    date_hierarchy = "last_update_posted"
    autocomplete_fields = ("lead_sponsor",)
    actions = ("publish", "hide", "revert_to_source")
    inlines = (
        CollaborationInline,
        TrialConditionInline,
        TrialMeshInline,
        ArmInline,
        InterventionInline,
        OutcomeInline,
        SiteInline,
        CentralContactInline,
        OfficialInline,
    )
    readonly_fields = (
        "version",
        "minimum_age_years",
        "maximum_age_years",
        "imported_at",
        "updated_at",
        "is_synthetic",
        "record_source",
        "record_publisher",
    )
    fieldsets = (
        (
            None,
            {"fields": ("loaded_version", "nct_id", "brief_title", "official_title", "acronym")},
        ),
        (
            "Publishing",
            {
                "fields": ("is_public", "hidden_reason"),
                "description": "Hidden trials vanish from the catalog's pages, search and API; "
                "their address tells visitors the reason. Only editors publish and hide.",
            },
        ),
        (
            "Status and dates",
            {
                "fields": (
                    ("overall_status", "last_known_status"),
                    "why_stopped",
                    ("status_verified_date", "has_expanded_access", "has_results"),
                    ("start_date", "start_date_precision", "start_date_type"),
                    (
                        "primary_completion_date",
                        "primary_completion_date_precision",
                        "primary_completion_date_type",
                    ),
                    ("completion_date", "completion_date_precision", "completion_date_type"),
                    ("first_submitted", "first_submitted_qc"),
                    ("first_posted", "first_posted_type"),
                    ("last_update_submitted", "last_update_posted", "last_update_posted_type"),
                    (
                        "results_first_submitted",
                        "results_first_posted",
                        "results_first_posted_type",
                    ),
                )
            },
        ),
        (
            "Sponsor and oversight",
            {
                "fields": (
                    "lead_sponsor",
                    ("responsible_party_type", "responsible_party_name"),
                    ("responsible_party_title", "responsible_party_affiliation"),
                    ("oversight_has_dmc", "is_fda_regulated_drug", "is_fda_regulated_device"),
                )
            },
        ),
        (
            "Description",
            {
                "fields": (
                    "brief_summary",
                    "detailed_description",
                    "keywords",
                    "condition_browse_branches",
                    "intervention_browse_branches",
                )
            },
        ),
        (
            "Design",
            {
                "fields": (
                    ("study_type", "patient_registry"),
                    "phases",
                    ("allocation", "intervention_model"),
                    "intervention_model_description",
                    "primary_purpose",
                    "masking",
                    "masking_description",
                    "who_masked",
                    ("observational_model", "time_perspective"),
                    ("enrollment_count", "enrollment_type"),
                    ("bio_spec_retention", "bio_spec_description"),
                )
            },
        ),
        (
            "Eligibility",
            {
                "fields": (
                    "eligibility_criteria",
                    ("healthy_volunteers", "sex"),
                    ("minimum_age", "minimum_age_years"),
                    ("maximum_age", "maximum_age_years"),
                    "std_ages",
                    "study_population",
                    "sampling_method",
                )
            },
        ),
        (
            "Identification, sharing and references",
            {
                "classes": ("collapse",),
                "fields": (
                    ("org_study_id", "org_study_id_type"),
                    "org_study_id_link",
                    "secondary_ids",
                    ("organization_name", "organization_class"),
                    ("ipd_sharing", "ipd_sharing_info_types"),
                    "ipd_sharing_description",
                    "ipd_sharing_time_frame",
                    "ipd_sharing_access_criteria",
                    "ipd_sharing_url",
                    "references",
                    "see_also_links",
                ),
            },
        ),
        (
            "Record",
            {
                "classes": ("collapse",),
                "fields": (
                    ("version", "version_holder"),
                    ("record_source", "record_publisher"),
                    ("imported_at", "updated_at"),
                    "is_synthetic",
                ),
            },
        ),
    )

    # The list

    @admin.display(description="title", ordering="brief_title")
    def title(self, trial):
        return Truncator(trial.brief_title).chars(80)

    @admin.display(description="phases")
    def phases_label(self, trial):
        return trial.get_phases_display() or "—"

    @admin.display(description="lead sponsor", ordering="lead_sponsor__name")
    def sponsor(self, trial):
        return trial.lead_sponsor.name if trial.lead_sponsor else "—"

    @admin.display(description="curated", boolean=True)
    def curated(self, trial):
        return bool(trial.curated_fields)

    def get_queryset(self, request):
        trials = super().get_queryset(request)
        match = request.resolver_match
        if match and match.url_name == "catalog_trial_changelist":
            # The list reads none of the long texts.
            trials = trials.defer(
                "source_record",
                "search_vector",
                "rank_vector",
                "brief_summary",
                "detailed_description",
                "eligibility_criteria",
            )
        return trials

    # Permissions: only editors publish and hide.

    def has_publish_permission(self, request):
        return request.user.has_perm("catalog.publish_trial")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ("nct_id",)  # the record's identity: imports and syncs find it by it
        if not self.has_publish_permission(request):
            fields += ("is_public", "hidden_reason")
        return fields

    # Saving: mark what the curator changed, record it, move the version on.

    def save_model(self, request, obj, form, change):
        if not change:
            if not self.has_publish_permission(request):
                obj.is_public = settings.CATALOG_PUBLISH_IMPORTED
                obj.hidden_reason = "" if obj.is_public else UNREVIEWED_REASON
            obj.version = 1
            obj.save()
            form.curation = {"changes": {}, "names": set(), "created": True}
            return
        names = [n for n in form.changed_data if n in TRIAL_FIELDS]
        changes = {}
        if names:
            lookups = {n: "lead_sponsor__name" if n == "lead_sponsor" else n for n in names}
            old = Trial.objects.filter(pk=obj.pk).values(*lookups.values()).get()
            for name in names:
                before = old[lookups[name]]
                if name == "lead_sponsor":
                    after = obj.lead_sponsor.name if obj.lead_sponsor else None
                else:
                    after = getattr(obj, name)
                if before != after:
                    changes[name] = {"old": _json(before), "new": _json(after)}
            names = list(changes)
        if names:
            fields = {f for n in names for f in service.FIELD_GROUPS.get(n, (n,))} & TRIAL_FIELDS
            obj.save(update_fields=sorted(fields | {"updated_at"}))
        form.curation = {"changes": changes, "names": set(names), "created": False}

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and MscProfile.objects.filter(trial=obj).exists():
            inlines.insert(0, MscProfileInline)
        return inlines

    def save_formset(self, request, form, formset, change):
        if formset.model is MscProfile:
            # Each changed value becomes curated (never a plain save of the derived values).
            formset.msc_changes = {}
            formset.new_objects, formset.deleted_objects = [], []
            formset.changed_objects = []  # the change is the trial's history entry
            for msc_form in formset.forms:
                if msc_form.has_changed():
                    formset.msc_changes.update(msc_form.save_curated(request.user))
            return
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        info = form.curation
        changes, names = dict(info["changes"]), set(info["names"])
        for formset in formsets:
            changes.update(getattr(formset, "msc_changes", {}))
            collection = getattr(formset, "collection", None)
            if collection and (
                formset.new_objects or formset.changed_objects or formset.deleted_objects
            ):
                before = formset.initial_form_count()
                after = before + len(formset.new_objects) - len(formset.deleted_objects)
                changes[collection] = {"old": before, "new": after, "collection": True}
                names.add(collection)
        service.record_edit(form.instance, changes, names, request.user, created=info["created"])

    # The change page: the curated fields beside their source values, the latest history.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        trial = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if trial is not None:
            extra_context.update(
                curated_rows=service.curated_rows(trial),
                msc_curated_rows=service.msc_curated_rows(trial),
                recent_changes=TrialChange.objects.filter(trial=trial)
                .select_related("user")
                .order_by("-version", "-pk")[:5],
                can_revert=self.has_change_permission(request, trial),
                revert_url=reverse("admin:catalog_trial_revert", args=[trial.pk]),
                history_url=reverse("admin:catalog_trial_history", args=[trial.pk]),
                sites_url=reverse("admin:catalog_site_changelist")
                + f"?trial__id__exact={trial.pk}",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="catalog_trial_upload"),
            path("<path:object_id>/revert/", view(self.revert_view), name="catalog_trial_revert"),
        ] + super().get_urls()

    def revert_view(self, request, object_id):
        """Revert one curated field (``?field=NAME``), or the whole trial (``__all__``), to the
        source record: a confirmation page, then a POST carrying the version it showed."""
        trial = get_object_or_404(Trial, pk=unquote(object_id))
        if not self.has_change_permission(request, trial):
            raise PermissionDenied
        change_url = reverse("admin:catalog_trial_change", args=[trial.pk])
        field = request.POST.get("field") or request.GET.get("field", "")
        if field.startswith(service.MSC_PREFIX):
            return self._revert_msc(request, trial, field, change_url)
        if field != "__all__" and field not in trial.curated_fields:
            messages.warning(
                request, f"{field_label(field) if field else 'That field'} is not curated."
            )
            return HttpResponseRedirect(change_url)
        if request.method == "POST":
            with transaction.atomic():
                if stale := self._lock_loaded_version(request, trial, change_url):
                    return stale
                self._revert(request, trial, field)
            return HttpResponseRedirect(change_url)
        rows = [r for r in service.curated_rows(trial) if field in ("__all__", r["key"])]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revert {trial.nct_id} to its source record",
            "opts": self.opts,
            "object": trial,
            "field": field,
            "rows": rows,
        }
        return TemplateResponse(request, "admin/catalog/trial/revert.html", context)

    def _lock_loaded_version(self, request, trial, change_url):
        """Lock the trial at the version the curator's page was loaded from (in the caller's
        transaction); a redirect back with the reasons when someone has saved since."""
        try:
            service.lock(trial.pk, _int(request.POST.get("loaded_version")))
        except service.StaleVersion as stale:
            for line in stale.messages():
                messages.error(request, line)
            return HttpResponseRedirect(change_url)
        return None

    def _revert_msc(self, request, trial, field, change_url):
        """Give a curated value of the MSC profile back to the rules (``?field=msc.route``)."""
        rows = [r for r in service.msc_curated_rows(trial) if r["key"] == field]
        if not rows:
            messages.warning(request, "That MSC profile value is not curated.")
            return HttpResponseRedirect(change_url)
        if request.method == "POST":
            with transaction.atomic():
                if stale := self._lock_loaded_version(request, trial, change_url):
                    return stale
                change = service.revert_msc_field(trial, field, request.user)
            what = change.text() if change else "no value differed"
            messages.success(request, f"Back to the derived value: {what}.")
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revert {trial.nct_id}'s {rows[0]['label']} to the derived value",
            "opts": self.opts,
            "object": trial,
            "field": field,
            "rows": rows,
            "msc": True,
        }
        return TemplateResponse(request, "admin/catalog/trial/revert.html", context)

    def _revert(self, request, trial, field):
        if field == "__all__":
            summary = service.revert_trials([trial], request.user)
            if summary.failed:
                reason = summary.failures[0].reason
                messages.error(request, f"{trial.nct_id} could not be reverted: {reason}")
            else:
                messages.success(request, f"{trial.nct_id} is back to its source record.")
            return
        try:
            change = service.revert_fields(trial, [field], request.user)
        except StudyError as error:
            messages.error(request, f"Could not revert: the source record is unreadable ({error}).")
            return
        what = change.text() if change and change.changes else "no value differed"
        messages.success(request, f"Reverted to the source record: {what}.")

    def history_view(self, request, object_id, extra_context=None):
        """Every change of the trial, newest first: by imports, syncs and curators."""
        trial = self.get_object(request, unquote(object_id))
        if trial is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, trial):
            raise PermissionDenied
        changes = (
            TrialChange.objects.filter(trial=trial)
            .select_related("user")
            .order_by("-version", "-pk")
        )
        page = Paginator(changes, 100).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"History of {trial.nct_id}",
            "subtitle": trial.brief_title,
            "opts": self.opts,
            "object": trial,
            "page": page,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/catalog/trial/history.html", context)

    def upload_view(self, request):
        """Import a ClinicalTrials.gov v2 file through the importer and show its summary."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        summary = None
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                importer = Importer(
                    force=form.cleaned_data["force"],
                    kind=ChangeKind.IMPORT,
                    actor=f"upload of {upload.name} by {request.user.get_username()}",
                    user=request.user,
                )
                summary = importer.run_data(upload.name, b"".join(upload.chunks()))
                if summary.total == 0:
                    messages.warning(request, f"{upload.name} holds no studies.")
                elif summary.failed:
                    messages.error(request, f"{upload.name}: {summary}.")
                else:
                    messages.success(request, f"{upload.name}: {summary}.")
        else:
            form = UploadForm()
        changed = []
        if summary and summary.changed_ids:
            changed = Trial.objects.filter(nct_id__in=summary.changed_ids[:500]).only(
                "pk", "nct_id", "brief_title"
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload a ClinicalTrials.gov file",
            "opts": self.opts,
            "form": form,
            "summary": summary,
            "changed": changed,
            "changes": [
                (nct_id, TrialChange(changes=changes, version=2).text())
                for nct_id, changes in sorted(summary.changes.items())
            ]
            if summary
            else [],
        }
        return TemplateResponse(request, "admin/catalog/trial/upload.html", context)

    # Actions

    @admin.action(description="Publish the selected trials", permissions=["publish"])
    def publish(self, request, queryset):
        done = [
            t
            for t in queryset.select_related(None).only("pk")
            if service.set_published(t, request.user, public=True)
        ]
        self.message_user(request, f"{len(done)} trial{'s' * (len(done) != 1)} published.")

    @admin.action(description="Hide the selected trials…", permissions=["publish"])
    def hide(self, request, queryset):
        form = HideForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            done = [
                t
                for t in queryset.select_related(None).only("pk")
                if service.set_published(t, request.user, public=False, reason=reason)
            ]
            self.message_user(request, f"{len(done)} trial{'s' * (len(done) != 1)} hidden.")
            return None
        return self._confirm(request, queryset, "hide", form, "Hide trials")

    @admin.action(
        description="Revert the selected trials to their source records…", permissions=["change"]
    )
    def revert_to_source(self, request, queryset):
        if "apply" in request.POST:
            summary = service.revert_trials(
                queryset.select_related(None).only("pk", "nct_id", "source_record"), request.user
            )
            reverted = summary.total - summary.failed
            self.message_user(request, f"{reverted} trial{'s' * (reverted != 1)} reverted.")
            for failure in summary.failures:
                self.message_user(
                    request, f"Not reverted: {failure.nct_id}: {failure.reason}", messages.ERROR
                )
            return None
        return self._confirm(request, queryset, "revert_to_source", None, "Revert trials")

    def _confirm(self, request, queryset, action, form, title):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "action": action,
            "form": form,
            "trials": queryset.select_related(None).only(
                "pk", "nct_id", "brief_title", "curated_fields"
            )[:200],
            "count": queryset.count(),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/catalog/trial/confirm_action.html", context)


TRIAL_FIELDS = {f.name for f in Trial._meta.concrete_fields}


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class TrialColumn:
    """For the lists of rows that belong to a trial: ``trial_id_label``, a column of the trial's
    NCT ID (sorted by it)."""

    @admin.display(description="trial", ordering="trial__nct_id")
    def trial_id_label(self, row):
        return row.trial.nct_id


# A trial's parts on their own pages -------------------------------------------------------------


class TrialPartAdmin(admin.ModelAdmin):
    """Edits one part of a trial (a site...): recorded as a curator's change of the trial's
    collection, which becomes curated; the form is locked by the trial's version."""

    formfield_overrides = PLAIN_TEXT
    autocomplete_fields = ("trial",)
    # The parts of the most recently updated trials first, each trial's in the record's order
    # (the models order by the trial's id, which costs their other queries no join).
    ordering = ("trial", "position")

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self.collection = trial_collection(model)

    def get_readonly_fields(self, request, obj=None):
        return ("trial",) if obj else ()

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("trial")
            .defer("trial__source_record", "trial__search_vector", "trial__rank_vector")
        )

    def _count(self, trial_id):
        return self.model.objects.filter(trial_id=trial_id).count()

    def save_model(self, request, obj, form, change):
        before = self._count(obj.trial_id) if obj.trial_id else 0
        super().save_model(request, obj, form, change)
        if change and not form.has_changed():
            return
        after = self._count(obj.trial_id)
        changes = {self.collection: {"old": before, "new": after, "collection": True}}
        service.record_edit(obj.trial, changes, {self.collection}, request.user)

    def delete_model(self, request, obj):
        before = self._count(obj.trial_id)
        trial = obj.trial
        super().delete_model(request, obj)
        changes = {self.collection: {"old": before, "new": before - 1, "collection": True}}
        service.record_edit(trial, changes, {self.collection}, request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("trial"):
            self.delete_model(request, obj)


@admin.register(Site)
class SiteAdmin(TrialColumn, TrialPartAdmin):
    form = SiteForm
    list_display = ("facility", "city", "state", "country", "status", "trial_id_label")
    list_filter = ("status", "country")
    search_fields = ("facility", "city", "country", "trial__nct_id")
    fields = (
        "loaded_version",
        "trial",
        "position",
        "facility",
        "status",
        ("city", "state", "zip"),
        "country",
        ("latitude", "longitude"),
        "contacts",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .only(
                *[f.name for f in Site._meta.concrete_fields],
                "trial__id",
                "trial__nct_id",
                "trial__version",
            )
        )


class DeletedWithTheirTrial:
    """Rows deleted only with their trial: the trial's delete page may take them along (for a
    user who may delete them), but they have no delete page or action of their own."""

    def has_delete_permission(self, request, obj=None):
        codename = f"catalog.delete_{self.opts.model_name}"
        return obj is not None and request.user.has_perm(codename)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_delete": False}
        return super().change_view(request, object_id, form_url, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows seen in the admin but written elsewhere (by the trial's page, imports or syncs)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Intervention)
class InterventionAdmin(TrialColumn, DeletedWithTheirTrial, ReadOnlyAdmin):
    """Read-only: interventions are edited in their trial; listed for the arms' autocomplete
    (type the trial's NCT ID to see its interventions)."""

    list_display = ("name", "type", "trial_id_label")
    list_select_related = ("trial",)
    search_fields = ("name", "trial__nct_id")
    list_filter = ("type",)
    ordering = TrialPartAdmin.ordering

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .only(
                *[f.name for f in Intervention._meta.concrete_fields], "trial__id", "trial__nct_id"
            )
        )


# Shared records ---------------------------------------------------------------------------------


def trial_count_column(description):
    """A changelist column of how many trials use a shared record (annotated as trial_count)."""

    @admin.display(description=description, ordering="trial_count")
    def column(self, record):
        return record.trial_count

    return column


class SharedRecordAdmin(admin.ModelAdmin):
    """A record trials share, listed with how many trials use it."""

    formfield_overrides = PLAIN_TEXT
    counted = ""  # the relation whose trials are counted
    trial_count = trial_count_column("trials")

    def get_queryset(self, request):
        records = super().get_queryset(request).annotate(trial_count=Count(self.counted))
        return records.order_by(*self.model._meta.ordering, "pk")


@admin.register(Organization)
class OrganizationAdmin(SharedRecordAdmin):
    counted = "led_trials"
    list_display = ("name", "agency_class", "trial_count")
    list_filter = ("agency_class",)
    search_fields = ("name",)
    trial_count = trial_count_column("trials led")


@admin.register(Condition)
class ConditionAdmin(SharedRecordAdmin):
    counted = "trialcondition"
    list_display = ("name", "mesh_term", "trial_count")
    list_select_related = ("mesh_term",)
    search_fields = ("name", "mesh_term__term")
    autocomplete_fields = ("mesh_term",)


@admin.register(MeshTerm)
class MeshTermAdmin(admin.ModelAdmin):
    formfield_overrides = PLAIN_TEXT
    list_display = ("term", "mesh_id")
    search_fields = ("term", "mesh_id")


# History and sync state: read only ---------------------------------------------------------------


@admin.register(TrialChange)
class TrialChangeAdmin(TrialColumn, DeletedWithTheirTrial, ReadOnlyAdmin):
    """A trial's history goes only with the trial (an editor deleting it)."""

    list_display = ("created_at", "trial_id_label", "version", "kind", "actor", "summary")
    list_filter = ("kind",)
    search_fields = ("trial__nct_id", "actor")
    date_hierarchy = "created_at"
    fields = ("trial", "version", "created_at", "kind", "actor", "user", "summary")
    readonly_fields = fields

    @admin.display(description="what changed")
    def summary(self, change):
        return Truncator(change.text()).chars(300)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("trial")
            .only(
                "id",
                "version",
                "created_at",
                "kind",
                "actor",
                "changes",
                "user",
                "trial",
                "trial__nct_id",
            )
        )


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyAdmin):
    list_display = ("query", "last_success_at", "last_run_at", "last_run_ok")
    fields = ("query", "last_success_at", "last_run_at", "last_run_ok", "last_run_summary")
    readonly_fields = fields


# The curators' queue of MSC profiles ------------------------------------------------------------


class MscReviewKindFilter(admin.SimpleListFilter):
    title = "reason"
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return [(kind, label) for kind, (_codes, label) in MSC_REVIEW_KINDS.items()]

    def queryset(self, request, queryset):
        if self.value() in MSC_REVIEW_KINDS:
            return queryset.needing_review(self.value())
        return queryset


@admin.register(MscProfile)
class MscReviewAdmin(CuratedWithItsTrial, DeletedWithTheirTrial, admin.ModelAdmin):
    """The curators' queue: MSC profiles the rules ask a curator to look at (blank although the
    record speaks of MSCs, an implausible dose, a value no sentence states). "Confirm" makes the
    values under review curated as they are; "Correct" opens the trial's page, whose MSC profile
    section curates what the curator changes. Either takes the profile out of the queue."""

    list_display = ("trial_link", "reasons", "is_msc", "sources", "donor", "routes", "dose")
    list_filter = (MscReviewKindFilter,)
    list_select_related = ("trial",)
    search_fields = ("trial__nct_id",)
    ordering = ("trial__nct_id",)
    actions = ("confirm",)
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).needing_review()

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "MSC curators' queue", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description="trial", ordering="trial__nct_id")
    def trial_link(self, profile):
        url = reverse("admin:catalog_trial_change", args=[profile.trial_id])
        return format_html('<a href="{}">{} (correct…)</a>', url, profile.trial.nct_id)

    @admin.display(description="to review")
    def reasons(self, profile):
        labels = []
        for code in profile.open_review:
            label = REVIEW_LABELS.get(code, code)
            if code == "implausible_dose":
                label = f"{label}: {profile.dose_implausible}"
            labels.append(label)
        return "; ".join(labels)

    @admin.display(description="sources")
    def sources(self, profile):
        return profile.get_sources_display()

    @admin.display(description="routes")
    def routes(self, profile):
        return profile.get_routes_display()

    @admin.display(description="dose")
    def dose(self, profile):
        if profile.dose_min is None:
            return "—"
        unit = dict(DoseUnit.choices).get(profile.dose_unit, profile.dose_unit)
        low, high = profile.dose_min, profile.dose_max
        shown = f"{low:.3g}" if low == high else f"{low:.3g}–{high:.3g}"
        return f"{shown} {unit}"

    @admin.action(description="Confirm the values under review (they become curated)")
    def confirm(self, request, queryset):
        confirmed = 0
        for profile in queryset.select_related("trial"):
            if service.confirm_msc_review(profile.trial, request.user):
                confirmed += 1
        messages.success(request, f"Confirmed the values under review of {confirmed} trial(s).")

    def has_delete_permission(self, request, obj=None):
        # Deleted with its trial only, by whoever may delete the trial.
        return obj is not None and request.user.has_perm("catalog.delete_trial")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            actions.pop("confirm", None)
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # One page curates a profile: the trial's (its MSC profile section).
        profile = get_object_or_404(MscProfile, pk=unquote(object_id))
        return HttpResponseRedirect(reverse("admin:catalog_trial_change", args=[profile.trial_id]))


REVIEW_LABELS = {
    "blank": "blank despite MSC words",
    "implausible_dose": "implausible dose",
    "weak_source": "weak evidence: source",
    "weak_donor": "weak evidence: donor",
    "weak_route": "weak evidence: route",
    "weak_product": "weak evidence: product",
    "weak_dose": "weak evidence: dose",
}
