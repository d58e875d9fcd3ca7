from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from messaging import selectors, services

from .serializers import ConversationCreateSerializer, ConversationSerializer, MessageSerializer


class ConversationCursorPagination(CursorPagination):
    """Latest activity first (the last message, or the creation of a conversation without messages)."""

    ordering = ("-activity_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class ConversationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ConversationSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = ConversationCursorPagination
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.conversation_list(user=self.request.user)

    @extend_schema(
        request=ConversationCreateSerializer,
        responses={201: ConversationSerializer, 200: OpenApiResponse(ConversationSerializer, "existing 1:1")},
    )
    def create(self, request):
        serializer = ConversationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "username" in data:
            users, missing = selectors.users_by_usernames(usernames=[data["username"]])
            if missing or not users:
                raise ValidationError({"username": ["No such user."]})
            conversation, created = services.conversation_get_or_create_direct(user=request.user, other=users[0])
        else:
            users, missing = selectors.users_by_usernames(usernames=data["usernames"])
            if missing:
                raise ValidationError({"usernames": [f"No such users: {', '.join(missing)}."]})
            conversation = services.conversation_create_group(
                creator=request.user, participants=users, title=data.get("title", "")
            )
            created = True
        conversation = selectors.conversation_for(user=request.user, pk=conversation.pk)
        return Response(
            self.get_serializer(conversation).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses=ConversationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        conversation = self.get_object()
        services.conversation_mark_read(user=request.user, conversation=conversation)
        return Response(self.get_serializer(selectors.conversation_for(user=request.user, pk=conversation.pk)).data)


class ConversationMessagesView(generics.ListCreateAPIView):
    """Messages of one of my conversations, newest first; POST sends one."""

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
