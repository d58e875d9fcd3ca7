"""REST endpoints of communities: parse input, call a service, serialize the result."""

from django.http import Http404
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from accounts.models import User
from communities import selectors, services
from communities.models import Community
from posts import services as post_services
from posts.api.serializers import PostSerializer
from posts.models import Post
from posts.selectors import post_get

from .serializers import (
    CommunityPostCreateSerializer,
    CommunitySerializer,
    CommunityWriteSerializer,
    MemberSerializer,
    UsernameSerializer,
)


class MemberCursorPagination(CursorPagination):
    ordering = ("joined_at", "id")
    page_size = 50


class CommunityMixin:
    """Resolves the community named by the URL's slug (404 when there is none)."""

    @cached_property
    def community(self) -> Community:
        try:
            return selectors.community_get(slug=self.kwargs["slug"])
        except Community.DoesNotExist:
            raise Http404("No such community.")

    def user_named(self, username: str) -> User:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise Http404("No such user.")
        return user

    def community_response(self, code=status.HTTP_200_OK) -> Response:
        community = selectors.community_get(slug=self.community.slug)
        return Response(CommunitySerializer(community).data, status=code)


@extend_schema(
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, description="Words in the name or description."),
        OpenApiParameter("topic", OpenApiTypes.STR, description="Topic name."),
    ]
)
class CommunityListCreateView(generics.ListCreateAPIView):
    serializer_class = CommunitySerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.community_list(query=params.get("q", ""), topic=params.get("topic", ""))

    @extend_schema(request=CommunityWriteSerializer, responses={201: CommunitySerializer})
    def post(self, request, *args, **kwargs):
        serializer = CommunityWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        community = services.community_create(creator=request.user, **serializer.validated_data)
        return Response(CommunitySerializer(selectors.community_get(slug=community.slug)).data, status=201)


class CommunityDetailView(CommunityMixin, generics.GenericAPIView):
    serializer_class = CommunitySerializer

    def get(self, request, slug):
        return Response(CommunitySerializer(self.community).data)

    @extend_schema(request=CommunityWriteSerializer, responses=CommunitySerializer)
    def patch(self, request, slug):
        """The owner edits name, description and topic; the slug cannot change."""
        serializer = CommunityWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = {"name": self.community.name, "description": self.community.description, "topic": self.community.topic}
        fields.update({k: v for k, v in serializer.validated_data.items() if k in fields})
        services.community_update(actor=request.user, community=self.community, **fields)
        return self.community_response()


class CommunityJoinView(CommunityMixin, generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MemberSerializer

    @extend_schema(request=None, responses={201: MemberSerializer})
    def post(self, request, slug):
        membership = services.community_join(user=request.user, community=self.community)
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)


class CommunityLeaveView(CommunityMixin, generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, slug):
        services.community_leave(user=request.user, community=self.community)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommunityMembersView(CommunityMixin, generics.ListAPIView):
    """Active members with their roles."""

    serializer_class = MemberSerializer
    pagination_class = MemberCursorPagination

    def get_queryset(self):
        return selectors.community_members(community=self.community)


class CommunityPostsView(CommunityMixin, generics.ListAPIView):
    """The community's posts, newest first; active members publish here."""

    serializer_class = PostSerializer

    def get_queryset(self):
        return selectors.community_posts(community=self.community, viewer=self.request.user)

    @extend_schema(request=CommunityPostCreateSerializer, responses={201: PostSerializer})
    def post(self, request, slug):
        serializer = CommunityPostCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = post_services.post_create(author=request.user, community=self.community, **serializer.validated_data)
        post = post_get(pk=post.pk, viewer=request.user)
        return Response(self.get_serializer(post).data, status=status.HTTP_201_CREATED)


class ModeratorAddView(CommunityMixin, generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = UsernameSerializer

    @extend_schema(request=UsernameSerializer, responses=MemberSerializer)
    def post(self, request, slug):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["username"]
        membership = services.moderator_add(actor=request.user, community=self.community, user=user)
        return Response(MemberSerializer(membership).data)


class ModeratorRemoveView(CommunityMixin, generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, slug, username):
        user = self.user_named(username)
        services.moderator_remove(actor=request.user, community=self.community, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BanCreateView(CommunityMixin, generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = UsernameSerializer

    @extend_schema(request=UsernameSerializer, responses={201: MemberSerializer})
    def post(self, request, slug):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["username"]
        membership = services.community_ban(actor=request.user, community=self.community, user=user)
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)


class BanDeleteView(CommunityMixin, generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, slug, username):
        user = self.user_named(username)
        services.community_unban(actor=request.user, community=self.community, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OwnershipTransferView(CommunityMixin, generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = UsernameSerializer

    @extend_schema(request=UsernameSerializer, responses=MemberSerializer)
    def post(self, request, slug):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new_owner = serializer.validated_data["username"]
        membership = services.ownership_transfer(actor=request.user, community=self.community, new_owner=new_owner)
        return Response(MemberSerializer(membership).data)


class CommunityPostRemoveView(CommunityMixin, generics.GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, slug, post_id):
        try:
            post = selectors.community_post_get(community=self.community, post_id=post_id)
        except Post.DoesNotExist:
            raise Http404("No such post in this community.")
        services.community_post_remove(actor=request.user, post=post)
        return Response(status=status.HTTP_204_NO_CONTENT)
