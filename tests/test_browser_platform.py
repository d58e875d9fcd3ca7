"""A person signs up, publishes a post and likes it; the like count changes in place (htmx)."""

import pytest

from accounts.models import User
from posts.models import Like, Post
from tests.factories import PASSWORD, TopicFactory


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
