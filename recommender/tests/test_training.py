import pandas as pd
import pytest
from django.core.cache import cache
from django.test import override_settings

from recommender.generator import NetworkSpec, generate_network
from recommender.models import ModelVersion
from recommender.ranker import LightGBMRecommender
from recommender.registry import artifact_read
from recommender.training import TRAINING_LOCK_KEY, TrainingInProgress, train_model
from tests.factories import ModelVersionFactory

from .model_frames import synthetic_frames

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield


def test_training_on_a_generated_network_produces_an_active_version_beating_the_baselines():
    frames = generate_network(NetworkSpec(users=300, posts=600, seed=7)).frames()

    version = train_model(frames=frames, bootstrap=20)

    primary = version.metrics["primary"]
    assert version.status == ModelVersion.Status.ACTIVE, version.reason
    assert primary["model"] > primary["best_baseline"]
    assert version.training_seconds > 0 and version.peak_memory_mb > 0
    assert version.data_size["likes"] == len(frames.likes)
    assert isinstance(artifact_read(version=version), LightGBMRecommender)
    assert cache.get(TRAINING_LOCK_KEY) is None  # released


def test_a_second_training_is_refused_while_one_holds_the_lock():
    cache.add(TRAINING_LOCK_KEY, "another-run", 60)
    with pytest.raises(TrainingInProgress):
        train_model(frames=synthetic_frames(users=20, posts=40))
    assert not ModelVersion.objects.exists()
    assert cache.get(TRAINING_LOCK_KEY) == "another-run"  # not ours to release


def test_a_failed_training_is_marked_failed_and_the_active_version_keeps_serving():
    active = ModelVersionFactory(status=ModelVersion.Status.ACTIVE)
    frames = synthetic_frames(users=20, posts=40)
    frames.likes = frames.likes.iloc[0:0]  # nothing to learn from
    frames.views = frames.views.iloc[0:0]

    with pytest.raises(ValueError):
        train_model(frames=frames)

    failed = ModelVersion.objects.exclude(pk=active.pk).get()
    assert failed.status == ModelVersion.Status.FAILED and "ValueError" in failed.reason
    active.refresh_from_db()
    assert active.status == ModelVersion.Status.ACTIVE
    assert cache.get(TRAINING_LOCK_KEY) is None


def test_the_evaluated_model_is_served_with_features_from_all_data():
    frames = synthetic_frames(users=60, posts=150, views_per_user=60)
    version = train_model(frames=frames, bootstrap=10)
    served = artifact_read(version=version)
    evaluation_cutoff = version.metrics["evaluation"]["meta"]["cutoff"]
    assert served.fit_info["cutoff"] == evaluation_cutoff  # the trees that were measured
    assert pd.Timestamp(version.cutoff) > frames.interaction_times().max() > pd.Timestamp(evaluation_cutoff)
    assert served.tables.liked.sum() == len(frames.likes.drop_duplicates(["user_id", "post_id"]))
