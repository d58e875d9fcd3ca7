import numpy as np
import pytest
from django.test import override_settings

from posts.models import Topic
from recommender.data import load_frames
from recommender.generator import NetworkSpec, generate_network, write_network
from recommender.models import ModelVersion
from recommender.ranker import LightGBMRecommender
from recommender.registry import artifact_write
from recommender.serving import ModelUnavailable, active_version_id, loaded_models, rank_for_user
from tests.factories import ModelVersionFactory, PostFactory

from .model_frames import synthetic_frames

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def trained():
    frames = synthetic_frames(users=60, posts=150, views_per_user=60)
    model = LightGBMRecommender()
    model.fit(frames, frames.interaction_times().max() + np.timedelta64(1, "s"))
    return model


@pytest.fixture(autouse=True)
def _isolated(tmp_path):
    loaded_models.clear()
    with override_settings(MEDIA_ROOT=tmp_path):
        yield
    loaded_models.clear()


def store(model, status=ModelVersion.Status.ACTIVE):
    version = ModelVersionFactory(status=status)
    version.artifact.name = artifact_write(version=version, recommender=model)
    version.save()
    return version


def test_ranks_with_the_active_model_loaded_once(trained, django_assert_num_queries):
    version = store(trained)
    page = rank_for_user(user_id=1, k=5, exclude_post_ids=set())
    assert page.model_version_id == version.pk and len(page.post_ids) == 5
    assert set(page.reasons) == set(page.post_ids)
    with django_assert_num_queries(0):  # version id cached, model in memory
        again = rank_for_user(user_id=1, k=5, exclude_post_ids=set(page.post_ids))
    assert not set(again.post_ids) & set(page.post_ids)


def test_an_explicit_version_serves_even_when_not_active(trained):
    store(trained)
    other = store(trained, status=ModelVersion.Status.CANDIDATE)
    assert rank_for_user(user_id=2, k=3, exclude_post_ids=set(), model_version_id=other.pk).model_version_id == other.pk


def test_no_active_model_is_reported():
    assert active_version_id() is None
    with pytest.raises(ModelUnavailable) as unavailable:
        rank_for_user(user_id=1, k=5, exclude_post_ids=set())
    assert unavailable.value.reason == "no_model"


def test_everything_seen_means_no_candidates(trained):
    store(trained)
    with pytest.raises(ModelUnavailable) as unavailable:
        rank_for_user(user_id=1, k=5, exclude_post_ids=set(trained.tables.post_ids.tolist()))
    assert unavailable.value.reason == "no_candidates"


def test_ranking_within_the_time_budget(trained):
    store(trained)
    page = rank_for_user(user_id=3, k=5, exclude_post_ids=set(), time_budget_ms=5000)
    assert len(page.post_ids) == 5


@override_settings(RECOMMENDER_FRESH_POSTS_SECONDS=0)
def test_posts_written_after_training_are_ranked_without_retraining():
    write_network(generate_network(NetworkSpec(users=80, posts=200, seed=3)))
    frames = load_frames()
    model = LightGBMRecommender(validate_strategies=False)
    model.fit(frames, frames.interaction_times().max() + np.timedelta64(1, "s"))
    store(model)
    follower_id, author_id = (int(i) for i in frames.follows[["follower_id", "followee_id"]].iloc[0])
    topic = Topic.objects.first()

    first = PostFactory(author_id=author_id, topic=topic)
    ranked = rank_for_user(user_id=follower_id, k=1000, exclude_post_ids=set()).post_ids
    later = PostFactory(author_id=author_id, topic=topic)
    ranked_later = rank_for_user(user_id=follower_id, k=1000, exclude_post_ids=set()).post_ids

    assert first.pk not in model.tables.post_ids  # unknown to the trained model: added by its content
    assert first.pk in ranked  # a followed author's newest posts are candidates
    assert later.pk not in ranked and {first.pk, later.pk} <= set(ranked_later)

