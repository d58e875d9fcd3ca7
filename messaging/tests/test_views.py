import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import profile_update
from analytics.models import Activity
from messaging.models import Conversation, Message, Participant
from messaging.services import (
    conversation_create_group,
    conversation_get_or_create_direct,
    message_delete,
    message_send,
    message_update,
)
from tests.factories import BlockFactory, FollowFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def direct(user, other_user):
    return conversation_get_or_create_direct(user=user, other=other_user)[0]


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "method, name",
    [("get", "messaging:detail"), ("get", "messaging:messages_after"), ("post", "messaging:send")],
)
def test_permission_matrix(client, direct, user, method, name):
    url = reverse(name, args=[direct.pk])

    anonymous = getattr(client, method)(url, {"text": "hi"})
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("accounts:login"))
    assert getattr(login(client, UserFactory()), method)(url, {"text": "hi"}).status_code == 404
    assert not Message.objects.exists()
    assert getattr(login(client, user), method)(url, {"text": "hi"}).status_code in (200, 302)


@pytest.mark.parametrize("name", ["messaging:inbox", "messaging:group_create"])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_inbox_lists_conversations_with_unread_badge(client, user, other_user, direct):
    message_send(sender=other_user, conversation=direct, text="hello there")
    response = login(client, user).get(reverse("messaging:inbox"))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"{other_user.profile.name}: hello there" in body
    assert 'id="nav-unread-messages">1<' in body
    message_send(sender=user, conversation=direct, text="hi back")
    assert "You: hi back" in client.get(reverse("messaging:inbox")).content.decode()  # my own last message


def test_inbox_query_count_does_not_grow(client, user, django_assert_num_queries):
    def make_conversations(count):
        for _ in range(count):
            other = UserFactory()
            conversation, _ = conversation_get_or_create_direct(user=user, other=other)
            message_send(sender=other, conversation=conversation, text="hi")

    login(client, user)
    make_conversations(2)
    client.get(reverse("messaging:inbox"))  # warm the session
    with django_assert_num_queries(8) as two:
        client.get(reverse("messaging:inbox"))
    make_conversations(8)
    with django_assert_num_queries(len(two.captured_queries)):
        response = client.get(reverse("messaging:inbox"))
    assert response.content.decode().count('class="card conversation-row') == 10


def test_conversation_page_marks_read_and_shows_messages(client, user, other_user, direct):
    message_send(sender=other_user, conversation=direct, text="first")
    response = login(client, user).get(reverse("messaging:detail", args=[direct.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "first" in body
    assert 'class="messages"' not in body  # chat messages stay out of the site's flash-message list
    assert "nav-unread-messages" not in body  # read on open
    assert Activity.objects.filter(verb="message_read", actor=user, target_id=direct.pk).exists()
    assert 'hx-trigger="every 3s"' in body


def test_conversation_page_query_count_does_not_grow(client, user, other_user, direct, django_assert_num_queries):
    login(client, user)
    url = reverse("messaging:detail", args=[direct.pk])
    message_send(sender=user, conversation=direct, text="one")
    client.get(url)
    with django_assert_num_queries(10) as few:
        client.get(url)
    for number in range(10):
        message_send(sender=user, conversation=direct, text=f"more {number}")
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).content.decode().count('class="chat-message') == 11


def test_earlier_messages_are_reachable_page_by_page(client, user, other_user, direct):
    texts = [f"message number {number:03}" for number in range(55)]
    for text in texts:
        MessageFactory(conversation=direct, sender=other_user, text=text)
    url = reverse("messaging:detail", args=[direct.pk])
    body = login(client, user).get(url).content.decode()
    assert body.count('class="chat-message') == 50 and texts[5] in body and texts[4] not in body
    oldest_shown = Message.objects.get(text=texts[5])
    assert f'href="?before={oldest_shown.pk}"' in body

    response = client.get(url, {"before": oldest_shown.pk})
    earlier = response.content.decode()
    assert response.status_code == 200 and earlier.count('class="chat-message') == 5
    assert texts[0] in earlier and texts[5] not in earlier
    assert "?before=" not in earlier and "message-poller" not in earlier  # the first page; no live appends here
    assert f'href="{url}"' in earlier  # back to the latest messages
    response = client.get(url, {"before": "x"})
    assert response.status_code == 400 and "before must be a message id" in response.content.decode()
    assert "<nav" in response.content.decode()  # a site page, as for a comment pager's bad `before`


def test_leave_button_only_on_groups_and_leaving_goes_back_to_the_inbox(client, user, other_user, direct):
    group = conversation_create_group(creator=other_user, participants=[user, UserFactory()], title="Team")
    leave_url = reverse("messaging:leave", args=[group.pk])
    login(client, user)
    assert f'action="{leave_url}"' in client.get(reverse("messaging:detail", args=[group.pk])).content.decode()
    direct_page = client.get(reverse("messaging:detail", args=[direct.pk])).content.decode()
    assert reverse("messaging:leave", args=[direct.pk]) not in direct_page

    response = client.post(leave_url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("messaging:inbox")
    assert "You left Team." in response.content.decode()
    assert client.get(reverse("messaging:detail", args=[group.pk])).status_code == 404

    response = client.post(reverse("messaging:leave", args=[direct.pk]), follow=True)
    assert "cannot be left" in response.content.decode()
    assert Participant.objects.filter(conversation=direct).count() == 2


def test_send_without_javascript_redirects(client, user, other_user, direct):
    response = login(client, user).post(reverse("messaging:send", args=[direct.pk]), {"text": "hi"})
    assert response.status_code == 302 and response.url == reverse("messaging:detail", args=[direct.pk])
    assert Message.objects.get().text == "hi"


@pytest.mark.parametrize("text", ["", "x" * 5001])
def test_send_bad_text_shows_form_error(client, user, direct, text):
    response = login(client, user).post(reverse("messaging:send", args=[direct.pk]), {"text": text})
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not Message.objects.exists()


def test_send_to_blocker_shows_error(client, user, other_user, direct):
    BlockFactory(blocker=other_user, blocked=user)
    response = login(client, user).post(reverse("messaging:send", args=[direct.pk]), {"text": "hi"})
    assert response.status_code == 400
    assert "cannot exchange messages" in response.content.decode()
    assert not Message.objects.exists()


def test_htmx_send_returns_new_messages_poller_and_fresh_form(client, user, other_user, direct):
    earlier = message_send(sender=other_user, conversation=direct, text="earlier")
    message_send(sender=other_user, conversation=direct, text="unseen")
    response = login(client, user).post(
        reverse("messaging:send", args=[direct.pk]), {"text": "mine", "after": earlier.pk}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "earlier" not in body and "unseen" in body and "mine" in body
    assert f'?after={Message.objects.latest("id").pk}&amp;changed_since=' in body
    assert 'hx-swap-oob="true"' in body


def test_poll_returns_only_newer_messages_and_marks_read(client, user, other_user, direct):
    first = message_send(sender=other_user, conversation=direct, text="first")
    message_send(sender=other_user, conversation=direct, text="second")
    login(client, user)
    response = client.get(reverse("messaging:messages_after", args=[direct.pk]), {"after": first.pk})
    body = response.content.decode()
    assert "second" in body and "first" not in body
    assert Activity.objects.filter(verb="message_read", actor=user).count() == 1
    assert client.get(reverse("messaging:messages_after", args=[direct.pk]), {"after": "x"}).status_code == 400


def test_start_confirms_then_creates_once(client, user, other_user):
    login(client, user)
    url = reverse("messaging:start", args=[other_user.username])
    assert "Start conversation" in client.get(url).content.decode()
    assert not Conversation.objects.exists()
    first = client.post(url)
    second = client.post(url)
    conversation = Conversation.objects.get()
    assert first.url == second.url == reverse("messaging:detail", args=[conversation.pk])


def test_start_with_blocked_user_shows_error(client, user, other_user):
    BlockFactory(blocker=user, blocked=other_user)
    response = login(client, user).post(reverse("messaging:start", args=[other_user.username]))
    assert response.status_code == 403
    assert "cannot exchange messages" in response.content.decode()
    assert not Conversation.objects.exists()


def test_start_with_someone_who_blocked_me_is_404_like_their_profile(client, user, other_user):
    BlockFactory(blocker=other_user, blocked=user)
    login(client, user)
    assert client.get(reverse("accounts:profile", args=[other_user.username])).status_code == 404
    assert client.get(reverse("messaging:start", args=[other_user.username])).status_code == 404
    assert client.post(reverse("messaging:start", args=[other_user.username])).status_code == 404
    assert not Conversation.objects.exists()


def test_start_with_unknown_user_is_404(client, user):
    assert login(client, user).post(reverse("messaging:start", args=["nobody-here"])).status_code == 404


def test_group_form_looks_like_the_other_forms_and_has_a_way_back(client, user):
    body = login(client, user).get(reverse("messaging:group_create")).content.decode()
    assert '<label for="id_usernames">People</label>' in body
    assert '<div class="muted">Usernames separated by commas or spaces.</div>' in body
    assert f'<a href="{reverse("messaging:inbox")}">Cancel</a>' in body


def test_group_form_creates_group(client, user):
    members = UserFactory.create_batch(2)
    response = login(client, user).post(
        reverse("messaging:group_create"), {"title": "Team", "usernames": ", ".join(m.username for m in members)}
    )
    conversation = Conversation.objects.get()
    assert response.url == reverse("messaging:detail", args=[conversation.pk])
    assert conversation.is_group and conversation.participants.count() == 3


@pytest.mark.parametrize("data", [{"title": "", "usernames": "x"}, {"title": "Team", "usernames": "nobody-here"}])
def test_group_form_errors(client, user, other_user, data):
    data = {**data, "usernames": data["usernames"].replace("x", other_user.username)}
    response = login(client, user).post(reverse("messaging:group_create"), data)
    assert response.status_code == 400 and 'class="errorlist' in response.content.decode()
    assert not Conversation.objects.exists()


def test_group_form_answers_alike_for_someone_who_blocked_me_and_for_nobody(client, user, other_user):
    BlockFactory(blocker=other_user, blocked=user)
    login(client, user)

    def error_for(name):
        response = client.post(reverse("messaging:group_create"), {"title": "Team", "usernames": f"{name}, friend"})
        assert response.status_code == 400
        return re.findall(r'<ul class="errorlist.*?</ul>', response.content.decode().replace(name, "NAME"))

    UserFactory(username="friend")
    assert error_for(other_user.username) == error_for("nobody-here") == [
        '<ul class="errorlist" id="id_usernames_error"><li>No such users: NAME.</li></ul>'
    ]
    assert not Conversation.objects.exists()


def test_admin_pages_render(client, staff_user, direct, user):
    message_send(sender=user, conversation=direct, text="hi")
    client.force_login(staff_user)
    assert client.get(reverse("admin:messaging_conversation_changelist")).status_code == 200
    assert client.get(reverse("admin:messaging_conversation_change", args=[direct.pk])).status_code == 200
    assert client.get(reverse("admin:messaging_message_changelist")).status_code == 200


def test_my_messages_offer_edit_and_delete_and_others_do_not(client, user, other_user, direct):
    mine = message_send(sender=user, conversation=direct, text="mine")
    theirs = message_send(sender=other_user, conversation=direct, text="theirs")
    gone = message_send(sender=user, conversation=direct, text="gone")
    message_delete(user=user, message=gone)
    body = login(client, user).get(reverse("messaging:detail", args=[direct.pk])).content.decode()
    assert reverse("messaging:message_edit", args=[mine.pk]) in body
    assert reverse("messaging:message_delete", args=[mine.pk]) in body
    for message in (theirs, gone):
        assert reverse("messaging:message_edit", args=[message.pk]) not in body
        assert reverse("messaging:message_delete", args=[message.pk]) not in body
    assert "Message deleted" in body


def test_htmx_edit_shows_the_form_in_place_then_the_edited_message(client, user, other_user, direct):
    message = message_send(sender=user, conversation=direct, text="helo")
    url = reverse("messaging:message_edit", args=[message.pk])
    login(client, user)

    form = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'id="message-edit-{message.pk}"' in form and "helo</textarea>" in form and "<html" not in form
    assert f'hx-get="{reverse("messaging:message", args=[message.pk])}"' in form  # cancel redraws the message

    failed = client.post(url, {"text": "  "}, HTTP_HX_REQUEST="true")
    assert failed.status_code == 200 and 'class="errorlist' in failed.content.decode()  # htmx swaps only 2xx
    saved = client.post(url, {"text": "hello"}, HTTP_HX_REQUEST="true").content.decode()
    assert saved.startswith(f'<article class="chat-message mine" id="message-{message.pk}"')
    assert "hello" in saved and "edited <time" in saved
    message.refresh_from_db()
    assert message.text == "hello" and message.edited_at is not None

    cancelled = client.get(reverse("messaging:message", args=[message.pk]), HTTP_HX_REQUEST="true")
    assert cancelled.content.decode().startswith(f'<article class="chat-message mine" id="message-{message.pk}"')


def test_edit_and_delete_without_javascript(client, user, other_user, direct):
    message = message_send(sender=user, conversation=direct, text="helo")
    edit_url = reverse("messaging:message_edit", args=[message.pk])
    back = f'{reverse("messaging:detail", args=[direct.pk])}#message-{message.pk}'
    login(client, user)

    page = client.get(edit_url)
    assert page.status_code == 200 and "<h1>Edit message</h1>" in page.content.decode()
    assert client.post(edit_url).status_code == 400  # no text at all
    bad = client.post(edit_url, {"text": "x" * 5001})
    assert bad.status_code == 400 and 'class="errorlist' in bad.content.decode()
    assert client.post(edit_url, {"text": "hello"}).url == back
    assert client.get(reverse("messaging:message", args=[message.pk])).url == back
    assert client.post(reverse("messaging:message_delete", args=[message.pk])).url == back
    message.refresh_from_db()
    assert message.text == "" and message.deleted_at is not None
    assert client.get(edit_url).status_code == 404  # nothing left to edit


def test_htmx_delete_redraws_the_message_as_deleted(client, user, other_user, direct):
    message = message_send(sender=user, conversation=direct, text="oops")
    response = login(client, user).post(
        reverse("messaging:message_delete", args=[message.pk]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and f'id="message-{message.pk}"' in body
    assert "Message deleted" in body and "oops" not in body
    assert Activity.objects.filter(verb="message_delete", actor=user).count() == 1


def test_only_the_sender_may_edit_or_delete_and_strangers_see_nothing(client, user, other_user, direct):
    message = message_send(sender=user, conversation=direct, text="mine")
    edit_url = reverse("messaging:message_edit", args=[message.pk])
    delete_url = reverse("messaging:message_delete", args=[message.pk])
    detail_url = reverse("messaging:message", args=[message.pk])

    assert client.get(edit_url).url.startswith(reverse("accounts:login"))
    assert client.post(delete_url).url.startswith(reverse("accounts:login"))
    login(client, other_user)  # a participant, not the sender
    assert client.get(edit_url).status_code == 403
    assert client.post(edit_url, {"text": "hijacked"}).status_code == 403
    assert client.post(delete_url).status_code == 403
    assert client.get(detail_url, HTTP_HX_REQUEST="true").status_code == 200
    login(client, UserFactory())  # not in the conversation
    for response in (client.get(edit_url), client.post(delete_url), client.get(detail_url)):
        assert response.status_code == 404
    message.refresh_from_db()
    assert (message.text, message.edited_at, message.deleted_at) == ("mine", None, None)


def test_poll_redraws_messages_edited_or_deleted_since_the_last_poll(client, user, other_user, direct):
    old_edit = message_send(sender=other_user, conversation=direct, text="edited long ago")
    message_update(user=other_user, message=old_edit, text="edited long ago, again")
    edited = message_send(sender=other_user, conversation=direct, text="helo")
    deleted = message_send(sender=other_user, conversation=direct, text="a secret")
    untouched = message_send(sender=other_user, conversation=direct, text="untouched")
    login(client, user)
    page = client.get(reverse("messaging:detail", args=[direct.pk])).content.decode()
    changed_since = re.search(r'name="changed_since" value="([^"]+)"', page).group(1)
    Message.objects.filter(pk=old_edit.pk).update(edited_at=timezone.now() - timedelta(minutes=5))
    message_update(user=other_user, message=edited, text="hello")
    message_delete(user=other_user, message=deleted)

    url = reverse("messaging:messages_after", args=[direct.pk])
    body = client.get(url, {"after": untouched.pk, "changed_since": changed_since}).content.decode()

    redrawn = re.findall(r'<article [^>]*id="message-(\d+)" hx-swap-oob="true"', body)
    assert redrawn == [str(edited.pk), str(deleted.pk)]
    assert "hello" in body and "Message deleted" in body and "a secret" not in body and "untouched" not in body
    assert 'name="changed_since" value="' in body  # the next poll asks again from here
    assert 'hx-swap-oob' not in client.get(url, {"after": untouched.pk}).content.decode()  # a page from before
    assert client.get(url, {"after": untouched.pk, "changed_since": "yesterday"}).status_code == 400
    assert client.get(url, {"after": untouched.pk, "changed_since": "2026-01-01T00:00:00"}).status_code == 400


def test_inbox_preview_of_a_deleted_last_message(client, user, other_user, direct):
    message = message_send(sender=other_user, conversation=direct, text="a secret")
    message_delete(user=other_user, message=message)
    body = login(client, user).get(reverse("messaging:inbox")).content.decode()
    assert f"{other_user.profile.name}: <em>Message deleted</em>" in body and "a secret" not in body
    assert "nav-unread-messages" not in body  # nothing left to read


def test_people_in_messages_are_named_as_their_posts_name_them(client, user, other_user):
    """Display names (else usernames) everywhere in messaging, as in conversation titles and post cards."""
    bare = UserFactory(username="bare", profile=None)  # made by createsuperuser: no profile
    group = conversation_create_group(creator=user, title="Trip", participants=[other_user, bare])
    message_send(sender=other_user, conversation=group, text="hello group")
    message_send(sender=bare, conversation=group, text="from bare")
    login(client, user)

    inbox = client.get(reverse("messaging:inbox")).content.decode()
    assert "bare: from bare" in inbox
    message_send(sender=other_user, conversation=group, text="latest")
    inbox = client.get(reverse("messaging:inbox")).content.decode()
    assert f"{other_user.profile.display_name}: latest" in inbox and f"{other_user.username}:" not in inbox

    page = client.get(reverse("messaging:detail", args=[group.pk])).content.decode()
    assert f"{user.profile.display_name}, {other_user.profile.display_name}, bare" in page
    assert f"<strong>{other_user.profile.display_name}</strong>" in page and "<strong>bare</strong>" in page
    assert f"<strong>{other_user.username}</strong>" not in page


def test_the_start_page_refuses_someone_the_persons_setting_refuses(client, user, other_user):
    profile_update(user=other_user, who_can_message="following")
    response = login(client, user).post(reverse("messaging:start", args=[other_user.username]))
    assert response.status_code == 403
    assert f"{other_user.profile.name} accepts messages only from people they follow." in response.content.decode()
    assert not Conversation.objects.exists()

    FollowFactory(follower=other_user, followee=user)
    response = client.post(reverse("messaging:start", args=[other_user.username]))
    assert response.url == reverse("messaging:detail", args=[Conversation.objects.get().pk])


def test_sending_into_an_unanswered_conversation_the_person_closed_shows_the_reason(client, user, other_user, direct):
    profile_update(user=other_user, who_can_message="nobody")
    response = login(client, user).post(reverse("messaging:send", args=[direct.pk]), {"text": "hi"})
    assert response.status_code == 400
    assert f"{other_user.profile.name} does not accept messages." in response.content.decode()
    assert not Message.objects.exists()


def test_the_group_form_names_who_does_not_accept_messages(client, user, other_user):
    profile_update(user=other_user, who_can_message="nobody")
    response = login(client, user).post(
        reverse("messaging:group_create"), {"title": "Team", "usernames": other_user.username}
    )
    assert response.status_code == 400
    assert f"{other_user.profile.name} does not accept messages." in response.content.decode()
    assert not Conversation.objects.exists()
