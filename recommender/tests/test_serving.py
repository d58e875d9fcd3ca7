import numpy as np
import pytest
from django.test import override_settings

from recommender.models import ModelVersion
from recommender.ranker import LightGBMRecommender
from recommender.registry import artifact_write
from recommender.serving import ModelUnavailable, active_version_id, loaded_models, rank_for_user
from tests.factories import ModelVersionFactory

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
