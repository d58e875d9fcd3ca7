from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import name_of

MESSAGE_MAX_LENGTH = 5000
GROUP_MAX_PARTICIPANTS = 50


class Conversation(models.Model):
    title = models.CharField(max_length=100, blank=True)
    is_group = models.BooleanField(default=False)
    # "<smaller user id>:<larger user id>" for a 1:1 conversation, so the database keeps it unique.
    direct_key = models.CharField(max_length=50, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]

    def __str__(self):
        return self.title or f"Conversation {self.pk}"

    def others(self, viewer) -> list:
        """The other participants' users (reads prefetched participants when the selector provided them)."""
        return [participant.user for participant in self.participants.all() if participant.user_id != viewer.pk]

    def title_for(self, viewer) -> str:
        """A group's title; a 1:1 conversation is named after the other person, as their posts show them."""
        if self.is_group:
            return self.title
        return ", ".join(name_of(user) for user in self.others(viewer)) or self.title or "Conversation"


class Participant(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations")
    joined_at = models.DateTimeField(default=timezone.now)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="messaging_participant_unique"),
        ]
        indexes = [models.Index(fields=["user", "conversation"])]


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_messages")
    text = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # A deleted message keeps its place in the conversation ("Message deleted") with its text emptied.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at"]),
            # An open conversation page asks every few seconds for the messages changed since it last asked.
            models.Index(
                fields=["conversation", "edited_at"], name="messaging_msg_edited", condition=Q(edited_at__isnull=False)
            ),
            models.Index(
                fields=["conversation", "deleted_at"],
                name="messaging_msg_deleted",
                condition=Q(deleted_at__isnull=False),
            ),
        ]
