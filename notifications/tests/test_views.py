import pytest
from django.urls import reverse

from notifications.models import Notification
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method, name", [("get", "notifications:list"), ("post", "notifications:mark_all_read")])
def test_anonymous_is_sent_to_login(client, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_list_shows_mine_newest_first_with_unread_highlighted(auth_client, user, other_user):
    read = NotificationFactory(recipient=user, actor=other_user, verb="like", text="old one")
    read.read_at = read.created_at
    read.save()
    unread = NotificationFactory(recipient=user, actor=other_user, verb="message", text="new one")
    NotificationFactory(recipient=other_user, text="not mine")

    body = auth_client.get(reverse("notifications:list")).content.decode()

    assert "not mine" not in body
    assert body.index("new one") < body.index("old one")
    assert f'class="card notification-row unread" href="{reverse("notifications:open", args=[unread.pk])}"' in body
    assert f'class="card notification-row" href="{reverse("notifications:open", args=[read.pk])}"' in body
    assert 'id="nav-unread-notifications">1<' in body


def test_list_names_the_actor_as_posts_do(auth_client, user, other_user, django_assert_max_num_queries):
    """Display name, else username (no profile), else "Someone" (no actor), in one query for all of them."""
    NotificationFactory(recipient=user, actor=other_user, verb="follow")
    NotificationFactory(recipient=user, actor=UserFactory(username="bare", profile=None), verb="follow")
    NotificationFactory(recipient=user, actor=None, verb="follow")
    auth_client.get(reverse("notifications:list"))
    with django_assert_max_num_queries(7):
        body = auth_client.get(reverse("notifications:list")).content.decode()
    assert f"{other_user.profile.display_name} followed you" in body and f"{other_user.username} followed" not in body
    assert "bare followed you" in body and "Someone followed you" in body


def test_list_query_count_does_not_grow(auth_client, user, django_assert_num_queries):
    def make(count):
        for _ in range(count):
            NotificationFactory(recipient=user, verb="follow", target_type="user", target_id=UserFactory().pk)

    make(2)
    auth_client.get(reverse("notifications:list"))
    with django_assert_num_queries(8) as few:
        auth_client.get(reverse("notifications:list"))
    make(8)
    with django_assert_num_queries(len(few.captured_queries)):
        assert auth_client.get(reverse("notifications:list")).content.decode().count("notification-row") == 10


def test_open_marks_read_and_goes_to_target(auth_client, user, other_user):
    notification = NotificationFactory(
        recipient=user, actor=other_user, verb="message", target_type="conversation", target_id=5
    )
    response = auth_client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == reverse("messaging:detail", args=[5])
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_someone_elses_is_404(auth_client, other_user):
    notification = NotificationFactory(recipient=other_user)
    assert auth_client.get(reverse("notifications:open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read(auth_client, user, other_user):
    NotificationFactory.create_batch(2, recipient=user)
    theirs = NotificationFactory(recipient=other_user)
    assert auth_client.get(reverse("notifications:mark_all_read")).status_code == 405
    response = auth_client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_admin_pages_render(client, staff_user):
    NotificationFactory()
    client.force_login(staff_user)
    assert client.get(reverse("admin:notifications_notification_changelist")).status_code == 200
