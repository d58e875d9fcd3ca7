"""Limits: per-user write rate limits, DRF throttles, request body size, text lengths and page sizes."""

import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from analytics.models import Activity
from comments.models import Comment
from messaging.models import Message
from posts.models import Post
from socialnet.errors import RateLimited
from socialnet.ratelimit import rate_limit_hit
from tests.factories import (
    CommunityFactory,
    ConversationFactory,
    MembershipFactory,
    ParticipantFactory,
    PostFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny_limits(settings):
    settings.RATE_LIMIT_ENABLED = True
    settings.RATE_LIMIT_POSTS_PER_MINUTE = 2
    settings.RATE_LIMIT_COMMENTS_PER_MINUTE = 2
    settings.RATE_LIMIT_MESSAGES_PER_MINUTE = 2
    return settings


@pytest.fixture
def topic():
    return TopicFactory(name="tech")


@pytest.fixture
def direct(user, other_user):
    conversation = ConversationFactory(direct_key=f"{min(user.pk, other_user.pk)}:{max(user.pk, other_user.pk)}")
    ParticipantFactory(conversation=conversation, user=user)
    ParticipantFactory(conversation=conversation, user=other_user)
    return conversation


def test_rate_limit_counts_per_user_and_action(user, other_user):
    for _ in range(3):
        rate_limit_hit(user=user, action="post", per_minute=3)
    with pytest.raises(RateLimited) as raised:
        rate_limit_hit(user=user, action="post", per_minute=3)
    assert 1 <= raised.value.retry_after <= 120  # up to two minutes: the full minute must slide out
    assert "3 posts per minute" in str(raised.value)
    rate_limit_hit(user=other_user, action="post", per_minute=3)  # another user has their own counter
    rate_limit_hit(user=user, action="comment", per_minute=3)  # and another action too


def test_rate_limit_slides_across_the_minute_boundary(user):
    """A burst at the end of one minute still counts at the start of the next: a fixed window let 2x through."""
    start = 1_000_000 * 60  # the start of a minute
    for second in (50, 55, 59):
        rate_limit_hit(user=user, action="post", per_minute=3, now=start + second)
    with pytest.raises(RateLimited) as raised:
        rate_limit_hit(user=user, action="post", per_minute=3, now=start + 61)
    # The previous minute's 3 weigh 3 * (1 - s/60) at second s of this one: 3 * (1 - s/60) + 1 <= 3 from s = 20.
    assert raised.value.retry_after == 19
    with pytest.raises(RateLimited):
        rate_limit_hit(user=user, action="post", per_minute=3, now=start + 79)
    rate_limit_hit(user=user, action="post", per_minute=3, now=start + 80)  # refused tries were not counted
    with pytest.raises(RateLimited):
        rate_limit_hit(user=user, action="post", per_minute=3, now=start + 81)


def test_rate_limit_full_minute_waits_for_the_next_one(user):
    start = 1_000_001 * 60
    for _ in range(2):
        rate_limit_hit(user=user, action="comment", per_minute=2, now=start + 10)
    with pytest.raises(RateLimited) as raised:
        rate_limit_hit(user=user, action="comment", per_minute=2, now=start + 10)
    # Next minute, 2 * (1 - s/60) + 1 <= 2 from s = 30: 50 s to the boundary plus 30.
    assert raised.value.retry_after == 80
    rate_limit_hit(user=user, action="comment", per_minute=2, now=start + 90)


def test_rate_limit_disabled_never_counts(user, settings):
    settings.RATE_LIMIT_ENABLED = False
    for _ in range(5):
        rate_limit_hit(user=user, action="post", per_minute=1)


def test_rate_limit_allows_when_redis_is_down(user, settings):
    from socialnet.cache import ResilientRedisCache

    down = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    from socialnet import ratelimit

    original = ratelimit.cache
    ratelimit.cache = down
    try:
        for _ in range(3):
            rate_limit_hit(user=user, action="post", per_minute=1)
    finally:
        ratelimit.cache = original


@pytest.mark.parametrize(
    ("kind", "count_model"),
    [("post", Post), ("comment", Comment), ("message", Message)],
)
def test_api_write_beyond_the_limit_is_429_with_retry_after(tiny_limits, user, other_user, topic, direct, kind,
                                                             count_model):
    post = PostFactory(author=other_user, topic=topic)
    url, payload = {
        "post": ("/api/v1/posts/", {"text": "hello", "topic": "tech"}),
        "comment": (f"/api/v1/posts/{post.pk}/comments/", {"text": "hello"}),
        "message": (f"/api/v1/conversations/{direct.pk}/messages/", {"text": "hello"}),
    }[kind]
    client = APIClient()
    client.force_authenticate(user)
    before = count_model.objects.count()
    assert [client.post(url, payload, format="json").status_code for _ in range(2)] == [201, 201]
    response = client.post(url, payload, format="json")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 120
    assert "per minute" in response.json()["detail"]
    assert count_model.objects.count() == before + 2
    verb = "message_send" if kind == "message" else f"{kind}_create"
    assert Activity.objects.filter(actor=user, verb=verb).count() == 2


def test_html_post_form_beyond_the_limit_shows_a_form_error(tiny_limits, auth_client, user, topic):
    url = reverse("posts:create")
    for _ in range(2):
        assert auth_client.post(url, {"text": "hello", "topic": topic.pk}).status_code == 302
    response = auth_client.post(url, {"text": "hello", "topic": topic.pk})
    assert response.status_code == 200
    assert "2 posts per minute" in response.content.decode()
    assert Post.objects.filter(author=user).count() == 2


def test_html_community_post_beyond_the_limit_shows_a_form_error(tiny_limits, auth_client, user, topic):
    community = CommunityFactory(slug="club")
    MembershipFactory(community=community, user=user)
    url = reverse("communities:post_create", args=[community.slug])
    for _ in range(2):
        assert auth_client.post(url, {"text": "hello", "topic": topic.pk}).status_code == 302
    response = auth_client.post(url, {"text": "hello", "topic": topic.pk})
    assert response.status_code == 400
    assert "2 posts per minute" in response.content.decode()
    assert Post.objects.filter(author=user, community=community).count() == 2


def test_html_comment_beyond_the_limit_shows_a_form_error(tiny_limits, auth_client, user, other_user, topic):
    post = PostFactory(author=other_user, topic=topic)
    url = reverse("comments:create", args=[post.pk])
    for _ in range(2):
        assert auth_client.post(url, {"text": "hello"}).status_code == 302
    response = auth_client.post(url, {"text": "hello"})
    assert response.status_code == 400
    assert "2 comments per minute" in response.content.decode()
    assert Comment.objects.filter(author=user).count() == 2


def test_html_message_beyond_the_limit_shows_a_form_error(tiny_limits, auth_client, user, direct):
    url = reverse("messaging:send", args=[direct.pk])
    for _ in range(2):
        assert auth_client.post(url, {"text": "hello"}).status_code == 302
    response = auth_client.post(url, {"text": "hello"})
    assert response.status_code == 400
    assert "2 messages per minute" in response.content.decode()
    assert Message.objects.filter(sender=user).count() == 2


def test_drf_user_throttle_gives_429(settings, user):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min", "user": "3/min"}}
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    # DRF reads the rates once at import: point the throttles at the overridden ones for this test.
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        client = APIClient()
        client.force_authenticate(user)
        statuses = [client.get("/api/v1/topics/").status_code for _ in range(4)]
        anon = [APIClient().get("/api/v1/topics/").status_code for _ in range(4)]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
        cache.clear()
    assert statuses == [200, 200, 200, 429]
    assert anon == [200, 200, 200, 429]


def test_two_mib_json_body_is_a_clear_json_error(auth_api_client, user, topic):
    body = json.dumps({"text": "x" * (2 * 1024 * 1024), "topic": "tech"})
    response = auth_api_client.post("/api/v1/posts/", body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()
    assert not Post.objects.exists()


def test_two_mib_form_body_is_refused_without_a_500(auth_client, topic):
    response = auth_client.post(reverse("posts:create"), {"text": "x" * (2 * 1024 * 1024), "topic": topic.pk})
    assert response.status_code in (400, 413)
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("url_for", "limit"),
    [
        (lambda post, direct: "/api/v1/posts/", 5000),
        (lambda post, direct: f"/api/v1/posts/{post.pk}/comments/", 2000),
        (lambda post, direct: f"/api/v1/conversations/{direct.pk}/messages/", 5000),
    ],
)
def test_text_one_over_the_limit_is_400_with_a_field_message(auth_api_client, other_user, topic, direct, url_for,
                                                             limit):
    post = PostFactory(author=other_user, topic=topic)
    url = url_for(post, direct)
    before = (Post.objects.count(), Comment.objects.count(), Message.objects.count())
    response = auth_api_client.post(url, {"text": "x" * (limit + 1), "topic": "tech"}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()
    assert (Post.objects.count(), Comment.objects.count(), Message.objects.count()) == before
    assert auth_api_client.post(url, {"text": "x" * limit, "topic": "tech"}, format="json").status_code == 201


def test_huge_page_size_is_capped(api_client, topic):
    PostFactory.create_batch(105, topic=topic)
    response = api_client.get("/api/v1/posts/?page_size=100000")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100
    users = api_client.get("/api/v1/users/?page_size=100000")
    assert users.status_code == 200
    assert len(users.json()["results"]) <= 100


def test_nonsense_page_size_falls_back_to_the_default(api_client, topic):
    PostFactory.create_batch(25, topic=topic)
    for value in ("-5", "abc", "0"):
        response = api_client.get(f"/api/v1/posts/?page_size={value}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == 20
