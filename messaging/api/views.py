from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.selectors import user_get_visible
from messaging import selectors, services

from .serializers import ConversationCreateSerializer, ConversationSerializer, MessageSerializer


class ConversationCursorPagination(CursorPagination):
    """Latest activity first (the last message, or the creation of a conversation without messages)."""

    ordering = ("-activity_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class ConversationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """My conversations, latest activity first, with unread counts. POST starts one: `username` for a 1:1
    conversation (the existing one is answered with 200), or `usernames` and `title` for a group."""

    summaries = {
        "list": "My conversations",
        "retrieve": "A conversation",
        "create": "Start a conversation",
        "read": "Mark a conversation read",
        "leave": "Leave a group conversation",
    }

    serializer_class = ConversationSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = ConversationCursorPagination
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.conversation_list(user=self.request.user)

    def paginate_queryset(self, queryset):
        return selectors.conversations_with_last_senders(super().paginate_queryset(queryset))

    def retrieve(self, request, *args, **kwargs):
        [conversation] = selectors.conversations_with_last_senders([self.get_object()])
        return Response(self.get_serializer(conversation).data)

    def _conversation_response(self, pk: int, code=status.HTTP_200_OK) -> Response:
        """The conversation as freshly read for its viewer (unread count and last message after the change)."""
        [conversation] = selectors.conversations_with_last_senders(
            [selectors.conversation_for(user=self.request.user, pk=pk)]
        )
        return Response(self.get_serializer(conversation).data, status=code)

    @extend_schema(
        request=ConversationCreateSerializer,
        responses={
            201: ConversationSerializer,
            200: OpenApiResponse(ConversationSerializer, "existing 1:1"),
            400: OpenApiResponse(
                description="Bad input, under its field; for a group, names nobody has, inactive accounts and people "
                "who blocked me all read `No such users: …` under `usernames` (the same answer); people whose "
                "\"Who can message me\" refuses me are named there with the reason."
            ),
            403: OpenApiResponse(
                description="A block either way, or their \"Who can message me\" refuses me (the reason under "
                "`detail`, e.g. `Anna accepts messages only from people they follow.`)."
            ),
            404: OpenApiResponse(description="No such user, or one who blocked me (the same answer)."),
        },
    )
    def create(self, request):
        serializer = ConversationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "username" in data:
            # As the UI's start page: nobody, an inactive account and someone who blocked me all answer 404 alike.
            other = user_get_visible(username=data["username"], viewer=request.user)
            conversation, created = services.conversation_get_or_create_direct(user=request.user, other=other)
        else:
            users, missing = selectors.users_by_usernames(usernames=data["usernames"], viewer=request.user)
            if missing:
                raise ValidationError({"usernames": [f"No such users: {', '.join(missing)}."]})
            conversation = services.conversation_create_group(
                creator=request.user, participants=users, title=data.get("title", "")
            )
            created = True
        return self._conversation_response(conversation.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        conversation = self.get_object()
        services.conversation_mark_read(user=request.user, conversation=conversation)
        return self._conversation_response(conversation.pk)

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="Left: the group is out of my inbox and its new messages skip me."),
            409: OpenApiResponse(description="A 1:1 conversation cannot be left (message under `detail`)."),
        },
    )
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        services.conversation_leave(user=request.user, conversation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    post=extend_schema(
        responses={
            201: MessageSerializer,
            403: OpenApiResponse(
                description="In a 1:1 conversation: a block either way, or the other's \"Who can message me\" "
                "refuses me and they never wrote in it (the reason under `detail`)."
            ),
        }
    )
)
class ConversationMessagesView(generics.ListCreateAPIView):
    """Messages of one of my conversations, newest first; POST sends one."""

    summaries = {"get": "A conversation's messages", "post": "Send a message"}

    serializer_class = MessageSerializer
    permission_classes = [IsAuthenticated]

    def get_conversation(self):
        conversation = selectors.conversation_for(user=self.request.user, pk=self.kwargs["pk"])
        if conversation is None:
            raise Http404
        return conversation

    def get_queryset(self):
        return selectors.message_list(conversation=self.get_conversation())

    def perform_create(self, serializer):
        serializer.instance = services.message_send(
            sender=self.request.user, conversation=self.get_conversation(), text=serializer.validated_data["text"]
        )


@extend_schema_view(
    delete=extend_schema(
        responses={
            204: OpenApiResponse(description="Deleted for everyone: the message keeps its place with no text."),
            403: OpenApiResponse(description="Not the sender."),
            404: OpenApiResponse(description="Not in my conversations, or already deleted."),
        }
    )
)
class MessageDetailView(generics.RetrieveUpdateDestroyAPIView):
    """One message of my conversations (404 for anyone else); its sender may PATCH the text (it shows as edited) or
    DELETE it (it stays as a deleted message with no text); another participant gets 403."""

    summaries = {"get": "A message", "patch": "Edit my message", "delete": "Delete my message for everyone"}

    serializer_class = MessageSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self):
        message = selectors.message_for(user=self.request.user, pk=self.kwargs["pk"])
        if message is None:
            raise Http404
        return message

    @extend_schema(
        request=MessageSerializer,
        responses={
            200: MessageSerializer,
            400: OpenApiResponse(description="Empty or too long text (message under `text`)."),
            403: OpenApiResponse(description="Not the sender, or a block in a 1:1 conversation."),
            404: OpenApiResponse(description="Not in my conversations, or deleted."),
        },
    )
    def patch(self, request, *args, **kwargs):
        message = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.message_update(user=request.user, message=message, text=serializer.validated_data["text"])
        return Response(self.get_serializer(message).data)

    def perform_destroy(self, instance):
        services.message_delete(user=self.request.user, message=instance)
