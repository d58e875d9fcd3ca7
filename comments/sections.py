"""What the comment section of a post shows to one viewer, shared by the page include and the htmx views.

The section shows one page of the thread: the newest COMMENTS_PER_PAGE top-level comments with their replies, or,
with `?before=<id>` in the URL of the page it is on, those before top-level comment <id> (messaging's "Earlier
messages" pattern; a `before` that is not an id is a 400 page there and here). An earlier page links one page
earlier, one page later and to the latest page. Every form in it carries that URL as `next`, so an answer to a
write shows the same page.
"""

from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.middleware.csrf import get_token

from communities.selectors import can_post_in

from .forms import CommentForm
from .selectors import can_moderate_comments_of, comment_thread_page, comment_thread_total

COMMENTS_PER_PAGE = 20


def page_before(url: str) -> int | None:
    """The `before` of a page URL (None: the latest page); BadRequest when it is not a comment id."""
    query = QueryDict(urlsplit(url).query)
    if "before" not in query:
        return None
    value = query["before"]
    if not (value.isascii() and value.isdigit()):
        raise BadRequest("before must be a comment id")
    return int(value)


def page_url(url: str, before: int | None) -> str:
    """`url` showing the thread page that ends before top-level comment `before` (the latest page for None)."""
    parts = urlsplit(url)
    query = QueryDict(parts.query, mutable=True)
    query.pop("before", None)
    if before is not None:
        query["before"] = str(before)
    return urlunsplit(parts._replace(query=query.urlencode()))


def _failed_parent_id(form: CommentForm | None, comments: list) -> int | None:
    """The comment whose reply form failed, if that form is on the page; else the errors go to the main form."""
    if form is None or not form.errors:
        return None
    value = form.data.get("parent") or ""
    open_reply_forms = {comment.pk for comment in comments if comment.deleted_at is None}
    return int(value) if value.isdigit() and int(value) in open_reply_forms else None


def section_context(*, request, post, form: CommentForm | None = None, next_url: str | None = None) -> dict:
    viewer = request.user
    next_url = next_url or request.get_full_path()
    before = page_before(next_url)
    comments, has_earlier, later = comment_thread_page(post=post, viewer=viewer, limit=COMMENTS_PER_PAGE, before=before)
    signed_in = viewer.is_authenticated
    return {
        "request": request,
        "user": viewer,
        "csrf_token": get_token(request),
        "post": post,
        "comments": comments,
        "total": comment_thread_total(post=post, viewer=viewer),
        "earlier_url": page_url(next_url, comments[0].pk) if has_earlier else None,
        # One page later, unless that is the latest page, which has a link of its own.
        "later_url": page_url(next_url, later) if later is not None else None,
        # On an earlier page the new-comment form gives way to a link back: new comments land on the latest page.
        "latest_url": page_url(next_url, None) if before is not None else None,
        "form": form or CommentForm(),
        # A reply form that failed validation is shown open, under its comment, with the errors.
        "failed_parent_id": _failed_parent_id(form, comments),
        "can_comment": signed_in and (post.community_id is None or can_post_in(user=viewer, community=post.community)),
        "can_moderate": signed_in and can_moderate_comments_of(user=viewer, post=post),
        "next_url": next_url,
    }
