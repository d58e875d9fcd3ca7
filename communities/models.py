from django.conf import settings
from django.db import models
from django.utils import timezone

from posts.models import Post


class Community(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(max_length=2000, blank=True)
    topic = models.ForeignKey(
        "posts.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="communities"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MODERATOR = "moderator", "Moderator"
        MEMBER = "member", "Member"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    # A banned user keeps the row (so they cannot rejoin) but is not a member.
    is_banned = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="communities_membership_unique"),
            models.UniqueConstraint(
                fields=["community"], condition=models.Q(role="owner"), name="communities_one_owner"
            ),
        ]
        indexes = [models.Index(fields=["user", "community"])]


class CommunityPost(Post):
    """Posts published in communities, as staff moderate them in the admin."""

    class Meta:
        proxy = True
        verbose_name = "community post"
