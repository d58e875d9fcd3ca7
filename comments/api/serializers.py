from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from comments.models import COMMENT_MAX_LENGTH, Comment
from posts.api.serializers import PostSerializer
from posts.models import Repost
from posts.reposts import REPOST_NOTE_MAX_LENGTH


class CommentSerializer(serializers.ModelSerializer):
    """A comment as comments.selectors annotates it; a deleted one keeps its place with no author or text."""

    author = UserSummarySerializer(read_only=True, allow_null=True)
    is_deleted = serializers.SerializerMethodField()
    like_count = serializers.IntegerField(read_only=True)
    liked_by_me = serializers.BooleanField(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "post", "parent", "author", "text", "is_deleted", "created_at", "updated_at", "like_count",
                  "liked_by_me"]
        read_only_fields = fields

    def get_is_deleted(self, comment) -> bool:
        return comment.deleted_at is not None

    def to_representation(self, comment):
        data = super().to_representation(comment)
        if comment.deleted_at is not None:
            data["author"] = None
        return data


class TopLevelCommentSerializer(CommentSerializer):
    reply_count = serializers.IntegerField(read_only=True)

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "reply_count"]
        read_only_fields = fields


class CommentCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=COMMENT_MAX_LENGTH)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Comment.objects.all(), required=False, allow_null=True, default=None,
        help_text="Id of a top-level comment of the same post, to reply to it.",
    )


class CommentUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=COMMENT_MAX_LENGTH)


class RepostSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    post = PostSerializer(read_only=True)

    class Meta:
        model = Repost
        fields = ["id", "user", "post", "note", "created_at"]
        read_only_fields = fields


class RepostCreateSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=REPOST_NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")
