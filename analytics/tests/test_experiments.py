from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.experiments import (
    CONTROL,
    NO_EXPERIMENT,
    TREATMENT,
    Variant,
    assignment_bucket,
    experiment_report,
    group_for,
    variant_for,
)
from analytics.selectors import experiment_bucket_stats
from posts.models import PostView
from tests.factories import (
    ExperimentFactory,
    LikeFactory,
    ModelVersionFactory,
    PostFactory,
    PostViewFactory,
    UserFactory,
)


def test_assignment_is_deterministic_and_matches_the_split():
    groups = [group_for(salt="s1", treatment_percent=30, user_id=user_id) for user_id in range(10_000)]
    again = [group_for(salt="s1", treatment_percent=30, user_id=user_id) for user_id in range(10_000)]
    assert groups == again
    share = Counter(groups)[TREATMENT] / 10_000
    assert 0.28 <= share <= 0.32


def test_assignment_buckets_are_uniform():
    buckets = Counter(assignment_bucket(salt="s", user_id=u) // 1000 for u in range(10_000))
    assert all(800 <= n <= 1200 for n in buckets.values())


def test_changing_the_salt_reshuffles_users():
    a = [group_for(salt="a", treatment_percent=50, user_id=u) for u in range(10_000)]
    b = [group_for(salt="b", treatment_percent=50, user_id=u) for u in range(10_000)]
    moved = sum(x != y for x, y in zip(a, b, strict=True)) / 10_000
    assert 0.45 <= moved <= 0.55


@pytest.mark.django_db
def test_variant_without_experiment_uses_the_active_model(user):
    assert variant_for(user=user) == NO_EXPERIMENT


@pytest.mark.django_db
def test_variant_for_random_vs_model_experiment(django_assert_num_queries):
    version = ModelVersionFactory()
    experiment = ExperimentFactory(treatment_percent=50, treatment_model_version=version, started_at=timezone.now())
    users = UserFactory.create_batch(20)
    variants = [variant_for(user=u) for u in users[:1]]
    with django_assert_num_queries(0):  # the running experiment is cached
        variants += [variant_for(user=u) for u in users[1:]]
    for user, variant in zip(users, variants, strict=True):
        expected_group = group_for(salt=experiment.salt, treatment_percent=50, user_id=user.pk)
        assert variant.group == expected_group
        assert variant.experiment_id == experiment.pk
        if expected_group == TREATMENT:
            assert variant == Variant(experiment.pk, TREATMENT, version.pk, use_random=False)
        else:
            assert variant == Variant(experiment.pk, CONTROL, None, use_random=True)


@pytest.mark.django_db
def test_variant_ignores_stopped_experiments(user):
    ExperimentFactory(started_at=timezone.now() - timedelta(days=1), stopped_at=timezone.now())
    assert variant_for(user=user) == NO_EXPERIMENT


def _page(*, user, posts, at, experiment=None, group=""):
    page_id = PostView.new_page_id()
    for position, post in enumerate(posts):
        PostViewFactory(
            user=user,
            post=post,
            viewed_at=at,
            page_id=page_id,
            position=position,
            experiment=experiment.pk if experiment else None,
            experiment_group=group,
        )
    return page_id


@pytest.mark.django_db
def test_experiment_report_counts_groups_and_hits():
    start = timezone.now() - timedelta(days=1)
    experiment = ExperimentFactory(treatment_percent=50, started_at=start)
    posts = PostFactory.create_batch(5)
    users = {CONTROL: [], TREATMENT: []}
    for user in UserFactory.create_batch(12):
        users[group_for(salt=experiment.salt, treatment_percent=50, user_id=user.pk)].append(user)
    shown = start + timedelta(hours=1)
    for group, members in users.items():
        for user in members:
            _page(user=user, posts=posts, at=shown, experiment=experiment, group=group)
    # One treatment user likes within the hour, one control user too late.
    if users[TREATMENT]:
        LikeFactory(user=users[TREATMENT][0], post=posts[2], created_at=shown + timedelta(minutes=10))
    if users[CONTROL]:
        LikeFactory(user=users[CONTROL][0], post=posts[2], created_at=shown + timedelta(minutes=61))

    report = experiment_report(experiment=experiment)

    control, treatment = report.groups
    assert (control.users, treatment.users) == (len(users[CONTROL]), len(users[TREATMENT]))
    assert control.pages == len(users[CONTROL]) and control.impressions == 5 * len(users[CONTROL])
    assert control.hits == 0
    assert treatment.hits == (1 if users[TREATMENT] else 0)
    assert treatment.liked_impressions == treatment.hits
    assert [c.metric for c in report.comparisons] == ["hitrate@5", "CTR"]
    assert report.srm is not None and report.srm.p_value > 0.001


@pytest.mark.django_db
def test_sql_buckets_match_python_assignment():
    experiment = ExperimentFactory(started_at=timezone.now() - timedelta(hours=2))
    post = PostFactory()
    user = UserFactory()
    _page(user=user, posts=[post], at=timezone.now() - timedelta(hours=1), experiment=experiment, group=CONTROL)
    (row,) = experiment_bucket_stats(experiment=experiment, test_buckets=50)
    assert row["bucket"] == assignment_bucket(salt=experiment.salt, user_id=user.pk) % 50
