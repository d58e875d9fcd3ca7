"""A real Celery worker process (solo pool, its own queue) against the real Redis and the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from recommender import training
from recommender.generator import NetworkSpec, generate_network, write_network
from recommender.models import ModelVersion
from recommender.tasks import train_model

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    if not settings.REDIS_URL or not settings.IS_POSTGRES:
        pytest.skip("needs the real Redis and PostgreSQL")
    queue = f"test-training-{uuid.uuid4().hex[:8]}"
    log = open(tmp_path / "worker.log", "w+")
    env = {**os.environ, "DATABASE_URL": database_url(), "MEDIA_ROOT": str(tmp_path), "CELERY_TASK_ALWAYS_EAGER": "0"}
    process = subprocess.Popen(
        [Path(sys.executable).with_name("celery"), "-A", "socialnet", "worker", "--pool=solo", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        with override_settings(MEDIA_ROOT=tmp_path):
            yield queue
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.seek(0)
        print(log.read()[-3000:])  # shown by pytest when the test fails
        log.close()


def wait_for(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


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
