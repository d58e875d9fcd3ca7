"""Every list endpoint of the API answers in a number of queries that does not grow with the page: the same count for
2 items as for 6 (each case adds items of its list; N+1 queries would show as 4 more). Lists with a dedicated test in
their app (posts, comments, users, followers, reposts, post search, communities, reports) are covered there."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from communities.models import Membership
from tests.factories import (
    BlockFactory,
    CommentFactory,
    CommunityFactory,
    ConversationFactory,
    LikeFactory,
    MembershipFactory,
    MessageFactory,
    ModelVersionFactory,
    NotificationFactory,
    ParticipantFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _world():
    viewer = UserFactory(is_staff=True)
    post = PostFactory()
    community = CommunityFactory(slug="club")
    MembershipFactory(community=community, user=viewer, role=Membership.Role.MODERATOR)
    comment = CommentFactory(post=post)
    conversation = ConversationFactory(is_group=True, title="group", created_by=viewer)
    ParticipantFactory(conversation=conversation, user=viewer)
    return {"viewer": viewer, "post": post, "community": community, "comment": comment, "conversation": conversation}


def _group_conversation(w):
    conversation = ConversationFactory(is_group=True, title="more", created_by=w["viewer"])
    ParticipantFactory(conversation=conversation, user=w["viewer"])
    other = ParticipantFactory(conversation=conversation).user
    MessageFactory(conversation=conversation, sender=other)


CASES = {
    "blocked": ("/api/v1/me/blocked/", lambda w: BlockFactory(blocker=w["viewer"])),
    "post likers": (lambda w: f"/api/v1/posts/{w['post'].pk}/likes/", lambda w: LikeFactory(post=w["post"])),
    "comment replies": (
        lambda w: f"/api/v1/comments/{w['comment'].pk}/replies/",
        lambda w: CommentFactory(post=w["post"], parent=w["comment"]),
    ),
    "members": ("/api/v1/communities/club/members/", lambda w: MembershipFactory(community=w["community"])),
    "bans": ("/api/v1/communities/club/bans/", lambda w: MembershipFactory(community=w["community"], is_banned=True)),
    "community posts": ("/api/v1/communities/club/posts/", lambda w: PostFactory(community=w["community"])),
    "conversations": ("/api/v1/conversations/", _group_conversation),
    "messages": (
        lambda w: f"/api/v1/conversations/{w['conversation'].pk}/messages/",
        lambda w: MessageFactory(conversation=w["conversation"], sender=w["viewer"]),
    ),
    "notifications": ("/api/v1/notifications/", lambda w: NotificationFactory(recipient=w["viewer"])),
    "model versions": ("/api/v1/recommender/versions/", lambda w: ModelVersionFactory()),
    "search users": (
        "/api/v1/search/?type=users&q=findme",
        lambda w: UserFactory(username=f"findme{UserFactory().pk}"),
    ),
    "search communities": (
        "/api/v1/search/?type=communities&q=findme",
        lambda w: CommunityFactory(name=f"Findme {CommunityFactory().pk}"),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_list_endpoint_query_count_does_not_grow_with_the_page(name):
    url, add = CASES[name]
    world = _world()
    url = url(world) if callable(url) else url
    client = APIClient()
    client.force_authenticate(world["viewer"])

    def queries_and_items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        return len(queries), len(body["results"] if isinstance(body, dict) else body)  # model versions: no pages

    for _ in range(2):
        add(world)
    few_queries, few_items = queries_and_items()
    for _ in range(4):
        add(world)
    assert queries_and_items() == (few_queries, few_items + 4)
