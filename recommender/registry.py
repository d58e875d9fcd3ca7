"""Model versions: their artifacts in Django's default storage, their metrics, and which one serves.

A version is trained (status training), then becomes a candidate or, if it passes the promotion rule, active.
Exactly one version is active at a time (a partial unique constraint in the model enforces it).
"""

import logging
import os
import tempfile
import uuid

import joblib
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from analytics.services import activity_record
from socialnet.errors import Conflict

from .models import ModelVersion

logger = logging.getLogger(__name__)

PROMOTION_METRIC = "hitrate"


def model_version_start(*, cutoff, params: dict, data_size: dict) -> ModelVersion:
    """Record that a training run began, so a crash leaves a visible `training`/`failed` row."""
    with transaction.atomic():
        version = ModelVersion.objects.create(
            status=ModelVersion.Status.TRAINING, cutoff=cutoff, params=params, data_size=data_size
        )
        activity_record(actor=None, verb="model_train_start", target=version)
    return version


def artifact_write(*, version: ModelVersion, recommender) -> str:
    """Serialise the recommender to a local temp file first, then store it under a fresh name.

    A killed training leaves at most an orphan temp file; `version.artifact` only ever names a complete file.
    """
    fd, tmp_path = tempfile.mkstemp(suffix=".joblib.part")
    try:
        with os.fdopen(fd, "wb") as tmp:
            joblib.dump(recommender, tmp, compress=3)
        with open(tmp_path, "rb") as complete:
            return default_storage.save(f"models/v{version.pk}-{uuid.uuid4().hex[:8]}.joblib", File(complete))
    finally:
        os.unlink(tmp_path)


def artifact_read(*, version: ModelVersion):
    if not version.artifact.name:
        raise FileNotFoundError(f"model version {version.pk} has no artifact")
    with default_storage.open(version.artifact.name, "rb") as stored:
        return joblib.load(stored)


def promotion_decision(*, metrics: dict, active: ModelVersion | None) -> tuple[bool, str]:
    """Active only if it beats the best baseline and is not worse than the active model by more than the tolerance.

    `metrics` holds `primary` = {"model": hitrate@k, "best_baseline": hitrate@k, "best_baseline_name": str}.
    """
    primary = metrics.get("primary") or {}
    model_score, baseline_score = primary.get("model"), primary.get("best_baseline")
    if model_score is None or baseline_score is None:
        return False, "no offline evaluation"
    if model_score <= baseline_score:
        return False, (
            f"{PROMOTION_METRIC}@k {model_score:.4f} does not beat the best baseline "
            f"{primary.get('best_baseline_name', '')} ({baseline_score:.4f})"
        )
    active_score = ((active.metrics if active else {}).get("primary") or {}).get("model")
    tolerance = settings.RECOMMENDER_PROMOTION_TOLERANCE
    if active_score is not None and model_score < active_score - tolerance:
        return False, (
            f"{PROMOTION_METRIC}@k {model_score:.4f} is worse than active v{active.pk} ({active_score:.4f}) "
            f"by more than {tolerance}"
        )
    return True, ""


def model_version_finish(
    *, version: ModelVersion, recommender, metrics: dict, training_seconds: float, peak_memory_mb: float
) -> ModelVersion:
    """Store the artifact, the metrics and the resources used, then promote the version or keep it as a candidate."""
    artifact_name = artifact_write(version=version, recommender=recommender)
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().get(pk=version.pk)
        version.artifact.name = artifact_name
        version.metrics = metrics
        version.training_seconds = training_seconds
        version.peak_memory_mb = peak_memory_mb
        active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
        promote, reason = promotion_decision(metrics=metrics, active=active)
        version.status = ModelVersion.Status.CANDIDATE
        version.reason = reason
        version.save()
        activity_record(actor=None, verb="model_train_finish", target=version, context={"promote": promote})
        if promote:
            version = _activate(version=version, actor=None)
    return version


def model_version_fail(*, version: ModelVersion, reason: str) -> ModelVersion:
    """Mark a run failed; whatever version is active keeps serving."""
    with transaction.atomic():
        ModelVersion.objects.filter(pk=version.pk).update(status=ModelVersion.Status.FAILED, reason=reason[:2000])
        activity_record(actor=None, verb="model_train_fail", target=version, context={"reason": reason[:200]})
    version.refresh_from_db()
    return version


def model_version_fail_interrupted() -> int:
    """Mark `training` rows failed: runs that died without cleaning up (kill -9, a lost worker).

    Only call it while holding the training lock: then no other run is in progress, so every such row is stale.
    """
    with transaction.atomic():
        stale = list(ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.TRAINING))
        for version in stale:
            model_version_fail(version=version, reason="Interrupted: the training run stopped before finishing.")
    return len(stale)


def _activate(*, version: ModelVersion, actor) -> ModelVersion:
    now = timezone.now()
    ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exclude(pk=version.pk).update(
        status=ModelVersion.Status.RETIRED
    )
    version.status = ModelVersion.Status.ACTIVE
    version.activated_at = now
    version.reason = ""
    version.save(update_fields=["status", "activated_at", "reason"])
    activity_record(actor=actor, verb="model_activate", target=version)
    transaction.on_commit(_forget_active_cache)
    return version


def _forget_active_cache():
    from .serving import active_version_forget

    active_version_forget()


def model_version_activate(*, version: ModelVersion, actor) -> ModelVersion:
    """Make a trained version serve (an admin's decision overrides the promotion rule)."""
    if actor is not None and not actor.is_staff:
        raise PermissionDenied("Only staff may activate model versions.")
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().get(pk=version.pk)
        if version.status == ModelVersion.Status.ACTIVE:
            raise Conflict("This version is already active.")
        if version.status in (ModelVersion.Status.TRAINING, ModelVersion.Status.FAILED) or not version.artifact.name:
            raise ValidationError({"status": f"A {version.status} version without an artifact cannot serve."})
        return _activate(version=version, actor=actor)


def model_version_rollback(*, actor) -> ModelVersion:
    """Re-activate the version that was active before the current one."""
    with transaction.atomic():
        current = ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.ACTIVE).first()
        previous = (
            ModelVersion.objects.filter(activated_at__isnull=False, status=ModelVersion.Status.RETIRED)
            .exclude(artifact="")
            .order_by("-activated_at")
            .first()
        )
        if previous is None:
            raise Conflict("No previously active version to roll back to.")
        version = model_version_activate(version=previous, actor=actor)
        if current is not None:
            activity_record(actor=actor, verb="model_rollback", target=version, context={"from": current.pk})
        return version
