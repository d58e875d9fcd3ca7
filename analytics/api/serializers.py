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
