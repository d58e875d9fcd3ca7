from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from accounts.models import User
from communities.models import Community, Membership
from posts.api.serializers import PostCreateSerializer
from posts.models import Topic


class CommunitySerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Community
        fields = ["id", "name", "slug", "description", "topic", "member_count", "created_at"]
        read_only_fields = fields


class CommunityListItemSerializer(CommunitySerializer):
    """A community in a list, marked with my role in it (null: not a member, or banned), as the site's list shows."""

    my_role = serializers.ChoiceField(choices=Membership.Role.choices, read_only=True, allow_null=True)

    class Meta(CommunitySerializer.Meta):
        fields = [*CommunitySerializer.Meta.fields, "my_role"]
        read_only_fields = fields


class MyMembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["role", "is_banned", "joined_at"]
        read_only_fields = fields


class CommunityDetailSerializer(CommunitySerializer):
    """A community's page: what the viewer may do there follows from `my_membership` (null: not a member) and
    `can_moderate` (moderators, the owner and staff)."""

    my_membership = MyMembershipSerializer(read_only=True, allow_null=True)
    can_moderate = serializers.BooleanField(read_only=True)

    class Meta(CommunitySerializer.Meta):
        fields = [*CommunitySerializer.Meta.fields, "my_membership", "can_moderate"]
        read_only_fields = fields


class CommunityWriteSerializer(serializers.Serializer):
    """Input for creating (every field) and editing (name, description, topic) a community."""

    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(
        max_length=100, required=False, allow_blank=True, help_text="Derived from the name when left out."
    )
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    topic = serializers.SlugRelatedField(
        slug_field="name", queryset=Topic.objects.all(), required=False, allow_null=True, default=None
    )


class MemberSerializer(serializers.ModelSerializer):
    """A person's membership of a community: the person as everywhere in the API, with their role and ban."""

    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["user", "role", "is_banned", "joined_at"]
        read_only_fields = fields


class UsernameSerializer(serializers.Serializer):
    """Names the user an action applies to; validated into the User."""

    username = serializers.CharField(max_length=150)

    def validate_username(self, value: str) -> User:
        user = User.objects.filter(username__iexact=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError("No user with this username.")
        return user


class CommunityPostCreateSerializer(PostCreateSerializer):
    """A post published into the community named by the URL."""

    community = None
