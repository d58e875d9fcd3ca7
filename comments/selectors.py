"""Reads of comments shared by the HTML views and the API, each in a constant number of queries."""

from django.db.models import BooleanField, Count, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
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
