from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from accounts.api.serializers import UserSummarySerializer
from communities.api.serializers import CommunityListItemSerializer
from posts.api.serializers import PostSerializer
from search.selectors import KINDS

RESULT_SERIALIZERS = {
    "users": UserSummarySerializer,
    "communities": CommunityListItemSerializer,
    "posts": PostSerializer,
}


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, help_text="Words to find; web search syntax (quotes, or, -word).")
    type = serializers.ChoiceField(choices=KINDS, help_text="What to search.")


class SearchPageSerializer(serializers.Serializer):
    """Documents the answer: a page of users, communities or posts (per `type`), best match first."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PolymorphicProxySerializer(
        component_name="SearchResult",
        serializers=list(RESULT_SERIALIZERS.values()),
        resource_type_field_name=None,
        many=True,
    )
