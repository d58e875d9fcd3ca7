"""Reads of the notifications app: the list with a link to each target, and the unread badge count."""

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from comments.models import Comment
from communities.models import Community

from .models import Notification


def unread_notification_count(*, user) -> int:
    return user.notifications.filter(read_at__isnull=True).count()


def notification_list(*, user) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).select_related("actor__profile").order_by("-created_at", "-id")


def notification_for(*, user, pk: int) -> Notification | None:
    return notification_list(user=user).filter(pk=pk).first()


def _url(name: str, *args) -> str:
    # Pages owned by other apps may not be routed yet; a notification then simply has no link.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def notifications_with_links(notifications) -> list[Notification]:
    """Set `target_url` on each notification, with one query per kind of target that needs a lookup."""
    notifications = list(notifications)
    ids_by_type: dict[str, set[int]] = {}
    for notification in notifications:
        if notification.target_id is not None:
            ids_by_type.setdefault(notification.target_type, set()).add(notification.target_id)
    usernames = dict(User.objects.filter(pk__in=ids_by_type.get("user", ())).values_list("pk", "username"))
    slugs = dict(Community.objects.filter(pk__in=ids_by_type.get("community", ())).values_list("pk", "slug"))
    comment_ids = set(Comment.objects.filter(pk__in=ids_by_type.get("comment", ())).values_list("pk", flat=True))

    for notification in notifications:
        kind, target_id = notification.target_type, notification.target_id
        if kind == "post":
            url = _url("posts:detail", target_id)
        elif kind == "message" and target_id is not None:
            # The message's own link opens its conversation at it, on the page that has it.
            url = _url("messaging:message", target_id)
        elif kind == "community" and target_id in slugs:
            url = _url("communities:detail", slugs[target_id])
        elif kind == "comment" and target_id in comment_ids:
            # The comment's own link opens the page of the post's comments that has it.
            url = _url("comments:detail", target_id)
        elif kind == "user" and target_id in usernames:
            url = _url("accounts:profile", usernames[target_id])
        elif notification.actor is not None:
            url = _url("accounts:profile", notification.actor.username)
        else:
            url = ""
        notification.target_url = url
    return notifications
