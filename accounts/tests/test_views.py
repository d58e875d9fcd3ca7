import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts import services
from accounts.models import Block, Follow, User
from accounts.tests.footprint import build_footprint, friend_state, leaver_rows
from analytics.models import Activity
from tests.factories import PASSWORD, BlockFactory, FollowFactory, MembershipFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

IPHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def register_data(**overrides):
    return {
        "username": "newbie",
        "email": "newbie@example.com",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        **overrides,
    }


def test_register_keeps_landing_source_and_records_os(client):
    # The first page a visitor lands on carries the campaign; sign-up happens pages later.
    client.get("/accounts/login/?utm_source=ads", HTTP_REFERER="https://www.google.com/")
    client.get(reverse("accounts:register"))
    response = client.post(reverse("accounts:register"), register_data(), HTTP_USER_AGENT=IPHONE_UA)
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert (user.profile.os, user.profile.source) == ("iOS", "ads")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert list(Activity.objects.filter(actor=user).values_list("verb", flat=True).order_by("id")) == [
        "register",
        "login",
    ]


def test_register_source_from_search_engine_referer(client):
    client.get(reverse("accounts:register"), HTTP_REFERER="https://duckduckgo.com/?q=socialnet")
    client.post(reverse("accounts:register"), register_data())
    assert User.objects.get().profile.source == "organic"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "TAKEN"}, "username"),
        ({"username": "bad name"}, "username"),
        ({"email": "nope"}, "email"),
        ({"password": "12345678", "password_confirm": "12345678"}, "password"),
        ({"password_confirm": "something-else-1"}, "password_confirm"),
    ],
)
def test_register_form_errors(client, overrides, field):
    UserFactory(username="taken")
    response = client.post(reverse("accounts:register"), register_data(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert User.objects.count() == 1


def test_login_form_and_logout(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert Activity.objects.filter(actor=user, verb="login").count() == 1
    response = client.post(reverse("accounts:logout"), follow=True)
    assert response.redirect_chain == [(reverse("feed:home"), 302)]
    assert "You are logged out." in response.content.decode()  # the landing page says what happened
    assert "_auth_user_id" not in client.session


def test_login_is_locked_after_repeated_failures(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429 or response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_password_change(auth_client, user):
    token = services.token_issue(user=user)
    other_browser = Client()
    other_browser.force_login(user)
    response = auth_client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "another-horse-77", "new_password2": "another-horse-77"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-horse-77")
    # This browser stays signed in; every other device is signed out: sessions and the API token.
    assert auth_client.get(reverse("accounts:password_change")).status_code == 200
    assert other_browser.get(reverse("accounts:password_change")).status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    done = auth_client.get(response.url).content.decode()  # not a dead end
    assert f'<a href="{reverse("accounts:profile", args=[user.username])}">Back to your profile</a>' in done


def test_password_change_throttles_wrong_old_passwords(auth_client, user, settings):
    url = reverse("accounts:password_change")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = auth_client.post(url, {"old_password": "wrong", "new_password1": "another-horse-77",
                                          "new_password2": "another-horse-77"})
        assert "The password is not correct." in response.content.decode()
    response = auth_client.post(url, {"old_password": PASSWORD, "new_password1": "another-horse-77",
                                      "new_password2": "another-horse-77"})
    assert response.status_code == 200
    assert "Too many wrong passwords" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_sends_working_link(client, user, celery_eager, django_capture_on_commit_callbacks):
    token = services.token_issue(user=user)
    signed_in = Client()
    signed_in.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    weak = client.post(set_password_url, {"new_password1": "12345", "new_password2": "12345"})
    assert weak.status_code == 200 and weak.context["form"].errors["new_password2"]  # the service's strength rules
    done = client.post(set_password_url, {"new_password1": "fresh-horse-88", "new_password2": "fresh-horse-88"})
    assert done.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("fresh-horse-88")
    # Every device is signed out: the API token and open sessions; the link is spent.
    assert not Token.objects.filter(pk=token.pk).exists()
    assert signed_in.get(reverse("accounts:password_change")).status_code == 302
    assert not client.get(link, follow=True).context["validlink"]


def test_password_reset_page_answers_alike_for_unknown_addresses_and_is_throttled(
    client, user, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.RATE_LIMIT_PASSWORD_RESETS_PER_MINUTE = 2
    url = reverse("accounts:password_reset")
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post(url, {"email": "nobody@mail.example"})
        known = client.post(url, {"email": user.email})
        refused = client.post(url, {"email": user.email})  # a third from this client within the minute
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url) == (302, reverse(
        "accounts:password_reset_done"
    ))
    assert refused.status_code == 200
    assert "at most 2 password reset requests per minute" in refused.content.decode()
    assert len(mail.outbox) == 1


def test_the_message_button_follows_the_persons_setting(
    auth_client, user, other_user, django_assert_max_num_queries, django_assert_num_queries
):
    profile_url = reverse("accounts:profile", args=[other_user.username])
    start_link = f'href="{reverse("messaging:start", args=[other_user.username])}"'
    auth_client.get(profile_url)  # warm the session and caches, so that both counts below are alike
    with django_assert_max_num_queries(20) as open_profile:
        page = auth_client.get(profile_url).content.decode()
    open_profile_queries = len(open_profile.captured_queries)  # read now: the next request resets the log
    assert start_link in page and "accept messages" not in page

    services.profile_update(user=other_user, who_can_message="following")
    page = auth_client.get(profile_url).content.decode()
    assert start_link not in page
    assert f"{other_user.profile.name} accepts messages only from people they follow." in page
    assert re.search(r'<button class="secondary" disabled[^>]*>Message</button>', page)

    FollowFactory(follower=other_user, followee=user)
    # The setting is read with the profile: an open one costs no query, "people I follow" the one follow check.
    with django_assert_num_queries(open_profile_queries + 1):
        assert start_link in auth_client.get(profile_url).content.decode()


def test_profile_edit_shows_who_can_message_with_my_choice(auth_client, user):
    services.profile_update(user=user, who_can_message="nobody")
    body = auth_client.get(reverse("accounts:profile_edit")).content.decode()
    assert "Who can message me" in body
    assert '<option value="nobody" selected>Nobody</option>' in body
    assert '<option value="following">People I follow</option>' in body


def test_profile_page_shows_posts_counts_communities(client, user, django_assert_max_num_queries):
    membership = MembershipFactory(user=user)
    MembershipFactory(user=user, is_banned=True, community__name="Banned club")
    FollowFactory(followee=user)
    PostFactory.create_batch(2, author=user)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("accounts:profile", args=[user.username]))
    PostFactory.create_batch(8, author=user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("accounts:profile", args=[user.username.upper()]))
    page = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["posts_page"]) == 10
    assert membership.community.name in page and "Banned club" not in page
    assert response.context["counts"] == {"followers": 1, "following": 0}


def test_profile_of_unknown_user_is_404(client):
    assert client.get(reverse("accounts:profile", args=["ghost"])).status_code == 404


def test_profile_hidden_from_users_it_blocked(auth_client, user, other_user):
    BlockFactory(blocker=other_user, blocked=user)
    assert auth_client.get(reverse("accounts:profile", args=[other_user.username])).status_code == 404


def test_profile_edit(auth_client, user):
    response = auth_client.post(
        reverse("accounts:profile_edit"),
        {"email": "me@example.com", "display_name": "Me", "gender": "other", "birth_date": "2000-01-02", "bio": "",
         "who_can_message": "following"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email, user.profile.display_name, user.profile.gender) == ("me@example.com", "Me", "other")
    assert user.profile.who_can_message == "following"
    assert Activity.objects.filter(actor=user, verb="profile_update").count() == 1


def test_profile_edit_errors_change_nothing(auth_client, user):
    response = auth_client.post(
        reverse("accounts:profile_edit"),
        {"email": "me@example.com", "birth_date": "2999-01-01", "gender": "x", "who_can_message": "friends"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"birth_date", "gender", "who_can_message"}
    user.refresh_from_db()
    assert user.email != "me@example.com"
    assert not Activity.objects.filter(verb="profile_update").exists()


def test_follow_with_htmx_returns_fragment(auth_client, user, other_user):
    url = reverse("accounts:follow", args=[other_user.username])
    response = auth_client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"Unfollow" in response.content and b"<html" not in response.content
    assert Follow.objects.filter(follower=user, followee=other_user).exists()
    response = auth_client.post(url, {"action": "unfollow"})
    assert response.status_code == 302
    assert not Follow.objects.exists()


def test_block_and_unblock_buttons(auth_client, user, other_user):
    url = reverse("accounts:block", args=[other_user.username])
    assert auth_client.post(url).status_code == 302
    assert Block.objects.filter(blocker=user, blocked=other_user).exists()
    page = auth_client.get(reverse("accounts:profile", args=[other_user.username]))
    assert page.context["is_blocking"] and b"Unblock" in page.content
    auth_client.post(url, {"action": "unblock"})
    assert not Block.objects.exists()


def test_block_names_the_person_as_the_site_does(auth_client, other_user):
    other_user.profile.display_name = "Ann Other"
    other_user.profile.save()
    url = reverse("accounts:block", args=[other_user.username])
    page = auth_client.post(url, follow=True)
    assert "You blocked Ann Other." in page.content.decode()
    assert "You blocked Ann Other; their posts are hidden." in page.content.decode()
    page = auth_client.post(url, {"action": "unblock"}, follow=True)
    assert "You unblocked Ann Other." in page.content.decode()


def test_block_from_a_profile_asks_first_unblock_does_not(auth_client, other_user):
    """Blocking ends follows both ways and unblocking does not bring them back."""
    profile_url = reverse("accounts:profile", args=[other_user.username])
    assert 'hx-confirm="Block ' in auth_client.get(profile_url).content.decode()
    auth_client.post(reverse("accounts:block", args=[other_user.username]))
    assert "hx-confirm" not in auth_client.get(profile_url).content.decode()


def test_follow_requires_login_and_post(client, user, other_user):
    url = reverse("accounts:follow", args=[other_user.username])
    assert client.post(url).status_code == 302
    client.force_login(user)
    assert client.get(url).status_code == 405
    assert not Follow.objects.exists()


def test_followers_and_following_pages(client, django_assert_max_num_queries):
    star = UserFactory()
    for _ in range(3):
        FollowFactory(followee=star)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("accounts:followers", args=[star.username]))
    assert len(response.context["page"]) == 3
    assert client.get(reverse("accounts:following", args=[star.username])).context["page"].paginator.count == 0


def test_pages_name_an_icon_that_exists(client):
    """Without one every page load asked for /favicon.ico and logged a 404."""
    body = client.get(reverse("feed:home")).content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)"', body).group(1)
    assert href.startswith(settings.STATIC_URL)
    assert finders.find(href.removeprefix(settings.STATIC_URL))


def test_404_page_renders(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_403_page_is_a_site_page_that_says_why(client):
    client.force_login(UserFactory())
    response = client.get(reverse("posts:edit", args=[PostFactory().pk]))  # someone else's post
    body = response.content.decode()
    assert response.status_code == 403
    assert 'class="topbar"' in body and "Only the author can change this post." in body  # the reason, in the layout


def test_csrf_failure_page_is_a_site_page_that_says_what_to_do():
    response = Client(enforce_csrf_checks=True).post(reverse("accounts:login"), {"username": "x", "password": "y"})
    body = response.content.decode()
    assert response.status_code == 403
    assert 'class="topbar"' in body and "reload the page" in body


def test_profile_form_says_who_sees_gender_and_birth_date(client):
    client.force_login(UserFactory())
    body = client.get(reverse("accounts:profile_edit")).content.decode()
    assert "Only you see this" in body and "Others see your age, never the date." in body


def test_blocked_people_page_lists_whom_i_blocked_with_unblock(client, django_assert_max_num_queries):
    me, blocked, blocker = UserFactory(), UserFactory(), UserFactory()
    BlockFactory(blocker=me, blocked=blocked)
    BlockFactory(blocker=blocker, blocked=me)  # someone who blocked me stays invisible
    client.force_login(me)
    assert reverse("accounts:blocked") in client.get(reverse("accounts:profile", args=[me.username])).content.decode()

    with django_assert_max_num_queries(7):
        response = client.get(reverse("accounts:blocked"))
    assert [person.username for person in response.context["page"]] == [blocked.username]
    body = response.content.decode()
    assert blocker.username not in body
    assert f'action="{reverse("accounts:block", args=[blocked.username])}"' in body and 'value="unblock"' in body

    client.post(reverse("accounts:block", args=[blocked.username]), {"action": "unblock"})
    assert not Block.objects.filter(blocker=me).exists()
    assert client.get(reverse("accounts:blocked")).context["page"].paginator.count == 0


def test_blocked_people_page_needs_login(client):
    response = client.get(reverse("accounts:blocked"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


# Deleting one's own account


def test_profile_settings_lead_to_the_account_deletion_page(client, user):
    client.force_login(user)
    response = client.get(reverse("accounts:profile_edit"))
    assert reverse("accounts:account_delete").encode() in response.content


def test_account_delete_page_says_who_inherits_each_owned_community(client):
    footprint = build_footprint()
    client.force_login(footprint.leaver)
    response = client.get(reverse("accounts:account_delete"))
    assert response.status_code == 200
    owned = response.content.decode().split('id="owned-communities"')[1]
    assert f"passes to {footprint.friend.username}" in owned and footprint.club.name in owned
    assert User.objects.filter(pk=footprint.leaver.pk).exists()  # GET deletes nothing


def test_account_delete_logs_out_deletes_and_says_goodbye(client):
    footprint = build_footprint()
    leaver_id, before = footprint.leaver.pk, friend_state(footprint)
    client.force_login(footprint.leaver)
    other_device = Client()
    other_device.force_login(footprint.leaver)

    response = client.post(reverse("accounts:account_delete"), {"password": PASSWORD}, follow=True)

    assert response.redirect_chain == [(reverse("feed:home"), 302)]
    assert b"Your account has been deleted" in response.content
    assert not response.context["user"].is_authenticated
    assert not User.objects.filter(pk=leaver_id).exists()
    assert leaver_rows(leaver_id) == dict.fromkeys(leaver_rows(leaver_id), 0)
    assert friend_state(footprint) == before
    # Signed out everywhere: the settings page asks to log in again, here and on the other device.
    for browser in (client, other_device):
        response = browser.get(reverse("accounts:profile_edit"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("password", ["", "not-my-password-1"])
def test_account_delete_with_a_wrong_password_is_a_form_error_and_deletes_nothing(client, password):
    footprint = build_footprint()
    leaver_id, before = footprint.leaver.pk, leaver_rows(footprint.leaver.pk)
    client.force_login(footprint.leaver)

    response = client.post(reverse("accounts:account_delete"), {"password": password})

    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert leaver_rows(leaver_id) == before
    assert int(client.session["_auth_user_id"]) == leaver_id


def test_nobody_can_delete_someone_elses_account(client, user, other_user):
    """There is no id in the address; a body naming someone else, or their password, deletes nobody else."""
    other_user.set_password("others-own-password-7")
    other_user.save(update_fields=["password"])
    client.force_login(user)
    url = reverse("accounts:account_delete")

    response = client.post(url, {"password": "others-own-password-7", "username": other_user.username})
    assert response.status_code == 200 and response.context["form"].errors["password"]
    assert User.objects.filter(pk__in=[user.pk, other_user.pk]).count() == 2

    client.post(url, {"password": PASSWORD, "username": other_user.username, "user": other_user.pk})
    assert list(User.objects.values_list("pk", flat=True)) == [other_user.pk]


def test_account_delete_requires_login_and_post(client, user):
    response = client.post(reverse("accounts:account_delete"), {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert User.objects.filter(pk=user.pk).exists()
