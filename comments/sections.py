"""What the comment section of a post shows to one viewer, shared by the page include and the htmx views."""

from django.middleware.csrf import get_token

from communities.selectors import can_post_in

from .forms import CommentForm
from .selectors import can_moderate_comments_of, comment_thread


def _failed_parent_id(form: CommentForm | None, comments: list) -> int | None:
    """The comment whose reply form failed, if that form is on the page; else the errors go to the main form."""
    if form is None or not form.errors:
        return None
    value = form.data.get("parent") or ""
    open_reply_forms = {comment.pk for comment in comments if comment.deleted_at is None}
    return int(value) if value.isdigit() and int(value) in open_reply_forms else None


def section_context(*, request, post, form: CommentForm | None = None, next_url: str | None = None) -> dict:
    viewer = request.user
    comments = list(comment_thread(post=post, viewer=viewer))
    signed_in = viewer.is_authenticated
    return {
        "request": request,
        "user": viewer,
        "csrf_token": get_token(request),
        "post": post,
        "comments": comments,
        "total": sum(1 + len(comment.visible_replies) for comment in comments),
        "form": form or CommentForm(),
        # A reply form that failed validation is shown open, under its comment, with the errors.
        "failed_parent_id": _failed_parent_id(form, comments),
        "can_comment": signed_in and (post.community_id is None or can_post_in(user=viewer, community=post.community)),
        "can_moderate": signed_in and can_moderate_comments_of(user=viewer, post=post),
        "next_url": next_url or request.get_full_path(),
    }
