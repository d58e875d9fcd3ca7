"""Two people exchange direct messages in real browsers; new messages arrive through htmx polling."""

import re

import pytest
from playwright.sync_api import expect

from messaging.models import Conversation
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def send(page, text):
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()


def test_two_users_exchange_messages(logged_in_page, live_server):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
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
    bob_page.get_by_role("link", name=re.compile("alice")).click()
    expect(bob_page.locator(".chat-message", has_text="Are you there?")).to_be_visible()
    expect(bob_page.locator("#nav-unread-messages")).to_have_count(0)

    send(bob_page, "Yes, hi Alice")
    expect(alice_page.locator(".chat-message", has_text="Yes, hi Alice")).to_be_visible()
    # Each message is shown once even though sending and polling both deliver fragments.
    expect(alice_page.locator(".chat-message")).to_have_count(3)
    expect(bob_page.locator(".chat-message")).to_have_count(3)
