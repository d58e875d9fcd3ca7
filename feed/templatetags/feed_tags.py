from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (reasons are keyed by post id)."""
    return mapping.get(key, "")
