import math

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def stat(value, spec="4"):
    """A statistic in a results table: `spec` decimals, or a %-format such as ".3g"; NaN (no trials, no variance)
    and None as a dash instead of "nan"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:{spec}}" if spec.startswith(".") else floatformat(value, spec)
