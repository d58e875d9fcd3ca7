from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import UserSummarySerializer
from posts import selectors, services
from posts.models import Topic
from socialnet.pagination import SelectorOrderCursorPagination

from .serializers import (
    LikeStateSerializer,
    PostCreateSerializer,
    PostSerializer,
    PostUpdateSerializer,
    TopicSerializer,
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("author", OpenApiTypes.STR, description="Only posts by this username."),
            OpenApiParameter("topic", OpenApiTypes.STR, description="Only posts of this topic name."),
            OpenApiParameter("community", OpenApiTypes.STR, description="Only posts in this community (slug)."),
        ]
    ),
    create=extend_schema(request=PostCreateSerializer, responses={201: PostSerializer}),
    partial_update=extend_schema(request=PostUpdateSerializer, responses={200: PostSerializer}),
    update=extend_schema(request=PostUpdateSerializer, responses={200: PostSerializer}),
)
class PostViewSet(viewsets.ModelViewSet):
    """Posts newest first; anyone reads, signed-in users write, only authors edit or delete (403 otherwise)."""

    summaries = {
        "list": "List posts",
        "create": "Write a post",
        "retrieve": "A post",
        "update": "Replace my post's text and topic",
        "partial_update": "Edit my post",
        "destroy": "Delete my post",
    }

    serializer_class = PostSerializer

    def get_queryset(self):
        qs = selectors.post_list(viewer=self.request.user)
        if self.action != "list":
            return qs
        params = self.request.query_params
        if params.get("author"):
            qs = qs.filter(author__username__iexact=params["author"])
        if params.get("topic"):
            qs = qs.filter(topic__name=params["topic"])
        if params.get("community"):
            qs = qs.filter(community__slug=params["community"])
        return qs

    def _post_response(self, pk, status_code=status.HTTP_200_OK):
        post = selectors.post_get(pk=pk, viewer=self.request.user)
        return Response(PostSerializer(post, context=self.get_serializer_context()).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        post = self.get_object()
        services.post_view_record(user=request.user, post=post)
        return Response(self.get_serializer(post).data)

    def create(self, request, *args, **kwargs):
        serializer = PostCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = services.post_create(author=request.user, **serializer.validated_data)
        return self._post_response(post.pk, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        post = self.get_object()
        serializer = PostUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        services.post_update(user=request.user, post=post, **serializer.validated_data)
        return self._post_response(post.pk)

    def perform_destroy(self, instance):
        services.post_delete(user=self.request.user, post=instance)


class LikeView(APIView):
    """POST likes the post (idempotent), DELETE takes the like back; both answer with the new state."""

    summaries = {"post": "Like a post", "delete": "Unlike a post"}

    permission_classes = [permissions.IsAuthenticated]

    def _answer(self, pk, status_code=status.HTTP_200_OK):
        post = selectors.post_get(pk=pk, viewer=self.request.user)
        return Response({"liked": post.liked_by_me, "like_count": post.like_count}, status=status_code)

    @extend_schema(request=None, responses={200: LikeStateSerializer})
    def post(self, request, pk):
        services.like_add(user=request.user, post=selectors.post_get(pk=pk, viewer=request.user))
        return self._answer(pk)

    @extend_schema(request=None, responses={200: LikeStateSerializer})
    def delete(self, request, pk):
        services.like_remove(user=request.user, post=selectors.post_get(pk=pk, viewer=request.user))
        return self._answer(pk)


class PostLikersView(generics.ListAPIView):
    """People who liked the post, most recent like first, without anyone blocked either way; 404 when the post is
    hidden from the viewer (as on the post's page)."""

    summaries = {"get": "Who liked a post"}

    serializer_class = UserSummarySerializer
    pagination_class = SelectorOrderCursorPagination

    def get_queryset(self):
        post = selectors.post_get(pk=self.kwargs["pk"], viewer=self.request.user)
        return selectors.post_likers(post=post, viewer=self.request.user)


class TopicListView(generics.ListAPIView):
    """Every topic (a short fixed list managed by staff, so not paginated)."""

    summaries = {"get": "List topics"}

    serializer_class = TopicSerializer
    pagination_class = None
    queryset = Topic.objects.all()
