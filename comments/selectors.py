"""Reads of comments shared by the HTML views and the API, each in a constant number of queries."""

from typing import NamedTuple

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.selectors import blocked_user_ids
from communities.models import Membership
from communities.selectors import membership_for
from posts.models import Post
from posts.selectors import count_of, post_is_visible_to

from .models import Comment, CommentLike

MODERATOR_ROLES = (Membership.Role.OWNER, Membership.Role.MODERATOR)


def comment_list(*, viewer) -> QuerySet[Comment]:
    """Comments a viewer may see (authors blocked either way are hidden) with like_count and liked_by_me."""
    qs = Comment.objects.select_related("author__profile").annotate(like_count=count_of(CommentLike, "comment"))
    if viewer is None or not viewer.is_authenticated:
        return qs.annotate(liked_by_me=Value(False, output_field=BooleanField()))
    hidden = blocked_user_ids(user=viewer)
    if hidden:
        qs = qs.exclude(author_id__in=hidden)
    return qs.annotate(liked_by_me=Exists(CommentLike.objects.filter(comment=OuterRef("pk"), user=viewer)))


def _visible_reply_count(*, viewer):
    replies = Comment.objects.filter(parent=OuterRef("pk"))
    hidden = blocked_user_ids(user=viewer)
    if hidden:
        replies = replies.exclude(author_id__in=hidden)
    counts = replies.order_by().values("parent").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def top_level_comments(*, post: Post, viewer) -> QuerySet[Comment]:
    """Top-level comments of a post, oldest first, with reply_count; a deleted one shows only while it has replies."""
    return (
        comment_list(viewer=viewer)
        .filter(post=post, parent__isnull=True)
        .annotate(reply_count=_visible_reply_count(viewer=viewer))
        .exclude(deleted_at__isnull=False, reply_count=0)
        .order_by("created_at", "id")
    )


def comment_replies(*, comment: Comment, viewer) -> QuerySet[Comment]:
    return comment_list(viewer=viewer).filter(parent=comment).order_by("created_at", "id")


def comment_thread(*, post: Post, viewer) -> QuerySet[Comment]:
    """Top-level comments with their visible replies prefetched into `visible_replies` (three queries in all)."""
    replies = comment_list(viewer=viewer).order_by("created_at", "id")
    return top_level_comments(post=post, viewer=viewer).prefetch_related(
        Prefetch("replies", queryset=replies, to_attr="visible_replies")
    )


def _before_in_thread(*, post: Post, before: int) -> Q:
    """Top-level comments that come before comment `before` in thread order (created_at, id). When that comment has
    been deleted since, its id still places it: ids follow creation."""
    anchor_time = Comment.objects.filter(pk=before, post=post).values_list("created_at", flat=True).first()
    if anchor_time is None:
        return Q(pk__lt=before)
    return Q(created_at__lt=anchor_time) | Q(created_at=anchor_time, pk__lt=before)


class ThreadPage(NamedTuple):
    comments: list[Comment]
    has_earlier: bool
    # The `before` of the page one step later (None: that is the latest page; always None on the latest page).
    later_before: int | None


def comment_thread_page(*, post: Post, viewer, limit: int, before: int | None = None) -> ThreadPage:
    """One page of the thread: the newest `limit` top-level comments (of those before top-level comment `before`, if
    given) with their visible replies, oldest first as the section shows them, whether earlier ones exist, and where
    the page one later ends (the `limit` top-level comments from `before` on end before the next one)."""
    thread = comment_thread(post=post, viewer=viewer)
    later_before = None
    if before is not None:
        earlier = _before_in_thread(post=post, before=before)
        later_ids = thread.exclude(earlier).order_by("created_at", "id").values_list("pk", flat=True)
        later_before = next(iter(later_ids[limit : limit + 1]), None)
        thread = thread.filter(earlier)
    newest = list(thread.order_by("-created_at", "-id")[: limit + 1])
    return ThreadPage(list(reversed(newest[:limit])), len(newest) > limit, later_before)


def comment_thread_total(*, post: Post, viewer) -> int:
    """How many comments the whole thread shows the viewer, over all its pages: top-level ones and their replies."""
    totals = top_level_comments(post=post, viewer=viewer).aggregate(top=Count("id"), replies=Sum("reply_count"))
    return totals["top"] + (totals["replies"] or 0)


def comment_page_before(*, comment: Comment, viewer, limit: int) -> int | None:
    """The `before` of the thread page that ends with this comment's top-level comment, or None when that one is among
    the newest `limit` (the first page a post shows)."""
    top = comment.parent or comment
    later_ids = list(
        top_level_comments(post=comment.post, viewer=viewer)
        .filter(Q(created_at__gt=top.created_at) | Q(created_at=top.created_at, pk__gt=top.pk))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return later_ids[0] if len(later_ids) == limit else None


def comment_get(*, comment_id: int, viewer) -> Comment:
    """A live comment the viewer may see, with its post loaded; 404 otherwise (the viewer may not know it exists)."""
    comment = (
        comment_list(viewer=viewer)
        .select_related("post__community", "parent")
        .filter(pk=comment_id, deleted_at__isnull=True)
        .first()
    )
    if comment is None or not post_is_visible_to(post=comment.post, user=viewer):
        raise Http404("No such comment.")
    return comment


def comment_is_visible_to(*, comment: Comment, user) -> bool:
    if comment.deleted_at is not None or not post_is_visible_to(post=comment.post, user=user):
        return False
    return comment.author_id not in blocked_user_ids(user=user)


def can_moderate_comments_of(*, user, post: Post) -> bool:
    """Site staff, and owners and moderators (not banned) of the post's community, may remove its comments."""
    if user.is_staff:
        return True
    if post.community_id is None:
        return False
    membership = membership_for(user=user, community=post.community)
    return membership is not None and not membership.is_banned and membership.role in MODERATOR_ROLES
