import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from analytics.models import Activity
from communities.models import Membership
from notifications.models import Notification
from posts.models import Like, Post, PostView
from posts.services import (
    like_add,
    like_remove,
    post_create,
    post_delete,
    post_remove,
    post_update,
    post_view_record,
)
from socialnet.errors import Conflict
from tests.factories import (
    BlockFactory,
    CommunityFactory,
    LikeFactory,
    MembershipFactory,
    PostFactory,
    TopicFactory,
    UserFactory,
)


@pytest.fixture
def topic(db):
    return TopicFactory(name="tech")


@pytest.mark.django_db
class TestPostCreate:
    def test_creates_post_with_stripped_text_and_activity(self, user, topic):
        post = post_create(author=user, text="  hello world \n", topic=topic)
        assert post.text == "hello world"
        activity = Activity.objects.get(verb="post_create")
        assert (activity.actor, activity.target_type, activity.target_id) == (user, "post", post.pk)

    @pytest.mark.parametrize("text", ["", "   \n ", "x" * 5001, None, 42])
    def test_rejects_bad_text_and_writes_nothing(self, user, topic, text):
        with pytest.raises(ValidationError) as excinfo:
            post_create(author=user, text=text, topic=topic)
        assert "text" in excinfo.value.message_dict
        assert not Post.objects.exists()
        assert not Activity.objects.exists()

    def test_accepts_exactly_5000_characters(self, user, topic):
        assert len(post_create(author=user, text="x" * 5000, topic=topic).text) == 5000

    def test_requires_topic(self, user):
        with pytest.raises(ValidationError) as excinfo:
            post_create(author=user, text="hi", topic=None)
        assert "topic" in excinfo.value.message_dict

    def test_community_post_requires_active_membership(self, user, topic):
        community = CommunityFactory()
        with pytest.raises(PermissionDenied):
            post_create(author=user, text="hi", topic=topic, community=community)
        MembershipFactory(community=community, user=user, is_banned=True)
        with pytest.raises(PermissionDenied):
            post_create(author=user, text="hi", topic=topic, community=community)
        assert not Post.objects.exists()

    def test_member_posts_in_community(self, user, topic):
        community = CommunityFactory()
        MembershipFactory(community=community, user=user)
        assert post_create(author=user, text="hi", topic=topic, community=community).community == community


@pytest.mark.django_db
class TestPostUpdateDelete:
    def test_author_updates(self, user, topic):
        post = PostFactory(author=user)
        post_update(user=user, post=post, text=" new ", topic=topic)
        post.refresh_from_db()
        assert (post.text, post.topic) == ("new", topic)
        assert Activity.objects.get(verb="post_update").context == {"fields": ["text", "topic"]}

    def test_other_user_cannot_update_or_delete(self, user, other_user):
        post = PostFactory(author=user, text="original")
        with pytest.raises(PermissionDenied):
            post_update(user=other_user, post=post, text="hacked")
        with pytest.raises(PermissionDenied):
            post_delete(user=other_user, post=post)
        post.refresh_from_db()
        assert post.text == "original"
        assert not Activity.objects.exists()

    def test_invalid_update_changes_nothing(self, user):
        post = PostFactory(author=user, text="original")
        with pytest.raises(ValidationError):
            post_update(user=user, post=post, text=" ")
        post.refresh_from_db()
        assert post.text == "original"
        assert not Activity.objects.exists()

    def test_author_deletes(self, user):
        post = PostFactory(author=user)
        post_delete(user=user, post=post)
        assert not Post.objects.exists()
        assert Activity.objects.filter(verb="post_delete", actor=user).count() == 1


@pytest.mark.django_db
class TestLikes:
    def test_like_is_idempotent_and_notifies_author_once(self, user, django_capture_on_commit_callbacks):
        post = PostFactory()
        with django_capture_on_commit_callbacks(execute=True):
            first = like_add(user=user, post=post)
            second = like_add(user=user, post=post)
        assert first.pk == second.pk
        assert Like.objects.count() == 1
        assert Activity.objects.filter(verb="like").count() == 1
        notification = Notification.objects.get()
        assert (notification.recipient, notification.actor, notification.verb) == (post.author, user, "like")

    def test_liking_own_post_does_not_notify(self, user, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            like_add(user=user, post=PostFactory(author=user))
        assert not Notification.objects.exists()

    def test_unlike(self, user):
        like = LikeFactory(user=user)
        like_remove(user=user, post=like.post)
        like_remove(user=user, post=like.post)
        assert not Like.objects.exists()
        assert Activity.objects.filter(verb="unlike").count() == 1

    def test_cannot_like_posts_of_blocking_author_or_removed_posts(self, user):
        post = PostFactory()
        BlockFactory(blocker=post.author, blocked=user)
        with pytest.raises(Http404):
            like_add(user=user, post=post)
        removed = PostFactory(removed_at="2024-01-01T00:00:00Z")
        with pytest.raises(Http404):
            like_add(user=user, post=removed)
        assert not Like.objects.exists()

    def test_failed_action_leaves_no_activity(self, user, monkeypatch):
        post = PostFactory()

        def broken_notification(**kwargs):
            raise RuntimeError("notification store down")

        monkeypatch.setattr("posts.services.notification_create", broken_notification)
        with pytest.raises(RuntimeError):
            like_add(user=user, post=post)
        assert not Like.objects.exists()
        assert not Activity.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_leave_exactly_one_row():
    user, post = UserFactory(), PostFactory()
    barrier = threading.Barrier(5)
    errors = []

    def like():
        try:
            barrier.wait()
            like_add(user=user, post=post)
        except Exception as exc:  # collected and asserted below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=like) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Like.objects.filter(user=user, post=post).count() == 1
    assert Activity.objects.filter(verb="like").count() == 1


@pytest.mark.django_db
def test_post_view_record(user):
    post = PostFactory()
    view = post_view_record(user=user, post=post)
    assert (view.user, view.post, view.source) == (user, post, PostView.Source.POST_PAGE)
    assert Activity.objects.filter(verb="post_view", target_id=post.pk).count() == 1


@pytest.mark.django_db
def test_post_view_of_anonymous_is_not_recorded():
    from django.contrib.auth.models import AnonymousUser

    assert post_view_record(user=AnonymousUser(), post=PostFactory()) is None
    assert not PostView.objects.exists()


@pytest.mark.django_db
def test_post_remove_by_community_moderators_and_staff(user, other_user, staff_user):
    community = CommunityFactory()
    MembershipFactory(community=community, user=user, role=Membership.Role.MODERATOR)
    MembershipFactory(community=community, user=other_user)
    community_post, wall_post = PostFactory(community=community, author=other_user), PostFactory(author=other_user)
    with pytest.raises(PermissionDenied):
        post_remove(actor=other_user, post=community_post)  # a member
    with pytest.raises(PermissionDenied):
        post_remove(actor=user, post=wall_post)  # a community's moderator, on a wall
    post_remove(actor=user, post=community_post)
    post_remove(actor=staff_user, post=wall_post)
    for post, remover in ((community_post, user), (wall_post, staff_user)):
        post.refresh_from_db()
        assert post.removed_at is not None and post.removed_by == remover
    with pytest.raises(Conflict):
        post_remove(actor=user, post=community_post)
    removals = Activity.objects.filter(verb="post_remove").order_by("id").values_list("actor", "context")
    assert list(removals) == [(user.pk, {"community_id": community.pk}), (staff_user.pk, {"community_id": None})]
