from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from posts.services import post_remove
from socialnet.errors import Conflict

from . import services
from .models import Community, CommunityPost, Membership
from .selectors import community_list


def _apply(modeladmin, request, objects, action, done: str):
    """Run a service on each object; refusals (the owner cannot be banned...) are reported, not raised."""
    applied, refused = 0, []
    for obj in objects:
        try:
            action(obj)
        except (Conflict, PermissionDenied) as error:
            refused.append(str(error))
        else:
            applied += 1
    modeladmin.message_user(request, f"{applied} {done}.", messages.SUCCESS)
    for reason in sorted(set(refused)):
        modeladmin.message_user(request, reason, messages.WARNING)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "is_banned", "joined_at"]
    readonly_fields = ["role", "is_banned", "joined_at"]  # roles change through the moderation actions


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "topic", "member_count", "created_at"]
    list_filter = ["topic"]
    search_fields = ["name", "slug", "description"]
    raw_id_fields = ["created_by"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return community_list()

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, community):
        return community.member_count

    # Deleted as their owners delete them: posts removed, members notified.
    def delete_model(self, request, obj):
        services.community_delete(actor=request.user, community=obj)

    def delete_queryset(self, request, queryset):
        for community in queryset:
            services.community_delete(actor=request.user, community=community)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "is_banned", "joined_at"]
    list_filter = ["role", "is_banned"]
    search_fields = ["user__username", "community__name", "community__slug"]
    raw_id_fields = ["user", "community"]
    list_select_related = ["user", "community"]
    actions = ["ban_selected"]

    @admin.action(description="Ban the selected members from their communities")
    def ban_selected(self, request, queryset):
        ban = lambda m: services.community_ban(actor=request.user, community=m.community, user=m.user)  # noqa: E731
        _apply(self, request, queryset, ban, "banned")


@admin.register(CommunityPost)
class CommunityPostAdmin(admin.ModelAdmin):
    list_display = ["id", "community", "author", "short_text", "created_at", "removed_at", "removed_by"]
    list_filter = [("removed_at", admin.EmptyFieldListFilter), "community"]
    search_fields = ["text", "author__username", "community__name"]
    list_select_related = ["community", "author", "removed_by"]
    raw_id_fields = ["author", "community", "removed_by"]
    actions = ["remove_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(community__isnull=False)

    @admin.display(description="Text")
    def short_text(self, post):
        return post.text[:80]

    @admin.action(description="Remove the selected posts from their communities")
    def remove_selected(self, request, queryset):
        remove = lambda post: post_remove(actor=request.user, post=post)  # noqa: E731
        _apply(self, request, queryset, remove, "removed")
