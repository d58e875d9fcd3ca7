import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from analytics.models import Activity
from notifications.models import Notification
from posts.models import Repost
from posts.reposts import repost_create, repost_delete, reposts_for_follower, reposts_of_user
from socialnet.errors import Conflict
from tests.factories import BlockFactory, FollowFactory, LikeFactory, PostFactory, RepostFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_repost_records_activity_and_notifies_author(user, django_capture_on_commit_callbacks):
    post = PostFactory()
    with django_capture_on_commit_callbacks(execute=True):
        repost = repost_create(user=user, post=post, note=" worth reading ")
    assert (repost.user, repost.post, repost.note) == (user, post, "worth reading")
    assert list(Activity.objects.values_list("actor_id", "verb", "target_id")) == [(user.pk, "repost", post.pk)]
    notification = Notification.objects.get()
    assert (notification.recipient, notification.actor, notification.verb) == (post.author, user, "repost")


def test_reposting_twice_is_a_conflict_and_changes_nothing(user):
    post = PostFactory()
    repost_create(user=user, post=post)
    with pytest.raises(Conflict):
        repost_create(user=user, post=post, note="again")
    assert Repost.objects.get().note == ""
    assert Activity.objects.count() == 1


def test_own_post_cannot_be_reposted(user):
    with pytest.raises(ValidationError) as excinfo:
        repost_create(user=user, post=PostFactory(author=user))
    assert "post" in excinfo.value.message_dict
    assert not Repost.objects.exists()


def test_note_is_at_most_500_chars(user):
    with pytest.raises(ValidationError) as excinfo:
        repost_create(user=user, post=PostFactory(), note="x" * 501)
    assert "note" in excinfo.value.message_dict
    assert not Repost.objects.exists()
    assert repost_create(user=user, post=PostFactory(), note="x" * 500)


def test_hidden_posts_cannot_be_reposted(user):
    removed = PostFactory(removed_at=timezone.now())
    blocked = PostFactory()
    BlockFactory(blocker=blocked.author, blocked=user)
    for post in (removed, blocked):
        with pytest.raises(Http404):
            repost_create(user=user, post=post)
    assert not Repost.objects.exists()


def test_undo_repost(user):
    post = PostFactory()
    RepostFactory(user=user, post=post)
    repost_delete(user=user, post=post)
    assert not Repost.objects.exists()
    assert Activity.objects.filter(verb="repost_delete", actor=user, target_id=post.pk).exists()
    with pytest.raises(Http404):
        repost_delete(user=user, post=post)


def test_reposts_of_user_newest_first_with_post_cards(user, django_assert_num_queries):
    viewer = UserFactory()
    older = RepostFactory(user=user, created_at=timezone.now() - timezone.timedelta(hours=1))
    newer = RepostFactory(user=user, note="look")
    LikeFactory(post=newer.post, user=viewer)
    RepostFactory()  # someone else's
    RepostFactory(user=user, post=PostFactory(removed_at=timezone.now()))
    with django_assert_num_queries(4):  # blocks (here and in post_list), reposts, posts
        rows = list(reposts_of_user(user=user, viewer=viewer))
        assert [r.pk for r in rows] == [newer.pk, older.pk]
        assert rows[0].post.like_count == 1 and rows[0].post.liked_by_me
        assert rows[0].user.profile.name


def test_reposts_of_user_hidden_between_blocked_users(user):
    viewer = UserFactory()
    RepostFactory(user=user)
    BlockFactory(blocker=user, blocked=viewer)
    assert list(reposts_of_user(user=user, viewer=viewer)) == []


def test_reposts_for_follower_come_from_followees_only():
    viewer = UserFactory()
    followee = UserFactory()
    FollowFactory(follower=viewer, followee=followee)
    shown = RepostFactory(user=followee, note="see this")
    RepostFactory()
    hidden_author_post = PostFactory()
    BlockFactory(blocker=viewer, blocked=hidden_author_post.author)
    RepostFactory(user=followee, post=hidden_author_post)
    rows = list(reposts_for_follower(viewer=viewer))
    assert [(r.post, r.user, r.note) for r in rows] == [(shown.post, followee, "see this")]


def test_reposts_query_count_does_not_grow(django_assert_max_num_queries):
    viewer = UserFactory()
    followee = UserFactory()
    FollowFactory(follower=viewer, followee=followee)
    RepostFactory.create_batch(10, user=followee)
    with django_assert_max_num_queries(4):
        assert len([r.post.comment_count for r in reposts_for_follower(viewer=viewer)]) == 10


def test_api_repost_and_undo(auth_api_client, user, django_capture_on_commit_callbacks):
    post = PostFactory()
    url = f"/api/v1/posts/{post.pk}/repost/"
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_api_client.post(url, {"note": "must read"})
    assert response.status_code == 201, response.data
    assert response.data["note"] == "must read" and response.data["post"]["id"] == post.pk
    assert Notification.objects.filter(recipient=post.author, verb="repost", actor=user).exists()

    response = auth_api_client.post(url, {"note": "again"})
    assert response.status_code == 409
    assert Repost.objects.get().note == "must read"

    listed = auth_api_client.get(f"/api/v1/users/{user.username}/reposts/").data["results"]
    assert [(r["post"]["id"], r["note"]) for r in listed] == [(post.pk, "must read")]

    assert auth_api_client.delete(url).status_code == 204
    assert not Repost.objects.exists()
    assert auth_api_client.delete(url).status_code == 404


def test_api_repost_refusals(auth_api_client, user):
    own = PostFactory(author=user)
    response = auth_api_client.post(f"/api/v1/posts/{own.pk}/repost/", {})
    assert response.status_code == 400 and "post" in response.data
    response = auth_api_client.post(f"/api/v1/posts/{PostFactory().pk}/repost/", {"note": "x" * 501})
    assert response.status_code == 400 and "note" in response.data
    hidden = PostFactory(removed_at=timezone.now())
    assert auth_api_client.post(f"/api/v1/posts/{hidden.pk}/repost/", {}).status_code == 404
    assert not Repost.objects.exists()


def test_api_user_reposts_of_someone_who_blocked_me_are_404_as_their_profile(auth_api_client, user):
    reposter = UserFactory()
    RepostFactory(user=reposter)
    url = f"/api/v1/users/{reposter.username}/reposts/"
    assert len(auth_api_client.get(url).data["results"]) == 1
    BlockFactory(blocker=reposter, blocked=user)
    response = auth_api_client.get(url)
    assert response.status_code == 404 and response.json() == {"detail": "No such user."}
    assert auth_api_client.get(f"/api/v1/users/{reposter.username}/").status_code == 404


def test_api_user_reposts_query_count_is_bounded(api_client, django_assert_max_num_queries):
    reposter = UserFactory()
    url = f"/api/v1/users/{reposter.username}/reposts/"
    RepostFactory.create_batch(2, user=reposter)
    with django_assert_max_num_queries(8) as small:
        assert len(api_client.get(url).data["results"]) == 2
    RepostFactory.create_batch(8, user=reposter)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api_client.get(url).data["results"]) == 10
