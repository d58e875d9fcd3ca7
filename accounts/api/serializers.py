from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Profile, User, name_of
from posts.models import Topic

SIGNUP_METADATA_FIELDS = ("os", "source")
# Only the owner sees these; others see what the profile page shows (the age, not the birth date).
PRIVATE_PROFILE_FIELDS = ("gender", "birth_date", "who_can_message", *SIGNUP_METADATA_FIELDS)


def avatar_url(profile: Profile | None, request) -> str | None:
    """The absolute address of a profile picture (the stored 256×256 WebP thumbnail), None without one."""
    if profile is None or not profile.avatar:
        return None
    url = profile.avatar.url  # already absolute when MEDIA_URL names another host (a CDN, a bucket)
    return request.build_absolute_uri(url) if request is not None else url


AVATAR_URL_HELP = "The profile picture's absolute address (a 256×256 WebP image), null without one: show the initials."


@extend_schema_field({"type": "string", "format": "uri", "nullable": True, "description": AVATAR_URL_HELP})
class AvatarUrlField(serializers.Field):
    """A person's `avatar_url`, read from the profile loaded with them (select_related: no query per person)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, help_text=AVATAR_URL_HELP, **kwargs)

    def to_representation(self, user):
        return avatar_url(getattr(user, "profile", None), self.context.get("request"))


class ProfileSerializer(serializers.ModelSerializer):
    interests = serializers.SlugRelatedField(
        slug_field="name", many=True, queryset=Topic.objects.all(), required=False, help_text="Topic names."
    )
    age = serializers.IntegerField(read_only=True, allow_null=True)
    # Declared so the schema allows "" (unknown): read-only model choice fields lose allow_blank.
    os = serializers.ChoiceField(choices=Profile.OS.choices, allow_blank=True, read_only=True)
    source = serializers.ChoiceField(choices=Profile.Source.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "bio",
            "gender",
            "birth_date",
            "age",
            "country",
            "city",
            "occupation",
            "interests",
            "who_can_message",
            *SIGNUP_METADATA_FIELDS,
        ]
        read_only_fields = ["age", *SIGNUP_METADATA_FIELDS]


class PublicProfileSerializer(ProfileSerializer):
    """What anyone may see of a profile: no birth date, gender or sign-up metadata."""

    class Meta(ProfileSerializer.Meta):
        fields = [name for name in ProfileSerializer.Meta.fields if name not in PRIVATE_PROFILE_FIELDS]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    """A user as others see them (never the e-mail)."""

    profile = PublicProfileSerializer(read_only=True)
    avatar_url = AvatarUrlField()

    class Meta:
        model = User
        fields = ["id", "username", "avatar_url", "date_joined", "profile"]
        read_only_fields = fields


class UserDetailSerializer(UserSerializer):
    """A profile as its page shows it: follow counts, and the viewer's follow and block buttons."""

    follower_count = serializers.IntegerField(read_only=True)
    following_count = serializers.IntegerField(read_only=True)
    is_following = serializers.BooleanField(read_only=True, help_text="I follow this user (false when signed out).")
    is_blocking = serializers.BooleanField(read_only=True, help_text="I blocked this user (false when signed out).")

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "follower_count", "following_count", "is_following", "is_blocking"]
        read_only_fields = fields


class UserSummarySerializer(serializers.ModelSerializer):
    """A person wherever the API names one (lists of people, authors, senders, actors, participants, members): the
    one nested representation, so a client renders and links people alike everywhere. Expects the profile loaded
    (select_related) to stay at one query per list."""

    display_name = serializers.SerializerMethodField(help_text="The display name, else the username (as the site).")
    avatar_url = AvatarUrlField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "avatar_url"]
        read_only_fields = fields

    def get_display_name(self, user) -> str:
        return name_of(user)


class MeSerializer(serializers.ModelSerializer):
    """The signed-in user: e-mail and profile are editable (PATCH), the username is not."""

    profile = ProfileSerializer(required=False)
    avatar_url = AvatarUrlField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "avatar_url", "date_joined", "profile"]
        read_only_fields = ["id", "username", "date_joined"]
        extra_kwargs = {"email": {"required": False}}


class AvatarUploadSerializer(serializers.Serializer):
    avatar = serializers.FileField(help_text="A JPEG, PNG or WebP picture (AVATAR_MAX_UPLOAD_MB, 5 MB by default).")


class AvatarSerializer(serializers.Serializer):
    avatar_url = serializers.SerializerMethodField(help_text="The new picture's absolute address.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_avatar_url(self, profile) -> str:
        return avatar_url(profile, self.context.get("request"))


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class RegisteredSerializer(serializers.Serializer):
    token = serializers.CharField()
    user = MeSerializer()


class FollowStateSerializer(serializers.Serializer):
    following = serializers.BooleanField()
    follower_count = serializers.IntegerField()


class BlockStateSerializer(serializers.Serializer):
    blocking = serializers.BooleanField()


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}, help_text="The current password."
    )


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}, help_text="The current password."
    )
    new_password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}, help_text="The new password."
    )


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The account's e-mail address.")


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="The reset link's `uidb64` part.")
    token = serializers.CharField(max_length=128, help_text="The reset link's token part.")
    new_password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}, help_text="The new password."
    )


class FollowSuggestionsQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5, help_text="How many, 1 to 20.")


class FollowSuggestionSerializer(serializers.Serializer):
    """Someone the signed-in person may want to follow, with why (accounts.selectors.follow_suggestions)."""

    user = UserSummarySerializer(source="person")
    mutual = serializers.IntegerField(help_text="How many of the people I follow follow them.")
    reason = serializers.CharField(help_text='For example "Followed by Anna and 2 others you follow".')
