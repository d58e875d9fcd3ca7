from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

NOTE_MAX_LENGTH = 1000
OPEN = Q(status="open")


class Report(models.Model):
    """Someone reports a post, a comment or a person to the moderators.

    The target is one of three foreign keys (the database checks that exactly one is set) and goes with its target:
    what its author deletes, or a removed comment without replies, leaves nothing to moderate. The activity log keeps
    report_create and report_resolve either way."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        HARASSMENT = "harassment", "Harassment or bullying"
        HATE = "hate", "Hate speech"
        VIOLENCE = "violence", "Violence or threats"
        NUDITY = "nudity", "Nudity or sexual content"
        MISINFORMATION = "misinformation", "False information"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTIONED = "actioned", "Actioned"
        DISMISSED = "dismissed", "Dismissed"

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made")
    target_post = models.ForeignKey(
        "posts.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    target_comment = models.ForeignKey(
        "comments.Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="reports_received"
    )
    # The community of the post (or of the comment's post) when reported: its moderators handle the report. Posts
    # never move between communities, so it is copied once and the queue filters on it without joins.
    community = models.ForeignKey(
        "communities.Community", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(max_length=NOTE_MAX_LENGTH, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_post__isnull=False, target_comment__isnull=True, target_user__isnull=True)
                | Q(target_post__isnull=True, target_comment__isnull=False, target_user__isnull=True)
                | Q(target_post__isnull=True, target_comment__isnull=True, target_user__isnull=False),
                name="moderation_report_one_target",
            ),
            models.CheckConstraint(
                condition=(OPEN & Q(handled_at__isnull=True)) | (~OPEN & Q(handled_at__isnull=False)),
                name="moderation_report_handled_when_closed",
            ),
            # One open report per reporter and target; once it is closed, the same person may report again.
            *(
                models.UniqueConstraint(
                    fields=["reporter", target], condition=OPEN, name=f"moderation_report_one_open_{target}"
                )
                for target in ("target_post", "target_comment", "target_user")
            ),
        ]
        indexes = [
            # The queues: staff's (every open report) and each community's, oldest first.
            models.Index(fields=["created_at"], condition=OPEN, name="moderation_open"),
            models.Index(fields=["community", "created_at"], condition=OPEN, name="moderation_open_by_community"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} report on {self.target_type} {self.target_id}"

    @property
    def target(self):
        return self.target_post or self.target_comment or self.target_user

    @property
    def target_type(self) -> str:
        """"post", "comment" or "user", as the API names it."""
        if self.target_post_id is not None:
            return "post"
        return "comment" if self.target_comment_id is not None else "user"

    @property
    def target_id(self) -> int:
        return self.target_post_id or self.target_comment_id or self.target_user_id
