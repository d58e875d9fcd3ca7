from django.contrib import admin

from .models import Conversation, Message, Participant


class ParticipantInline(admin.TabularInline):
    model = Participant
    raw_id_fields = ["user"]
    extra = 0


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "is_group", "direct_key", "created_by", "created_at", "last_message_at"]
    list_filter = ["is_group"]
    search_fields = ["title", "participants__user__username"]
    raw_id_fields = ["created_by"]
    list_select_related = ["created_by"]
    inlines = [ParticipantInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "sender", "created_at", "text"]
    search_fields = ["text", "sender__username"]
    raw_id_fields = ["conversation", "sender"]
    list_select_related = ["conversation", "sender"]
    date_hierarchy = "created_at"
