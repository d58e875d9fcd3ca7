import pytest
from django.urls import reverse

from analytics.models import Activity
from posts.models import Like, Post, PostView
from tests.factories import (
    BlockFactory,
    CommentFactory,
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


def test_create_page_publishes_and_redirects(auth_client, user, topic):
    assert auth_client.get(reverse("posts:create")).status_code == 200
    response = auth_client.post(reverse("posts:create"), {"text": "  first post ", "topic": topic.pk})
    post = Post.objects.get()
    assert response.status_code == 302 and response.url == reverse("posts:detail", args=[post.pk])
    assert (post.author, post.text) == (user, "first post")
    assert Activity.objects.filter(verb="post_create").count() == 1


def test_create_page_offers_only_own_communities(auth_client, user, topic):
    mine = MembershipFactory(user=user).community
    other = CommunityFactory()
    form = auth_client.get(reverse("posts:create")).context["form"]
    assert list(form.fields["community"].queryset) == [mine]
    response = auth_client.post(reverse("posts:create"), {"text": "hi", "topic": topic.pk, "community": other.pk})
    assert response.context["form"].errors["community"]
    response = auth_client.post(reverse("posts:create"), {"text": "hi", "topic": topic.pk, "community": mine.pk})
    assert Post.objects.get().community == mine


@pytest.mark.parametrize(
    ("data", "field"),
    [({"text": "   "}, "text"), ({"text": "x" * 5001}, "text"), ({"text": "hi", "topic": 999999}, "topic")],
)
def test_create_form_errors(auth_client, topic, data, field):
    response = auth_client.post(reverse("posts:create"), {"topic": topic.pk, **data})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Post.objects.exists()


def test_create_requires_login(client):
    response = client.get(reverse("posts:create"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_detail_records_view_and_shows_card(auth_client, user):
    post = PostFactory(text="Visible text")
    CommentFactory(post=post)
    response = auth_client.get(reverse("posts:detail", args=[post.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Visible text" in page and "1 comment" in page
    assert PostView.objects.filter(user=user, post=post, source="post").count() == 1
    assert Activity.objects.filter(verb="post_view", actor=user, target_id=post.pk).count() == 1


def test_detail_missing_removed_or_blocked_is_404(auth_client, user):
    assert auth_client.get(reverse("posts:detail", args=[999999])).status_code == 404
    removed = PostFactory(removed_at="2024-01-01T00:00:00Z")
    assert auth_client.get(reverse("posts:detail", args=[removed.pk])).status_code == 404
    blocked = PostFactory()
    BlockFactory(blocker=user, blocked=blocked.author)
    assert auth_client.get(reverse("posts:detail", args=[blocked.pk])).status_code == 404
    assert not PostView.objects.exists()


def test_edit_and_delete_by_author(auth_client, user, topic):
    post = PostFactory(author=user)
    assert auth_client.get(reverse("posts:edit", args=[post.pk])).status_code == 200
    response = auth_client.post(reverse("posts:edit", args=[post.pk]), {"text": "edited", "topic": topic.pk})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.text == "edited"
    assert auth_client.get(reverse("posts:delete", args=[post.pk])).status_code == 200
    assert auth_client.post(reverse("posts:delete", args=[post.pk])).status_code == 302
    assert not Post.objects.exists()


def test_edit_and_delete_by_others_is_403(auth_client, topic):
    post = PostFactory(text="theirs")
    for name in ("posts:edit", "posts:delete"):
        assert auth_client.get(reverse(name, args=[post.pk])).status_code == 403
    assert auth_client.post(reverse("posts:edit", args=[post.pk]), {"text": "x", "topic": topic.pk}).status_code == 403
    assert auth_client.post(reverse("posts:delete", args=[post.pk])).status_code == 403
    post.refresh_from_db()
    assert post.text == "theirs"
    assert auth_client.post(reverse("posts:delete", args=[999999])).status_code == 404


def test_like_with_htmx_returns_button_fragment(auth_client, user):
    post = PostFactory()
    url = reverse("posts:like", args=[post.pk])
    response = auth_client.post(url, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content
    assert 'aria-pressed="true"' in content and '<span class="like-count">1</span>' in content
    assert Like.objects.filter(user=user, post=post).exists()
    response = auth_client.post(url, {"action": "unlike"}, HTTP_HX_REQUEST="true")
    assert '<span class="like-count">0</span>' in response.content.decode()
    assert not Like.objects.exists()


def test_like_without_javascript_redirects_back(auth_client, user):
    post = PostFactory()
    response = auth_client.post(reverse("posts:like", args=[post.pk]), {"next": f"/accounts/u/{user.username}/"})
    assert response.status_code == 302 and response.url == f"/accounts/u/{user.username}/"
    response = auth_client.post(reverse("posts:like", args=[post.pk]), {"next": "https://evil.example/"})
    assert response.url == reverse("posts:detail", args=[post.pk])
    assert Like.objects.count() == 1


def test_likes_page_lists_who_liked_newest_first_without_blocked_people(client, user, django_assert_max_num_queries):
    post = PostFactory()
    first, second, blocked = (UserFactory() for _ in range(3))
    for liker in (first, second, blocked):
        LikeFactory(post=post, user=liker)
    BlockFactory(blocker=blocked, blocked=user)
    url = reverse("posts:likes", args=[post.pk])

    client.force_login(user)
    with django_assert_max_num_queries(10):  # constant: no query per liker
        response = client.get(url)
    assert response.status_code == 200
    shown = [liker.username for liker in response.context["page"]]
    assert shown == [second.username, first.username]
    assert f'href="{reverse("accounts:profile", args=[first.username])}"' in response.content.decode()

    detail = client.get(reverse("posts:detail", args=[post.pk])).content.decode()
    assert f'href="{url}"' in detail  # the post page links to its likers


def test_likes_page_of_a_hidden_post_is_404(auth_client, user):
    removed = PostFactory(removed_at="2026-01-01T00:00:00Z")
    assert auth_client.get(reverse("posts:likes", args=[removed.pk])).status_code == 404
    blocker = UserFactory()
    BlockFactory(blocker=blocker, blocked=user)
    assert auth_client.get(reverse("posts:likes", args=[PostFactory(author=blocker).pk])).status_code == 404
