"""Reposts (sharing a post with an optional note): the services that write them and the selectors that read them."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from accounts.models import Follow
from accounts.selectors import blocked_user_ids
from analytics.services import activity_record
from notifications.services import notification_create
from socialnet.errors import Conflict

from .models import Post, Repost
from .selectors import post_is_visible_to, post_list

REPOST_NOTE_MAX_LENGTH = Repost._meta.get_field("note").max_length


def repost_create(*, user, post: Post, note: str = "") -> Repost:
    """Share someone else's post once, with an optional note."""
    if not post_is_visible_to(post=post, user=user):
        raise Http404("No such post.")
    if post.author_id == user.pk:
        raise ValidationError({"post": "You cannot repost your own post."})
    note = (note or "").strip()
    if len(note) > REPOST_NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"At most {REPOST_NOTE_MAX_LENGTH} characters (this has {len(note)})."})
    try:
        with transaction.atomic():
            repost = Repost.objects.create(user=user, post=post, note=note)
            activity_record(actor=user, verb="repost", target=post, context={"repost_id": repost.pk})
            notification_create(recipient=post.author, actor=user, verb="repost", target=post, text=note[:200])
    except IntegrityError:
        # The unique (user, post) constraint decides, so two simultaneous requests cannot both succeed.
        raise Conflict("You have already reposted this post.")
    return repost


def repost_delete(*, user, post: Post) -> None:
    """Undo one's repost of a post."""
    with transaction.atomic():
        deleted, _ = Repost.objects.filter(user=user, post=post).delete()
        if not deleted:
            raise Http404("You have not reposted this post.")
        activity_record(actor=user, verb="repost_delete", target=post)


def _reposts_visible_to(*, viewer, hidden: set[int]) -> QuerySet[Repost]:
    """Reposts of posts the viewer may see, by reposters not `hidden` (blocked), with post cards prefetched."""
    qs = Repost.objects.filter(post__removed_at__isnull=True).select_related("user__profile")
    if hidden:
        qs = qs.exclude(post__author_id__in=hidden).exclude(user_id__in=hidden)
    return qs.prefetch_related(Prefetch("post", queryset=post_list(viewer=viewer))).order_by("-created_at", "-id")


def reposts_of_user(*, user, viewer) -> QuerySet[Repost]:
    """What `user` has reposted, newest first, for their profile; nothing when the two have blocked each other."""
    hidden = blocked_user_ids(user=viewer)
    if user.pk in hidden:
        return Repost.objects.none()
    return _reposts_visible_to(viewer=viewer, hidden=hidden).filter(user=user)


def reposts_for_follower(*, viewer) -> QuerySet[Repost]:
    """Reposts by the people `viewer` follows, newest first, for the chronological feed.

    Each row gives .post (annotated like posts.selectors.post_list), .user (the reposter), .note and .created_at.
    """
    followees = Follow.objects.filter(follower=viewer).values("followee_id")
    return _reposts_visible_to(viewer=viewer, hidden=blocked_user_ids(user=viewer)).filter(user_id__in=followees)


def repost_exists(*, user, post: Post) -> bool:
    return user.is_authenticated and Repost.objects.filter(user=user, post=post).exists()
