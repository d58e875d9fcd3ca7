from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response

from analytics import selectors
from analytics.experiments import experiment_report

from .serializers import DateRangeQuerySerializer, ExperimentReportSerializer, MetricSerializer

POSTGRES_ONLY = {"detail": "Analytics needs PostgreSQL (set DATABASE_URL)."}


class MetricView(GenericAPIView):
    """The dashboard's tables for one metric over a date range, as JSON (staff only)."""

    summaries = {"get": "A dashboard metric (staff)"}

    permission_classes = [IsAdminUser]
    serializer_class = MetricSerializer
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("metric", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(selectors.METRICS)),
            DateRangeQuerySerializer,
        ],
        responses=MetricSerializer,
    )
    def get(self, request, metric: str):
        if metric not in selectors.METRICS:
            raise Http404
        if not settings.IS_POSTGRES:
            return Response(POSTGRES_ONLY, status=501)
        query = DateRangeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["from"], query.validated_data["to"]
        tables = selectors.metric_tables(metric=metric, start=start, end=end)
        return Response(self.get_serializer({"metric": metric, "start": start, "end": end, "tables": tables}).data)


class ExperimentResultsView(GenericAPIView):
    """An experiment's results, as on its results page: per-group figures, differences with p-values, the SRM
    check (staff only)."""

    summaries = {"get": "An experiment's results (staff)"}

    permission_classes = [IsAdminUser]
    serializer_class = ExperimentReportSerializer
    pagination_class = None

    def get(self, request, pk: int):
        experiment = get_object_or_404(selectors.experiment_list(), pk=pk)
        if not settings.IS_POSTGRES:
            return Response(POSTGRES_ONLY, status=501)
        return Response(self.get_serializer(experiment_report(experiment=experiment)).data)
