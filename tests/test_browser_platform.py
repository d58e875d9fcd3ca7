"""A person signs up, publishes a post and likes it; the like count changes in place (htmx). The top bar, blocking,
and a password reset finished in the browser."""

import json
import re
import urllib.request

import pytest
from django.core import mail

from accounts.models import Block, Follow, User
from moderation.models import Report
from notifications.models import Notification
from posts.models import Like, Post
from tests.factories import PASSWORD, FollowFactory, PostFactory, TopicFactory, UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_register_post_and_like(live_server, page):
    TopicFactory(name="tech")

    page.goto(f"{live_server.url}/accounts/register/?utm_source=ads")
    page.fill("#id_username", "browser_user")
    page.fill("#id_email", "browser@example.com")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_confirm", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/settings/profile/")
    user = User.objects.get(username="browser_user")
    assert user.profile.source == "ads"

    page.goto(f"{live_server.url}/posts/new/")
    page.fill("#id_text", "Hello from a real browser")
    page.select_option("#id_topic", label="tech")
    page.click("button[type=submit]")
    page.wait_for_url("**/posts/*/")
    post = Post.objects.get(author=user)
    card = page.locator(f"#post-{post.pk}")
    assert "Hello from a real browser" in card.inner_text()

    like_count = card.locator(".like-count")
    assert like_count.inner_text() == "0"
    url_before = page.url
    card.locator(".like-button").click()
    page.wait_for_selector(f"#post-{post.pk} .like-button[aria-pressed=true]")
    assert like_count.inner_text() == "1"
    assert page.url == url_before  # swapped in place, no reload
    assert Like.objects.filter(user=user, post=post).count() == 1

    card.locator(".like-button").click()
    page.wait_for_selector(f"#post-{post.pk} .like-button[aria-pressed=false]")
    assert like_count.inner_text() == "0"
    assert not Like.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_top_bar_stays_one_row_on_a_desktop_for_staff_with_unread_badges(logged_in_page):
    """The search box narrows instead of pushing the links onto a second row (it used to for staff, longer
    usernames or unread badges, and reports waiting); on a phone the links wrap under it."""
    staff = UserFactory(username="kristina.virtanen.38", is_staff=True)
    Notification.objects.create(recipient=staff, verb=Notification.Verb.FOLLOW)
    Report.objects.create(reporter=UserFactory(), target_post=PostFactory(), reason=Report.Reason.SPAM)
    page = logged_in_page(staff)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    assert page.locator("#nav-unread-notifications").is_visible()
    assert page.locator("#nav-open-reports").is_visible()
    search_box = page.locator(".nav .search").bounding_box()
    last_link = page.locator(".nav .links > *").last.bounding_box()
    assert abs(search_box["y"] - last_link["y"]) < search_box["height"]  # same row
    assert search_box["width"] >= 128

    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") == 375


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_block_asks_first_and_dismissing_keeps_the_follows(logged_in_page):
    me, friend = UserFactory(), UserFactory()
    FollowFactory(follower=me, followee=friend)
    page = logged_in_page(me)
    page.goto(f"/accounts/u/{friend.username}/")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Block").click()
    page.wait_for_timeout(300)
    assert dialogs and "stop following each other" in dialogs[0]
    assert not Block.objects.exists() and Follow.objects.filter(follower=me, followee=friend).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Block").click()
    page.get_by_role("button", name="Unblock").wait_for()
    assert Block.objects.filter(blocker=me, blocked=friend).exists() and not Follow.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_following_someone_from_people_you_may_know_redraws_only_their_row(logged_in_page):
    me, friend, suggested = UserFactory(), UserFactory(), UserFactory()
    FollowFactory(follower=me, followee=friend)
    FollowFactory(follower=friend, followee=suggested)
    page = logged_in_page(me)
    page.goto("/")
    feed_url, row = page.url, page.locator(f"#suggestion-{suggested.pk}")
    assert friend.profile.name in row.inner_text()
    row.get_by_role("button", name="Follow", exact=True).click()
    row.get_by_role("button", name="Following").wait_for()
    assert Follow.objects.filter(follower=me, followee=suggested).exists()
    assert page.url == feed_url and page.locator(".suggestion").count() == 1  # in place: no page load

    row.get_by_role("button", name="Following").click()  # changed my mind
    row.get_by_role("button", name="Follow", exact=True).wait_for()
    assert not Follow.objects.filter(follower=me, followee=suggested).exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_password_reset_asked_for_in_the_app_is_finished_in_the_browser(live_server, page, celery_eager):
    """The API sends the page's e-mail: its link opens the site's reset page, where the new password is chosen."""
    user = UserFactory(username="forgetful")
    ask = urllib.request.Request(
        f"{live_server.url}/api/v1/auth/password-reset/", data=json.dumps({"email": user.email}).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(ask) as answer:
        assert answer.status == 204
    [email] = mail.outbox
    link = re.search(r"https?://\S+", email.body).group(0)
    assert link.startswith(f"{live_server.url}/accounts/password/reset/")

    page.goto(link)
    page.fill("#id_new_password1", "fresh-horse-88")
    page.fill("#id_new_password2", "fresh-horse-88")
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/password/reset/done/")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "forgetful")
    page.fill("#id_password", "fresh-horse-88")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    user.refresh_from_db()
    assert user.check_password("fresh-horse-88")
