from django.contrib import admin

from .models import Like, Post, PostView, Repost, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "author", "short_text", "topic", "community", "created_at", "removed_at"]
    list_filter = ["topic", ("removed_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "author__username"]
    raw_id_fields = ["author", "community", "removed_by"]
    list_select_related = ["author", "topic", "community"]
    date_hierarchy = "created_at"

    @admin.display(description="Text")
    def short_text(self, post):
        return post.text[:80]


@admin.register(Like)
class LikeAdmin(admin.ModelAdmin):
    list_display = ["user", "post", "created_at"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "post"]
    list_select_related = ["user", "post"]
    date_hierarchy = "created_at"


@admin.register(Repost)
class RepostAdmin(admin.ModelAdmin):
    list_display = ["user", "post", "note", "created_at"]
    search_fields = ["user__username", "note"]
    raw_id_fields = ["user", "post"]
    list_select_related = ["user", "post"]


@admin.register(PostView)
class PostViewAdmin(admin.ModelAdmin):
    """The impression log is written by the product only; the admin reads it."""

    list_display = ["id", "user", "post", "source", "position", "model_version", "experiment_group", "viewed_at"]
    list_filter = ["source", "experiment_group", "fallback_reason"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "post"]
    list_select_related = ["user", "post"]
    show_full_result_count = False  # the table is large: skip the COUNT(*) of the whole table

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
