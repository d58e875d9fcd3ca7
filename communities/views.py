"""HTML pages of communities. Every change goes through communities.services (or posts.services for posting)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from posts import services as post_services
from posts.models import Post, Topic
from socialnet.errors import Conflict, RateLimited

from . import selectors, services
from .forms import CommunityDeleteForm, CommunityForm, CommunityPostForm, UsernameForm
from .models import Community, Membership

COMMUNITIES_PER_PAGE = 20
POSTS_PER_PAGE = 10
MEMBERS_PER_PAGE = 50
MEMBERS_PREVIEW = 12


def _community_or_404(slug: str) -> Community:
    try:
        return selectors.community_get(slug=slug)
    except Community.DoesNotExist:
        raise Http404("No such community.")


def community_list(request):
    query, topic = request.GET.get("q", "").strip(), request.GET.get("topic", "")
    communities = selectors.community_list(query=query, topic=topic, viewer=request.user).order_by("name", "id")
    page = Paginator(communities, COMMUNITIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "topic": topic,
        "topics": Topic.objects.all(),
        "extra": "&" + urlencode({"q": query, "topic": topic}),
    }
    if request.user.is_authenticated:
        context["my_communities"] = selectors.communities_of(user=request.user).order_by("name")
    return render(request, "communities/list.html", context)


@login_required
def community_create(request):
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(creator=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{community.name} is open. You are its owner.")
            return redirect("communities:detail", slug=community.slug)
    return render(request, "communities/form.html", {"form": form, "title": "New community"})


@require_GET
def slug_suggest(request):
    """htmx: the address a community with this name would get."""
    slug = selectors.community_slug_suggest(name=request.GET.get("name", ""))
    return render(request, "communities/_slug_hint.html", {"slug": slug})


def _detail_context(request, community: Community, post_form: CommunityPostForm) -> dict:
    membership = selectors.membership_for(user=request.user, community=community)
    posts = selectors.community_posts(community=community, viewer=request.user)
    return {
        "community": community,
        "membership": membership,
        "is_member": membership is not None and not membership.is_banned,
        "can_moderate": selectors.can_moderate(user=request.user, community=community),
        "can_delete": selectors.can_delete(user=request.user, community=community),
        "page": Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page")),
        "members": selectors.community_members(community=community)[:MEMBERS_PREVIEW],
        "post_form": post_form,
    }


def community_detail(request, slug):
    community = _community_or_404(slug)
    # A community is about a topic: its posts usually are too.
    post_form = CommunityPostForm(initial={"topic": community.topic_id})
    return render(request, "communities/detail.html", _detail_context(request, community, post_form))


@login_required
def community_edit(request, slug):
    community = _community_or_404(slug)
    services.community_check_owner(actor=request.user, community=community)
    initial = {"name": community.name, "description": community.description, "topic": community.topic}
    form = CommunityForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.community_update(actor=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Community updated.")
            return redirect("communities:detail", slug=community.slug)
    context = {"form": form, "title": f"Edit {community.name}", "community": community}
    return render(request, "communities/form.html", context)


@login_required
def community_delete(request, slug):
    community = _community_or_404(slug)
    services.community_check_can_delete(actor=request.user, community=community)
    form = CommunityDeleteForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        services.community_delete(actor=request.user, community=community)
        messages.success(request, f"{community.name} has been deleted.")
        return redirect("communities:list")
    return render(request, "communities/confirm_delete.html", {"form": form, "community": community})


def community_members(request, slug):
    community = _community_or_404(slug)
    membership = selectors.membership_for(user=request.user, community=community)
    can_moderate = selectors.can_moderate(user=request.user, community=community)
    members = selectors.community_members(community=community)
    context = {
        "community": community,
        "is_owner": membership is not None and membership.role == Membership.Role.OWNER,
        "can_moderate": can_moderate,
        "page": Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page")),
        "bans": selectors.community_bans(community=community) if can_moderate else [],
    }
    return render(request, "communities/members.html", context)


def _back(request, community: Community, default: str = "communities:detail") -> HttpResponse:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect(reverse(default, kwargs={"slug": community.slug}))


def _perform(request, community: Community, action, success: str, default: str = "communities:detail"):
    """Run a service; refusals by state or input become an error message, PermissionDenied stays a 403."""
    try:
        action()
    except Conflict as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return _back(request, community, default)


@require_POST
@login_required
def community_join(request, slug):
    community = _community_or_404(slug)
    join = lambda: services.community_join(user=request.user, community=community)  # noqa: E731
    return _perform(request, community, join, f"Welcome to {community.name}.")


@require_POST
@login_required
def community_leave(request, slug):
    community = _community_or_404(slug)
    leave = lambda: services.community_leave(user=request.user, community=community)  # noqa: E731
    return _perform(request, community, leave, f"You left {community.name}.")


@require_POST
@login_required
def community_post_create(request, slug):
    community = _community_or_404(slug)
    form = CommunityPostForm(request.POST)
    if form.is_valid():
        try:
            post_services.post_create(author=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except RateLimited as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Posted.")
            return redirect("communities:detail", slug=community.slug)
    return render(request, "communities/detail.html", _detail_context(request, community, form), status=400)


@require_POST
@login_required
def community_post_remove(request, slug, post_id):
    community = _community_or_404(slug)
    try:
        post = selectors.community_post_get(community=community, post_id=post_id)
    except Post.DoesNotExist:
        raise Http404("No such post in this community.")
    remove = lambda: post_services.post_remove(actor=request.user, post=post)  # noqa: E731
    return _perform(request, community, remove, "Post removed from the community.")


# Actions on another user, named by the "username" field: (service, keyword for that user, success message).
USER_ACTIONS = {
    "moderator_add": (services.moderator_add, "user", "{username} is now a moderator."),
    "moderator_remove": (services.moderator_remove, "user", "{username} is no longer a moderator."),
    "ban": (services.community_ban, "user", "{username} is banned."),
    "unban": (services.community_unban, "user", "{username} is no longer banned."),
    "transfer": (services.ownership_transfer, "new_owner", "{username} now owns the community."),
}


@require_POST
@login_required
def community_user_action(request, slug, action):
    community = _community_or_404(slug)
    service, user_keyword, success = USER_ACTIONS[action]
    form = UsernameForm(request.POST)
    target = form.is_valid() and User.objects.filter(username__iexact=form.cleaned_data["username"]).first()
    if not target:
        messages.error(request, "No user with this username.")
        return _back(request, community, "communities:members")
    run = lambda: service(actor=request.user, community=community, **{user_keyword: target})  # noqa: E731
    return _perform(request, community, run, success.format(username=target.username), "communities:members")
