"""Reads of the notifications app: the list with a link to each target, and the unread badge count."""

from django.db.models import Case, CharField, Count, F, Max, Q, QuerySet, Value, When, Window
from django.db.models.functions import Cast, Concat, RowNumber
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from comments.models import Comment
from communities.models import Community

from .models import GROUPED_VERBS, Notification


def unread_notification_count(*, user) -> int:
    """The badge: unread rows of the notifications page (three likes of one post are one)."""
    return user.notifications.filter(read_at__isnull=True).annotate(row=_row_key()).values("row").distinct().count()


def notification_list(*, user) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).select_related("actor__profile").order_by("-created_at", "-id")


def _row_key():
    """What the rows of the notifications page are made of: one per grouped verb and target, else one per id."""
    per_target = Concat(F("verb"), Value(":"), F("target_type"), Value(":"), Cast("target_id", CharField()))
    return Case(
        When(verb__in=GROUPED_VERBS, then=per_target), default=Cast("id", CharField()), output_field=CharField()
    )


def notification_rows(*, user) -> QuerySet[dict]:
    """The rows of the user's notifications page, newest first: `latest_id` (the row's newest notification), `actors`
    (how many people it holds) and `unread` (how many of its notifications are unread). Page it, then pass the page to
    notifications_of_rows."""
    return (
        Notification.objects.filter(recipient=user)
        .annotate(row=_row_key())
        .values("row")
        .annotate(
            latest_id=Max("id"),
            actors=Count("actor", distinct=True),
            unread=Count("id", filter=Q(read_at__isnull=True)),
        )
        .order_by("-latest_id")
    )


def notifications_of_rows(rows) -> list[Notification]:
    """Each row's newest notification with `actors`, `unread` and `second_actor` (the last one before the newest's
    actor, for "Anna, Bob and 3 others"), in two queries whatever the rows."""
    rows = list(rows)
    latest = Notification.objects.select_related("actor__profile").in_bulk([row["latest_id"] for row in rows])
    earlier_by_others = Q(pk__in=[])
    for row in rows:
        if row["actors"] > 1:
            newest = latest[row["latest_id"]]
            earlier_by_others |= Q(
                recipient_id=newest.recipient_id,
                verb=newest.verb,
                target_type=newest.target_type,
                target_id=newest.target_id,
            ) & ~Q(actor_id=newest.actor_id)
    same_row = [F("verb"), F("target_type"), F("target_id")]
    runners_up = (
        Notification.objects.filter(earlier_by_others)
        .annotate(place=Window(RowNumber(), partition_by=same_row, order_by=F("id").desc()))
        .filter(place=1)
        .select_related("actor__profile")
    )
    second_actors = {(n.verb, n.target_type, n.target_id): n.actor for n in runners_up}
    notifications = []
    for row in rows:
        notification = latest[row["latest_id"]]
        notification.actors, notification.unread = row["actors"], row["unread"]
        key = (notification.verb, notification.target_type, notification.target_id)
        notification.second_actor = second_actors.get(key) if row["actors"] > 1 else None
        notifications.append(notification)
    return notifications


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
