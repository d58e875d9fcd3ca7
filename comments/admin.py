from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404

from . import services
from .models import Comment, CommentLike


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Comments are written by the product; the admin reads them and removes them through comment_remove."""

    list_display = ["id", "author", "post", "parent", "short_text", "created_at", "deleted_at", "removed_by"]
    list_filter = [
        ("deleted_at", admin.EmptyFieldListFilter),
        ("parent", admin.EmptyFieldListFilter),
        ("removed_by", admin.EmptyFieldListFilter),
        ("post__community", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["text", "author__username"]
    date_hierarchy = "created_at"
    list_select_related = ["author", "post", "removed_by"]
    raw_id_fields = ["author", "post", "parent", "removed_by"]
    readonly_fields = ["post", "author", "parent", "text", "created_at", "updated_at", "deleted_at", "removed_by"]
    actions = ["remove_selected"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Text")
    def short_text(self, comment):
        return comment.text[:80]

    @admin.action(description="Remove the selected comments")
    def remove_selected(self, request, queryset):
        removed = refused = 0
        for comment in queryset.select_related("post__community"):
            try:
                services.comment_remove(moderator=request.user, comment=comment)
            except (PermissionDenied, Http404):
                refused += 1
            else:
                removed += 1
        self.message_user(request, f"Removed {removed} comment(s).", messages.SUCCESS)
        if refused:
            self.message_user(request, f"{refused} could not be removed (already deleted or hidden).", messages.WARNING)


@admin.register(CommentLike)
class CommentLikeAdmin(admin.ModelAdmin):
    list_display = ["user", "comment", "created_at"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "comment"]
    list_select_related = ["user", "comment"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
