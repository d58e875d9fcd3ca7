import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from posts.models import PostView
from tests.factories import FollowFactory, PostFactory

from .conftest import FixedOrderModel

pytestmark = pytest.mark.django_db

URL = "/api/v1/feed/"


def test_for_you_page_with_reasons_and_logged_impressions(auth_api_client, user, other_user, activate_model):
    posts = PostFactory.create_batch(6, author=other_user)
    version = activate_model(FixedOrderModel([p.pk for p in posts], reason="popular in sport"))

    response = auth_api_client.get(URL, {"page_size": 3})

    body = response.json()
    assert response.status_code == 200
    assert [p["id"] for p in body["results"]] == [p.pk for p in posts[:3]]
    assert body["results"][0]["reason"] == "popular in sport" and body["model_version"] == version.pk
    assert body["fallback_reason"] == "" and body["next"].endswith("?mode=for_you")
    views = PostView.objects.filter(user=user, page_id=body["page_id"])
    assert sorted(views.values_list("position", flat=True)) == [0, 1, 2]


def test_fallback_is_reported_not_an_error(auth_api_client, other_user):
    PostFactory.create_batch(2, author=other_user)
    body = auth_api_client.get(URL).json()
    assert body["fallback_reason"] == "no_model" and len(body["results"]) == 2
    assert all(p["reason"] == "" for p in body["results"])


def test_latest_mode_pages_with_a_cursor(auth_api_client, user, other_user):
    FollowFactory(follower=user, followee=other_user)
    posts = PostFactory.create_batch(3, author=other_user)

    first = auth_api_client.get(URL, {"mode": "latest", "page_size": 2}).json()
    second = auth_api_client.get(first["next"]).json()

    assert [p["id"] for p in first["results"] + second["results"]] == [p.pk for p in reversed(posts)]
    assert second["next"] is None


def test_bad_parameters_are_400_with_field_messages(auth_api_client):
    response = auth_api_client.get(URL, {"mode": "sideways", "page_size": 0})
    assert response.status_code == 400 and set(response.json()) == {"mode", "page_size"}
    response = auth_api_client.get(URL, {"mode": "latest", "cursor": "nope"})
    assert response.status_code == 400 and "cursor" in response.json()
    assert not PostView.objects.exists()


def test_anonymous_gets_random_posts_unlogged(api_client, other_user):
    PostFactory.create_batch(2, author=other_user)
    body = api_client.get(URL).json()
    assert len(body["results"]) == 2 and body["page_id"] is None and body["next"] is None
    assert not PostView.objects.exists()


def test_api_query_count_does_not_grow_with_page_size(auth_api_client, other_user, activate_model):
    posts = PostFactory.create_batch(30, author=other_user)
    activate_model(FixedOrderModel([p.pk for p in posts]))
    auth_api_client.get(URL, {"page_size": 1})
    with CaptureQueriesContext(connection) as small:
        auth_api_client.get(URL, {"page_size": 2})
    with CaptureQueriesContext(connection) as large:
        auth_api_client.get(URL, {"page_size": 12})
    assert len(large) == len(small)
