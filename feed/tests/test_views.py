import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from posts.models import PostView
from tests.factories import FollowFactory, PostFactory, RepostFactory

from .conftest import FixedOrderModel

pytestmark = pytest.mark.django_db


def test_home_shows_ranked_posts_with_reasons_and_a_next_page_loader(auth_client, user, other_user, activate_model):
    posts = PostFactory.create_batch(7, author=other_user)
    activate_model(FixedOrderModel([p.pk for p in posts], reason="from someone you follow"))

    response = auth_client.get(reverse("feed:home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="post-{posts[0].pk}"' in html and f'id="post-{posts[5].pk}"' not in html
    assert "Why you see this: from someone you follow" in html
    assert 'hx-trigger="revealed"' in html and "?mode=for_you" in html
    assert PostView.objects.filter(user=user, source="feed").count() == 5


def test_htmx_request_gets_only_the_next_page(auth_client, user, other_user, activate_model):
    posts = PostFactory.create_batch(7, author=other_user)
    activate_model(FixedOrderModel([p.pk for p in posts]))
    auth_client.get(reverse("feed:home"))

    response = auth_client.get(reverse("feed:home") + "?mode=for_you", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html
    assert f'id="post-{posts[5].pk}"' in html and f'id="post-{posts[0].pk}"' not in html


def test_latest_tab_shows_reposts_by_followees(auth_client, user, other_user):
    FollowFactory(follower=user, followee=other_user)
    repost = RepostFactory(user=other_user, note="worth a read")

    html = auth_client.get(reverse("feed:home") + "?mode=latest").content.decode()

    assert f'id="post-{repost.post.pk}"' in html
    assert "reposted" in html and "worth a read" in html
    assert PostView.objects.filter(user=user, post=repost.post, fallback_reason="latest").count() == 1


def test_latest_tab_and_fallback_without_model(auth_client, user, other_user):
    FollowFactory(follower=user, followee=other_user)
    post = PostFactory(author=other_user)

    latest = auth_client.get(reverse("feed:home") + "?mode=latest")
    for_you = auth_client.get(reverse("feed:home"))

    assert f'id="post-{post.pk}"' in latest.content.decode()
    assert for_you.status_code == 200 and f'id="post-{post.pk}"' not in for_you.content.decode()  # seen already
    assert "all caught up" in for_you.content.decode()


def test_bad_mode_is_a_400_with_the_error_and_logs_nothing(auth_client):
    PostFactory()
    response = auth_client.get(reverse("feed:home") + "?mode=sideways")
    assert response.status_code == 400 and "Choose one of" in response.content.decode()
    assert not PostView.objects.exists()


def test_anonymous_visitor_sees_random_posts_and_a_sign_up_prompt(client, other_user):
    post = PostFactory(author=other_user)
    response = client.get(reverse("feed:home"))
    html = response.content.decode()
    assert response.status_code == 200 and f'id="post-{post.pk}"' in html
    assert reverse("accounts:register") in html and "signup-prompt" in html
    assert not PostView.objects.exists()


def test_home_query_count_does_not_grow_with_page_size(auth_client, other_user, activate_model):
    posts = PostFactory.create_batch(20, author=other_user)
    activate_model(FixedOrderModel([p.pk for p in posts]))
    auth_client.get(reverse("feed:home"))  # warm: model loaded, caches filled

    counts = []
    for page_size in (2, 8):
        with override_settings(RECOMMENDER_PAGE_SIZE=page_size), CaptureQueriesContext(connection) as queries:
            auth_client.get(reverse("feed:home"))
        counts.append(len(queries))
    assert counts[0] == counts[1]
