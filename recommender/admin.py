from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from socialnet.errors import Conflict

from .models import ModelVersion
from .registry import model_version_activate, model_version_rollback
from .tasks import train_model


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "created_at", "cutoff", "hitrate", "best_baseline", "training_seconds",
                    "peak_memory_mb", "reason"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in ModelVersion._meta.fields]
    actions = ["activate", "roll_back", "train_now"]

    def has_add_permission(self, request):
        return False  # versions come from training runs only

    @admin.display(description="hitrate@5")
    def hitrate(self, version):
        return (version.metrics.get("primary") or {}).get("model")

    @admin.display(description="best baseline")
    def best_baseline(self, version):
        primary = version.metrics.get("primary") or {}
        return f"{primary.get('best_baseline')} ({primary.get('best_baseline_name', '')})" if primary else ""

    @admin.action(description="Activate the selected version")
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version.", messages.ERROR)
            return
        try:
            version = model_version_activate(version=queryset.get(), actor=request.user)
        except (ValidationError, Conflict) as error:
            self.message_user(request, "; ".join(getattr(error, "messages", [str(error)])), messages.ERROR)
            return
        self.message_user(request, f"v{version.pk} is now active.")

    @admin.action(description="Roll back to the previously active version")
    def roll_back(self, request, queryset):
        try:
            version = model_version_rollback(actor=request.user)
        except Conflict as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, f"Rolled back: v{version.pk} is active again.")

    @admin.action(description="Train a new version now (in the background)")
    def train_now(self, request, queryset):
        result = train_model.delay()
        self.message_user(request, f"Training queued (task {result.id}); refresh this page to follow it.")
