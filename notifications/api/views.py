from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services

from .serializers import MarkedCountSerializer, NotificationSerializer, UnreadCountSerializer


class NotificationListView(generics.ListAPIView):
    """My notifications, newest first (cursor pagination)."""

    summaries = {"get": "My notifications"}

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.notification_list(user=self.request.user)

    def paginate_queryset(self, queryset):
        return selectors.notifications_with_links(super().paginate_queryset(queryset))


class UnreadCountView(APIView):
    """How many rows of my notifications page are unread (the badge): likes, and reposts, of one post count once."""

    summaries = {"get": "My unread notification count"}

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UnreadCountSerializer)
    def get(self, request):
        return Response({"count": selectors.unread_notification_count(user=request.user)})


class MarkAllReadView(APIView):
    """Mark every notification of mine read; answers how many were unread."""

    summaries = {"post": "Mark all my notifications read"}

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=MarkedCountSerializer)
    def post(self, request):
        return Response({"marked": services.notification_mark_all_read(user=request.user)})


class MarkReadView(APIView):
    """Mark one of my notifications read (404 for anyone else's)."""

    summaries = {"post": "Mark a notification read"}

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, pk):
        notification = selectors.notification_for(user=request.user, pk=pk)
        if notification is None:
            raise Http404
        services.notification_mark_read(user=request.user, notification=notification)
        [notification] = selectors.notifications_with_links([notification])
        return Response(NotificationSerializer(notification, context={"request": request}).data)
