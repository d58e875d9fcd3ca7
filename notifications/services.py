"""Every write of the notifications app: creating notifications (for other apps' services) and read marks."""

from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from accounts.mentions import mentioned_usernames
from accounts.selectors import active_users_named, blocked_user_ids
from analytics.services import activity_record

from .models import Notification

MENTIONS_NOTIFIED = 10  # a post naming more people than this notifies the first ten: mentions are not a mailing list


def notification_create(*, recipient, actor, verb: str, target: models.Model | None = None, text: str = "") -> None:
    """Schedule a notification for after the current transaction commits (no-op for self-actions)."""
    notifications_create(recipient_ids=[recipient.pk], actor=actor, verb=verb, target=target, text=text)


def notifications_create(
    *, recipient_ids, actor, verb: str, target: models.Model | None = None, text: str = ""
) -> None:
    """The same notification for each of the recipients (user ids), written after the current transaction commits
    in one INSERT whatever their number; the actor, when among them, is skipped."""
    notifications = [
        Notification(
            recipient_id=recipient_id,
            actor_id=actor.pk if actor is not None else None,
            verb=verb,
            target_type=target._meta.model_name if target is not None else "",
            target_id=target.pk if target is not None else None,
            text=text,
        )
        for recipient_id in recipient_ids
        if actor is None or recipient_id != actor.pk
    ]
    if notifications:
        transaction.on_commit(lambda: Notification.objects.bulk_create(notifications))


def _about(target: models.Model) -> models.QuerySet:
    return Notification.objects.filter(target_type=target._meta.model_name, target_id=target.pk)


def notification_text_replace(*, target: models.Model, text: str) -> int:
    """When what notifications about `target` quote changes (an edited message), they quote `text` instead. Call it
    inside the change's transaction."""
    return _about(target).update(text=text)


def notifications_about_delete(*, target: models.Model) -> int:
    """When `target` is deleted (a message), its notifications go too: nothing left to see, and no unread mark for
    it. Call it inside the deletion's transaction."""
    return _about(target).delete()[0]


def notification_mark_read(*, user, notification: Notification) -> bool:
    """Mark one of the user's notifications read, with the others shown in its row (Notification.group); returns
    whether any was unread."""
    if notification.recipient_id != user.pk:
        raise Http404
    with transaction.atomic():
        notification.read_at = notification.read_at or timezone.now()
        if not notification.group().filter(read_at__isnull=True).update(read_at=notification.read_at):
            return False
        activity_record(actor=user, verb="notification_read", target=notification)
    return True


def notification_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; returns how many there were."""
    with transaction.atomic():
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
        if count:
            activity_record(actor=user, verb="notification_read_all", context={"count": count})
    return count


def notification_mark_read_about(*, user, targets: models.QuerySet) -> int:
    """Mark the user's unread notifications about any of `targets` read, once the user has seen them (e.g. the
    messages of a conversation read); the caller records that reading as its own activity. Returns how many."""
    return Notification.objects.filter(
        recipient=user,
        read_at__isnull=True,
        target_type=targets.model._meta.model_name,
        target_id__in=targets.values("pk"),
    ).update(read_at=timezone.now())


def mentions_notify(*, actor, target: models.Model, text: str, previous_text: str = "", skip_ids=()) -> None:
    """Notify the people `text` @mentions (up to MENTIONS_NOTIFIED, active, no block either way with the actor),
    except those `previous_text` already mentioned (an edit notifies only the newly mentioned) and `skip_ids`
    (already notified of the same thing, e.g. as the post's author)."""
    already = {name.upper() for name in mentioned_usernames(previous_text)}
    names = [name for name in mentioned_usernames(text) if name.upper() not in already][:MENTIONS_NOTIFIED]
    if not names:
        return
    hidden = blocked_user_ids(user=actor) | set(skip_ids)
    recipient_ids = [pk for pk in active_users_named(names).values_list("pk", flat=True) if pk not in hidden]
    notifications_create(recipient_ids=recipient_ids, actor=actor, verb="mention", target=target, text=text[:200])
