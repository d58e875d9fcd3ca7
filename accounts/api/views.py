from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.middleware import landing_source
from socialnet.api import DeleteWithBodySchema
from socialnet.pagination import SelectorOrderCursorPagination

from .serializers import (
    AccountDeleteSerializer,
    AvatarSerializer,
    AvatarUploadSerializer,
    BlockStateSerializer,
    FollowStateSerializer,
    FollowSuggestionSerializer,
    FollowSuggestionsQuerySerializer,
    MeSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    RegisteredSerializer,
    RegisterSerializer,
    UserDetailSerializer,
    UserSummarySerializer,
)


class RegisterView(generics.GenericAPIView):
    """Create an account; the answer carries the API token."""

    summaries = {"post": "Sign up"}

    serializer_class = RegisterSerializer
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=RegisterSerializer, responses={201: RegisteredSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(
            **serializer.validated_data,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            **landing_source(request),
        )
        token = services.token_issue(user=user)
        body = {"token": token.key, "user": MeSerializer(user, context={"request": request}).data}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenView(ObtainAuthToken):
    """Exchange username and password for the API token (a log-in: recorded and subject to lockout)."""

    summaries = {"post": "Log in (get the API token)", "delete": "Log out (revoke the API token)"}

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token = services.token_issue(user=user)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": token.key})

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(request=None, responses={204: OpenApiResponse(description="The token no longer works.")})
    def delete(self, request):
        """Log out: the token of the signed-in user stops working (POST issues a new one)."""
        services.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in user's account and profile; DELETE deletes the account (confirmed by the current password)."""

    summaries = {"get": "My account", "patch": "Edit my account and profile", "delete": "Delete my account"}

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "patch", "delete", "head", "options"]
    schema = DeleteWithBodySchema()

    def get_object(self):
        return selectors.user_get_with_profile(pk=self.request.user.pk)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        services.profile_update(user=request.user, email=data.get("email"), **data.get("profile", {}))
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=AccountDeleteSerializer,
        responses={
            204: OpenApiResponse(description="The account and everything that goes with it are deleted."),
            400: OpenApiResponse(description="Wrong or missing password (message under `password`); nothing deleted."),
        },
        description=(
            "Delete the signed-in account, confirmed by the current password in the body. Its posts, comments, "
            "likes, reposts, sent messages, follows, memberships and API tokens go with it; communities it owns "
            "pass to their longest-standing moderator, else longest-standing member, or are deleted when nobody "
            "else is in them."
        ),
    )
    def delete(self, request):
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.account_delete(user=request.user, password=serializer.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class AvatarView(APIView):
    """My profile picture, a resource of its own rather than a field of PATCH me/: apps send a picture as
    multipart/form-data by itself (their image pickers' upload call), while the profile stays JSON, and either can be
    retried alone. PUT replaces the picture (the previous one is deleted), DELETE goes back to the initials."""

    summaries = {"put": "Set my profile picture", "delete": "Remove my profile picture"}
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": AvatarUploadSerializer},
        responses={
            200: OpenApiResponse(AvatarSerializer, description="Stored as a 256×256 WebP thumbnail of the picture's "
                                 "middle square, turned upright, without its metadata (EXIF, location)."),
            400: OpenApiResponse(description="No file, or not a JPEG, PNG or WebP picture, too large a file, too "
                                 "few or too many pixels (the reason under `avatar`); nothing changed."),
            415: OpenApiResponse(description="The body is not multipart/form-data."),
        },
    )
    def put(self, request):
        upload = AvatarUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        profile = services.avatar_set(user=request.user, upload=upload.validated_data["avatar"])
        return Response(AvatarSerializer(profile, context={"request": request}).data)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="No picture (there may have been none).")})
    def delete(self, request):
        services.avatar_remove(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(generics.GenericAPIView):
    """Change my password, confirmed by the current one (wrong ones are throttled like logging in). Every other
    device is signed out: the old API token stops working and the answer carries this client's new one."""

    summaries = {"post": "Change my password"}

    serializer_class = PasswordChangeSerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={
            200: OpenApiResponse(AuthTokenSerializer, description="Changed: the new API token of this client (the "
                                 "old one, everywhere, no longer works); a browser session keeps working."),
            400: OpenApiResponse(description="Wrong current password (under `old_password`) or a weak new one "
                                 "(under `new_password`); nothing changed."),
        }
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_change(user=request.user, **serializer.validated_data)
        token = services.token_issue(user=request.user)  # this client signs back in; the other devices stay out
        if request.session.session_key:  # as Django's password change page: the session survives its own change
            update_session_auth_hash(request, request.user)
        return Response({"token": token.key})


class PasswordResetView(generics.GenericAPIView):
    """Ask for a password reset link by e-mail (the web page's very e-mail, whose link opens the site's reset page;
    an app may read `uid` and `token` from the link's path `/accounts/password/reset/{uid}/{token}/` for
    POST auth/password-reset/confirm/). The answer is the same whether or not an account has the address; requests
    are throttled per address and per client, as on the page."""

    summaries = {"post": "Ask for a password reset e-mail"}

    serializer_class = PasswordResetSerializer
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={
            204: OpenApiResponse(description="Sent shortly if an account has this address (the same answer if not).")
        }
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(
            email=serializer.validated_data["email"],
            ip_address=request.META.get("REMOTE_ADDR", ""),
            site_url=request.build_absolute_uri("/"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetConfirmView(generics.GenericAPIView):
    """Choose a new password with the `uid` and `token` of a reset link; every device is signed out (API tokens and
    sessions), so the app logs in again with the new password. A link works once."""

    summaries = {"post": "Choose a new password with a reset link"}

    serializer_class = PasswordResetConfirmSerializer
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={
            204: OpenApiResponse(description="Changed; log in with the new password."),
            400: OpenApiResponse(description="An invalid link (under `uid`), an invalid, expired or used token "
                                 "(under `token`), or a weak new password (under `new_password`); nothing changed."),
        }
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.password_reset_confirm(uidb64=data["uid"], token=data["token"], new_password=data["new_password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserListView(generics.ListAPIView):
    """People by username, optionally searched by username or display name (?q=)."""

    summaries = {"get": "List people"}

    serializer_class = UserSummarySerializer
    pagination_class = SelectorOrderCursorPagination

    @extend_schema(parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="Part of a username or name.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.user_list(viewer=self.request.user, query=self.request.query_params.get("q", ""))


class UserDetailView(generics.RetrieveAPIView):
    """A user's profile, with follow counts and whether I follow or block them; 404 for someone who blocked me."""

    summaries = {"get": "A user's profile"}

    serializer_class = UserDetailSerializer

    def get_object(self):
        user = selectors.user_get_visible(username=self.kwargs["username"], viewer=self.request.user)
        counts = selectors.follow_counts(user=user)
        relationship = selectors.relationship(viewer=self.request.user, user=user)
        user.follower_count, user.following_count = counts["followers"], counts["following"]
        user.is_following, user.is_blocking = relationship["is_following"], relationship["is_blocking"]
        return user


class FollowersView(generics.ListAPIView):
    """People following this user, most recent first."""

    summaries = {"get": "A user's followers"}

    serializer_class = UserSummarySerializer
    pagination_class = SelectorOrderCursorPagination

    def get_queryset(self):
        user = selectors.user_get_visible(username=self.kwargs["username"], viewer=self.request.user)
        return selectors.follower_list(user=user)


class FollowingView(FollowersView):
    """People this user follows, most recent first."""

    summaries = {"get": "Whom a user follows"}

    def get_queryset(self):
        user = selectors.user_get_visible(username=self.kwargs["username"], viewer=self.request.user)
        return selectors.following_list(user=user)


class BlockedListView(generics.ListAPIView):
    """People I blocked, most recent first (unblock one with DELETE /api/v1/users/{username}/block/)."""

    summaries = {"get": "People I blocked"}

    serializer_class = UserSummarySerializer
    pagination_class = SelectorOrderCursorPagination
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.blocked_list(user=self.request.user)


class FollowSuggestionsView(APIView):
    """People I may want to follow: those most followed by the people I follow, then the most-followed people;
    never people I follow or block or who blocked me. Follow one with POST /api/v1/users/{username}/follow/."""

    summaries = {"get": "People I may know"}
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(parameters=[FollowSuggestionsQuerySerializer], responses=FollowSuggestionSerializer(many=True))
    def get(self, request):
        query = FollowSuggestionsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        suggestions = selectors.follow_suggestions(user=request.user, limit=query.validated_data["limit"])
        return Response(FollowSuggestionSerializer(suggestions, many=True, context={"request": request}).data)


class FollowView(APIView):
    """POST follows the user (409 when already following), DELETE unfollows."""

    summaries = {"post": "Follow a user", "delete": "Unfollow a user"}

    permission_classes = [permissions.IsAuthenticated]

    def _answer(self, followee, *, following: bool, status_code: int = status.HTTP_200_OK):
        counts = selectors.follow_counts(user=followee)
        return Response({"following": following, "follower_count": counts["followers"]}, status=status_code)

    @extend_schema(request=None, responses={201: FollowStateSerializer})
    def post(self, request, username):
        followee = selectors.user_get_visible(username=username, viewer=request.user)
        services.follow_add(follower=request.user, followee=followee)
        return self._answer(followee, following=True, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: FollowStateSerializer})
    def delete(self, request, username):
        followee = selectors.user_get_visible(username=username, viewer=request.user)
        services.follow_remove(follower=request.user, followee=followee)
        return self._answer(followee, following=False)


class BlockView(APIView):
    """POST blocks the user (409 when already blocked), DELETE unblocks."""

    summaries = {"post": "Block a user", "delete": "Unblock a user"}

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={201: BlockStateSerializer})
    def post(self, request, username):
        blocked = selectors.user_get_visible(username=username, viewer=request.user)
        services.block_add(blocker=request.user, blocked=blocked)
        return Response({"blocking": True}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: BlockStateSerializer})
    def delete(self, request, username):
        blocked = selectors.user_get_visible(username=username, viewer=request.user)
        services.block_remove(blocker=request.user, blocked=blocked)
        return Response({"blocking": False})
