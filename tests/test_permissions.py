"""Permissions of every URL of the site, generated from the URL configuration and the decision table.

A URL name without a decision in tests/security_matrix.py fails test_every_url_has_a_decision.
"""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import BlockFactory
from tests.security_matrix import LOGIN, MATRIX, build_world, cases, site_url_names, snapshot

pytestmark = pytest.mark.django_db


def test_every_url_has_a_decision():
    names = site_url_names()
    missing = sorted(set(names) - set(MATRIX))
    assert not missing, f"URL names without a security decision in tests/security_matrix.py: {missing}"
    assert not set(MATRIX) - set(names), "decisions for URL names that no longer exist"
    assert len(names) >= 100


def client_for(role, world, *, api: bool, enforce_csrf: bool = False):
    client = APIClient(enforce_csrf_checks=enforce_csrf) if api else Client(enforce_csrf_checks=enforce_csrf)
    user = world.user_for(role)
    if user is not None:
        client.force_login(user)  # a session, as in a browser: the API's session authentication enforces CSRF
    return client


def request(client, method, url, body, *, api: bool, multipart: bool = False):
    if not api:
        return getattr(client, method)(url, body or {})
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="multipart" if multipart else "json")


def url_for(name, decision, world):
    url = reverse(name, kwargs=decision.url_kwargs(world))
    return f"{url}?{decision.query}" if decision.query else url


def is_refusal(response) -> bool:
    return response.status_code >= 400 or (
        response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    )


@pytest.mark.parametrize(("name", "method", "role"), cases())
def test_url_permission(name, method, role):
    world = build_world()
    decision = MATRIX[name]
    expected = decision.expect[method][role]
    body = decision.data[method](world) if method in decision.data else None
    client = client_for(role, world, api=decision.api)
    before = snapshot()

    url = url_for(name, decision, world)
    response = request(client, method, url, body, api=decision.api, multipart=decision.multipart)

    got = response.status_code
    if expected == LOGIN:
        assert got == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL)), f"{got} {response}"
    else:
        assert got == expected, f"got {got}: {response.content[:200]!r}"
    if method != "get" and is_refusal(response):
        assert snapshot() == before, "a refused write changed data"


def post_cases():
    return [(name, method) for name, method, role in cases() if method != "get" and role == "owner"]


@pytest.mark.parametrize(("name", "method"), post_cases())
def test_state_change_without_csrf_token_is_refused(name, method):
    """The owner's session but no CSRF token: every form POST and every session-authenticated API write is a 403."""
    world = build_world()
    decision = MATRIX[name]
    body = decision.data[method](world) if method in decision.data else None
    client = client_for("owner", world, api=decision.api, enforce_csrf=True)
    before = snapshot()
    url = url_for(name, decision, world)
    response = request(client, method, url, body, api=decision.api, multipart=decision.multipart)

    if name == "api-token" or name == "api-register":
        # Token and sign-up endpoints take credentials, not the session; they do not authenticate by cookie.
        assert response.status_code != 403 or b"CSRF" in response.content
        return
    assert response.status_code == 403, response.content[:300]
    assert b"CSRF" in response.content
    assert snapshot() == before


def test_anonymous_form_post_without_csrf_token_is_refused():
    build_world()
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": "x"})
    assert response.status_code == 403
    response = client.post(reverse("accounts:register"), {"username": "z", "email": "z@mail.example"})
    assert response.status_code == 403


@pytest.mark.parametrize(("role", "status"), [("anon", 302), ("other", 302), ("owner", 302), ("staff", 200)])
def test_admin_is_staff_only(role, status):
    world = build_world()
    client = client_for(role, world, api=False)
    for url in ("/admin/", "/admin/messaging/message/", f"/admin/messaging/message/{world.message.pk}/change/"):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 302:
            assert response["Location"].startswith("/admin/login/")


def test_banned_members_moderators_and_blocked_users_are_refused_and_change_nothing():
    """Roles the matrix does not cover: a banned member, a moderator against the owner, a blocked user, a participant
    against another's message."""
    world = build_world()
    BlockFactory(blocker=world.bob, blocked=world.carol)
    banned, moderator, blocked = (client_for("owner", world, api=True) for _ in range(3))
    banned.force_login(world.banned)
    moderator.force_login(world.moderator)
    blocked.force_login(world.carol)
    blocked_html = client_for("other", world, api=False)
    bob = client_for("owner", world, api=True)
    bob_html = client_for("owner", world, api=False)
    for client in (bob, bob_html):
        client.force_login(world.bob)  # in the conversation, but alice sent the message
    alice_message_url = reverse("message-detail", args=[world.alice_message.pk])
    attempts = [
        (banned.post, reverse("api-community-posts", args=["club"]), {"text": "x", "topic": "tech"}, 403),
        (banned.post, reverse("api-community-join", args=["club"]), None, 403),
        (moderator.post, reverse("api-community-bans", args=["club"]), {"username": "alice"}, 409),
        (moderator.post, reverse("api-community-transfer", args=["club"]), {"username": "mod"}, 403),
        (moderator.delete, reverse("api-community-detail", args=["club"]), None, 403),
        (banned.delete, reverse("api-community-detail", args=["club"]), None, 403),
        (blocked.post, reverse("api-post-comments", args=[world.bob_post.pk]), {"text": "x"}, 404),
        (blocked.post, reverse("api-post-comments", args=[world.post.pk]), {"text": "x", "parent": world.reply.pk},
         404),
        (blocked.post, reverse("api-post-like", args=[world.bob_post.pk]), None, 404),
        (blocked.post, reverse("api-post-repost", args=[world.bob_post.pk]), {"note": "x"}, 404),
        (blocked.post, reverse("api-user-follow", args=["bob"]), None, 404),
        # a group with bob: "No such users: bob." as for a name nobody has
        (blocked.post, reverse("conversation-list"), {"usernames": ["bob", "alice"], "title": "x"}, 400),
        (bob.patch, alice_message_url, {"text": "x"}, 403),
        (bob.delete, alice_message_url, None, 403),
    ]
    before = snapshot()
    for send, url, body, status in attempts:
        assert send(url, body, format="json").status_code == status, url
    assert blocked_html.post(reverse("messaging:start", args=["bob"])).status_code == 404  # bob is hidden, as above
    group = blocked_html.post(reverse("messaging:group_create"), {"title": "x", "usernames": "bob alice"})
    assert group.status_code == 400 and "No such users: bob." in group.content.decode()
    for url in ("messaging:message_edit", "messaging:message_delete"):
        assert bob_html.post(reverse(url, args=[world.alice_message.pk]), {"text": "x"}).status_code == 403
    assert snapshot() == before
