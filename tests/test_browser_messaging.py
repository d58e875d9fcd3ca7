"""Two people exchange direct messages in real browsers; new messages arrive through htmx polling."""

import re

import pytest
from playwright.sync_api import expect

from messaging.models import Conversation
from messaging.services import conversation_get_or_create_direct
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def send(page, text):
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()


def test_two_users_exchange_messages(logged_in_page, live_server):
    alice, bob = UserFactory(username="alice", profile__display_name="Alice Smith"), UserFactory(username="bob")
    alice_page = logged_in_page(alice)
    bob_page = logged_in_page(bob)

    alice_page.goto("/messages/with/bob/")
    alice_page.get_by_role("button", name="Start conversation").click()
    expect(alice_page).to_have_url(re.compile(r"/messages/\d+/$"))
    conversation = Conversation.objects.get()

    bob_page.goto(f"/messages/{conversation.pk}/")
    send(alice_page, "Hello Bob")
    expect(alice_page.locator(".chat-message", has_text="Hello Bob")).to_have_count(1)
    expect(alice_page.get_by_label("Message")).to_have_value("")
    # Bob's open page picks the message up by polling, without a reload.
    expect(bob_page.locator(".chat-message", has_text="Hello Bob")).to_be_visible()

    bob_page.goto("/messages/")
    send(alice_page, "Are you there?")
    expect(alice_page.locator(".chat-message", has_text="Are you there?")).to_have_count(1)
    bob_page.reload()
    expect(bob_page.locator("#nav-unread-messages")).to_have_text("1")
    bob_page.get_by_role("link", name=re.compile("Alice Smith")).click()
    expect(bob_page.locator(".chat-message", has_text="Are you there?")).to_be_visible()
    expect(bob_page.locator("#nav-unread-messages")).to_have_count(0)

    send(bob_page, "Yes, hi Alice")
    expect(alice_page.locator(".chat-message", has_text="Yes, hi Alice")).to_be_visible()
    # Each message is shown once even though sending and polling both deliver fragments.
    expect(alice_page.locator(".chat-message")).to_have_count(3)
    expect(bob_page.locator(".chat-message")).to_have_count(3)


def test_sender_edits_and_deletes_a_message_and_the_other_open_page_follows(logged_in_page, live_server):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    conversation, _ = conversation_get_or_create_direct(user=alice, other=bob)
    alice_page, bob_page = logged_in_page(alice), logged_in_page(bob)
    alice_page.goto(f"/messages/{conversation.pk}/")
    bob_page.goto(f"/messages/{conversation.pk}/")
    send(alice_page, "See you at 5")
    expect(bob_page.locator(".chat-message", has_text="See you at 5")).to_be_visible()
    expect(bob_page.get_by_role("link", name="Edit")).to_have_count(0)  # not his message

    mine = alice_page.locator(".chat-message", has_text="See you at 5")
    mine.get_by_role("link", name="Edit").click()
    alice_page.get_by_label("Edit your message").fill("See you at 6")
    alice_page.get_by_role("button", name="Save").click()
    edited = alice_page.locator(".chat-message", has_text="See you at 6")
    expect(edited).to_contain_text("edited")
    # Bob's open page redraws the message in place on its next poll, without a reload.
    expect(bob_page.locator(".chat-message", has_text="See you at 6")).to_contain_text("edited")
    expect(bob_page.locator(".chat-message", has_text="See you at 5")).to_have_count(0)

    alice_page.once("dialog", lambda dialog: dialog.accept())
    edited.get_by_role("button", name="Delete").click()
    expect(alice_page.locator(".chat-message", has_text="Message deleted")).to_have_count(1)
    expect(bob_page.locator(".chat-message", has_text="Message deleted")).to_have_count(1)
    expect(bob_page.locator(".chat-message")).to_have_count(1)
    expect(bob_page.locator(".chat-message", has_text="See you at 6")).to_have_count(0)
