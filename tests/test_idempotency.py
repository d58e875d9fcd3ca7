"""Double submission: a repeated Idempotency-Key (API) or hidden idempotency_key (HTML forms) creates one row."""

import re
import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from comments.models import Comment
from communities.models import Community
from messaging.models import Message
from posts.models import Post, Repost
from tests.factories import ConversationFactory, ParticipantFactory, PostFactory, TopicFactory, UserFactory
from tests.test_concurrency import run_concurrently


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _world():
    author, reader = UserFactory(), UserFactory()
    topic = TopicFactory(name="tech")
    post = PostFactory(author=reader, topic=topic)
    conversation = ConversationFactory(direct_key=f"{min(author.pk, reader.pk)}:{max(author.pk, reader.pk)}")
    ParticipantFactory(conversation=conversation, user=author)
    ParticipantFactory(conversation=conversation, user=reader)
    return author, post, conversation


WRITES = {
    "post": (lambda post, conv: "/api/v1/posts/", {"text": "once", "topic": "tech"}, Post),
    "message": (lambda post, conv: f"/api/v1/conversations/{conv.pk}/messages/", {"text": "once"}, Message),
    "comment": (lambda post, conv: f"/api/v1/posts/{post.pk}/comments/", {"text": "once"}, Comment),
    "repost": (lambda post, conv: f"/api/v1/posts/{post.pk}/repost/", {"note": "once"}, Repost),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", WRITES)
def test_api_write_sent_twice_creates_one_row_and_replays(kind):
    author, post, conversation = _world()
    url_for, payload, model = WRITES[kind]
    client = _token_client(author)
    before = model.objects.count()
    key = str(uuid.uuid4())
    first = client.post(url_for(post, conversation), payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    second = client.post(url_for(post, conversation), payload, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert model.objects.count() == before + 1
    # A new key is a new write.
    third = client.post(url_for(post, conversation), payload, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert not third.has_header("Idempotent-Replayed")
    if kind != "repost":  # reposting the same post twice is a conflict by design
        assert third.status_code == 201
        assert model.objects.count() == before + 2


def test_same_key_from_another_user_is_not_replayed(db):
    author, post, conversation = _world()
    key = str(uuid.uuid4())
    first = _token_client(author).post("/api/v1/posts/", {"text": "a", "topic": "tech"}, HTTP_IDEMPOTENCY_KEY=key)
    stranger = _token_client(UserFactory())
    other = stranger.post("/api/v1/posts/", {"text": "b", "topic": "tech"}, HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == other.status_code == 201
    assert not other.has_header("Idempotent-Replayed")
    assert Post.objects.filter(text__in=["a", "b"]).count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", WRITES)
def test_api_write_sent_concurrently_creates_one_row(kind):
    author, post, conversation = _world()
    url_for, payload, model = WRITES[kind]
    before = model.objects.count()
    token = Token.objects.get_or_create(user=author)[0].key
    key = str(uuid.uuid4())

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.post(url_for(post, conversation), payload, format="json", HTTP_IDEMPOTENCY_KEY=key)

    responses = run_concurrently(send, [{}] * 4)
    assert [r.status_code for r in responses] == [201] * 4
    assert sum(1 for r in responses if r.has_header("Idempotent-Replayed")) == 3
    assert len({r.content for r in responses}) == 1
    assert model.objects.count() == before + 1


def _form_key(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html)
    assert found, html[-3000:]
    return found.group(1)


@pytest.mark.django_db
def test_every_rendered_form_gets_a_fresh_key(auth_client):
    TopicFactory(name="tech")
    first = _form_key(auth_client.get("/posts/new/").content.decode())
    second = _form_key(auth_client.get("/posts/new/").content.decode())
    assert first != second


@pytest.mark.django_db
def test_double_clicked_forms_create_one_row_each(client):
    author, post, conversation = _world()
    client.force_login(author)
    topic = post.topic
    forms = [
        ("/posts/new/", "/posts/new/", {"text": "double", "topic": topic.pk}, Post),
        (f"/posts/{post.pk}/", f"/comments/post/{post.pk}/new/", {"text": "double"}, Comment),
        (f"/messages/{conversation.pk}/", f"/messages/{conversation.pk}/send/", {"text": "double"}, Message),
        ("/communities/new/", "/communities/new/", {"name": "Double club", "description": "", "topic": topic.pk},
         Community),
    ]
    for page, action, data, model in forms:
        key = _form_key(client.get(page).content.decode())
        before = model.objects.count()
        first = client.post(action, {**data, "idempotency_key": key})
        second = client.post(action, {**data, "idempotency_key": key})
        assert first.status_code == 302, (action, first.status_code)
        assert second.status_code == 302
        assert second["Location"] == first["Location"]
        assert second["Idempotent-Replayed"] == "true"
        assert model.objects.count() == before + 1, action
        # Submitting the form again after a fresh render is a new write.
        fresh = _form_key(client.get(page).content.decode())
        if model is not Community:  # a community's name is unique
            assert client.post(action, {**data, "idempotency_key": fresh}).status_code == 302
            assert model.objects.count() == before + 2, action


@pytest.mark.django_db
def test_form_key_is_ignored_for_anonymous_posts(client):
    TopicFactory(name="tech")
    response = client.post("/posts/new/", {"text": "x", "idempotency_key": "k"})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not response.has_header("Idempotent-Replayed")
