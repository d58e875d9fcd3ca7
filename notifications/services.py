from django.db import models, transaction

from .models import Notification


def notification_create(*, recipient, actor, verb: str, target: models.Model | None = None, text: str = "") -> None:
    """Schedule a notification for after the current transaction commits (no-op for self-actions)."""
    if actor is not None and recipient.pk == actor.pk:
        return
    fields = dict(
        recipient_id=recipient.pk,
        actor_id=actor.pk if actor is not None else None,
        verb=verb,
        target_type=target._meta.model_name if target is not None else "",
        target_id=target.pk if target is not None else None,
        text=text,
    )
    transaction.on_commit(lambda: Notification.objects.create(**fields))
