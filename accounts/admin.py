from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Block, Follow, Profile, User
from .services import user_delete


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ["interests"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "email", "display_name", "is_active", "is_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_staff", "profile__gender", "profile__os", "profile__source"]
    search_fields = ["username", "email", "profile__display_name"]
    list_select_related = ["profile"]

    @admin.display(description="Display name", ordering="profile__display_name")
    def display_name(self, user):
        return user.profile.display_name

    def get_deleted_objects(self, objs, request):
        # An account's posts, likes and logs go with it (user_delete), though the admin deletes none of them alone.
        deleted_objects, model_count, _, protected = super().get_deleted_objects(objs, request)
        return deleted_objects, model_count, set(), protected

    def delete_model(self, request, obj):
        user_delete(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            user_delete(user=user)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "followee", "created_at"]
    search_fields = ["follower__username", "followee__username"]
    raw_id_fields = ["follower", "followee"]
    list_select_related = ["follower", "followee"]
    date_hierarchy = "created_at"


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["blocker", "blocked", "created_at"]
    search_fields = ["blocker__username", "blocked__username"]
    raw_id_fields = ["blocker", "blocked"]
    list_select_related = ["blocker", "blocked"]
