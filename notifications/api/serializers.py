from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    """Expects notifications passed through notifications.selectors.notifications_with_links."""

    actor = UserSummarySerializer(read_only=True, allow_null=True, help_text="Who acted; null for the system.")
    description = serializers.CharField(source="get_verb_display", read_only=True)
    target_url = serializers.CharField(read_only=True)
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "actor",
            "verb",
            "description",
            "text",
            "target_type",
            "target_id",
            "target_url",
            "created_at",
            "read_at",
            "is_read",
        ]

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class MarkedCountSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
