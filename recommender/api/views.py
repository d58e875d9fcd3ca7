from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response

from feed.services import fallback_counts

from ..models import ModelVersion
from ..registry import model_version_activate, model_version_rollback
from ..serving import active_version_id
from ..tasks import train_model
from .serializers import ModelVersionSerializer, RecommenderStatusSerializer, TrainingQueuedSerializer


class ModelVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Model versions for staff: list, inspect, activate, roll back, train, and the serving status."""

    summaries = {
        "list": "Model versions (staff)",
        "retrieve": "A model version (staff)",
        "activate": "Activate a model version (staff)",
        "rollback": "Roll back to the previous model (staff)",
        "train": "Train a new model (staff)",
        "serving_status": "Recommender serving status (staff)",
    }

    queryset = ModelVersion.objects.all()
    serializer_class = ModelVersionSerializer
    permission_classes = [IsAdminUser]
    pagination_class = None

    @extend_schema(request=None, responses=ModelVersionSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        version = model_version_activate(version=self.get_object(), actor=request.user)
        return Response(ModelVersionSerializer(version).data)

    @extend_schema(request=None, responses=ModelVersionSerializer)
    @action(detail=False, methods=["post"])
    def rollback(self, request):
        return Response(ModelVersionSerializer(model_version_rollback(actor=request.user)).data)

    @extend_schema(request=None, responses={202: TrainingQueuedSerializer})
    @action(detail=False, methods=["post"])
    def train(self, request):
        result = train_model.delay()
        return Response({"task_id": result.id}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=RecommenderStatusSerializer)
    @action(detail=False, methods=["get"], url_path="status")
    def serving_status(self, request):
        return Response({"active_version": active_version_id(), "fallbacks": fallback_counts()})
