"""Private data: other users' e-mail addresses and messages never leave the server for someone not entitled to them."""

import pytest
from django.urls import reverse

from tests.security_matrix import MATRIX, PRIVATE_MESSAGE_MARK, ROLES, build_world, cases
from tests.test_permissions import client_for, request, url_for

pytestmark = pytest.mark.django_db


def shows_private_message(body: str) -> bool:
    """The message's text as a page (escaped) or JSON shows it; the bare mark may be a search query echoed back."""
    return any(f"{PRIVATE_MESSAGE_MARK} {start}" in body for start in ("<script", "&lt;script", "\\u003cscript"))


def read_cases():
    return [(name, role) for name, method, role in cases() if method == "get"]


@pytest.mark.parametrize(("name", "role"), read_cases())
def test_no_page_or_api_answer_shows_another_users_email_or_someone_elses_messages(name, role):
    world = build_world()
    decision = MATRIX[name]
    viewer = world.user_for(role)

    response = request(client_for(role, world, api=decision.api), "get", url_for(name, decision, world), None,
                       api=decision.api)

    body = response.content.decode(errors="replace")
    others = [user for user in (world.alice, world.bob, world.moderator, world.banned, world.carol, world.staff)
              if user != viewer]
    leaked = [user.email for user in others if user.email in body]
    assert not leaked, f"{name} shows e-mail addresses of other users to {role}: {leaked}"
    if viewer not in (world.alice, world.bob):
        assert not shows_private_message(body), f"{name} shows a private message to {role}"


def test_search_finds_no_messages_of_conversations_the_viewer_is_not_in():
    world = build_world()
    for role in ("other", "staff"):
        client = client_for(role, world, api=False)
        page = client.get(reverse("search:results"), {"q": PRIVATE_MESSAGE_MARK})
        assert page.status_code == 200
        assert not shows_private_message(page.content.decode())
        api = client_for(role, world, api=True)
        for kind in ("posts", "users", "communities"):
            answer = api.get(reverse("api-search"), {"q": PRIVATE_MESSAGE_MARK, "type": kind})
            assert answer.status_code == 200
            assert not shows_private_message(answer.content.decode())


@pytest.mark.parametrize("role", ["other", "staff"])
def test_private_objects_of_others_are_404_not_403(role):
    """A conversation or notification of someone else must not even be confirmed to exist."""
    world = build_world()
    html, api = client_for(role, world, api=False), client_for(role, world, api=True)
    conversation, notification = world.conversation.pk, world.notification.pk
    assert html.get(reverse("messaging:detail", args=[conversation])).status_code == 404
    assert html.post(reverse("messaging:send", args=[conversation]), {"text": "x"}).status_code == 404
    assert html.get(reverse("notifications:open", args=[notification])).status_code == 404
    assert api.get(reverse("conversation-detail", args=[conversation])).status_code == 404
    assert api.get(reverse("conversation-messages", args=[conversation])).status_code == 404
    assert api.post(reverse("conversation-messages", args=[conversation]), {"text": "x"}).status_code == 404
    assert api.post(reverse("notification-read", args=[notification])).status_code == 404
    message = world.alice_message.pk
    assert html.get(reverse("messaging:message_edit", args=[message])).status_code == 404
    assert html.post(reverse("messaging:message_delete", args=[message])).status_code == 404
    assert api.get(reverse("message-detail", args=[message])).status_code == 404
    assert api.patch(reverse("message-detail", args=[message]), {"text": "x"}).status_code == 404
    assert api.delete(reverse("message-detail", args=[message])).status_code == 404
    assert world.conversation.messages.count() == 2
    assert world.conversation.messages.filter(edited_at=None, deleted_at=None).count() == 2
    world.notification.refresh_from_db()
    assert world.notification.read_at is None
    listed = api.get(reverse("conversation-list")).json()
    assert conversation not in [item["id"] for item in listed.get("results", listed)]
    listed = api.get(reverse("notification-list")).json()
    assert notification not in [item["id"] for item in listed.get("results", listed)]


@pytest.mark.parametrize("role", [role for role in ROLES if role != "staff"])
def test_staff_pages_and_apis_refuse_everyone_else(role):
    world = build_world()
    html, api = client_for(role, world, api=False), client_for(role, world, api=True)
    refused = 302 if role == "anon" else 403
    for url in (reverse("analytics:dashboard"), reverse("analytics:experiment_results", args=[world.experiment.pk])):
        assert html.get(url).status_code == refused
    refused = 401 if role == "anon" else 403
    for url in (
        reverse("analytics-metric", args=["activity"]),
        reverse("recommender-version-list"),
        reverse("recommender-version-detail", args=[world.model_version.pk]),
    ):
        assert api.get(url).status_code == refused
    assert api.post(reverse("recommender-version-activate", args=[world.model_version.pk])).status_code == refused
    world.model_version.refresh_from_db()
    assert world.model_version.status == "candidate"


def test_participants_do_read_the_message_so_the_scans_above_can_see_a_leak():
    world = build_world()
    for user in (world.alice, world.bob):
        client = client_for("owner", world, api=False)
        client.force_login(user)
        page = client.get(reverse("messaging:detail", args=[world.conversation.pk]))
        assert shows_private_message(page.content.decode())
    api = client_for("owner", world, api=True)
    answer = api.get(reverse("conversation-messages", args=[world.conversation.pk]))
    assert shows_private_message(answer.content.decode())
