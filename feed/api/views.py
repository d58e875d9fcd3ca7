from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ..services import feed_serve
from .serializers import FeedPageSerializer, FeedQuerySerializer


class FeedView(GenericAPIView):
    """The signed-in user's feed, one page per request (logged as impressions); anonymous visitors get random
    recent posts. `mode=for_you` is ranked by the recommender, `mode=latest` is chronological."""

    summaries = {"get": "My feed"}

    permission_classes = [AllowAny]
    serializer_class = FeedPageSerializer
    pagination_class = None

    @extend_schema(parameters=[FeedQuerySerializer], responses=FeedPageSerializer)
    def get(self, request):
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = feed_serve(user=request.user, **{key: value for key, value in query.validated_data.items() if value})
        context = {**self.get_serializer_context(), "reasons": page.reasons}
        return Response(self.get_serializer(page, context=context).data)
