"""HTML for comments and reposts: plain forms that work without JavaScript, answered with fragments under htmx."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from posts.reposts import repost_create, repost_delete, repost_exists
from posts.selectors import post_get
from socialnet.errors import Conflict, RateLimited

from . import selectors, services
from .forms import CommentEditForm, CommentForm, RepostForm
from .models import Comment
from .sections import COMMENTS_PER_PAGE, page_url, section_context


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _next_url(request, post) -> str:
    """Where to go back to: the page the form was on (if it is ours), else the post's page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate.split("#")[0]
    return reverse("posts:detail", args=[post.pk])


def _section(request, post, *, form=None, status=200, comment_count_oob=False):
    context = section_context(request=request, post=post, form=form, next_url=_next_url(request, post))
    context["comment_count_oob"] = comment_count_oob
    return render(request, "comments/_thread.html", context, status=status)


def _page(request, post, *, form=None, status=200):
    """The post page with this section in it, for answers that must show form errors without htmx."""
    context = section_context(request=request, post=post, form=form, next_url=_next_url(request, post))
    return render(request, "comments/post_comments.html", context, status=status)


def _done(request, post, *, anchor: str):
    """After a successful write: the fresh section for htmx, with the post card's comment count above it redrawn out
    of band (from the post read again: `post` was read before the write); a redirect back to the page otherwise."""
    if _is_htmx(request):
        return _section(request, post_get(pk=post.pk, viewer=request.user), comment_count_oob=True)
    return redirect(f"{_next_url(request, post)}#{anchor}")


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a service's field errors on the form's fields; errors about anything else above the form."""
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


def _comment_for(request, pk) -> Comment:
    return selectors.comment_get(comment_id=pk, viewer=request.user)


def post_comments(request, post_id):
    """The comment section of a post (the page of it that `next` shows) as a fragment for htmx; without htmx, the
    page itself has it."""
    post = post_get(pk=post_id, viewer=request.user)
    if _is_htmx(request):
        return _section(request, post)
    return redirect(f"{_next_url(request, post)}#comments-{post.pk}")


@login_required
@require_POST
def create(request, post_id):
    post = post_get(pk=post_id, viewer=request.user)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent_id = form.cleaned_data["parent"]
        parent = get_object_or_404(Comment, pk=parent_id) if parent_id else None
        try:
            comment = services.comment_create(
                author=request.user, post=post, text=form.cleaned_data["text"], parent=parent
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        except RateLimited as error:
            form.add_error(None, str(error))
        else:
            return _done(request, post, anchor=f"comment-{comment.pk}")
    # htmx 2 does not swap 4xx answers, so the fragment with the errors comes back as 200.
    if _is_htmx(request):
        return _section(request, post, form=form)
    return _page(request, post, form=form, status=400)


@login_required
def edit(request, pk):
    comment = _comment_for(request, pk)
    if comment.author_id != request.user.pk:
        # Checked before showing the form; comment_update checks again when saving.
        raise PermissionDenied("Only the author can edit a comment.")
    form = CommentEditForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(user=request.user, comment=comment, text=form.cleaned_data["text"])
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            return _done(request, comment.post, anchor=f"comment-{comment.pk}")
    inline = _is_htmx(request)
    context = {"comment": comment, "form": form, "next_url": _next_url(request, comment.post), "inline": inline}
    if inline:
        response = render(request, "comments/_edit_form.html", context)
        # The form takes the comment's place; a failed save shows it again in the same place.
        response["HX-Retarget"] = f"#comment-{comment.pk}"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "comments/edit.html", context, status=400 if form.errors else 200)


def _comment_action(action, *, anchor_on_comment: bool):
    """A POST-only view that calls `action(user, comment)` and then answers like every other write."""

    @login_required
    @require_POST
    def view(request, pk):
        comment = _comment_for(request, pk)
        action(request.user, comment)
        anchor = f"comment-{comment.pk}" if anchor_on_comment else f"comments-{comment.post_id}"
        return _done(request, comment.post, anchor=anchor)

    return view


# A deleted comment may be gone, so those two land on the section rather than on the comment.
delete = _comment_action(lambda user, c: services.comment_delete(user=user, comment=c), anchor_on_comment=False)
remove = _comment_action(lambda user, c: services.comment_remove(moderator=user, comment=c), anchor_on_comment=False)
like = _comment_action(lambda user, c: services.comment_like_add(user=user, comment=c), anchor_on_comment=True)
unlike = _comment_action(lambda user, c: services.comment_like_remove(user=user, comment=c), anchor_on_comment=True)


def detail(request, pk):
    """A stable link to one comment (notifications use it): its place on the page of the post's comments that has it."""
    comment = _comment_for(request, pk)
    before = selectors.comment_page_before(comment=comment, viewer=request.user, limit=COMMENTS_PER_PAGE)
    return redirect(f"{page_url(reverse('posts:detail', args=[comment.post_id]), before)}#comment-{comment.pk}")


def _repost_state(request, post, *, reposted: bool):
    context = {"post": post, "reposted": reposted, "next_url": _next_url(request, post)}
    return render(request, "comments/_repost_state.html", context)


@login_required
def repost(request, post_id):
    """Share a post with an optional note: a page of its own, or a form in place of the button under htmx."""
    post = post_get(pk=post_id, viewer=request.user)
    form = RepostForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            repost_create(user=request.user, post=post, note=form.cleaned_data["note"])
        except ValidationError as error:
            _add_service_errors(form, error)
            status = 400
        except Conflict as conflict:
            form.add_error(None, str(conflict))
            status = 409
        else:
            if _is_htmx(request):
                return _repost_state(request, post, reposted=True)
            messages.success(request, "Reposted.")
            return redirect(_next_url(request, post))
    elif form.errors:
        status = 400
    context = {"post": post, "form": form, "reposted": repost_exists(user=request.user, post=post),
               "next_url": _next_url(request, post)}
    if _is_htmx(request):
        return render(request, "comments/_repost_form.html", context)
    return render(request, "comments/repost.html", context, status=status)


@login_required
@require_POST
def unrepost(request, post_id):
    post = post_get(pk=post_id, viewer=request.user)
    repost_delete(user=request.user, post=post)
    if _is_htmx(request):
        return _repost_state(request, post, reposted=False)
    messages.success(request, "Repost undone.")
    return redirect(_next_url(request, post))
