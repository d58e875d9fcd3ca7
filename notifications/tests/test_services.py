import pytest
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from analytics.models import Activity
from notifications.models import Notification
from notifications.selectors import notifications_with_links, unread_notification_count
from notifications.services import notification_create, notification_mark_all_read, notification_mark_read
from tests.factories import CommentFactory, CommunityFactory, NotificationFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_notification_is_created_only_after_commit(user, other_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification_create(recipient=user, actor=other_user, verb="follow", target=other_user)
    assert not Notification.objects.exists()
    for callback in callbacks:
        callback()
    notification = Notification.objects.get()
    assert (notification.recipient, notification.actor, notification.target_type) == (user, other_user, "user")


def test_rolled_back_action_leaves_no_notification(user, other_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notification_create(recipient=user, actor=other_user, verb="follow")
            raise RuntimeError
    assert not Notification.objects.exists()


def test_self_actions_do_not_notify(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification_create(recipient=user, actor=user, verb="like")
    assert callbacks == [] and not Notification.objects.exists()


def test_mark_read_once(user):
    notification = NotificationFactory(recipient=user)
    assert unread_notification_count(user=user) == 1
    assert notification_mark_read(user=user, notification=notification) is True
    assert notification_mark_read(user=user, notification=notification) is False
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert unread_notification_count(user=user) == 0
    assert Activity.objects.filter(verb="notification_read", actor=user).count() == 1


def test_mark_read_of_someone_elses_notification_is_404(user, other_user):
    notification = NotificationFactory(recipient=other_user)
    with pytest.raises(Http404):
        notification_mark_read(user=user, notification=notification)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_my_unread(user, other_user):
    NotificationFactory.create_batch(3, recipient=user)
    theirs = NotificationFactory(recipient=other_user)
    assert notification_mark_all_read(user=user) == 3
    assert notification_mark_all_read(user=user) == 0
    assert unread_notification_count(user=user) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert Activity.objects.filter(verb="notification_read_all", actor=user).count() == 1


def test_links_point_at_each_kind_of_target(user, other_user, django_assert_max_num_queries):
    community = CommunityFactory()
    comment = CommentFactory()
    post = PostFactory()
    targets = [
        ("message", "message", 7),
        ("like", "post", post.pk),
        ("role", "community", community.pk),
        ("comment", "comment", comment.pk),
        ("follow", "user", other_user.pk),
    ]
    made = [
        NotificationFactory(recipient=user, actor=other_user, verb=verb, target_type=kind, target_id=target_id)
        for verb, kind, target_id in targets
    ]
    with django_assert_max_num_queries(3):
        linked = notifications_with_links(made)
    urls = [n.target_url for n in linked]
    assert urls[0] == reverse("messaging:message", args=[7])
    assert urls[3] == reverse("comments:detail", args=[comment.pk])
    assert urls[4] == f"/accounts/u/{other_user.username}/"
    # Post and community pages belong to other apps; their links appear once those URL names are routed.
    assert all(url == "" or url.startswith("/") for url in urls)
