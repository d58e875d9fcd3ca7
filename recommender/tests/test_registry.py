import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from analytics.models import Activity
from recommender.models import ModelVersion
from recommender.registry import (
    artifact_read,
    model_version_activate,
    model_version_finish,
    model_version_rollback,
    model_version_start,
)
from socialnet.errors import Conflict
from tests.factories import ModelVersionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield


def metrics(model, baseline=0.30):
    return {"primary": {"model": model, "best_baseline": baseline, "best_baseline_name": "most_popular"}}


def finish(score, **kwargs):
    version = model_version_start(cutoff=None, params={"n": 1}, data_size={"likes": 10})
    return model_version_finish(
        version=version, recommender={"weights": score}, metrics=metrics(score, **kwargs),
        training_seconds=1.0, peak_memory_mb=10.0,
    )


def test_a_model_that_beats_the_baselines_becomes_active_with_its_artifact():
    version = finish(0.40)
    assert version.status == ModelVersion.Status.ACTIVE and version.activated_at is not None
    assert artifact_read(version=version) == {"weights": 0.40}
    assert Activity.objects.filter(verb="model_activate", target_id=version.pk).exists()


def test_a_model_not_beating_the_best_baseline_stays_candidate_with_the_reason():
    version = finish(0.25)
    assert version.status == ModelVersion.Status.CANDIDATE
    assert "does not beat the best baseline most_popular" in version.reason
    assert not ModelVersion.objects.filter(status="active").exists()


def test_a_worse_model_does_not_replace_the_active_one():
    active = finish(0.50)
    worse = finish(0.40)
    active.refresh_from_db()
    assert active.status == ModelVersion.Status.ACTIVE
    assert worse.status == ModelVersion.Status.CANDIDATE and "worse than active" in worse.reason


@override_settings(RECOMMENDER_PROMOTION_TOLERANCE=0.05)
def test_a_slightly_worse_model_within_tolerance_is_promoted():
    first = finish(0.50)
    second = finish(0.47)
    first.refresh_from_db()
    assert second.status == ModelVersion.Status.ACTIVE and first.status == ModelVersion.Status.RETIRED


def test_rollback_restores_the_previous_version(staff_user):
    first = finish(0.40)
    second = finish(0.45)
    assert second.status == ModelVersion.Status.ACTIVE

    restored = model_version_rollback(actor=staff_user)

    second.refresh_from_db()
    assert restored.pk == first.pk and restored.status == ModelVersion.Status.ACTIVE
    assert second.status == ModelVersion.Status.RETIRED
    assert Activity.objects.filter(verb="model_rollback", actor=staff_user, target_id=first.pk).exists()


def test_rollback_without_history_is_a_conflict(staff_user):
    finish(0.40)
    with pytest.raises(Conflict):
        model_version_rollback(actor=staff_user)


def test_activation_rules(staff_user):
    candidate = finish(0.20)
    with pytest.raises(PermissionDenied):
        model_version_activate(version=candidate, actor=UserFactory())
    with pytest.raises(ValidationError):
        model_version_activate(version=ModelVersionFactory(status="failed"), actor=staff_user)
    model_version_activate(version=candidate, actor=staff_user)
    candidate.refresh_from_db()
    assert candidate.status == ModelVersion.Status.ACTIVE
    with pytest.raises(Conflict):
        model_version_activate(version=candidate, actor=staff_user)


def test_an_artifact_that_fails_to_serialise_leaves_no_file(tmp_path):
    version = model_version_start(cutoff=None, params={}, data_size={})
    with pytest.raises(Exception):  # noqa: B017 - whatever pickling raises
        model_version_finish(
            version=version, recommender=lambda: None, metrics=metrics(0.9), training_seconds=1, peak_memory_mb=1
        )
    version.refresh_from_db()
    assert version.status == ModelVersion.Status.TRAINING and not version.artifact.name
    assert not list(tmp_path.rglob("*.joblib*"))
