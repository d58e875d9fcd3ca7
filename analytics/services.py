from django.db import models

from .models import Activity


def activity_record(*, actor, verb: str, target: models.Model | None = None, context: dict | None = None) -> Activity:
    """Record one user action. Call it inside the action's transaction so both commit or neither does."""
    return Activity.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        target_type=target._meta.model_name if target is not None else "",
        target_id=target.pk if target is not None else None,
        context=context or {},
    )
