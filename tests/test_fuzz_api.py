"""API fuzzing: schemathesis drives every operation of /api/schema/ with generated input, as a user with data.

Positive and negative (schema-violating) input. Asserts no 5xx and that every documented response matches its
schema (status codes the schema leaves out, such as 400/404 on most operations, are allowed: drf-spectacular
documents the success answers). The regressions it found are pinned by the plain tests at the end.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, assume, settings
from rest_framework.authtoken.models import Token
from schemathesis import DataGenerationMethod
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from socialnet.wsgi import application
from tests.factories import (
    CommentFactory,
    CommunityFactory,
    ConversationFactory,
    FollowFactory,
    LikeFactory,
    MembershipFactory,
    MessageFactory,
    ParticipantFactory,
    PostFactory,
    TopicFactory,
    UserFactory,
)

FORM_MEDIA_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
CHECKS = (not_a_server_error, content_type_conformance, response_schema_conformance)


@pytest.fixture
def api_schema(db, client, settings):
    # Generated bodies repeat quickly; the per-minute write limits are tested in test_limits.py.
    settings.RATE_LIMIT_ENABLED = False
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    # As Django's test client does: the test's transaction must survive the end of each WSGI request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.from_dict(
        json.loads(response.content),
        app=application,
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    )
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db):
    """A user with posts, likes, comments, follows, a community and a conversation, so lookups can hit."""
    user = UserFactory(username="fuzzer")
    friend = UserFactory(username="friend")
    topic = TopicFactory(name="tech")
    posts = PostFactory.create_batch(3, author=user, topic=topic) + PostFactory.create_batch(2, author=friend)
    LikeFactory(user=user, post=posts[-1])
    CommentFactory(post=posts[0], author=friend)
    FollowFactory(follower=user, followee=friend)
    community = CommunityFactory(slug="club", created_by=user)
    MembershipFactory(community=community, user=user, role="owner")
    conversation = ConversationFactory(direct_key=f"{min(user.pk, friend.pk)}:{max(user.pk, friend.pk)}")
    ParticipantFactory(conversation=conversation, user=user)
    ParticipantFactory(conversation=conversation, user=friend)
    MessageFactory(conversation=conversation, sender=friend)
    return Token.objects.create(user=user).key


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_operation_never_500s_and_matches_its_schema(case, token):
    # Negative generation can draw a non-object form body, which the WSGI test client cannot even encode.
    assume(case.media_type not in FORM_MEDIA_TYPES or isinstance(case.body, dict))
    response = case.call_wsgi(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/api/v1/users/a%00b/", {}),
        ("/api/v1/search/?q=a%00b", {}),
        ("/api/v1/posts/", {"HTTP_COOKIE": "sessionid=abc\x00defghij"}),
        ("/api/v1/me/", {"HTTP_AUTHORIZATION": "Token abc\x00def"}),
    ],
)
def test_nul_characters_in_address_cookie_or_token_are_400_not_500(db, client, path, extra):
    """Found by the fuzzer: PostgreSQL refuses NUL in a query, which used to surface as ValueError -> 500."""
    response = client.get(path, **extra)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_nul_character_in_a_page_address_is_400(db, client):
    assert client.get("/accounts/u/a%00b/").status_code == 400


def test_profile_of_a_user_without_sign_up_metadata_matches_the_schema(db, auth_api_client, user):
    """Found by the fuzzer: os/source are "" for users who signed up without them; the schema now allows it."""
    response = auth_api_client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["profile"]["source"] == ""
    schema = auth_api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    profile = schema["components"]["schemas"]["Profile"]["properties"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in profile["source"]["oneOf"]
