from rest_framework import serializers

from posts.api.serializers import PostSerializer

from ..services import MAX_PAGE_SIZE, MODES


class FeedQuerySerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=MODES, default="for_you")
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=64)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


class FeedPostSerializer(PostSerializer):
    """A post in a feed page, with why it was recommended ("" when the page was not ranked)."""

    reason = serializers.SerializerMethodField()

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "reason"]
        read_only_fields = fields

    def get_reason(self, post) -> str:
        return self.context.get("reasons", {}).get(post.pk, "")


class FeedPageSerializer(serializers.Serializer):
    page_id = serializers.UUIDField(allow_null=True, help_text="Shared by the page's impressions; null when unlogged.")
    mode = serializers.ChoiceField(choices=MODES)
    model_version = serializers.IntegerField(source="model_version_id", allow_null=True)
    experiment = serializers.IntegerField(source="experiment_id", allow_null=True)
    experiment_group = serializers.CharField()
    fallback_reason = serializers.CharField(help_text="Why the model did not rank this page; empty when it did.")
    next = serializers.SerializerMethodField(help_text="URL of the next page, null at the end.")
    results = FeedPostSerializer(source="posts", many=True)

    def get_next(self, page) -> str | None:
        query = page.next_query()
        request = self.context["request"]
        return request.build_absolute_uri(f"{request.path}?{query}") if query else None
