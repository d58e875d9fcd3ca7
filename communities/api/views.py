"""REST endpoints of communities: parse input, call a service, serialize the result."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, permissions, status
from rest_framework.response import Response

from accounts.models import User
from communities import selectors, services
from communities.models import Community
from posts import services as post_services
from posts.api.serializers import PostSerializer
from posts.models import Post
from posts.selectors import post_get
from socialnet.pagination import CreatedCursorPagination

from .serializers import (
    CommunityDetailSerializer,
    CommunityListItemSerializer,
    CommunityPostCreateSerializer,
    CommunityWriteSerializer,
    MemberSerializer,
    UsernameSerializer,
)


class MemberCursorPagination(CreatedCursorPagination):
    """Longest-standing members first; a client may ask for smaller or larger pages (page_size) as everywhere."""

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

    def community_response(self, community: Community | None = None, code=status.HTTP_200_OK) -> Response:
        """The community's page (freshly read unless given)."""
        community = community or selectors.community_get(slug=self.community.slug)
        return community_page(community=community, viewer=self.request.user, code=code)


def community_page(*, community: Community, viewer, code=status.HTTP_200_OK) -> Response:
    """A community with what the viewer may do there, as its page shows it."""
    community.my_membership = selectors.membership_for(user=viewer, community=community)
    community.can_moderate = selectors.can_moderate(user=viewer, community=community)
    return Response(CommunityDetailSerializer(community).data, status=code)


@extend_schema(
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, description="Words in the name or description."),
        OpenApiParameter("topic", OpenApiTypes.STR, description="Topic name."),
    ]
)
class CommunityListCreateView(generics.ListCreateAPIView):
    """Communities, newest first, filtered by words (q) and topic; POST creates one, owned by me."""

    summaries = {"get": "List communities", "post": "Create a community"}

    serializer_class = CommunityListItemSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.community_list(
            query=params.get("q", ""), topic=params.get("topic", ""), viewer=self.request.user
        )

    @extend_schema(request=CommunityWriteSerializer, responses={201: CommunityDetailSerializer})
    def post(self, request, *args, **kwargs):
        serializer = CommunityWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        community = services.community_create(creator=request.user, **serializer.validated_data)
        community = selectors.community_get(slug=community.slug)
        return community_page(community=community, viewer=request.user, code=status.HTTP_201_CREATED)


class CommunityDetailView(CommunityMixin, generics.GenericAPIView):
    """A community with my membership (null when I am not a member) and whether I moderate it."""

    summaries = {
        "get": "A community",
        "patch": "Edit a community (owner)",
        "delete": "Delete a community (owner or staff)",
    }

    serializer_class = CommunityDetailSerializer

    def get(self, request, slug):
        return self.community_response(self.community)

    @extend_schema(request=CommunityWriteSerializer, responses=CommunityDetailSerializer)
    def patch(self, request, slug):
        """The owner edits name, description and topic; the slug cannot change."""
        serializer = CommunityWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = {"name": self.community.name, "description": self.community.description, "topic": self.community.topic}
        fields.update({k: v for k, v in serializer.validated_data.items() if k in fields})
        services.community_update(actor=request.user, community=self.community, **fields)
        return self.community_response()

    @extend_schema(responses={204: None})
    def delete(self, request, slug):
        """The owner (or staff) deletes the community: its posts are removed from every list, its memberships go
        and its members are notified."""
        services.community_delete(actor=request.user, community=self.community)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommunityJoinView(CommunityMixin, generics.GenericAPIView):
    """Join: 409 when already a member, 403 when banned."""

    summaries = {"post": "Join a community"}

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MemberSerializer

    @extend_schema(request=None, responses={201: MemberSerializer})
    def post(self, request, slug):
        membership = services.community_join(user=request.user, community=self.community)
        return Response(MemberSerializer(membership, context={"request": request}).data, status=status.HTTP_201_CREATED)


class CommunityLeaveView(CommunityMixin, generics.GenericAPIView):
    """Leave: 409 when not a member, or for the owner (transfer the community first)."""

    summaries = {"post": "Leave a community"}

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, slug):
        services.community_leave(user=request.user, community=self.community)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommunityMembersView(CommunityMixin, generics.ListAPIView):
    """Active members with their roles."""

    summaries = {"get": "A community's members"}

    serializer_class = MemberSerializer
    pagination_class = MemberCursorPagination

    def get_queryset(self):
        return selectors.community_members(community=self.community)


class CommunityPostsView(CommunityMixin, generics.ListAPIView):
    """The community's posts, newest first; active members publish here."""

    summaries = {"get": "A community's posts", "post": "Post in a community (members)"}

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


class UserActionView(CommunityMixin, generics.GenericAPIView):
    """POST {"username"}: apply `service` to that user and answer with their membership."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = UsernameSerializer
    service = None  # a communities.services function taking actor, community and `user_keyword`
    user_keyword = "user"
    success_status = status.HTTP_200_OK

    @extend_schema(request=UsernameSerializer, responses=MemberSerializer)
    def post(self, request, slug):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["username"]
        membership = self.service(actor=request.user, community=self.community, **{self.user_keyword: user})
        return Response(MemberSerializer(membership, context={"request": request}).data, status=self.success_status)


class UserUndoView(CommunityMixin, generics.GenericAPIView):
    """DELETE .../<username>/: apply `service` (removing a role or a ban) to that user."""

    permission_classes = [permissions.IsAuthenticated]
    service = None

    @extend_schema(responses={204: None})
    def delete(self, request, slug, username):
        self.service(actor=request.user, community=self.community, user=self.user_named(username))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ModeratorAddView(UserActionView):
    """The owner makes an active member a moderator."""

    summaries = {"post": "Make a member moderator (owner)"}

    service = staticmethod(services.moderator_add)


class ModeratorRemoveView(UserUndoView):
    """The owner turns a moderator back into a member."""

    summaries = {"delete": "Demote a moderator (owner)"}

    service = staticmethod(services.moderator_remove)


@extend_schema_view(post=extend_schema(responses={201: MemberSerializer}))
class BanCreateView(UserActionView):
    """Moderators ban a user: they lose any role and cannot join or post (the owner cannot be banned); GET lists the
    banned, for moderators only (as on the members page)."""

    summaries = {"get": "Banned users (moderators)", "post": "Ban a user (moderators)"}

    service = staticmethod(services.community_ban)
    success_status = status.HTTP_201_CREATED
    pagination_class = MemberCursorPagination

    @extend_schema(request=None, responses=MemberSerializer(many=True))
    def get(self, request, slug):
        if not selectors.can_moderate(user=request.user, community=self.community):
            raise PermissionDenied("Only moderators see who is banned.")
        page = self.paginate_queryset(selectors.community_bans(community=self.community))
        return self.get_paginated_response(MemberSerializer(page, many=True, context={"request": request}).data)


class BanDeleteView(UserUndoView):
    """Moderators lift a ban; the user may then join again."""

    summaries = {"delete": "Lift a ban (moderators)"}

    service = staticmethod(services.community_unban)


class OwnershipTransferView(UserActionView):
    """The owner hands the community to an active member and stays on as a moderator."""

    summaries = {"post": "Hand the community over (owner)"}

    service = staticmethod(services.ownership_transfer)
    user_keyword = "new_owner"


class CommunityPostRemoveView(CommunityMixin, generics.GenericAPIView):
    """Moderators take a post down: it leaves every list (403 for anyone else)."""

    summaries = {"post": "Remove a post from the community (moderators)"}

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, slug, post_id):
        try:
            post = selectors.community_post_get(community=self.community, post_id=post_id)
        except Post.DoesNotExist:
            raise Http404("No such post in this community.")
        post_services.post_remove(actor=request.user, post=post)
        return Response(status=status.HTTP_204_NO_CONTENT)
