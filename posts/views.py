from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from socialnet.errors import RateLimited

from . import selectors, services
from .forms import PostForm

LIKERS_PER_PAGE = 30


def detail(request, pk):
    post = selectors.post_get(pk=pk, viewer=request.user)
    services.post_view_record(user=request.user, post=post)
    return render(request, "posts/detail.html", {"post": post})


def likes(request, pk):
    post = selectors.post_get(pk=pk, viewer=request.user)
    likers = selectors.post_likers(post=post, viewer=request.user)
    page = Paginator(likers, LIKERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "posts/likes.html", {"post": post, "page": page})


@login_required
def create(request):
    form = PostForm(request.POST or None, user=request.user, initial={"community": request.GET.get("community")})
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(author=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except RateLimited as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Posted.")
            return redirect("posts:detail", pk=post.pk)
    return render(request, "posts/form.html", {"form": form, "title": "New post"})


@login_required
def edit(request, pk):
    post = selectors.post_get(pk=pk, viewer=request.user)
    form = PostForm(request.POST or None, editing=True, initial={"text": post.text, "topic": post.topic})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(user=request.user, post=post, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Post updated.")
            return redirect("posts:detail", pk=post.pk)
    else:
        # Refuse before someone types an edit they could not save.
        services.post_check_author(user=request.user, post=post)
    return render(request, "posts/form.html", {"form": form, "title": "Edit post", "post": post})


@login_required
def delete(request, pk):
    post = selectors.post_get(pk=pk, viewer=request.user)
    if request.method == "POST":
        services.post_delete(user=request.user, post=post)
        messages.success(request, "Post deleted.")
        return redirect("accounts:profile", username=request.user.username)
    services.post_check_author(user=request.user, post=post)
    return render(request, "posts/confirm_delete.html", {"post": post})


@require_POST
@login_required
def like(request, pk):
    post = selectors.post_get(pk=pk, viewer=request.user)
    if request.POST.get("action") == "unlike":
        services.like_remove(user=request.user, post=post)
    else:
        services.like_add(user=request.user, post=post)
    if request.headers.get("HX-Request"):
        return render(request, "posts/_like_button.html", {"post": selectors.post_get(pk=pk, viewer=request.user)})
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("posts:detail", pk=post.pk)
