import uuid

from django import template

register = template.Library()


@register.simple_tag
def new_idempotency_key() -> str:
    """A fresh key on every use, so each rendered form (even in a fragment without a request) has its own."""
    return uuid.uuid4().hex
