import pytest
from rest_framework.test import APIClient

from accounts.services import profile_update
from analytics.models import Activity
from messaging.models import GROUP_MAX_PARTICIPANTS, MESSAGE_MAX_LENGTH, Conversation, Message
from messaging.services import (
    conversation_create_group,
    conversation_get_or_create_direct,
    conversation_leave,
    message_send,
)
from notifications.models import Notification
from tests.factories import BlockFactory, FollowFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def direct(user, other_user):
    return conversation_get_or_create_direct(user=user, other=other_user)[0]


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_cannot_list_or_create(api_client, other_user, method):
    response = getattr(api_client, method)("/api/v1/conversations/", {"username": other_user.username})
    assert response.status_code == 401
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/conversations/{pk}/"),
        ("get", "/api/v1/conversations/{pk}/messages/"),
        ("post", "/api/v1/conversations/{pk}/messages/"),
        ("post", "/api/v1/conversations/{pk}/read/"),
    ],
)
def test_permission_matrix(api_client, direct, user, method, path):
    url = path.format(pk=direct.pk)

    assert getattr(api_client, method)(url, {"text": "hi"}).status_code == 401
    assert getattr(client_for(UserFactory()), method)(url, {"text": "hi"}).status_code == 404
    assert getattr(client_for(user), method)(url, {"text": "hi"}).status_code in (200, 201)


def test_refused_requests_change_nothing(api_client, direct):
    stranger = client_for(UserFactory())
    stranger.post(f"/api/v1/conversations/{direct.pk}/messages/", {"text": "hi"})
    stranger.post(f"/api/v1/conversations/{direct.pk}/read/")
    api_client.post(f"/api/v1/conversations/{direct.pk}/messages/", {"text": "hi"})
    assert not Message.objects.exists()
    assert not Activity.objects.filter(verb__in=["message_send", "message_read"]).exists()


def test_list_shows_my_conversations_with_unread_counts(user, other_user, direct):
    message_send(sender=other_user, conversation=direct, text="hello")
    conversation_get_or_create_direct(user=other_user, other=UserFactory())  # not mine

    response = client_for(user).get("/api/v1/conversations/")

    assert response.status_code == 200
    [item] = response.data["results"]
    assert item["id"] == direct.pk
    assert item["title"] == other_user.profile.name  # the display name, as their posts show them
    assert item["unread_count"] == 1
    assert item["last_message_text"] == "hello"
    assert item["last_message_sender"] == {
        "id": other_user.pk, "username": other_user.username, "display_name": other_user.profile.name,
        "avatar_url": None,
    }
    assert sorted(p["username"] for p in item["participants"]) == sorted([user.username, other_user.username])
    assert all(set(p) == {"id", "username", "display_name", "avatar_url"} for p in item["participants"])


def test_list_query_count_does_not_grow(user, django_assert_num_queries):
    def make_conversations(count):
        for _ in range(count):
            other = UserFactory()
            conversation, _ = conversation_get_or_create_direct(user=user, other=other)
            message_send(sender=other, conversation=conversation, text="hi")

    client = client_for(user)
    make_conversations(2)
    with django_assert_num_queries(3):  # the page, its participants, its last senders
        assert len(client.get("/api/v1/conversations/").data["results"]) == 2
    make_conversations(8)
    with django_assert_num_queries(3):
        assert len(client.get("/api/v1/conversations/").data["results"]) == 10


def test_the_last_sender_of_a_group_is_named_after_they_left(user):
    leaver = UserFactory(profile__display_name="Lea")
    group = conversation_create_group(creator=user, participants=[leaver, UserFactory()], title="Team")
    message_send(sender=leaver, conversation=group, text="bye all")
    conversation_leave(user=leaver, conversation=group)

    [item] = client_for(user).get("/api/v1/conversations/").data["results"]

    assert item["last_message_sender"] == {
        "id": leaver.pk, "username": leaver.username, "display_name": "Lea", "avatar_url": None
    }
    assert leaver.pk not in {p["id"] for p in item["participants"]}


def test_create_direct_is_idempotent(user, other_user):
    client = client_for(user)
    first = client.post("/api/v1/conversations/", {"username": other_user.username.upper()})
    second = client.post("/api/v1/conversations/", {"username": other_user.username})

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.data["id"] == second.data["id"]
    assert Conversation.objects.count() == 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "username"),
        ({"username": "x", "usernames": ["y"]}, "username"),
        ({"usernames": ["nobody-here"], "title": "T"}, "usernames"),
        ({"usernames": [], "title": "T"}, "usernames"),
    ],
)
def test_create_with_bad_input_is_400(user, payload, field):
    response = client_for(user).post("/api/v1/conversations/", payload)
    assert response.status_code == 400
    assert field in response.data
    assert not Conversation.objects.exists()


def test_create_with_yourself_is_400(user):
    response = client_for(user).post("/api/v1/conversations/", {"username": user.username})
    assert response.status_code == 400 and "username" in response.data
    assert not Conversation.objects.exists()


def test_create_with_someone_i_blocked_is_403_with_message(user, other_user):
    BlockFactory(blocker=user, blocked=other_user)
    response = client_for(user).post("/api/v1/conversations/", {"username": other_user.username})
    assert response.status_code == 403
    assert "cannot" in str(response.data["detail"])
    assert not Conversation.objects.exists()


def test_create_with_someone_who_blocked_me_is_404_like_nobody(user, other_user):
    """As the UI's start page: the answer must not tell that the account exists."""
    BlockFactory(blocker=other_user, blocked=user)
    client = client_for(user)
    blocked_me = client.post("/api/v1/conversations/", {"username": other_user.username})
    nobody = client.post("/api/v1/conversations/", {"username": "nobody-here"})
    inactive = client.post("/api/v1/conversations/", {"username": UserFactory(is_active=False).username})
    assert blocked_me.status_code == nobody.status_code == inactive.status_code == 404
    assert blocked_me.json() == nobody.json() == inactive.json() == {"detail": "No such user."}
    assert not Conversation.objects.exists()


def test_create_group(user):
    members = UserFactory.create_batch(2)
    response = client_for(user).post(
        "/api/v1/conversations/", {"usernames": [m.username for m in members], "title": "Team"}
    )
    assert response.status_code == 201
    assert response.data["title"] == "Team" and response.data["is_group"]
    assert {p["id"] for p in response.data["participants"]} == {user.pk, *(m.pk for m in members)}


def test_create_group_answers_alike_for_someone_who_blocked_me_an_inactive_account_and_nobody(user, other_user):
    BlockFactory(blocker=other_user, blocked=user)
    friend = UserFactory()
    client = client_for(user)

    def answer(name):
        response = client.post("/api/v1/conversations/", {"usernames": [name, friend.username], "title": "Team"})
        return response.status_code, response.json()

    blocked_me, nobody = answer(other_user.username), answer("nobody-here")
    inactive = answer(UserFactory(is_active=False).username)
    assert blocked_me == (400, {"usernames": [f"No such users: {other_user.username}."]})
    assert nobody == (400, {"usernames": ["No such users: nobody-here."]})
    assert inactive[0] == 400 and inactive[1]["usernames"][0].startswith("No such users: ")
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("member_count", [GROUP_MAX_PARTICIPANTS, GROUP_MAX_PARTICIPANTS + 1])
def test_create_group_over_the_limit_is_400(user, member_count):
    members = UserFactory.create_batch(member_count)
    response = client_for(user).post(
        "/api/v1/conversations/", {"usernames": [m.username for m in members], "title": "Too big"}
    )
    assert response.status_code == 400 and "usernames" in response.data
    assert not Conversation.objects.exists()


def test_messages_newest_first_with_cursor(user, other_user, direct):
    for text in ["one", "two", "three"]:
        message_send(sender=other_user, conversation=direct, text=text)
    response = client_for(user).get(f"/api/v1/conversations/{direct.pk}/messages/?page_size=2")
    assert [m["text"] for m in response.data["results"]] == ["three", "two"]
    older = client_for(user).get(response.data["next"])
    assert [m["text"] for m in older.data["results"]] == ["one"]


def test_send_message(user, other_user, direct, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(user).post(f"/api/v1/conversations/{direct.pk}/messages/", {"text": "hello"})
    assert response.status_code == 201
    assert response.data["text"] == "hello"
    assert response.data["sender"] == {
        "id": user.pk, "username": user.username, "display_name": user.profile.name, "avatar_url": None
    }
    message = Message.objects.get()
    assert message.text == "hello"
    assert Notification.objects.filter(recipient=other_user, verb="message", target_id=message.pk).count() == 1


@pytest.mark.parametrize("text", ["", "  ", "x" * (MESSAGE_MAX_LENGTH + 1)])
def test_send_bad_message_is_400(user, direct, text):
    response = client_for(user).post(f"/api/v1/conversations/{direct.pk}/messages/", {"text": text})
    assert response.status_code == 400 and "text" in response.data
    assert not Message.objects.exists()


def test_send_to_blocker_is_403(user, other_user, direct):
    BlockFactory(blocker=other_user, blocked=user)
    response = client_for(user).post(f"/api/v1/conversations/{direct.pk}/messages/", {"text": "hi"})
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_mark_read(user, other_user, direct):
    message_send(sender=other_user, conversation=direct, text="hello")
    response = client_for(user).post(f"/api/v1/conversations/{direct.pk}/read/")
    assert response.status_code == 200 and response.data["unread_count"] == 0
    assert Activity.objects.filter(verb="message_read", actor=user).exists()


def test_group_member_sees_group(user):
    members = UserFactory.create_batch(2)
    group = conversation_create_group(creator=user, participants=members, title="Team")
    assert client_for(members[1]).get(f"/api/v1/conversations/{group.pk}/").data["title"] == "Team"


def test_leave_group(user, django_capture_on_commit_callbacks):
    members = UserFactory.create_batch(2)
    group = conversation_create_group(creator=user, participants=members, title="Team")

    response = client_for(user).post(f"/api/v1/conversations/{group.pk}/leave/")

    assert response.status_code == 204
    assert set(group.participants.values_list("user", flat=True)) == {m.pk for m in members}
    assert client_for(user).get(f"/api/v1/conversations/{group.pk}/").status_code == 404
    assert Activity.objects.filter(verb="conversation_leave", actor=user).exists()


def test_leave_direct_is_409_with_message(user, direct):
    response = client_for(user).post(f"/api/v1/conversations/{direct.pk}/leave/")
    assert response.status_code == 409
    assert "cannot be left" in response.json()["detail"]
    assert direct.participants.count() == 2


def test_leave_is_401_anonymous_and_404_for_others(api_client, user):
    group = conversation_create_group(creator=user, participants=UserFactory.create_batch(2), title="Team")
    assert api_client.post(f"/api/v1/conversations/{group.pk}/leave/").status_code == 401
    assert client_for(UserFactory()).post(f"/api/v1/conversations/{group.pk}/leave/").status_code == 404
    assert client_for(user).post("/api/v1/conversations/999999/leave/").status_code == 404
    assert group.participants.count() == 3


def test_sender_edits_a_message(user, other_user, direct):
    message = message_send(sender=user, conversation=direct, text="helo")
    response = client_for(user).patch(f"/api/v1/messages/{message.pk}/", {"text": " hello "}, format="json")
    assert response.status_code == 200
    assert (response.data["text"], response.data["is_deleted"]) == ("hello", False)
    assert response.data["edited_at"] is not None
    assert Activity.objects.filter(verb="message_update", actor=user, target_id=message.pk).exists()
    listed = client_for(other_user).get(f"/api/v1/conversations/{direct.pk}/messages/").data["results"]
    assert [(m["text"], m["edited_at"] is not None) for m in listed] == [("hello", True)]


@pytest.mark.parametrize("payload", [{}, {"text": ""}, {"text": "  "}, {"text": "x" * (MESSAGE_MAX_LENGTH + 1)}])
def test_bad_edit_is_400_under_text(user, direct, payload):
    message = message_send(sender=user, conversation=direct, text="hello")
    response = client_for(user).patch(f"/api/v1/messages/{message.pk}/", payload, format="json")
    assert response.status_code == 400 and "text" in response.data
    message.refresh_from_db()
    assert (message.text, message.edited_at) == ("hello", None)


def test_sender_deletes_a_message_which_keeps_its_place_without_text(
    user, other_user, direct, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(sender=user, conversation=direct, text="a secret")
    client = client_for(user)

    assert client.delete(f"/api/v1/messages/{message.pk}/").status_code == 204

    other = client_for(other_user)
    [listed] = other.get(f"/api/v1/conversations/{direct.pk}/messages/").data["results"]
    assert (listed["id"], listed["text"], listed["is_deleted"]) == (message.pk, "", True)
    assert other.get(f"/api/v1/messages/{message.pk}/").data["is_deleted"] is True
    [conversation] = other.get("/api/v1/conversations/").data["results"]
    assert (conversation["last_message_text"], conversation["last_message_is_deleted"]) == ("", True)
    assert conversation["unread_count"] == 0
    assert other.get("/api/v1/notifications/").data["results"] == []  # its notification went with it
    assert client.delete(f"/api/v1/messages/{message.pk}/").status_code == 404  # already deleted
    assert client.patch(f"/api/v1/messages/{message.pk}/", {"text": "back"}, format="json").status_code == 404


def test_message_detail_permissions(api_client, user, other_user, direct):
    message = message_send(sender=user, conversation=direct, text="mine")
    url = f"/api/v1/messages/{message.pk}/"
    for method in ("get", "patch", "delete"):
        assert getattr(api_client, method)(url, {"text": "x"}, format="json").status_code == 401
        assert getattr(client_for(UserFactory()), method)(url, {"text": "x"}, format="json").status_code == 404
    other = client_for(other_user)  # a participant, not the sender
    assert other.get(url).data["text"] == "mine"
    assert other.patch(url, {"text": "hijacked"}, format="json").status_code == 403
    assert other.delete(url).status_code == 403
    assert client_for(user).put(url, {"text": "x"}, format="json").status_code == 405
    message.refresh_from_db()
    assert (message.text, message.edited_at, message.deleted_at) == ("mine", None, None)
    assert not Activity.objects.filter(verb__in=["message_update", "message_delete"]).exists()


def test_after_leaving_a_group_my_messages_are_out_of_reach(user):
    members = UserFactory.create_batch(2)
    group = conversation_create_group(creator=user, participants=members, title="Team")
    message = message_send(sender=user, conversation=group, text="bye")
    client = client_for(user)
    client.post(f"/api/v1/conversations/{group.pk}/leave/")
    assert client.patch(f"/api/v1/messages/{message.pk}/", {"text": "x"}, format="json").status_code == 404
    assert client.delete(f"/api/v1/messages/{message.pk}/").status_code == 404
    assert client_for(members[0]).get(f"/api/v1/messages/{message.pk}/").data["text"] == "bye"


def test_edit_and_delete_are_in_the_schema(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/messages/{id}/"]
    assert set(operations) >= {"get", "patch", "delete"}
    assert "403" in operations["patch"]["responses"] and "204" in operations["delete"]["responses"]
    assert "is_deleted" in schema["components"]["schemas"]["Message"]["properties"]


def test_starting_a_conversation_refused_by_the_persons_setting_is_403_with_the_reason(user, other_user):
    profile_update(user=other_user, who_can_message="following")
    response = client_for(user).post("/api/v1/conversations/", {"username": other_user.username})
    assert response.status_code == 403
    assert response.json() == {"detail": f"{other_user.profile.name} accepts messages only from people they follow."}
    assert not Conversation.objects.exists()

    FollowFactory(follower=other_user, followee=user)
    assert client_for(user).post("/api/v1/conversations/", {"username": other_user.username}).status_code == 201


def test_a_group_with_someone_who_accepts_no_messages_is_400_under_usernames(user, other_user):
    profile_update(user=other_user, who_can_message="nobody")
    response = client_for(user).post("/api/v1/conversations/", {"usernames": [other_user.username], "title": "T"})
    assert response.status_code == 400
    assert response.json() == {"usernames": [f"{other_user.profile.name} does not accept messages."]}
    assert not Conversation.objects.exists()


def test_sending_into_an_unanswered_conversation_the_person_closed_is_403(user, other_user, direct):
    profile_update(user=other_user, who_can_message="nobody")
    response = client_for(user).post(f"/api/v1/conversations/{direct.pk}/messages/", {"text": "hi"})
    assert response.status_code == 403
    assert response.json() == {"detail": f"{other_user.profile.name} does not accept messages."}
    assert not Message.objects.exists()
    # They may still write to me, and from then on I may answer.
    messages_url = f"/api/v1/conversations/{direct.pk}/messages/"
    assert client_for(other_user).post(messages_url, {"text": "ok"}).status_code == 201
    assert client_for(user).post(messages_url, {"text": "hi"}).status_code == 201
