import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

POST_MAX_LENGTH = 5000


class Topic(models.Model):
    name = models.CharField(max_length=50, unique=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Post(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    text = models.TextField(max_length=POST_MAX_LENGTH)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="posts")
    community = models.ForeignKey(
        "communities.Community", on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when a community moderator removes the post: it disappears from every list.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    external_id = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["author", "-created_at"]),
            models.Index(fields=["community", "-created_at"]),
            models.Index(fields=["topic", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.author}: {self.text[:40]}"


class Like(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="posts_like_unique")]
        indexes = [models.Index(fields=["post", "user"])]


class Repost(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reposts")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reposts")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="posts_repost_unique")]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["post"])]


class PostView(models.Model):
    """One post shown to one user: a post page opened, or an impression in a feed page.

    Built for volume: written in bulk, scanned by time; feed impressions of one page share page_id.
    """

    class Source(models.TextChoices):
        FEED = "feed", "Feed"
        PROFILE = "profile", "Profile"
        COMMUNITY = "community", "Community"
        POST_PAGE = "post", "Post page"
        IMPORT = "import", "Imported"

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+", db_index=False)
    viewed_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=Source.choices)
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    page_id = models.UUIDField(null=True, blank=True, default=None, editable=False)
    model_version = models.PositiveIntegerField(null=True, blank=True)
    experiment = models.PositiveIntegerField(null=True, blank=True)
    experiment_group = models.CharField(max_length=20, blank=True)
    # Why the feed served this page when it did not use the model (no_model, timeout, error, ...).
    fallback_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["viewed_at"]),
            models.Index(fields=["user", "viewed_at"]),
            models.Index(fields=["post", "viewed_at"]),
        ]

    @staticmethod
    def new_page_id():
        return uuid.uuid4()
