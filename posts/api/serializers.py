from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from communities.models import Community
from posts.models import POST_MAX_LENGTH, Post, Topic


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "name", "description"]
        read_only_fields = fields


class PostSerializer(serializers.ModelSerializer):
    """A post as lists and pages show it (posts.selectors.post_list annotates the counts)."""

    author = UserSummarySerializer(read_only=True)
    topic = serializers.SlugRelatedField(slug_field="name", read_only=True)
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    like_count = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    liked_by_me = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = Post
        fields = [
            "id",
            "author",
            "text",
            "topic",
            "community",
            "created_at",
            "updated_at",
            "like_count",
            "comment_count",
            "liked_by_me",
        ]
        read_only_fields = fields


class PostCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=POST_MAX_LENGTH)
    topic = serializers.SlugRelatedField(slug_field="name", queryset=Topic.objects.all())
    community = serializers.SlugRelatedField(
        slug_field="slug", queryset=Community.objects.all(), required=False, allow_null=True, default=None
    )


class PostUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=POST_MAX_LENGTH, required=False)
    topic = serializers.SlugRelatedField(slug_field="name", queryset=Topic.objects.all(), required=False)


class LikeStateSerializer(serializers.Serializer):
    liked = serializers.BooleanField()
    like_count = serializers.IntegerField()
