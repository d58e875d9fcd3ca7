"""A training run killed with SIGKILL mid-way: the active version keeps serving, nothing half-written is active,
and once the lock's TTL has passed the next run proceeds and marks the dead run's row failed."""

import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection

from recommender.models import ModelVersion
from recommender.registry import artifact_read
from recommender.serving import active_version_forget, rank_for_user
from recommender.training import TRAINING_LOCK_KEY, TrainingInProgress, train_model

BASE_DIR = Path(__file__).resolve().parent.parent
LOCK_SECONDS = 4

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _assert_every_usable_version_loads():
    for version in ModelVersion.objects.exclude(status__in=[ModelVersion.Status.FAILED, ModelVersion.Status.TRAINING]):
        assert artifact_read(version=version) is not None, version.pk
    assert ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).count() == 1


def test_training_killed_mid_way_leaves_the_active_version_serving(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    settings.RECOMMENDER_TRAINING_LOCK_SECONDS = LOCK_SECONDS
    call_command("generate_network", users=200, posts=400, feed_rows=20000, stdout=StringIO(), stderr=StringIO())
    active = train_model(bootstrap=5)
    assert active.status == ModelVersion.Status.ACTIVE
    user_id = get_user_model().objects.filter(likes__isnull=False).values_list("pk", flat=True).first()

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(tmp_path),
        "RECOMMENDER_TRAINING_LOCK_SECONDS": str(LOCK_SECONDS),
    }
    run = subprocess.Popen(
        [sys.executable, "manage.py", "train_recommender", "--bootstrap", "5"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        killed = _wait_for(
            lambda: ModelVersion.objects.filter(pk__gt=active.pk, status=ModelVersion.Status.TRAINING).first(),
            timeout=60,
            what="the subprocess to start a version",
        )
        time.sleep(0.5)  # into the fitting
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == -signal.SIGKILL

    # The killed run's row stays `training` without an artifact; the old version still serves.
    killed.refresh_from_db()
    assert killed.status == ModelVersion.Status.TRAINING and not killed.artifact.name
    active_version_forget()
    page = rank_for_user(user_id=user_id, k=5, exclude_post_ids=set())
    assert page.model_version_id == active.pk and len(page.post_ids) == 5
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["model"] == f"active v{active.pk}"
    _assert_every_usable_version_loads()

    # The dead run's lock holds until its TTL; then the next run proceeds and marks the stale row failed.
    assert cache.get(TRAINING_LOCK_KEY) is not None
    with pytest.raises(TrainingInProgress):
        train_model(bootstrap=5)
    _wait_for(lambda: cache.get(TRAINING_LOCK_KEY) is None, timeout=LOCK_SECONDS + 2, what="the lock to expire")
    latest = train_model(bootstrap=5)
    killed.refresh_from_db()
    assert killed.status == ModelVersion.Status.FAILED and "Interrupted" in killed.reason
    assert latest.status in (ModelVersion.Status.ACTIVE, ModelVersion.Status.CANDIDATE)
    assert not ModelVersion.objects.filter(status=ModelVersion.Status.TRAINING).exists()
    _assert_every_usable_version_loads()
