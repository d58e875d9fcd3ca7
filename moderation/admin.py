from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404

from socialnet.admin import ReadOnlyAdmin
from socialnet.errors import Conflict

from . import services
from .models import Report


class TargetTypeFilter(admin.SimpleListFilter):
    title = "reported"
    parameter_name = "target"

    def lookups(self, request, model_admin):
        return [("post", "Posts"), ("comment", "Comments"), ("user", "People")]

    def queryset(self, request, queryset):
        if self.value() in ("post", "comment", "user"):
            return queryset.filter(**{f"target_{self.value()}__isnull": False})
        return queryset


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Reports are written by people (report_create) and closed through report_resolve, here by the actions."""

    list_display = ["id", "created_at", "reason", "target_type", "target_id", "community", "reporter", "status",
                    "handled_by", "handled_at"]
    list_filter = ["status", "reason", TargetTypeFilter, ("community", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["note", "reporter__username"]
    list_select_related = ["reporter", "community", "handled_by"]
    date_hierarchy = "created_at"
    actions = ["remove_selected", "dismiss_selected"]

    def _resolve(self, request, queryset, action: str, done: str):
        closed, skipped = 0, 0
        targets = ("target_post__community", "target_comment__post__community", "target_user")
        for report in queryset.select_related(*targets):
            try:
                closed += services.report_resolve(actor=request.user, report=report, action=action)
            except (Conflict, PermissionDenied, Http404):
                skipped += 1  # closed with an earlier one on the same target, or the take-down was refused
        self.message_user(request, f"{done}; {closed} report(s) closed.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} were closed already or could not be acted on.", messages.WARNING)

    @admin.action(description="Remove the reported posts and comments (deactivate reported people)")
    def remove_selected(self, request, queryset):
        self._resolve(request, queryset, "remove", "Removed")

    @admin.action(description="Dismiss the selected reports")
    def dismiss_selected(self, request, queryset):
        self._resolve(request, queryset, "dismiss", "Dismissed")
