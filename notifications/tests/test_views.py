import pytest
from django.urls import reverse

from messaging.models import Message
from messaging.selectors import MESSAGES_PER_PAGE
from messaging.services import conversation_get_or_create_direct, message_send
from notifications.models import Notification
from tests.factories import MessageFactory, NotificationFactory, PostFactory, UserFactory

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
    with django_assert_max_num_queries(8):
        body = auth_client.get(reverse("notifications:list")).content.decode()
    assert f"{other_user.profile.display_name} followed you" in body and f"{other_user.username} followed" not in body
    assert "bare followed you" in body and "Someone followed you" in body


def test_list_query_count_does_not_grow(auth_client, user, django_assert_num_queries):
    def make(count):
        for _ in range(count):
            NotificationFactory(recipient=user, verb="follow", target_type="user", target_id=UserFactory().pk)
            post = PostFactory(author=user)
            for _ in range(3):  # one row each: "A, B and 1 other liked your post"
                NotificationFactory(recipient=user, actor=UserFactory(), verb="like", target_type="post",
                                    target_id=post.pk)

    make(1)
    auth_client.get(reverse("notifications:list"))
    with django_assert_num_queries(10) as few:
        auth_client.get(reverse("notifications:list"))
    make(4)
    with django_assert_num_queries(len(few.captured_queries)):
        page = auth_client.get(reverse("notifications:list")).content.decode()
    assert page.count("notification-row") == 10 and page.count("and 1 other liked your post") == 5


def test_likes_of_one_post_are_one_row_opened_and_read_together(auth_client, user):
    post, other_post = PostFactory(author=user), PostFactory(author=user)
    anna, bob, carol = (UserFactory(profile__display_name=name) for name in ("Anna", "Bob", "Carol"))
    for actor in (carol, bob, anna, anna):  # Anna twice (liked, unliked, liked again): one person
        NotificationFactory(recipient=user, actor=actor, verb="like", target_type="post", target_id=post.pk)
    NotificationFactory(recipient=user, actor=bob, verb="like", target_type="post", target_id=other_post.pk)
    NotificationFactory(recipient=user, actor=bob, verb="comment", target_type="post", target_id=post.pk, text="Hi")
    NotificationFactory(recipient=user, actor=carol, verb="comment", target_type="post", target_id=post.pk, text="Yo")

    page = auth_client.get(reverse("notifications:list")).content.decode()
    rows = [" ".join(row.split("</a>")[0].split()) for row in page.split('class="card notification-row')[1:]]
    assert len(rows) == 4 and page.count('<span class="badge">new</span>') == 4
    assert "Anna, Bob and 1 other liked your post" in rows[3] and "Bob liked your post" in rows[2]
    assert "Bob commented" in rows[1] and "Carol commented" in rows[0]
    assert auth_client.get("/api/v1/notifications/unread-count/").json() == {"count": 4}

    newest_like = Notification.objects.filter(verb="like", target_id=post.pk).latest("id")
    auth_client.get(reverse("notifications:open", args=[newest_like.pk]))
    assert not Notification.objects.filter(verb="like", target_id=post.pk, read_at=None).exists()
    assert Notification.objects.filter(read_at=None).count() == 3  # the other post's like and the two comments
    assert auth_client.get("/api/v1/notifications/unread-count/").json() == {"count": 3}


def test_open_marks_read_and_goes_to_target(auth_client, user, other_user):
    notification = NotificationFactory(
        recipient=user, actor=other_user, verb="follow", target_type="user", target_id=other_user.pk
    )
    response = auth_client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == reverse("accounts:profile", args=[other_user.username])
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_message_notification_opens_the_conversation_at_its_message(
    auth_client, user, other_user, django_capture_on_commit_callbacks
):
    direct, _ = conversation_get_or_create_direct(user=user, other=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        old = message_send(sender=other_user, conversation=direct, text="old news")
    MessageFactory.create_batch(MESSAGES_PER_PAGE, conversation=direct, sender=other_user)
    notification = Notification.objects.get(recipient=user)
    response = auth_client.get(reverse("notifications:open", args=[notification.pk]), follow=True)
    # Fifty messages later it is on the earlier page that ends with it, scrolled to.
    (to_message, _), (to_page, _) = response.redirect_chain
    assert to_message == reverse("messaging:message", args=[old.pk])
    after_it = Message.objects.filter(pk__gt=old.pk).order_by("pk").first()
    assert to_page == f"{reverse('messaging:detail', args=[direct.pk])}?before={after_it.pk}#message-{old.pk}"
    body = response.content.decode()
    assert f'id="message-{old.pk}"' in body and "old news" in body
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
