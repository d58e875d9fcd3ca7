from celery import shared_task
from django.conf import settings

from . import training

# The lock outlives the task: a run killed at the hard limit cannot overlap the next one.
HARD_TIME_LIMIT = max(settings.RECOMMENDER_TRAINING_LOCK_SECONDS - 60, 120)
SOFT_TIME_LIMIT = HARD_TIME_LIMIT - 60


@shared_task(name="recommender.tasks.train_model", soft_time_limit=SOFT_TIME_LIMIT, time_limit=HARD_TIME_LIMIT)
def train_model(test_fraction: float = 0.2) -> dict:
    """Nightly (or admin-triggered) retraining; a run refused by the lock is reported, not retried."""
    try:
        version = training.train_model(test_fraction=test_fraction)
    except training.TrainingInProgress as refused:
        return {"status": "refused", "reason": str(refused)}
    return {"status": version.status, "model_version_id": version.pk, "reason": version.reason}
