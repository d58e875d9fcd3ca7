import pytest

from notifications.models import Notification
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/notifications/"),
        ("get", "/api/v1/notifications/unread-count/"),
        ("post", "/api/v1/notifications/mark-all-read/"),
    ],
)
def test_anonymous_is_refused(api_client, method, path):
    assert getattr(api_client, method)(path).status_code == 401


def test_list_is_mine_newest_first_with_cursor(auth_api_client, user, other_user):
    older = NotificationFactory(recipient=user, actor=other_user, verb="message", target_type="message", target_id=3)
    newer = NotificationFactory(recipient=user, actor=other_user)
    NotificationFactory(recipient=other_user)

    response = auth_api_client.get("/api/v1/notifications/?page_size=1")

    assert response.status_code == 200
    assert [n["id"] for n in response.data["results"]] == [newer.pk]
    assert response.data["results"][0]["is_read"] is False
    following = auth_api_client.get(response.data["next"]).data
    assert [n["id"] for n in following["results"]] == [older.pk]
    assert following["results"][0]["target_url"] == "/messages/message/3/"  # opens the conversation at it
    actor = {
        "id": other_user.pk, "username": other_user.username, "display_name": other_user.profile.name,
        "avatar_url": None,
    }
    assert following["results"][0]["actor"] == actor  # a person as everywhere in the API


def test_list_query_count_does_not_grow(auth_api_client, user, django_assert_num_queries):
    def make(count):
        for _ in range(count):
            NotificationFactory(recipient=user, verb="follow", target_type="user", target_id=UserFactory().pk)

    make(2)
    with django_assert_num_queries(2):
        assert len(auth_api_client.get("/api/v1/notifications/").data["results"]) == 2
    make(8)
    with django_assert_num_queries(2):
        assert len(auth_api_client.get("/api/v1/notifications/").data["results"]) == 10


def test_unread_count_and_mark_all_read(auth_api_client, user):
    NotificationFactory.create_batch(2, recipient=user)
    assert auth_api_client.get("/api/v1/notifications/unread-count/").data == {"count": 2}
    assert auth_api_client.post("/api/v1/notifications/mark-all-read/").data == {"marked": 2}
    assert auth_api_client.get("/api/v1/notifications/unread-count/").data == {"count": 0}
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()


def test_mark_one_read(auth_api_client, user, other_user):
    mine = NotificationFactory(recipient=user)
    theirs = NotificationFactory(recipient=other_user)

    response = auth_api_client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert response.status_code == 200 and response.data["is_read"] is True
    assert auth_api_client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
