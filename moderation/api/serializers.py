from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from moderation.models import NOTE_MAX_LENGTH, Report
from moderation.selectors import TARGET_MODELS
from moderation.services import RESOLVE_ACTIONS


class ReportCreateSerializer(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=list(TARGET_MODELS), help_text="What is reported.")
    target_id = serializers.IntegerField(min_value=1, help_text="Its id (a person's user id).")
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")


class ReportSerializer(serializers.ModelSerializer):
    """A report as its reporter sent it."""

    target_type = serializers.ChoiceField(choices=list(TARGET_MODELS), read_only=True)
    target_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Report
        fields = ["id", "target_type", "target_id", "reason", "note", "status", "created_at"]
        read_only_fields = fields


class QueueEntrySerializer(serializers.ModelSerializer):
    """One reported target in the queue, with the open reports on it (their reporters are not shown). `id` is its
    oldest open report: resolving it resolves them all."""

    target_type = serializers.ChoiceField(choices=list(TARGET_MODELS), read_only=True)
    target_id = serializers.IntegerField(read_only=True)
    author = serializers.SerializerMethodField(help_text="The author of the post or comment, or the person.")
    text = serializers.SerializerMethodField(help_text="The post's or comment's text; empty for a person.")
    taken_down = serializers.BooleanField(
        read_only=True, help_text="Already removed (a post, or a comment or its post) or deactivated (a person)."
    )
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    report_count = serializers.IntegerField(read_only=True)
    reasons = serializers.SerializerMethodField(help_text="How many open reports give each reason.")
    notes = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The newest notes, newest first."
    )
    created_at = serializers.DateTimeField(read_only=True, help_text="When the target was first reported.")

    class Meta:
        model = Report
        fields = ["id", "target_type", "target_id", "author", "text", "taken_down", "community", "report_count",
                  "reasons", "notes", "created_at"]
        read_only_fields = fields

    @extend_schema_field(UserSummarySerializer)
    def get_author(self, report):
        person = report.target if report.target_type == "user" else report.target.author
        return UserSummarySerializer(person, context=self.context).data

    def get_text(self, report) -> str:
        return "" if report.target_type == "user" else report.target.text

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}, "example": {"spam": 2}})
    def get_reasons(self, report) -> dict:
        return {reason.value: count for reason, count in report.reasons}


class ResolveSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=list(RESOLVE_ACTIONS),
        help_text="`remove`: take the post or comment down (a person: deactivate the account); `dismiss`: leave it.",
    )


class ResolveResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Report.Status.choices, help_text="What the reports were closed as.")
    reports_closed = serializers.IntegerField(help_text="Open reports on the target, all closed now.")
