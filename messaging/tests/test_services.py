import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import Http404

from accounts.services import profile_update
from analytics.models import Activity
from messaging.models import GROUP_MAX_PARTICIPANTS, MESSAGE_MAX_LENGTH, Conversation, Message, Participant
from messaging.selectors import conversation_list, message_refusals, unread_conversation_count, users_by_usernames
from messaging.services import (
    conversation_create_group,
    conversation_get_or_create_direct,
    conversation_leave,
    conversation_mark_read,
    message_delete,
    message_send,
    message_update,
)
from notifications.models import Notification
from socialnet.errors import Conflict
from tests.factories import BlockFactory, FollowFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_direct_conversation_is_created_once(user, other_user):
    conversation, created = conversation_get_or_create_direct(user=user, other=other_user)
    again, created_again = conversation_get_or_create_direct(user=other_user, other=user)

    assert created and not created_again
    assert again.pk == conversation.pk
    assert set(conversation.participants.values_list("user_id", flat=True)) == {user.pk, other_user.pk}
    assert conversation.direct_key == f"{min(user.pk, other_user.pk)}:{max(user.pk, other_user.pk)}"
    assert Activity.objects.filter(verb="conversation_create", target_id=conversation.pk, actor=user).count() == 1


def test_direct_conversation_with_yourself_is_refused(user):
    with pytest.raises(ValidationError) as error:
        conversation_get_or_create_direct(user=user, other=user)
    assert "username" in error.value.message_dict
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("blocker_is_me", [True, False])
def test_blocked_users_cannot_start_a_conversation(user, other_user, blocker_is_me):
    if blocker_is_me:
        BlockFactory(blocker=user, blocked=other_user)
    else:
        BlockFactory(blocker=other_user, blocked=user)
    with pytest.raises(PermissionDenied):
        conversation_get_or_create_direct(user=user, other=other_user)
    assert not Conversation.objects.exists()
    assert not Activity.objects.filter(verb="conversation_create").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_direct_creation_ends_on_one_conversation():
    first, second = UserFactory(), UserFactory()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def open_conversation(user, other):
        try:
            barrier.wait()
            results.append(conversation_get_or_create_direct(user=user, other=other)[0].pk)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_conversation, args=pair) for pair in [(first, second), (second, first)] * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(results)) == 1
    assert Conversation.objects.count() == 1
    assert Participant.objects.count() == 2
    assert Activity.objects.filter(verb="conversation_create").count() == 1


def test_group_is_created_with_creator_and_participants(user):
    members = UserFactory.create_batch(3)
    conversation = conversation_create_group(creator=user, participants=[*members, members[0], user], title=" Team ")

    assert conversation.is_group and conversation.title == "Team" and conversation.direct_key is None
    assert set(conversation.participants.values_list("user_id", flat=True)) == {user.pk, *(m.pk for m in members)}
    assert Activity.objects.get(verb="conversation_create", target_id=conversation.pk).context["participants"] == 4


@pytest.mark.parametrize(
    "title, member_count, field",
    [
        ("", 2, "title"),
        ("x" * 101, 2, "title"),
        ("Team", 0, "usernames"),
        ("Team", GROUP_MAX_PARTICIPANTS, "usernames"),
    ],
)
def test_bad_group_is_refused(user, title, member_count, field):
    members = UserFactory.create_batch(member_count)
    with pytest.raises(ValidationError) as error:
        conversation_create_group(creator=user, participants=members, title=title)
    assert field in error.value.message_dict
    assert not Conversation.objects.exists() and not Participant.objects.exists()


def test_group_of_exactly_the_maximum_is_allowed(user):
    members = UserFactory.create_batch(GROUP_MAX_PARTICIPANTS - 1)
    conversation = conversation_create_group(creator=user, participants=members, title="Big")
    assert conversation.participants.count() == GROUP_MAX_PARTICIPANTS


@pytest.mark.parametrize("creator_blocked", [True, False])
def test_group_with_a_blocked_user_is_refused(user, other_user, creator_blocked):
    """Passed directly, a blocked person is refused either way; pages and the API never pass one who blocked the
    creator (users_by_usernames reads them as unknown, next test)."""
    blocker, blocked = (user, other_user) if creator_blocked else (other_user, user)
    BlockFactory(blocker=blocker, blocked=blocked)
    with pytest.raises(ValidationError) as error:
        conversation_create_group(creator=user, participants=[other_user, UserFactory()], title="Team")
    assert error.value.message_dict["usernames"] == [f"You cannot add: {other_user.username}."]
    assert not Conversation.objects.exists()


def test_usernames_of_people_who_blocked_me_read_as_unknown_names(user, other_user):
    blocker, blocked_by_me, friend = UserFactory.create_batch(3)
    BlockFactory(blocker=blocker, blocked=user)
    BlockFactory(blocker=user, blocked=blocked_by_me)
    BlockFactory(blocker=friend, blocked=other_user)  # a block of someone else changes nothing for me
    names = [blocker.username.upper(), "nobody-here", friend.username, blocked_by_me.username]

    users, missing = users_by_usernames(usernames=names, viewer=user)

    assert missing == [blocker.username.upper(), "nobody-here"]
    assert {found.pk for found in users} == {friend.pk, blocked_by_me.pk}  # my own block is refused by the service


def test_message_send_writes_message_activity_and_notifies_after_commit(
    user, other_user, django_capture_on_commit_callbacks
):
    conversation, _ = conversation_get_or_create_direct(user=user, other=other_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = message_send(sender=user, conversation=conversation, text="  hello  ")
    assert not Notification.objects.exists()  # nothing before commit

    for callback in callbacks:
        callback()
    conversation.refresh_from_db()
    assert message.text == "hello"
    assert conversation.last_message_at == message.created_at
    assert Activity.objects.filter(verb="message_send", target_id=message.pk, actor=user).exists()
    notification = Notification.objects.get()
    assert (notification.recipient, notification.actor, notification.verb) == (other_user, user, "message")
    assert (notification.target_type, notification.target_id) == ("message", message.pk)


def test_rolled_back_send_leaves_no_message_and_no_notification(user, other_user, django_capture_on_commit_callbacks):
    conversation, _ = conversation_get_or_create_direct(user=user, other=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            message_send(sender=user, conversation=conversation, text="hello")
            raise RuntimeError("the surrounding action failed")
    assert not Message.objects.exists()
    assert not Notification.objects.exists()
    assert not Activity.objects.filter(verb="message_send").exists()


def test_group_message_notifies_every_other_participant(user, django_capture_on_commit_callbacks):
    members = UserFactory.create_batch(3)
    conversation = conversation_create_group(creator=user, participants=members, title="Team")
    with django_capture_on_commit_callbacks(execute=True):
        message_send(sender=members[0], conversation=conversation, text="hi all")
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {user.pk, members[1].pk, members[2].pk}


@pytest.mark.parametrize("text", ["", "   ", "x" * (MESSAGE_MAX_LENGTH + 1)])
def test_bad_message_is_refused(user, other_user, text):
    conversation, _ = conversation_get_or_create_direct(user=user, other=other_user)
    with pytest.raises(ValidationError) as error:
        message_send(sender=user, conversation=conversation, text=text)
    assert "text" in error.value.message_dict
    assert not Message.objects.exists()
    conversation.refresh_from_db()
    assert conversation.last_message_at is None


def test_message_of_maximum_length_is_accepted(user, other_user):
    conversation, _ = conversation_get_or_create_direct(user=user, other=other_user)
    assert len(message_send(sender=user, conversation=conversation, text="x" * MESSAGE_MAX_LENGTH).text) == 5000


def test_non_participant_cannot_send_or_mark_read(user, other_user):
    conversation, _ = conversation_get_or_create_direct(user=user, other=other_user)
    stranger = UserFactory()
    with pytest.raises(Http404):
        message_send(sender=stranger, conversation=conversation, text="hi")
    with pytest.raises(Http404):
        conversation_mark_read(user=stranger, conversation=conversation)
    assert not Message.objects.exists()


@pytest.mark.parametrize("blocker_is_sender", [True, False])
def test_blocked_user_cannot_send_into_a_direct_conversation(user, other_user, blocker_is_sender):
    conversation, _ = conversation_get_or_create_direct(user=user, other=other_user)
    BlockFactory(blocker=user if blocker_is_sender else other_user, blocked=other_user if blocker_is_sender else user)
    with pytest.raises(PermissionDenied):
        message_send(sender=user, conversation=conversation, text="hi")
    assert not Message.objects.exists()


def test_unread_counts_follow_reads_and_new_messages(user, other_user):
    direct, _ = conversation_get_or_create_direct(user=user, other=other_user)
    group = conversation_create_group(creator=other_user, participants=[user, UserFactory()], title="Team")
    assert unread_conversation_count(user=user) == 0

    message_send(sender=other_user, conversation=direct, text="one")
    message_send(sender=other_user, conversation=direct, text="two")
    message_send(sender=other_user, conversation=group, text="three")
    assert unread_conversation_count(user=user) == 2
    assert unread_conversation_count(user=other_user) == 0  # own messages are never unread
    assert {c.pk: c.unread_count for c in conversation_list(user=user)} == {direct.pk: 2, group.pk: 1}

    assert conversation_mark_read(user=user, conversation=direct) is True
    assert unread_conversation_count(user=user) == 1
    assert Activity.objects.filter(verb="message_read", actor=user, target_id=direct.pk).count() == 1
    assert conversation_mark_read(user=user, conversation=direct) is False  # nothing new: no write, no activity
    assert Activity.objects.filter(verb="message_read", actor=user).count() == 1

    message_send(sender=other_user, conversation=direct, text="four")
    assert {c.pk: c.unread_count for c in conversation_list(user=user)} == {direct.pk: 1, group.pk: 1}
    message_send(sender=user, conversation=group, text="a reply reads the group")
    assert unread_conversation_count(user=user) == 1


def test_inbox_orders_by_latest_message_and_shows_the_last_one(user):
    first, second = UserFactory(), UserFactory()
    older, _ = conversation_get_or_create_direct(user=user, other=first)
    newer, _ = conversation_get_or_create_direct(user=user, other=second)
    message_send(sender=first, conversation=older, text="old")
    message_send(sender=second, conversation=newer, text="new")
    message_send(sender=user, conversation=older, text="latest")

    inbox = list(conversation_list(user=user))
    assert [c.pk for c in inbox] == [older.pk, newer.pk]
    assert (inbox[0].last_message_text, inbox[0].last_message_sender_id) == ("latest", user.pk)
    assert inbox[0].others(user) == [first]


def test_reading_a_conversation_marks_its_message_notifications_read(
    user, other_user, django_capture_on_commit_callbacks
):
    direct, _ = conversation_get_or_create_direct(user=user, other=other_user)
    elsewhere, _ = conversation_get_or_create_direct(user=user, other=UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        message_send(sender=other_user, conversation=direct, text="one")
        message_send(sender=other_user, conversation=direct, text="two")
        unread_elsewhere = message_send(sender=elsewhere.others(user)[0], conversation=elsewhere, text="three")
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 3

    conversation_mark_read(user=user, conversation=direct)
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    assert [n.target_id for n in unread] == [unread_elsewhere.pk]  # only the conversation that was read


def test_unread_conversation_count_is_one_query(user, other_user, django_assert_num_queries):
    for _ in range(3):
        conversation, _ = conversation_get_or_create_direct(user=user, other=UserFactory())
        message_send(sender=conversation.others(user)[0], conversation=conversation, text="hi")
    with django_assert_num_queries(1):
        assert unread_conversation_count(user=user) == 3


def test_leaving_a_group_removes_it_from_the_inbox_and_stops_new_messages(user, other_user):
    third = UserFactory()
    group = conversation_create_group(creator=other_user, participants=[user, third], title="Team")
    conversation_leave(user=user, conversation=group)
    assert not Participant.objects.filter(conversation=group, user=user).exists()
    assert list(conversation_list(user=user)) == []
    assert Activity.objects.filter(actor=user, verb="conversation_leave", target_id=group.pk).exists()
    message_send(sender=other_user, conversation=group, text="still here?")
    assert unread_conversation_count(user=user) == 0 and unread_conversation_count(user=third) == 1
    with pytest.raises(Http404):  # no longer a participant
        conversation_leave(user=user, conversation=group)
    conversation_leave(user=other_user, conversation=group)
    conversation_leave(user=third, conversation=group)
    assert not Conversation.objects.filter(pk=group.pk).exists()  # the last one out takes it along


def test_a_direct_conversation_cannot_be_left(user, other_user):
    direct, _ = conversation_get_or_create_direct(user=user, other=other_user)
    with pytest.raises(Conflict):
        conversation_leave(user=user, conversation=direct)
    assert Participant.objects.filter(conversation=direct).count() == 2


def test_sender_edits_a_message_which_shows_edited_and_requotes_its_notifications(
    user, other_user, django_capture_on_commit_callbacks
):
    members = [other_user, UserFactory()]
    group = conversation_create_group(creator=user, participants=members, title="Team")
    with django_capture_on_commit_callbacks(execute=True):  # each send commits, then notifies
        earlier = message_send(sender=user, conversation=group, text="see you at 5")
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(sender=user, conversation=group, text="see you at 5")  # the same text twice

    edited = message_update(user=user, message=message, text="  see you at 6  ")

    message.refresh_from_db()
    assert (message.text, message.edited_at) == ("see you at 6", edited.edited_at)
    assert message.edited_at > message.created_at and message.deleted_at is None
    for member in members:  # each recipient's notification of this message, not of the earlier identical one
        quotes = Notification.objects.filter(recipient=member).order_by("created_at", "id")
        assert [n.text for n in quotes] == ["see you at 5", "see you at 6"]
    assert Activity.objects.get(verb="message_update", actor=user).target_id == message.pk
    earlier.refresh_from_db()
    assert (earlier.text, earlier.edited_at) == ("see you at 5", None)
    assert [c.last_message_text for c in conversation_list(user=other_user)] == ["see you at 6"]


def test_two_identical_texts_sent_in_one_transaction_keep_their_own_notifications(
    user, other_user, django_capture_on_commit_callbacks
):
    members = [other_user, UserFactory()]
    group = conversation_create_group(creator=user, participants=members, title="Team")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = message_send(sender=user, conversation=group, text="on my way")
        second = message_send(sender=user, conversation=group, text="on my way")

    def notified_about():
        return sorted(Notification.objects.values_list("recipient_id", "target_id", "text"))

    assert notified_about() == sorted(
        (member.pk, message.pk, "on my way") for member in members for message in (first, second)
    )
    message_update(user=user, message=second, text="running late")
    assert notified_about() == sorted(
        [(member.pk, first.pk, "on my way") for member in members]
        + [(member.pk, second.pk, "running late") for member in members]
    )
    message_delete(user=user, message=first)
    assert notified_about() == sorted((member.pk, second.pk, "running late") for member in members)


def test_editing_to_the_same_text_changes_nothing(user, other_user):
    direct, _ = conversation_get_or_create_direct(user=user, other=other_user)
    message = message_send(sender=user, conversation=direct, text="hello")
    message_update(user=user, message=message, text=" hello ")
    message.refresh_from_db()
    assert message.edited_at is None
    assert not Activity.objects.filter(verb="message_update").exists()


@pytest.mark.parametrize("text", ["", "   ", "x" * (MESSAGE_MAX_LENGTH + 1)])
def test_bad_edit_is_refused(user, other_user, text):
    direct, _ = conversation_get_or_create_direct(user=user, other=other_user)
    message = message_send(sender=user, conversation=direct, text="hello")
    with pytest.raises(ValidationError) as error:
        message_update(user=user, message=message, text=text)
    assert "text" in error.value.message_dict
    message.refresh_from_db()
    assert (message.text, message.edited_at) == ("hello", None)


def test_sender_deletes_a_message_for_everyone(user, other_user, django_capture_on_commit_callbacks):
    direct, _ = conversation_get_or_create_direct(user=user, other=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        kept = message_send(sender=user, conversation=direct, text="hello")
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(sender=user, conversation=direct, text="a secret I regret")
    assert unread_conversation_count(user=other_user) == 1

    message_delete(user=user, message=message)

    message.refresh_from_db()
    assert message.text == "" and message.deleted_at is not None
    assert not Message.objects.filter(text__contains="secret").exists()
    assert not Notification.objects.filter(text__contains="secret").exists()
    # Its notification went with it (nothing left to read); the other message's is kept.
    assert list(Notification.objects.filter(recipient=other_user).values_list("text", flat=True)) == ["hello"]
    assert Activity.objects.get(verb="message_delete", actor=user).target_id == message.pk
    # The inbox preview says the last message was deleted; deleted messages are nothing left to read.
    row = conversation_list(user=other_user).get()
    assert (row.last_message_text, row.last_message_is_deleted, row.last_message_sender_id) == ("", True, user.pk)
    assert row.unread_count == 1 and unread_conversation_count(user=other_user) == 1  # "hello" is still unread
    message_delete(user=user, message=kept)
    assert unread_conversation_count(user=other_user) == 0
    assert conversation_list(user=other_user).get().unread_count == 0
    assert conversation_mark_read(user=other_user, conversation=direct) is False
    assert list(Message.objects.filter(conversation=direct).order_by("id")) == [kept, message]  # both keep their place


def test_a_deleted_message_cannot_be_edited_or_deleted_again(user, other_user):
    direct, _ = conversation_get_or_create_direct(user=user, other=other_user)
    message = message_send(sender=user, conversation=direct, text="hello")
    message_delete(user=user, message=message)
    with pytest.raises(Http404):
        message_update(user=user, message=message, text="back")
    with pytest.raises(Http404):
        message_delete(user=user, message=message)
    message.refresh_from_db()
    assert message.text == "" and message.edited_at is None
    assert Activity.objects.filter(verb="message_delete").count() == 1


def test_only_the_sender_still_in_the_conversation_edits_or_deletes(user, other_user):
    third = UserFactory()
    group = conversation_create_group(creator=user, participants=[other_user, third], title="Team")
    message = message_send(sender=user, conversation=group, text="hello")
    for action in (
        lambda who: message_update(user=who, message=message, text="hijacked"),
        lambda who: message_delete(user=who, message=message),
    ):
        with pytest.raises(PermissionDenied):  # another participant
            action(other_user)
        with pytest.raises(Http404):  # not in the conversation
            action(UserFactory())
    conversation_leave(user=user, conversation=group)
    with pytest.raises(Http404):  # the sender left the group
        message_update(user=user, message=message, text="after leaving")
    with pytest.raises(Http404):
        message_delete(user=user, message=message)
    message.refresh_from_db()
    assert (message.text, message.edited_at, message.deleted_at) == ("hello", None, None)
    assert not Activity.objects.filter(verb__in=["message_update", "message_delete"]).exists()


def test_a_block_stops_edits_in_a_direct_conversation_but_not_deleting(user, other_user):
    direct, _ = conversation_get_or_create_direct(user=user, other=other_user)
    message = message_send(sender=user, conversation=direct, text="hello")
    BlockFactory(blocker=other_user, blocked=user)
    with pytest.raises(PermissionDenied):
        message_update(user=user, message=message, text="still talking")
    message_delete(user=user, message=message)
    message.refresh_from_db()
    assert message.text == "" and message.edited_at is None


@pytest.mark.django_db(transaction=True)
def test_an_edit_waiting_on_a_concurrent_delete_finds_the_message_deleted():
    """The delete holds the message row until it commits; the edit then sees it deleted and cannot bring text back."""
    sender, other = UserFactory(), UserFactory()
    direct, _ = conversation_get_or_create_direct(user=sender, other=other)
    message = message_send(sender=sender, conversation=direct, text="hello")
    deleted, commit = threading.Event(), threading.Event()
    outcome = {}

    def delete():
        try:
            with transaction.atomic():
                message_delete(user=sender, message=message)
                deleted.set()
                commit.wait(5)
        finally:
            connection.close()

    def edit():
        deleted.wait(5)
        try:
            message_update(user=sender, message=message, text="back from the dead")
            outcome["edit"] = "saved"
        except Http404:
            outcome["edit"] = "404"
        finally:
            connection.close()

    threads = [threading.Thread(target=delete), threading.Thread(target=edit)]
    for thread in threads:
        thread.start()
    deleted.wait(5)
    time.sleep(0.3)  # the edit is now waiting for the row lock
    commit.set()
    for thread in threads:
        thread.join()

    assert outcome == {"edit": "404"}
    message.refresh_from_db()
    assert (message.text, message.edited_at) == ("", None) and message.deleted_at is not None


def test_a_direct_conversation_is_named_after_the_other_persons_display_name(user, other_user):
    direct, _ = conversation_get_or_create_direct(user=user, other=other_user)
    other_user.profile.display_name = "Anna Ivanova"
    other_user.profile.save()
    [listed] = conversation_list(user=user)
    assert listed.title_for(user) == "Anna Ivanova"
    other_user.profile.delete()  # an account made by createsuperuser has no profile: its username then
    [listed] = conversation_list(user=user)
    assert listed.title_for(user) == other_user.username


def only_from(user, who: str):
    """Set `user`'s "Who can message me" through the service the pages and the API use (and on this `user` object,
    as a request would read it)."""
    user.profile = profile_update(user=user, who_can_message=who)


@pytest.mark.parametrize(
    "who, they_follow_me, refusal",
    [
        ("everyone", False, None),
        ("following", True, None),
        ("following", False, "{name} accepts messages only from people they follow."),
        ("nobody", True, "{name} does not accept messages."),
    ],
)
def test_starting_a_direct_conversation_follows_the_persons_setting(user, other_user, who, they_follow_me, refusal):
    only_from(other_user, who)
    FollowFactory(follower=user, followee=other_user)  # my following them never counts
    if they_follow_me:
        FollowFactory(follower=other_user, followee=user)
    if refusal is None:
        conversation, created = conversation_get_or_create_direct(user=user, other=other_user)
        assert created and conversation.participants.count() == 2
        return
    with pytest.raises(PermissionDenied) as error:
        conversation_get_or_create_direct(user=user, other=other_user)
    assert str(error.value) == refusal.format(name=other_user.profile.name)
    assert not Conversation.objects.exists()
    assert not Activity.objects.filter(verb="conversation_create").exists()


def test_a_strangers_unanswered_conversation_closes_with_the_setting_an_answered_one_stays_open(user, other_user):
    unanswered, _ = conversation_get_or_create_direct(user=user, other=other_user)
    message_send(sender=user, conversation=unanswered, text="hello?")
    only_from(other_user, "nobody")

    with pytest.raises(PermissionDenied, match="does not accept messages"):
        message_send(sender=user, conversation=unanswered, text="hello again")
    with pytest.raises(PermissionDenied, match="does not accept messages"):
        conversation_get_or_create_direct(user=user, other=other_user)
    assert list(Message.objects.values_list("text", flat=True)) == ["hello?"]

    message_send(sender=other_user, conversation=unanswered, text="hi")  # their reply opens it for good
    message_send(sender=user, conversation=unanswered, text="great")
    assert conversation_get_or_create_direct(user=user, other=other_user) == (unanswered, False)
    assert Message.objects.filter(sender=user).count() == 2


def test_a_conversation_the_person_started_stays_open_to_me(user, other_user):
    theirs, _ = conversation_get_or_create_direct(user=other_user, other=user)
    only_from(other_user, "following")
    message_send(sender=user, conversation=theirs, text="answering you")
    assert Message.objects.filter(sender=user, conversation=theirs).exists()


def test_editing_a_message_is_refused_once_the_person_closed_an_unanswered_conversation(user, other_user):
    conversation, _ = conversation_get_or_create_direct(user=user, other=other_user)
    message = message_send(sender=user, conversation=conversation, text="hello?")
    only_from(other_user, "nobody")
    with pytest.raises(PermissionDenied):
        message_update(user=user, message=message, text="something else")
    message_delete(user=user, message=message)  # taking it back stays possible
    message.refresh_from_db()
    assert (message.text, message.edited_at) == ("", None)


def test_a_group_is_refused_with_the_people_whose_setting_refuses_the_creator(user):
    open_, followers_only, closed, follows_me = UserFactory.create_batch(4)
    only_from(followers_only, "following")
    only_from(closed, "nobody")
    only_from(follows_me, "following")
    FollowFactory(follower=follows_me, followee=user)

    with pytest.raises(ValidationError) as error:
        conversation_create_group(creator=user, participants=[open_, followers_only, closed, follows_me], title="T")
    assert sorted(error.value.message_dict["usernames"]) == sorted([
        f"{closed.profile.name} does not accept messages.",
        f"{followers_only.profile.name} accepts messages only from people they follow.",
    ])
    assert not Conversation.objects.exists()

    group = conversation_create_group(creator=user, participants=[open_, follows_me], title="T")
    assert set(group.participants.values_list("user_id", flat=True)) == {user.pk, open_.pk, follows_me.pk}


def test_a_setting_changed_later_does_not_stop_a_group(user, other_user, django_capture_on_commit_callbacks):
    group = conversation_create_group(creator=user, participants=[other_user], title="Team")
    only_from(other_user, "nobody")  # leaving the group is how they stop it
    with django_capture_on_commit_callbacks(execute=True):
        message_send(sender=user, conversation=group, text="still here")
    assert Notification.objects.filter(recipient=other_user, verb=Notification.Verb.MESSAGE).count() == 1


def test_message_refusals_cost_no_query_when_all_accept_everyone_and_one_otherwise(user, django_assert_num_queries):
    people = UserFactory.create_batch(3)
    with django_assert_num_queries(0):
        assert message_refusals(sender=user, recipients=people) == {}
    for person in people:
        only_from(person, "following")
    FollowFactory(follower=people[0], followee=user)
    with django_assert_num_queries(1):
        refusals = message_refusals(sender=user, recipients=people)
    assert set(refusals) == {people[1].pk, people[2].pk}
