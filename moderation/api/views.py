"""REST endpoints of moderation: parse input, call a service, serialize the result."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation import selectors, services
from socialnet.pagination import OldestFirstCursorPagination

from .serializers import (
    QueueEntrySerializer,
    ReportCreateSerializer,
    ReportSerializer,
    ResolveResultSerializer,
    ResolveSerializer,
)


class ReportListView(generics.ListCreateAPIView):
    """POST reports a post, comment or person to its moderators. GET is the queue of staff and community moderators
    (403 for anyone else): one entry per reported target, oldest first."""

    summaries = {"get": "Reports to handle (staff, moderators)", "post": "Report a post, comment or person"}

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = QueueEntrySerializer
    pagination_class = OldestFirstCursorPagination

    def get_queryset(self):
        return selectors.report_queue(user=self.request.user)

    @extend_schema(
        responses={
            200: QueueEntrySerializer(many=True),
            403: OpenApiResponse(description="Neither staff nor a community's moderator."),
        }
    )
    def get(self, request, *args, **kwargs):
        if not selectors.is_report_handler(user=request.user):
            raise PermissionDenied("Only staff and community moderators handle reports.")
        entries = selectors.report_summaries_attach(self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(entries, many=True).data)

    @extend_schema(
        request=ReportCreateSerializer,
        responses={
            201: ReportSerializer,
            403: OpenApiResponse(description="My own post or comment, or myself."),
            404: OpenApiResponse(description="No such target, or one hidden from me (the same answer)."),
            409: OpenApiResponse(description="I reported it already and moderators have not handled it yet."),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = selectors.report_target_get(
            target_type=data["target_type"], target_id=data["target_id"], viewer=request.user
        )
        report = services.report_create(reporter=request.user, target=target, reason=data["reason"], note=data["note"])
        return Response(ReportSerializer(report, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ReportResolveView(APIView):
    """Close every open report on the report's target, taking the target down (`remove`) or not (`dismiss`)."""

    summaries = {"post": "Resolve the reports on a target (staff, moderators)"}

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=ResolveSerializer,
        responses={
            200: ResolveResultSerializer,
            404: OpenApiResponse(description="No such report, or one I do not handle (the same answer)."),
            409: OpenApiResponse(description="Its reports were handled already."),
        },
    )
    def post(self, request, pk):
        serializer = ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action = serializer.validated_data["action"]
        report = selectors.report_get_for_handler(report_id=pk, user=request.user)
        closed = services.report_resolve(actor=request.user, report=report, action=action)
        return Response({"status": services.RESOLVE_ACTIONS[action], "reports_closed": closed})
