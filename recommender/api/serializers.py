from rest_framework import serializers

from ..models import ModelVersion


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = ["id", "status", "created_at", "activated_at", "cutoff", "data_size", "params", "metrics",
                  "training_seconds", "peak_memory_mb", "reason"]
        read_only_fields = fields


class RecommenderStatusSerializer(serializers.Serializer):
    active_version = serializers.IntegerField(allow_null=True)
    fallbacks = serializers.DictField(child=serializers.IntegerField(), help_text="Random-feed fallbacks per reason")


class TrainingQueuedSerializer(serializers.Serializer):
    task_id = serializers.CharField()
