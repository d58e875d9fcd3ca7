import factory
import pytest
from django.utils import timezone

from analytics.models import Activity
from posts.models import Like, Post, PostView
from tests.factories import (
    BlockFactory,
    CommunityFactory,
    LikeFactory,
    MembershipFactory,
    PostFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    return TopicFactory(name="tech")


def test_create_post(auth_api_client, user, topic):
    response = auth_api_client.post("/api/v1/posts/", {"text": "  Hello API  ", "topic": "tech"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["text"], body["topic"], body["author"]["username"]) == ("Hello API", "tech", user.username)
    assert (body["like_count"], body["comment_count"], body["liked_by_me"]) == (0, 0, False)
    post = Post.objects.get()
    assert Activity.objects.filter(verb="post_create", target_id=post.pk).count() == 1


def test_create_in_community_requires_membership(auth_api_client, user, topic):
    community = CommunityFactory(slug="club")
    response = auth_api_client.post("/api/v1/posts/", {"text": "hi", "topic": "tech", "community": "club"})
    assert response.status_code == 403
    MembershipFactory(community=community, user=user)
    response = auth_api_client.post("/api/v1/posts/", {"text": "hi", "topic": "tech", "community": "club"})
    assert response.status_code == 201
    assert response.json()["community"] == "club"
    assert Post.objects.get().community == community


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": "", "topic": "tech"}, "text"),
        ({"text": "   ", "topic": "tech"}, "text"),
        ({"text": "x" * 5001, "topic": "tech"}, "text"),
        ({"text": "hi", "topic": "no-such-topic"}, "topic"),
        ({"text": "hi"}, "topic"),
        ({"text": {"nested": 1}, "topic": "tech"}, "text"),
        ({"text": "hi", "topic": "tech", "community": "nowhere"}, "community"),
    ],
)
def test_create_bad_input_is_400_with_field_messages(auth_api_client, topic, payload, field):
    response = auth_api_client.post("/api/v1/posts/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Post.objects.exists()
    assert not Activity.objects.exists()


def test_create_malformed_json(auth_api_client, topic):
    response = auth_api_client.post("/api/v1/posts/", '{"text": "hi", ', content_type="application/json")
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_create_requires_authentication(api_client, topic):
    assert api_client.post("/api/v1/posts/", {"text": "hi", "topic": "tech"}).status_code in (401, 403)
    assert not Post.objects.exists()


def test_list_newest_first_with_cursor_and_constant_queries(api_client, django_assert_max_num_queries):
    authors = UserFactory.create_batch(3)  # a few distinct authors: enough to expose per-author queries
    PostFactory.create_batch(2, author=factory.Iterator(authors))
    with django_assert_max_num_queries(3) as few:
        api_client.get("/api/v1/posts/")
    PostFactory.create_batch(10, author=factory.Iterator(authors))
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api_client.get("/api/v1/posts/?page_size=5").json()
    ids = [row["id"] for row in body["results"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 5
    second = api_client.get(body["next"]).json()
    assert max(row["id"] for row in second["results"]) < min(ids)


def test_list_filters_and_hides_blocked_authors(auth_api_client, user):
    mine = PostFactory(author=user, topic=TopicFactory(name="sport"))
    hidden = PostFactory()
    BlockFactory(blocker=user, blocked=hidden.author)
    ids = [row["id"] for row in auth_api_client.get("/api/v1/posts/").json()["results"]]
    assert hidden.pk not in ids and mine.pk in ids
    rows = auth_api_client.get(f"/api/v1/posts/?author={user.username}&topic=sport").json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert auth_api_client.get(f"/api/v1/posts/{hidden.pk}/").status_code == 404


def test_retrieve_records_view_for_signed_in_users(auth_api_client, user):
    post = PostFactory()
    LikeFactory(post=post, user=user)
    body = auth_api_client.get(f"/api/v1/posts/{post.pk}/").json()
    assert (body["like_count"], body["liked_by_me"]) == (1, True)
    assert PostView.objects.filter(user=user, post=post, source="post").count() == 1
    assert Activity.objects.filter(verb="post_view", actor=user).count() == 1


def test_update_and_delete_author_only(auth_api_client, api_client, user, other_user, topic):
    post = PostFactory(author=other_user, text="theirs")
    assert auth_api_client.patch(f"/api/v1/posts/{post.pk}/", {"text": "mine now"}).status_code == 403
    assert auth_api_client.delete(f"/api/v1/posts/{post.pk}/").status_code == 403
    post.refresh_from_db()
    assert post.text == "theirs"
    assert api_client.delete(f"/api/v1/posts/{post.pk}/").status_code in (401, 403)
    assert auth_api_client.patch("/api/v1/posts/999999/", {"text": "x"}).status_code == 404
    assert auth_api_client.delete("/api/v1/posts/999999/").status_code == 404
    assert not Activity.objects.exists()


def test_author_updates_and_deletes(auth_api_client, user, topic):
    post = PostFactory(author=user)
    response = auth_api_client.patch(f"/api/v1/posts/{post.pk}/", {"text": "edited", "topic": "tech"})
    assert response.status_code == 200
    assert (response.json()["text"], response.json()["topic"]) == ("edited", "tech")
    assert auth_api_client.patch(f"/api/v1/posts/{post.pk}/", {"text": ""}).status_code == 400
    assert auth_api_client.delete(f"/api/v1/posts/{post.pk}/").status_code == 204
    assert not Post.objects.exists()
    assert list(Activity.objects.values_list("verb", flat=True).order_by("id")) == ["post_update", "post_delete"]


def test_like_and_unlike(auth_api_client, user):
    post = PostFactory()
    url = f"/api/v1/posts/{post.pk}/like/"
    assert auth_api_client.post(url).json() == {"liked": True, "like_count": 1}
    assert auth_api_client.post(url).json() == {"liked": True, "like_count": 1}
    assert Like.objects.filter(user=user, post=post).count() == 1
    assert auth_api_client.delete(url).json() == {"liked": False, "like_count": 0}
    assert not Like.objects.exists()
    assert auth_api_client.post("/api/v1/posts/999999/like/").status_code == 404


def test_topics(api_client):
    for name in ("sport", "tech", "movie"):
        TopicFactory(name=name)
    names = [row["name"] for row in api_client.get("/api/v1/topics/").json()]
    assert {"sport", "tech", "movie"} <= set(names)


def test_likers_newest_first_without_people_blocked_either_way(auth_api_client, user):
    post = PostFactory()
    likers = UserFactory.create_batch(4)
    for liker in likers:
        LikeFactory(post=post, user=liker)
    BlockFactory(blocker=user, blocked=likers[0])
    BlockFactory(blocker=likers[1], blocked=user)

    response = auth_api_client.get(f"/api/v1/posts/{post.pk}/likes/")

    assert response.status_code == 200
    assert [row["username"] for row in response.json()["results"]] == [likers[3].username, likers[2].username]
    assert response.json()["next"] is None


def test_likers_are_public_like_the_post(api_client):
    like = LikeFactory()
    response = api_client.get(f"/api/v1/posts/{like.post.pk}/likes/")
    assert response.status_code == 200
    assert [row["username"] for row in response.json()["results"]] == [like.user.username]


def test_likers_of_a_post_hidden_from_me_are_404(auth_api_client, user):
    blocker_post = PostFactory()
    BlockFactory(blocker=blocker_post.author, blocked=user)
    removed = LikeFactory(post=PostFactory(removed_at=timezone.now())).post
    assert auth_api_client.get(f"/api/v1/posts/{blocker_post.pk}/likes/").status_code == 404
    assert auth_api_client.get(f"/api/v1/posts/{removed.pk}/likes/").status_code == 404
    assert auth_api_client.get("/api/v1/posts/999999/likes/").status_code == 404


def test_likers_query_count_does_not_grow_with_the_page(auth_api_client, django_assert_num_queries):
    post = PostFactory()
    LikeFactory.create_batch(2, post=post)
    # blocks (for the post), the post, blocks (for the likers), the page (a cursor page: no count)
    with django_assert_num_queries(4) as few:
        assert len(auth_api_client.get(f"/api/v1/posts/{post.pk}/likes/").json()["results"]) == 2
    LikeFactory.create_batch(18, post=post)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(auth_api_client.get(f"/api/v1/posts/{post.pk}/likes/").json()["results"]) == 20
