import logging
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.models import Activity
from posts.models import Post, PostView, Repost
from recommender.registry import artifact_write, model_version_activate
from tests.factories import (
    ExperimentFactory,
    FollowFactory,
    LikeFactory,
    MembershipFactory,
    ModelVersionFactory,
    PostFactory,
    PostViewFactory,
    RepostFactory,
    UserFactory,
)

from ..services import fallback_counts, feed_serve
from .conftest import FixedOrderModel

pytestmark = pytest.mark.django_db


def test_ranked_page_follows_the_model_and_logs_impressions(user, activate_model, other_user):
    posts = PostFactory.create_batch(8, author=other_user)
    order = [p.pk for p in reversed(posts)]
    version = activate_model(FixedOrderModel(order))

    page = feed_serve(user=user, page_size=5)

    assert [p.pk for p in page.posts] == order[:5]
    assert page.fallback_reason == "" and page.model_version_id == version.pk
    assert page.reasons[order[0]] == "similar to posts you liked"
    views = list(PostView.objects.filter(user=user).order_by("position"))
    assert [(v.post_id, v.position) for v in views] == [(pk, i) for i, pk in enumerate(order[:5])]
    assert {(v.source, v.page_id, v.model_version, v.fallback_reason) for v in views} == {
        ("feed", page.page_id, version.pk, "")
    }
    activity = Activity.objects.get(verb="feed_page_view")
    assert activity.actor == user and activity.context["page_id"] == str(page.page_id)


def test_next_page_excludes_seen_and_liked_posts(user, activate_model, other_user):
    posts = PostFactory.create_batch(12, author=other_user)
    activate_model(FixedOrderModel([p.pk for p in posts]))
    LikeFactory(user=user, post=posts[0])
    PostViewFactory(user=user, post=posts[1], source=PostView.Source.POST_PAGE)

    first = feed_serve(user=user, page_size=5)
    second = feed_serve(user=user, page_size=5)

    assert [p.pk for p in first.posts] == [p.pk for p in posts[2:7]]
    assert [p.pk for p in second.posts] == [p.pk for p in posts[7:12]]
    assert first.page_id != second.page_id


def test_no_model_falls_back_to_random_unseen_posts(user, caplog, other_user):
    posts = PostFactory.create_batch(6, author=other_user)
    PostViewFactory(user=user, post=posts[0])

    with caplog.at_level(logging.WARNING, logger="feed.services"):
        page = feed_serve(user=user, page_size=5)

    assert sorted(p.pk for p in page.posts) == sorted(p.pk for p in posts[1:])
    assert page.fallback_reason == "no_model" and page.model_version_id is None
    assert "no_model" in caplog.text
    assert set(PostView.objects.filter(page_id=page.page_id).values_list("fallback_reason", flat=True)) == {"no_model"}
    assert fallback_counts()["no_model"] == 1


def test_corrupt_artifact_falls_back(user, activate_model, caplog, other_user):
    PostFactory.create_batch(3, author=other_user)
    version = activate_model(FixedOrderModel([]))
    with version.artifact.open("wb") as artifact:
        artifact.write(b"not a model")

    with caplog.at_level(logging.WARNING):
        page = feed_serve(user=user)

    assert page.fallback_reason == "artifact_unreadable" and len(page.posts) == 3
    assert "artifact_unreadable" in caplog.text


class ExplodingModel:
    def rank_user(self, **kwargs):
        raise RuntimeError("boom")


class SlowModel(FixedOrderModel):
    def rank_user(self, **kwargs):
        time.sleep(0.3)
        return super().rank_user(**kwargs)


def test_exception_inside_ranking_falls_back(user, activate_model, caplog, other_user):
    PostFactory.create_batch(3, author=other_user)
    activate_model(ExplodingModel())

    with caplog.at_level(logging.WARNING):
        page = feed_serve(user=user)

    assert page.fallback_reason == "error" and len(page.posts) == 3
    assert "boom" in caplog.text


@override_settings(RECOMMENDER_TIME_BUDGET_MS=20)
def test_ranking_over_the_time_budget_falls_back(user, activate_model, caplog, other_user):
    posts = PostFactory.create_batch(3, author=other_user)
    activate_model(SlowModel([p.pk for p in posts]))

    with caplog.at_level(logging.WARNING):
        page = feed_serve(user=user)

    assert page.fallback_reason == "timeout" and len(page.posts) == 3
    assert "timeout" in caplog.text


def test_model_that_ranks_only_hidden_posts_falls_back(user, activate_model, other_user):
    removed = PostFactory(author=other_user)
    removed.removed_at = removed.created_at
    removed.save()
    visible = PostFactory(author=other_user)
    activate_model(FixedOrderModel([removed.pk]))

    page = feed_serve(user=user)

    assert page.fallback_reason == "no_candidates"
    assert [p.pk for p in page.posts] == [visible.pk]


def test_new_active_version_is_noticed_without_restart(
    user, other_user, activate_model, django_capture_on_commit_callbacks
):
    posts = PostFactory.create_batch(4, author=other_user)
    first = activate_model(FixedOrderModel([posts[0].pk]))
    assert feed_serve(user=user, page_size=1).model_version_id == first.pk
    newer = ModelVersionFactory(status="candidate")
    newer.artifact.name = artifact_write(version=newer, recommender=FixedOrderModel([posts[1].pk]))
    newer.save()

    with django_capture_on_commit_callbacks(execute=True):
        model_version_activate(version=newer, actor=None)
    page = feed_serve(user=user, page_size=1)

    assert page.model_version_id == newer.pk and [p.pk for p in page.posts] == [posts[1].pk]


def test_experiment_control_group_without_model_gets_random_feed(user, activate_model, other_user):
    PostFactory.create_batch(3, author=other_user)
    activate_model(FixedOrderModel([]))
    experiment = ExperimentFactory(treatment_percent=0, started_at="2024-01-01T00:00:00Z")

    page = feed_serve(user=user)

    assert page.experiment_id == experiment.pk and page.experiment_group == "control"
    assert page.model_version_id is None and page.fallback_reason == ""
    views = PostView.objects.filter(page_id=page.page_id)
    assert set(views.values_list("experiment", "experiment_group")) == {(experiment.pk, "control")}


def test_latest_mode_is_chronological_from_followed_communities_and_oneself(user):
    followee = UserFactory()
    FollowFactory(follower=user, followee=followee)
    membership = MembershipFactory(user=user)
    from_followee = PostFactory.create_batch(3, author=followee)
    from_community = PostFactory(community=membership.community)
    own = PostFactory(author=user)  # what I just wrote is in my timeline, as everywhere else
    PostFactory(author=UserFactory())  # a stranger's post stays out

    first = feed_serve(user=user, mode="latest", page_size=3)
    second = feed_serve(user=user, mode="latest", page_size=3, cursor=first.next_cursor)

    expected = [own.pk, from_community.pk] + [p.pk for p in reversed(from_followee)]
    assert [p.pk for p in first.posts + second.posts] == expected
    assert second.next_cursor is None
    assert PostView.objects.filter(user=user, fallback_reason="latest").count() == 5


def test_latest_mode_includes_reposts_by_followees_in_time_order(user):
    followee = UserFactory()
    FollowFactory(follower=user, followee=followee)
    now = timezone.now()
    own = PostFactory(author=followee)
    Post.objects.filter(pk=own.pk).update(created_at=now - timedelta(hours=3))
    stranger_posts = PostFactory.create_batch(2, author=UserFactory())
    reposts = [RepostFactory(user=followee, post=post, note=f"see {i}") for i, post in enumerate(stranger_posts)]
    Repost.objects.filter(pk=reposts[0].pk).update(created_at=now - timedelta(hours=1))
    Repost.objects.filter(pk=reposts[1].pk).update(created_at=now - timedelta(hours=5))
    RepostFactory(user=UserFactory(), post=own)  # a stranger's repost stays out

    first = feed_serve(user=user, mode="latest", page_size=2)
    second = feed_serve(user=user, mode="latest", page_size=2, cursor=first.next_cursor)

    assert [p.pk for p in first.posts + second.posts] == [stranger_posts[0].pk, own.pk, stranger_posts[1].pk]
    assert first.reposts[0].note == "see 0" and 1 not in first.reposts
    assert second.reposts[0].user == followee and second.next_cursor is None
    assert PostView.objects.filter(user=user, fallback_reason="latest").count() == 3


def test_anonymous_gets_random_posts_without_logging(db, other_user):
    PostFactory.create_batch(3, author=other_user)
    page = feed_serve(user=AnonymousUser())
    assert len(page.posts) == 3 and page.page_id is None
    assert not PostView.objects.exists()


def test_bad_input_is_rejected_and_nothing_logged(user):
    PostFactory()
    with pytest.raises(ValidationError) as error:
        feed_serve(user=user, mode="sideways", page_size=500)
    assert set(error.value.message_dict) == {"mode", "page_size"}
    with pytest.raises(ValidationError):
        feed_serve(user=user, mode="latest", cursor="garbage")
    assert not PostView.objects.exists()


def test_query_count_does_not_grow_with_page_size(user, activate_model, other_user):
    posts = PostFactory.create_batch(25, author=other_user)
    activate_model(FixedOrderModel([p.pk for p in posts]))
    feed_serve(user=user, page_size=1)  # loads the model once for this process

    with CaptureQueriesContext(connection) as small:
        feed_serve(user=user, page_size=2)
    with CaptureQueriesContext(connection) as large:
        feed_serve(user=user, page_size=10)
    assert len(large.captured_queries) == len(small.captured_queries)
