from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from communities.selectors import communities_of, owned_communities_with_successors
from messaging.selectors import direct_message_refusal
from posts.selectors import author_posts
from socialnet.errors import RateLimited

from . import selectors, services
from .forms import (
    AccountDeleteForm,
    AvatarForm,
    NewPasswordForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    RegisterForm,
)
from .middleware import landing_source
from .models import name_of

PROFILE_POSTS_PER_PAGE = 10
PEOPLE_PER_PAGE = 30


class LogoutView(auth_views.LogoutView):
    """Django's logout, then a note on the page it lands on (the message outlives the flushed session in a cookie)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response


def register(request):
    if request.user.is_authenticated:
        return redirect("feed:home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                username=data["username"],
                email=data["email"],
                password=data["password"],
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                **landing_source(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to socialnet, {user.username}!")
            return redirect("accounts:profile_edit")
    return render(request, "registration/register.html", {"form": form})


def profile(request, username):
    person = selectors.user_get_visible(username=username, viewer=request.user)
    relationship = selectors.relationship(viewer=request.user, user=person)
    posts_page = None
    if not relationship["is_blocking"]:
        posts_page = Paginator(author_posts(author=person, viewer=request.user), PROFILE_POSTS_PER_PAGE).get_page(
            request.GET.get("page")
        )
    message_refusal = None  # the "Message" button is shown disabled with it, when the person's setting refuses me
    if request.user.is_authenticated and request.user.pk != person.pk and not relationship["is_blocking"]:
        message_refusal = direct_message_refusal(sender=request.user, recipient=person)
    context = {
        "person": person,
        "message_refusal": message_refusal,
        "counts": selectors.follow_counts(user=person),
        "communities": communities_of(user=person),
        "posts_page": posts_page,
        **relationship,
    }
    return render(request, "accounts/profile.html", context)


@login_required
def profile_edit(request):
    me = selectors.user_get_with_profile(pk=request.user.pk)
    form = ProfileForm(request.POST or None, instance=me.profile, initial={"email": me.email})
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        try:
            services.profile_update(
                user=request.user, email=changes.pop("email"), interests=changes.pop("interests"), **changes
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Profile saved.")
            return redirect("accounts:profile", username=request.user.username)
    return _profile_edit_page(request, me=me, form=form)


@require_POST
@login_required
def avatar(request):
    """The profile edit page's picture form: upload a new one, or remove it (action=remove), through the services
    the API uses; a bad file shows the page again with the reason under the field."""
    if request.POST.get("action") == "remove":
        services.avatar_remove(user=request.user)
        messages.success(request, "Profile picture removed.")
        return redirect("accounts:profile_edit")
    avatar_form = AvatarForm(request.POST, request.FILES)
    if avatar_form.is_valid():
        try:
            services.avatar_set(user=request.user, upload=avatar_form.cleaned_data["avatar"])
        except ValidationError as error:
            avatar_form.add_error(None, error)
        else:
            messages.success(request, "Profile picture saved.")
            return redirect("accounts:profile_edit")
    return _profile_edit_page(request, me=selectors.user_get_with_profile(pk=request.user.pk), avatar_form=avatar_form)


def _profile_edit_page(request, *, me, form=None, avatar_form=None):
    context = {
        "me": me,
        "form": form or ProfileForm(instance=me.profile, initial={"email": me.email}),
        "avatar_form": avatar_form or AvatarForm(),
    }
    return render(request, "accounts/profile_edit.html", context)


# The password services' field names, as the forms name them (a link's `uid` and `token` are the form's own).
PASSWORD_FORM_FIELDS = {"old_password": "old_password", "new_password": "new_password2"}


def _add_password_errors(form, error: ValidationError) -> None:
    for field, field_messages in error.message_dict.items():
        form.add_error(PASSWORD_FORM_FIELDS.get(field), field_messages)


@login_required
def password_change(request):
    """Change one's password through services.password_change (as the API does), staying signed in."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as error:
            _add_password_errors(form, error)
        else:
            update_session_auth_hash(request, request.user)
            return redirect("accounts:password_change_done")
    return render(request, "registration/password_change_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Ask for a reset link by e-mail through services.password_reset_request (as the API does, throttled); the next
    page reads the same whether or not an account has the address."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(
                email=form.cleaned_data["email"],
                ip_address=request.META.get("REMOTE_ADDR", ""),
                site_url=request.build_absolute_uri("/"),
            )
        except RateLimited as error:
            form.add_error(None, str(error))
        else:
            return redirect("accounts:password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The page of a reset link: Django's (it moves the token from the address into the session before showing the
    form), setting the password through services.password_reset_confirm as the API does, so every device is signed
    out."""

    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        try:
            services.password_reset_confirm(
                uidb64=self.kwargs["uidb64"],
                token=self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as error:
            _add_password_errors(form, error)
            return self.form_invalid(form)
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


@login_required
def account_delete(request):
    """The signed-in person deletes their own account (never anyone else's: there is no id to change)."""
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_delete(user=request.user, password=form.cleaned_data["password"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logout(request)
            messages.success(request, "Your account has been deleted. Goodbye.")
            return redirect("feed:home")
    communities = owned_communities_with_successors(owner=request.user)
    return render(request, "accounts/account_delete.html", {"form": form, "owned_communities": communities})


def _people(request, username, *, following: bool):
    person = selectors.user_get_visible(username=username, viewer=request.user)
    people = selectors.following_list(user=person) if following else selectors.follower_list(user=person)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    title = "Following" if following else "Followers"
    return render(request, "accounts/people.html", {"person": person, "page": page, "title": title})


def followers(request, username):
    return _people(request, username, following=False)


def following(request, username):
    return _people(request, username, following=True)


@login_required
def blocked(request):
    page = Paginator(selectors.blocked_list(user=request.user), PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/blocked.html", {"page": page})


def _relationship_changed(request, person, template: str):
    """htmx swaps in the updated button; without JavaScript, back to the profile."""
    if request.headers.get("HX-Request"):
        context = {
            "person": person,
            "counts": selectors.follow_counts(user=person),
            **selectors.relationship(viewer=request.user, user=person),
        }
        return render(request, template, context)
    return redirect("accounts:profile", username=person.username)


@require_POST
@login_required
def follow(request, username):
    person = selectors.user_get_visible(username=username, viewer=request.user)
    if request.POST.get("action") == "unfollow":
        services.follow_remove(follower=request.user, followee=person)
    elif not selectors.relationship(viewer=request.user, user=person)["is_following"]:
        services.follow_add(follower=request.user, followee=person)
    if request.POST.get("shown_as") == "suggestion":  # a "people you may know" row redraws itself
        return _relationship_changed(request, person, "accounts/_suggestion.html")
    return _relationship_changed(request, person, "accounts/_follow_button.html")


@require_POST
@login_required
def block(request, username):
    person = selectors.user_get_visible(username=username, viewer=request.user)
    if request.POST.get("action") == "unblock":
        services.block_remove(blocker=request.user, blocked=person)
        messages.success(request, f"You unblocked {name_of(person)}.")
    elif not selectors.relationship(viewer=request.user, user=person)["is_blocking"]:
        services.block_add(blocker=request.user, blocked=person)
        messages.success(request, f"You blocked {name_of(person)}. You no longer see each other's posts.")
    return redirect("accounts:profile", username=person.username)
