from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "actor", "verb", "target_type", "target_id", "created_at", "read_at"]
    list_filter = ["verb", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient__username", "actor__username", "text"]
    raw_id_fields = ["recipient", "actor"]
    list_select_related = ["recipient", "actor"]
    date_hierarchy = "created_at"
