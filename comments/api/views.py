from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_get_visible
from comments import selectors, services
from posts.api.serializers import LikeStateSerializer
from posts.reposts import repost_create, repost_delete, reposts_of_user
from posts.selectors import post_get
from socialnet.pagination import OldestFirstCursorPagination

from .serializers import (
    CommentCreateSerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    RepostCreateSerializer,
    RepostSerializer,
    TopLevelCommentSerializer,
)


class PostCommentsView(generics.ListCreateAPIView):
    """Top-level comments of a post with reply counts (oldest first); POST comments, or replies with `parent`."""

    summaries = {"get": "A post's comments", "post": "Comment on a post (or reply)"}

    serializer_class = TopLevelCommentSerializer
    pagination_class = OldestFirstCursorPagination

    def get_post(self):
        return post_get(pk=self.kwargs["post_id"], viewer=self.request.user)

    def get_queryset(self):
        return selectors.top_level_comments(post=self.get_post(), viewer=self.request.user)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request, *args, **kwargs):
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_create(author=request.user, post=self.get_post(), **serializer.validated_data)
        comment = selectors.comment_get(comment_id=comment.pk, viewer=request.user)
        return Response(CommentSerializer(comment, context={"request": request}).data, status=status.HTTP_201_CREATED)


class CommentDetailView(generics.RetrieveUpdateDestroyAPIView):
    """One comment; its author may PATCH the text or DELETE it (403 for anyone else)."""

    summaries = {"get": "A comment", "patch": "Edit my comment", "delete": "Delete my comment"}

    serializer_class = CommentSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self):
        return selectors.comment_get(comment_id=self.kwargs["pk"], viewer=self.request.user)

    @extend_schema(request=CommentUpdateSerializer, responses={200: CommentSerializer})
    def patch(self, request, *args, **kwargs):
        serializer = CommentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.comment_update(user=request.user, comment=self.get_object(), text=serializer.validated_data["text"])
        return Response(CommentSerializer(self.get_object(), context={"request": request}).data)

    def perform_destroy(self, instance):
        services.comment_delete(user=self.request.user, comment=instance)


class CommentRepliesView(generics.ListAPIView):
    """Replies to a top-level comment, oldest first."""

    summaries = {"get": "A comment's replies"}

    serializer_class = CommentSerializer
    pagination_class = OldestFirstCursorPagination

    def get_queryset(self):
        comment = selectors.comment_get(comment_id=self.kwargs["pk"], viewer=self.request.user)
        return selectors.comment_replies(comment=comment, viewer=self.request.user)


class CommentLikeView(APIView):
    """POST likes the comment (idempotent), DELETE takes the like back; both answer with the new state."""

    summaries = {"post": "Like a comment", "delete": "Unlike a comment"}

    permission_classes = [permissions.IsAuthenticated]

    def _answer(self, pk):
        comment = selectors.comment_get(comment_id=pk, viewer=self.request.user)
        return Response({"liked": comment.liked_by_me, "like_count": comment.like_count})

    @extend_schema(request=None, responses={200: LikeStateSerializer})
    def post(self, request, pk):
        services.comment_like_add(user=request.user, comment=selectors.comment_get(comment_id=pk, viewer=request.user))
        return self._answer(pk)

    @extend_schema(request=None, responses={200: LikeStateSerializer})
    def delete(self, request, pk):
        comment = selectors.comment_get(comment_id=pk, viewer=request.user)
        services.comment_like_remove(user=request.user, comment=comment)
        return self._answer(pk)


class CommentRemoveView(APIView):
    """Moderators and the owner of the post's community take a comment down (403 for anyone else)."""

    summaries = {"post": "Remove a comment (moderators)"}

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk):
        comment = selectors.comment_get(comment_id=pk, viewer=request.user)
        services.comment_remove(moderator=request.user, comment=comment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RepostView(APIView):
    """POST reposts the post with an optional note (409 when already reposted); DELETE undoes the repost."""

    summaries = {"post": "Repost a post", "delete": "Undo my repost"}

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=RepostCreateSerializer, responses={201: RepostSerializer})
    def post(self, request, post_id):
        serializer = RepostCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = post_get(pk=post_id, viewer=request.user)
        repost = repost_create(user=request.user, post=post, note=serializer.validated_data["note"])
        return Response(RepostSerializer(repost, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, post_id):
        repost_delete(user=request.user, post=post_get(pk=post_id, viewer=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserRepostsView(generics.ListAPIView):
    """What a user has reposted, newest first; 404 for someone who blocked me, as their profile."""

    summaries = {"get": "A user's reposts"}

    serializer_class = RepostSerializer

    def get_queryset(self):
        user = user_get_visible(username=self.kwargs["username"], viewer=self.request.user)
        return reposts_of_user(user=user, viewer=self.request.user)
