"""A real Celery worker process (solo pool, its own queue) against the real Redis and the test database."""

import uuid

import pytest
from django.core.cache import cache
from django.test import override_settings

from recommender import training
from recommender.generator import NetworkSpec, generate_network, write_network
from recommender.models import ModelVersion
from recommender.tasks import train_model
from tests.celery_worker import celery_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path):
    queue = f"test-training-{uuid.uuid4().hex[:8]}"
    with celery_worker(queue=queue, log_path=tmp_path / "worker.log", MEDIA_ROOT=str(tmp_path)):
        with override_settings(MEDIA_ROOT=tmp_path):
            yield queue


def test_worker_trains_end_to_end_and_a_concurrent_training_is_refused(worker):
    write_network(generate_network(NetworkSpec(users=200, posts=400, seed=5)))

    result = train_model.apply_async(queue=worker)
    assert wait_for(lambda: cache.get(training.TRAINING_LOCK_KEY) is not None, 60), "the worker never took the lock"
    with pytest.raises(training.TrainingInProgress):
        training.train_model()
    outcome = result.get(timeout=300)

    version = ModelVersion.objects.get(pk=outcome["model_version_id"])
    assert outcome["status"] == version.status == ModelVersion.Status.ACTIVE, version.reason
    assert version.metrics["primary"]["model"] > version.metrics["primary"]["best_baseline"]
    assert version.artifact.storage.exists(version.artifact.name)
    assert ModelVersion.objects.count() == 1  # the refused run created nothing
    assert cache.get(training.TRAINING_LOCK_KEY) is None
