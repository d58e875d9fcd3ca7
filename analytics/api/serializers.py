import math

from rest_framework import serializers

from analytics.forms import default_range, range_errors


class DateRangeQuerySerializer(serializers.Serializer):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD, inclusive UTC days; defaults to the last 30 days."""

    def get_fields(self):
        # "from" is a Python keyword, so the fields cannot be declared as class attributes.
        return {
            "from": serializers.DateField(required=False, help_text="First day (inclusive); default 29 days ago."),
            "to": serializers.DateField(required=False, help_text="Last day (inclusive); default today."),
        }

    def validate(self, attrs):
        start, end = default_range()
        attrs = {"from": attrs.get("from") or start, "to": attrs.get("to") or end}
        errors = range_errors(attrs["from"], attrs["to"])
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TableSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.JSONField()))


class MetricSerializer(serializers.Serializer):
    metric = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    tables = TableSerializer(many=True)


class FiniteFloatField(serializers.FloatField):
    """A float as a JSON number; NaN and infinities (no trials, no variance) as null, which JSON can carry."""

    def to_representation(self, value):
        value = float(value)
        return value if math.isfinite(value) else None


class RateSerializer(serializers.Serializer):
    successes = serializers.IntegerField()
    trials = serializers.IntegerField()
    value = FiniteFloatField(allow_null=True)
    ci_low = FiniteFloatField(allow_null=True, help_text="Wilson 95% interval")
    ci_high = FiniteFloatField(allow_null=True)


class GroupResultSerializer(serializers.Serializer):
    group = serializers.CharField()
    users = serializers.IntegerField()
    pages = serializers.IntegerField()
    hits = serializers.IntegerField(help_text="Pages with a like within one hour of being shown")
    hitrate = RateSerializer(help_text="Online hitrate@5")
    impressions = serializers.IntegerField()
    liked_impressions = serializers.IntegerField()
    ctr = RateSerializer(help_text="Liked impressions / impressions")


class ProportionTestSerializer(serializers.Serializer):
    difference = FiniteFloatField(allow_null=True, help_text="Treatment minus control")
    ci_low = FiniteFloatField(allow_null=True)
    ci_high = FiniteFloatField(allow_null=True)
    z = FiniteFloatField(allow_null=True)
    p_value = FiniteFloatField(allow_null=True)


class BucketTestSerializer(serializers.Serializer):
    difference = FiniteFloatField(allow_null=True)
    t = FiniteFloatField(allow_null=True)
    p_value = FiniteFloatField(allow_null=True)
    buckets_a = serializers.IntegerField()
    buckets_b = serializers.IntegerField()


class ComparisonSerializer(serializers.Serializer):
    metric = serializers.CharField()
    proportion_test = ProportionTestSerializer(help_text="Two-proportion z-test")
    bucket_test = BucketTestSerializer(help_text="Welch t-test over hash buckets of users")


class SampleRatioCheckSerializer(serializers.Serializer):
    chi2 = FiniteFloatField(allow_null=True)
    p_value = FiniteFloatField(allow_null=True)
    mismatch = serializers.BooleanField()


class ExperimentSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    surface = serializers.CharField()
    status = serializers.CharField()
    treatment_percent = serializers.IntegerField()
    control_model_version = serializers.IntegerField(source="control_model_version_id", allow_null=True)
    treatment_model_version = serializers.IntegerField(source="treatment_model_version_id", allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)


class ExperimentReportSerializer(serializers.Serializer):
    experiment = ExperimentSummarySerializer()
    groups = GroupResultSerializer(many=True)
    comparisons = ComparisonSerializer(many=True)
    srm = SampleRatioCheckSerializer(allow_null=True, help_text="Sample-ratio-mismatch check; null without users")
