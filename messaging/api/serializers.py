from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from messaging.models import GROUP_MAX_PARTICIPANTS, Conversation, Message


class ConversationSerializer(serializers.ModelSerializer):
    """A conversation as its viewer sees it (expects the annotations of messaging.selectors.conversation_list and
    the senders of messaging.selectors.conversations_with_last_senders)."""

    title = serializers.SerializerMethodField()
    participants = serializers.SerializerMethodField()
    unread_count = serializers.IntegerField(read_only=True)
    last_message_text = serializers.CharField(read_only=True, allow_null=True)
    last_message_sender = UserSummarySerializer(read_only=True, allow_null=True)
    last_message_is_deleted = serializers.BooleanField(
        read_only=True, help_text="The last message was deleted (its text is then empty)."
    )

    class Meta:
        model = Conversation
        fields = [
            "id",
            "title",
            "is_group",
            "participants",
            "created_at",
            "last_message_at",
            "last_message_text",
            "last_message_sender",
            "last_message_is_deleted",
            "unread_count",
        ]

    def get_title(self, conversation) -> str:
        return conversation.title_for(self.context["request"].user)

    @extend_schema_field(UserSummarySerializer(many=True))
    def get_participants(self, conversation):
        users = [participant.user for participant in conversation.participants.all()]
        return UserSummarySerializer(users, many=True, context=self.context).data


class ConversationCreateSerializer(serializers.Serializer):
    """Either `username` (a 1:1 conversation) or `usernames` and `title` (a group)."""

    username = serializers.CharField(required=False)
    # Bounded here so an oversized list is refused before any lookup; the service checks the exact group size.
    usernames = serializers.ListField(child=serializers.CharField(), required=False, max_length=GROUP_MAX_PARTICIPANTS)
    title = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        if ("username" in attrs) == ("usernames" in attrs):
            raise serializers.ValidationError({"username": "Give either username or usernames."})
        return attrs


class MessageSerializer(serializers.ModelSerializer):
    """A message; the text is the one writable field (sending, and editing by its sender). A deleted message keeps
    its place with an empty text."""

    sender = UserSummarySerializer(read_only=True)
    # Emptiness and length are checked by messaging.services (message_send, message_update: one place for the rules).
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    is_deleted = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "conversation", "sender", "text", "created_at", "edited_at", "is_deleted"]
        read_only_fields = ["id", "conversation", "sender", "created_at", "edited_at"]

    def get_is_deleted(self, message) -> bool:
        return message.deleted_at is not None
