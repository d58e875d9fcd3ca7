from datetime import date

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower


class CaseInsensitiveUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)


class User(AbstractUser):
    # Id of the user in an imported data set (import_dataset keeps it so re-imports are idempotent).
    external_id = models.BigIntegerField(null=True, blank=True, unique=True)

    objects = CaseInsensitiveUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def __str__(self):
        return self.username


def avatar_upload_to(profile, filename: str) -> str:
    """Each person's pictures in a folder of their own, under a new random name each time (accounts.avatars), so a
    cached old picture is never shown for a new one."""
    return f"avatars/{profile.user_id}/{filename}"


class Profile(models.Model):
    class Gender(models.TextChoices):
        MALE = "male", "Male"
        FEMALE = "female", "Female"
        OTHER = "other", "Other"

    class OS(models.TextChoices):
        ANDROID = "Android", "Android"
        IOS = "iOS", "iOS"
        WINDOWS = "Windows", "Windows"
        MACOS = "macOS", "macOS"
        LINUX = "Linux", "Linux"
        OTHER = "other", "Other"

    class Source(models.TextChoices):
        ADS = "ads", "Ads"
        ORGANIC = "organic", "Organic"
        OTHER = "other", "Other"

    class WhoCanMessage(models.TextChoices):
        EVERYONE = "everyone", "Everyone"
        FOLLOWING = "following", "People I follow"
        NOBODY = "nobody", "Nobody"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=100, blank=True)
    bio = models.TextField(max_length=1000, blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    country = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    occupation = models.CharField(max_length=100, blank=True)
    interests = models.ManyToManyField("posts.Topic", blank=True, related_name="interested_profiles")
    os = models.CharField(max_length=10, choices=OS.choices, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, blank=True)
    # The normalised thumbnail (accounts.avatars), set and removed only by services.avatar_set / avatar_remove.
    avatar = models.ImageField(upload_to=avatar_upload_to, blank=True)
    # Who may start a conversation with this person (messaging.selectors.message_refusals enforces it).
    who_can_message = models.CharField(
        "Who can message me", max_length=10, choices=WhoCanMessage.choices, default=WhoCanMessage.EVERYONE
    )

    def __str__(self):
        return self.display_name or self.user.username

    @property
    def name(self) -> str:
        return self.display_name or self.user.username

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, date.today())


def name_of(user) -> str:
    """How the site names a person: their display name, else their username (also for accounts made by
    createsuperuser, which have no profile)."""
    profile = getattr(user, "profile", None)
    return profile.name if profile else user.username


def age_on(birth_date: date | None, day: date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


class Follow(models.Model):
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_set")
    followee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="accounts_follow_unique"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("followee")), name="accounts_follow_not_self"),
        ]
        indexes = [models.Index(fields=["followee", "follower"])]


class Block(models.Model):
    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocking_set")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocked_by_set")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="accounts_block_unique"),
            models.CheckConstraint(condition=~models.Q(blocker=models.F("blocked")), name="accounts_block_not_self"),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"])]
