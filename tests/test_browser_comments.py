"""One person comments on a post, another replies, and the first is notified; the post's comment count follows; a
long thread is read page by page, back and forth; all without a page reload."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment
from notifications.models import Notification
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_comment_reply_and_notification(logged_in_page, live_server):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob", profile__display_name="Bob Brown")
    post = PostFactory(text="What do you think of htmx?")
    alice_page = logged_in_page(alice)
    bob_page = logged_in_page(bob)

    alice_page.goto(f"/posts/{post.pk}/")
    # A marker on window survives only if the comment is posted without a full page load.
    alice_page.evaluate("window.stillHere = true")
    alice_page.get_by_label("Add a comment").fill("It keeps pages simple.")
    alice_page.get_by_role("button", name="Comment", exact=True).click()
    section = alice_page.locator(f"#comments-{post.pk}")
    expect(section.locator(".comment-text", has_text="It keeps pages simple.")).to_be_visible()
    expect(alice_page.get_by_label("Add a comment")).to_have_value("")
    assert alice_page.evaluate("window.stillHere") is True
    comment = Comment.objects.get()
    # The post card above the thread counts it too, without a reload.
    expect(alice_page.locator(f"#comment-count-{post.pk}")).to_have_text("1 comment")

    bob_page.goto(f"/posts/{post.pk}/")
    bob_page.locator(f"#comments-{post.pk} summary", has_text="Reply").click()
    bob_page.get_by_label("Reply to").fill("Agreed, and it works without JavaScript too.")
    bob_page.get_by_role("button", name="Reply", exact=True).click()
    expect(bob_page.locator(".comment-replies .comment-text", has_text="Agreed")).to_be_visible()
    assert Comment.objects.get(parent=comment).author == bob

    assert Notification.objects.filter(recipient=alice, actor=bob, verb="reply").count() == 1
    alice_page.reload()
    expect(alice_page.locator("#nav-unread-notifications")).to_have_text("1")
    alice_page.goto("/notifications/")
    expect(alice_page.get_by_text("Bob Brown replied to your comment")).to_be_visible()


def test_deleting_a_comment_updates_the_post_cards_count(logged_in_page, live_server):
    alice = UserFactory(username="alice")
    post = PostFactory(text="Count me")
    CommentFactory(post=post, text="Someone else's")
    page = logged_in_page(alice)
    page.goto(f"/posts/{post.pk}/")
    count = page.locator(f"#post-{post.pk} .comment-count")
    expect(count).to_have_text("1 comment")
    page.evaluate("window.stillHere = true")
    page.get_by_label("Add a comment").fill("Mine, for a moment.")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(count).to_have_text("2 comments")
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm asks first
    page.locator(".comment", has_text="Mine, for a moment.").get_by_role("button", name="Delete").click()
    expect(page.locator(".comment-text", has_text="Mine, for a moment.")).to_have_count(0)
    expect(count).to_have_text("1 comment")
    assert page.evaluate("window.stillHere") is True and Comment.objects.count() == 1


def test_earlier_and_later_comments_in_place(logged_in_page, live_server):
    reader, writer = UserFactory(username="reader"), UserFactory(username="writer")
    post = PostFactory(text="A busy thread")
    start = timezone.now() - timedelta(hours=1)
    for i in range(45):  # pages from the latest back: 25-44, 5-24, 0-4
        CommentFactory(post=post, author=writer, text=f"comment number {i}", created_at=start + timedelta(minutes=i))
    page = logged_in_page(reader)
    page.goto(f"/posts/{post.pk}/")
    section = page.locator(f"#comments-{post.pk}")
    expect(section.locator(".comment-text", has_text="comment number 44")).to_be_visible()
    expect(section.locator(".comment-text", has_text="comment number 24")).to_have_count(0)
    page.evaluate("window.stillHere = true")

    section.get_by_role("link", name="Earlier comments").click()
    expect(section.locator(".comment-text", has_text="comment number 24")).to_be_visible()
    section.get_by_role("link", name="Earlier comments").click()
    expect(section.locator(".comment-text", has_text="comment number 4")).to_be_visible()
    expect(section.locator(".comment")).to_have_count(5)
    assert "?before=" in page.url and page.evaluate("window.stillHere") is True
    # A like there answers with the same page.
    section.locator(".comment", has_text="comment number 0").get_by_role("button", name="Like").click()
    expect(section.locator(".comment", has_text="comment number 0")).to_contain_text("1 like")
    expect(section.locator(".comment")).to_have_count(5)

    # One page later, as it was on the way back.
    section.get_by_role("link", name="Later comments").click()
    expect(section.locator(".comment")).to_have_count(20)
    expect(section.locator(".comment-text", has_text="comment number 5")).to_be_visible()
    expect(section.locator(".comment-text", has_text="comment number 24")).to_be_visible()
    expect(section.get_by_role("link", name="Later comments")).to_have_count(0)  # the next step is the latest page

    section.get_by_role("link", name="Latest comments").click()
    expect(section.locator(".comment-text", has_text="comment number 44")).to_be_visible()
    expect(page.get_by_label("Add a comment")).to_be_visible()
    assert page.evaluate("window.stillHere") is True
