from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    class Verb(models.TextChoices):
        FOLLOW = "follow", "followed you"
        LIKE = "like", "liked your post"
        MESSAGE = "message", "sent you a message"
        ROLE = "role", "changed your role"
        COMMENT = "comment", "commented on your post"
        REPLY = "reply", "replied to your comment"
        REPOST = "repost", "reposted your post"
        MENTION = "mention", "mentioned you"
        REPORT = "report", "handled your report"  # by moderators, who stay unnamed (no actor)

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+")
    verb = models.CharField(max_length=20, choices=Verb.choices)
    target_type = models.CharField(max_length=30, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    text = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    @property
    def is_grouped(self) -> bool:
        return self.verb in GROUPED_VERBS

    def group(self) -> models.QuerySet:
        """The recipient's notifications shown in one row with this one: likes (or reposts) of one post together,
        anything else alone."""
        same = Notification.objects.filter(recipient_id=self.recipient_id)
        if self.is_grouped:
            return same.filter(verb=self.verb, target_type=self.target_type, target_id=self.target_id)
        return same.filter(pk=self.pk)


# Many people liking one post is one row, "Anna, Bob and 3 others liked your post"; every other kind carries its own
# text (a comment, a message) or target (a follower) and stays a row of its own.
GROUPED_VERBS = (Notification.Verb.LIKE, Notification.Verb.REPOST)
