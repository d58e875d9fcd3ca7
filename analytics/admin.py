from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from socialnet.admin import ReadOnlyAdmin
from socialnet.errors import Conflict

from .models import Activity, Experiment
from .services import experiment_create, experiment_start, experiment_stop, experiment_validate


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    """Read-only: the log is written by services only."""

    list_display = ["created_at", "actor", "verb", "target_type", "target_id"]
    list_filter = ["verb", "target_type"]
    search_fields = ["actor__username", "verb"]
    list_select_related = ["actor"]
    # Counting a log of millions of rows on every page would be slow.
    show_full_result_count = False
    ordering = ["-created_at"]


class ExperimentCreateForm(forms.ModelForm):
    class Meta:
        model = Experiment
        fields = ["name", "surface", "salt", "treatment_percent", "control_model_version", "treatment_model_version"]
        help_texts = {
            "salt": "Leave empty for a random salt.",
            "control_model_version": "Empty: the random feed.",
            "treatment_model_version": "Empty: whichever version is active.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salt"].required = False

    def clean(self):
        cleaned = super().clean()
        try:
            experiment_validate(
                name=cleaned.get("name", ""),
                surface=cleaned.get("surface", ""),
                treatment_percent=cleaned.get("treatment_percent"),
                control_model_version=cleaned.get("control_model_version"),
                treatment_model_version=cleaned.get("treatment_model_version"),
            )
        except ValidationError as error:
            for field, field_errors in error.error_dict.items():
                if field not in self.errors:
                    self.add_error(field, field_errors)
        return cleaned


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ["name", "surface", "status", "treatment_percent", "control", "treatment", "started_at",
                    "stopped_at", "results"]
    list_select_related = ["control_model_version", "treatment_model_version"]
    actions = ["start_experiments", "stop_experiments"]
    readonly_fields = ["started_at", "stopped_at", "created_at", "results"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ExperimentCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ExperimentCreateForm.Meta.fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Changing the split or the salt mid-test would reshuffle users: an experiment is fixed once created.
        if obj is None:
            return []
        return [field.name for field in Experiment._meta.fields] + ["results"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        created = experiment_create(actor=request.user, **form.cleaned_data)
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.started_at is None

    @admin.display(description="Control")
    def control(self, obj):
        return obj.control_model_version or "random feed"

    @admin.display(description="Treatment")
    def treatment(self, obj):
        return obj.treatment_model_version or "active model"

    @admin.display(description="Results")
    def results(self, obj):
        if obj.pk is None:
            return "–"
        return format_html('<a href="{}">results</a>', reverse("analytics:experiment_results", args=[obj.pk]))

    def _run_action(self, request, queryset, service, done: str):
        for experiment in queryset:
            try:
                service(actor=request.user, experiment=experiment)
            except Conflict as error:
                self.message_user(request, f"{experiment}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{experiment}: {done}.", messages.SUCCESS)

    @admin.action(description="Start selected experiments")
    def start_experiments(self, request, queryset):
        self._run_action(request, queryset, experiment_start, "started")

    @admin.action(description="Stop selected experiments")
    def stop_experiments(self, request, queryset):
        self._run_action(request, queryset, experiment_stop, "stopped")
