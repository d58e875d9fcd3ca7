from django.contrib import admin

from socialnet.admin import ReadOnlyAdmin

from .models import Like, Post, PostView, Repost, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Deleting a post is its author's alone (post_delete); moderators take posts down (post_remove)."""

    list_display = ["id", "author", "short_text", "topic", "community", "created_at", "removed_at"]
    list_filter = ["topic", ("removed_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "author__username"]
    raw_id_fields = ["author", "community", "removed_by"]
    list_select_related = ["author", "topic", "community"]
    date_hierarchy = "created_at"

    @admin.display(description="Text")
    def short_text(self, post):
        return post.text[:80]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Like)
class LikeAdmin(ReadOnlyAdmin):
    """Likes are people's own (like_add, like_remove) and count in the feed's hit rates; the admin reads them."""

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
class PostViewAdmin(ReadOnlyAdmin):
    """The impression log is written by the product only; the admin reads it."""

    list_display = ["id", "user", "post", "source", "position", "model_version", "experiment_group", "viewed_at"]
    list_filter = ["source", "experiment_group", "fallback_reason"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "post"]
    list_select_related = ["user", "post"]
    show_full_result_count = False  # the table is large: skip the COUNT(*) of the whole table
