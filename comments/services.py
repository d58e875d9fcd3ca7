"""Every write on comments: one function per action.

Deletion rule: a comment row exists exactly while the thread shows it, so `comment_count` of a post (a plain
row count in posts.selectors.post_list) counts what readers see. Deleting or removing a comment with replies
keeps it as a text-less "deleted" placeholder (counted, since it still holds its replies); a comment without
replies is deleted outright, and a placeholder goes when its last reply does.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from analytics.services import activity_record
from communities.selectors import can_post_in
from notifications.services import mentions_notify, notification_create
from posts.models import Post
from posts.selectors import post_is_visible_to
from socialnet.ratelimit import rate_limit_hit

from .models import COMMENT_MAX_LENGTH, Comment, CommentLike
from .selectors import can_moderate_comments_of, comment_is_visible_to


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write something."})
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError({"text": f"At most {COMMENT_MAX_LENGTH} characters (this has {len(text)})."})
    return text


def _ensure_visible(*, comment: Comment, user) -> None:
    if not comment_is_visible_to(comment=comment, user=user):
        raise Http404("No such comment.")


def _locked_parent(*, parent: Comment, post: Post) -> Comment:
    """The parent row locked against a concurrent delete, checked to be a live top-level comment of `post`."""
    locked = Comment.objects.select_for_update().filter(pk=parent.pk, deleted_at__isnull=True).first()
    if locked is None:
        raise ValidationError({"parent": "That comment has been deleted."})
    if locked.post_id != post.pk:
        raise ValidationError({"parent": "You can only reply to a comment of the same post."})
    if locked.parent_id is not None:
        raise ValidationError({"parent": "You can only reply to a top-level comment."})
    return locked


def comment_create(*, author, post: Post, text: str, parent: Comment | None = None) -> Comment:
    """Comment on a post, or reply (one level deep) to one of its top-level comments."""
    rate_limit_hit(user=author, action="comment", per_minute=settings.RATE_LIMIT_COMMENTS_PER_MINUTE)
    if not post_is_visible_to(post=post, user=author):
        raise Http404("No such post.")
    if parent is not None:
        _ensure_visible(comment=parent, user=author)
    if post.community_id is not None and not can_post_in(user=author, community=post.community):
        raise PermissionDenied("Only members of the community can comment on its posts.")
    text = _clean_text(text)
    with transaction.atomic():
        if parent is not None:
            parent = _locked_parent(parent=parent, post=post)
        comment = Comment.objects.create(post=post, author=author, parent=parent, text=text)
        activity_record(
            actor=author,
            verb="comment_create",
            target=comment,
            context={"post_id": post.pk, "parent_id": parent.pk if parent else None},
        )
        excerpt = text[:200]
        if parent is not None:
            notification_create(recipient=parent.author, actor=author, verb="reply", target=comment, text=excerpt)
        if parent is None or parent.author_id != post.author_id:
            notification_create(recipient=post.author, actor=author, verb="comment", target=comment, text=excerpt)
        notified = {post.author_id, parent.author_id if parent is not None else post.author_id}
        mentions_notify(actor=author, target=comment, text=text, skip_ids=notified)
    return comment


def comment_update(*, user, comment: Comment, text: str) -> Comment:
    _ensure_visible(comment=comment, user=user)
    if comment.author_id != user.pk:
        raise PermissionDenied("Only the author can edit a comment.")
    text, previous_text = _clean_text(text), comment.text
    with transaction.atomic():
        comment.text = text
        comment.save(update_fields=["text", "updated_at"])
        activity_record(actor=user, verb="comment_update", target=comment, context={"post_id": comment.post_id})
        mentions_notify(actor=user, target=comment, text=text, previous_text=previous_text)
    return comment


def _discard(comment: Comment, *, removed_by=None) -> None:
    """Delete the row, or keep a text-less placeholder while it has replies (see the module docstring)."""
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.parent_id is None and locked.replies.exists():
        comment.text = ""
        comment.deleted_at = timezone.now()
        comment.removed_by = removed_by
        comment.save(update_fields=["text", "deleted_at", "removed_by", "updated_at"])
        return
    parent_id = locked.parent_id
    locked.delete()
    if parent_id is not None:
        # The last reply of a deleted comment takes the placeholder with it.
        Comment.objects.filter(pk=parent_id, deleted_at__isnull=False, replies__isnull=True).delete()


def comment_delete(*, user, comment: Comment) -> None:
    _ensure_visible(comment=comment, user=user)
    if comment.author_id != user.pk:
        raise PermissionDenied("Only the author can delete a comment.")
    with transaction.atomic():
        activity_record(actor=user, verb="comment_delete", target=comment, context={"post_id": comment.post_id})
        _discard(comment)


def comment_remove(*, moderator, comment: Comment) -> None:
    """A moderator or the owner of the post's community takes a comment down."""
    _ensure_visible(comment=comment, user=moderator)
    if not can_moderate_comments_of(user=moderator, post=comment.post):
        raise PermissionDenied("Only moderators of this community can remove comments.")
    with transaction.atomic():
        activity_record(
            actor=moderator,
            verb="comment_remove",
            target=comment,
            context={"post_id": comment.post_id, "author_id": comment.author_id},
        )
        _discard(comment, removed_by=moderator)


def comment_like_add(*, user, comment: Comment) -> CommentLike:
    """Like a comment once; liking again returns the existing like."""
    _ensure_visible(comment=comment, user=user)
    with transaction.atomic():
        like, created = CommentLike.objects.get_or_create(user=user, comment=comment)
        if created:
            activity_record(actor=user, verb="comment_like", target=comment, context={"post_id": comment.post_id})
    return like


def comment_like_remove(*, user, comment: Comment) -> None:
    """Take a like back; without a like nothing happens."""
    _ensure_visible(comment=comment, user=user)
    with transaction.atomic():
        deleted, _ = CommentLike.objects.filter(user=user, comment=comment).delete()
        if deleted:
            activity_record(actor=user, verb="comment_unlike", target=comment, context={"post_id": comment.post_id})

