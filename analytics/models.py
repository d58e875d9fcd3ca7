from django.conf import settings
from django.db import models
from django.utils import timezone


class Activity(models.Model):
    """One user action. Written only by analytics.services.activity_record, inside the action's transaction."""

    id = models.BigAutoField(primary_key=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    verb = models.CharField(max_length=40)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    context = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["verb", "created_at"]),
            models.Index(fields=["actor", "created_at"]),
        ]

    def __str__(self):
        return f"{self.actor_id} {self.verb} {self.target_type}:{self.target_id}"


class Experiment(models.Model):
    """An A/B test on a surface: users split by a salted hash of their id."""

    name = models.CharField(max_length=100, unique=True)
    surface = models.CharField(max_length=20, default="feed")
    salt = models.CharField(max_length=50)
    treatment_percent = models.PositiveSmallIntegerField(default=50)
    # No control model version means the control group gets the random feed.
    control_model_version = models.ForeignKey(
        "recommender.ModelVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    treatment_model_version = models.ForeignKey(
        "recommender.ModelVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(treatment_percent__gte=0, treatment_percent__lte=100),
                name="analytics_experiment_percent_range",
            ),
            # Two running experiments on one surface would fight over the same users.
            models.UniqueConstraint(
                fields=["surface"],
                condition=models.Q(started_at__isnull=False, stopped_at__isnull=True),
                name="analytics_experiment_one_running_per_surface",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_running(self) -> bool:
        return self.started_at is not None and self.stopped_at is None

    @property
    def status(self) -> str:
        if self.started_at is None:
            return "draft"
        return "running" if self.stopped_at is None else "stopped"


class RollupDay(models.Model):
    """A UTC day whose rows in the roll-up tables below are final: computed by analytics.rollups.rollup_refresh
    after the day settled. The dashboard reads these days from the roll-ups and every other day from the raw logs."""

    day = models.DateField(primary_key=True)
    refreshed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.day} (rolled up {self.refreshed_at:%Y-%m-%d %H:%M})"


class ActiveUserWeek(models.Model):
    """The days of one ISO week (Monday first) on which a user recorded any action, as a 7-bit mask: bit 0 is
    Monday. One row per active user and week instead of one per user and day keeps distinct counts over weeks and
    months cheap (DAU, WAU, MAU, retention)."""

    week = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    days = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["week", "user"], name="analytics_activeuserweek_unique"),
            models.CheckConstraint(condition=models.Q(days__gt=0, days__lt=128), name="analytics_activeuserweek_days"),
        ]


class FeedCounts(models.Model):
    """Feed pages with their hits (a like within the hour) and impressions: the sums behind online hitrate@5 and
    CTR."""

    pages = models.PositiveIntegerField()
    hits = models.PositiveIntegerField()
    impressions = models.PositiveIntegerField()
    liked_impressions = models.PositiveIntegerField()

    class Meta:
        abstract = True


class FeedDay(FeedCounts):
    """Feed pages of one UTC day per model version and experiment group."""

    day = models.DateField()
    model_version = models.PositiveIntegerField(null=True)
    experiment = models.PositiveIntegerField(null=True)
    experiment_group = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "model_version", "experiment", "experiment_group"],
                name="analytics_feedday_unique",
                nulls_distinct=False,
            )
        ]


class ExperimentUserDay(FeedCounts):
    """One user's feed pages in one experiment group on one UTC day. Per user, so that an experiment's users are
    counted distinctly across days and spread over the hash buckets of the bucketed t-test."""

    day = models.DateField()
    experiment = models.PositiveIntegerField()
    experiment_group = models.CharField(max_length=20, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "experiment", "experiment_group", "user"], name="analytics_experimentuserday_unique"
            )
        ]
