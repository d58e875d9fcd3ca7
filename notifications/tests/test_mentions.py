"""@mentions in posts and comments notify the people they name."""

import pytest

from comments.services import comment_create, comment_update
from notifications.models import Notification
from notifications.selectors import notifications_with_links
from notifications.services import MENTIONS_NOTIFIED
from posts.services import post_create, post_update
from tests.factories import BlockFactory, PostFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def mentions():
    return sorted(
        (n.recipient.username, n.target_type, n.text) for n in Notification.objects.filter(verb="mention")
    )


def test_a_post_notifies_the_active_unblocked_people_it_names(user, django_capture_on_commit_callbacks):
    anna, bob, blocker, blocked = (UserFactory(username=name) for name in ("anna", "bob", "blocker", "blocked"))
    UserFactory(username="gone", is_active=False)
    BlockFactory(blocker=blocker, blocked=user)
    BlockFactory(blocker=user, blocked=blocked)
    text = f"Hi @ANNA and @bob, @bob again; not @nobody, @gone, @blocker, @blocked, @{user.username} or a@bob.com"
    with django_capture_on_commit_callbacks(execute=True):
        post = post_create(author=user, text=text, topic=TopicFactory())
    assert mentions() == [("anna", "post", text), ("bob", "post", text)]
    notification = Notification.objects.get(recipient=anna)
    assert notification.actor == user and notifications_with_links([notification])[0].target_url == f"/posts/{post.pk}/"


def test_an_edit_notifies_only_the_newly_named(user, django_capture_on_commit_callbacks):
    UserFactory(username="anna"), UserFactory(username="bob")
    with django_capture_on_commit_callbacks(execute=True):
        post = post_create(author=user, text="Hello @anna", topic=TopicFactory())
        post_update(user=user, post=post, text="Hello @anna and @bob")
        post_update(user=user, post=post, topic=TopicFactory())
    assert [name for name, *_ in mentions()] == ["anna", "bob"]


def test_a_comment_mention_does_not_notify_twice_whom_the_comment_already_notifies(
    user, other_user, django_capture_on_commit_callbacks
):
    anna = UserFactory(username="anna")
    post = PostFactory(author=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(author=user, post=post, text=f"@{other_user.username} look, @anna")
        comment_update(user=user, comment=comment, text=f"@{other_user.username} look, @anna!")
    assert mentions() == [("anna", "comment", f"@{other_user.username} look, @anna")]
    assert Notification.objects.filter(recipient=other_user).values_list("verb", flat=True).get() == "comment"
    assert not Notification.objects.filter(recipient=anna).exclude(verb="mention").exists()


def test_a_post_naming_many_people_notifies_only_the_first_few(user, django_capture_on_commit_callbacks):
    names = [f"person{i:02}" for i in range(MENTIONS_NOTIFIED + 5)]
    for name in names:
        UserFactory(username=name)
    with django_capture_on_commit_callbacks(execute=True):
        post_create(author=user, text=" ".join(f"@{name}" for name in names), topic=TopicFactory())
    assert [name for name, *_ in mentions()] == names[:MENTIONS_NOTIFIED]
