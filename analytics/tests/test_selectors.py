from datetime import UTC, datetime, timedelta

import pytest

from analytics.forms import default_range
from analytics.selectors import dashboard_tables, feed_tables, metric_tables
from analytics.tasks import dashboard_warm
from posts.models import PostView
from tests.factories import (
    ActivityFactory,
    CommunityFactory,
    ExperimentFactory,
    LikeFactory,
    PostFactory,
    PostViewFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
DAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _page(*, user, posts, at, **fields):
    page_id = PostView.new_page_id()
    for position, post in enumerate(posts):
        PostViewFactory(user=user, post=post, viewed_at=at, page_id=page_id, position=position, **fields)


def _table(tables, name):
    return next(t for t in tables if t.name == name)


def test_online_hitrate_counts_likes_within_one_hour_only():
    user = UserFactory()
    posts = PostFactory.create_batch(15)
    experiment = ExperimentFactory()
    # Page 1: liked 59m59s after being shown (hit). Page 2: liked 1h0m1s after (no hit). Page 3: no like.
    _page(user=user, posts=posts[0:5], at=DAY, model_version=3, experiment=experiment.pk, experiment_group="treatment")
    _page(user=user, posts=posts[5:10], at=DAY, model_version=3, experiment=experiment.pk, experiment_group="treatment")
    _page(user=user, posts=posts[10:15], at=DAY + timedelta(days=1))
    LikeFactory(user=user, post=posts[1], created_at=DAY + timedelta(minutes=59, seconds=59))
    LikeFactory(user=user, post=posts[4], created_at=DAY + timedelta(minutes=30))  # second like, same page
    LikeFactory(user=user, post=posts[6], created_at=DAY + timedelta(hours=1, seconds=1))
    LikeFactory(user=UserFactory(), post=posts[11], created_at=DAY + timedelta(days=1, minutes=5))  # someone else
    # A post page view is not a feed impression.
    PostViewFactory(user=user, post=posts[0], viewed_at=DAY, source=PostView.Source.POST_PAGE)

    tables = feed_tables(DAY.date(), DAY.date() + timedelta(days=1))

    daily = _table(tables, "feed_daily")
    assert daily.columns == ["day", "pages", "hits", "hitrate_at_5", "impressions", "liked_impressions", "ctr"]
    assert daily.rows == [["2026-03-10", 2, 1, 0.5, 10, 2, 0.2], ["2026-03-11", 1, 0, 0.0, 5, 0, 0.0]]
    by_model = {row[0]: row[1:] for row in _table(tables, "feed_model").rows}
    assert by_model == {3: [2, 1, 0.5, 10, 2, 0.2], "none": [1, 0, 0.0, 5, 0, 0.0]}
    by_group = {(row[0], row[1]): row[2:] for row in _table(tables, "feed_experiment").rows}
    assert by_group == {
        (experiment.name, "treatment"): [2, 1, 0.5, 10, 2, 0.2],
        ("none", "none"): [1, 0, 0.0, 5, 0, 0.0],
    }
    # Hitrate over all three pages: 1 / 3.
    assert sum(r[2] for r in daily.rows) / sum(r[1] for r in daily.rows) == pytest.approx(1 / 3)


def test_activity_signups_content_topics_and_retention():
    sport = TopicFactory(name="sport")
    alice = UserFactory(date_joined=DAY, profile__source="ads", profile__os="iOS")
    bob = UserFactory(date_joined=DAY + timedelta(days=1))
    ActivityFactory(actor=alice, created_at=DAY)
    ActivityFactory(actor=alice, created_at=DAY + timedelta(hours=1))
    ActivityFactory(actor=bob, created_at=DAY + timedelta(days=1))
    ActivityFactory(actor=alice, created_at=DAY + timedelta(days=7))
    post = PostFactory(author=alice, topic=sport, created_at=DAY)
    LikeFactory(user=bob, post=post, created_at=DAY + timedelta(days=1))
    CommunityFactory(topic=sport, created_at=DAY)
    start, end = DAY.date(), DAY.date() + timedelta(days=8)

    tables = {t.name: t for ts in dashboard_tables(start=start, end=end).values() for t in ts}

    assert tables["dau"].rows[:2] == [["2026-03-10", 1], ["2026-03-11", 1]]
    assert tables["mau"].rows == [["2026-03-01", 2]]
    assert dict(tables["active_headline"].rows)["MAU (last 30 days)"] == 2
    assert ["ads", 1] in tables["signups_source"].rows and ["unknown", 1] in tables["signups_source"].rows
    assert ["iOS", 1] in tables["signups_os"].rows
    content = {row[0]: row[1:] for row in tables["content_daily"].rows}
    assert len(content) == 9  # every day of the range, zeros included
    assert content["2026-03-10"] == [1, 0, 0, 1]
    assert content["2026-03-11"] == [0, 1, 0, 0]
    assert tables["top_topics"].rows[0] == [1, "sport", 1, 1]
    # Both joined in the week of 2026-03-09; alice is active again in week 1, bob is not.
    assert tables["retention"].rows == [["2026-03-09", 2, 100.0, 50.0]]


def test_metric_tables_are_cached_by_range(django_assert_num_queries):
    start, end = DAY.date(), DAY.date() + timedelta(days=1)
    tables = metric_tables(metric="content", start=start, end=end)
    with django_assert_num_queries(0):
        assert metric_tables(metric="content", start=start, end=end) == tables
    assert len(metric_tables(metric="content", start=start, end=end + timedelta(days=1))[0].rows) == 3


def test_dashboard_warm_refreshes_the_default_range(django_assert_num_queries):
    start, end = default_range()
    stale = dashboard_tables(start=start, end=end)
    ActivityFactory()
    dashboard_warm()
    with django_assert_num_queries(0):
        fresh = dashboard_tables(start=start, end=end)
    assert fresh["activity"] != stale["activity"]
    assert fresh["activity"][1].rows[-1][1] == 1
