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


# The registry through the staff API, the admin and the beat schedule -------------------------------------

def test_staff_api_lists_activates_and_rolls_back(staff_user, api_client):
    first = finish(0.40)
    second = finish(0.45)
    api_client.force_authenticate(staff_user)

    listed = api_client.get("/api/v1/recommender/versions/").json()
    status = api_client.get("/api/v1/recommender/versions/status/").json()
    rolled = api_client.post("/api/v1/recommender/versions/rollback/")
    again = api_client.post(f"/api/v1/recommender/versions/{first.pk}/activate/")

    assert [v["id"] for v in listed] == [second.pk, first.pk]
    assert listed[0]["metrics"]["primary"]["model"] == 0.45
    assert status["active_version"] == second.pk and status["fallbacks"]["no_model"] == 0
    assert rolled.status_code == 200 and rolled.json()["id"] == first.pk
    assert again.status_code == 409  # already active


def test_registry_api_is_staff_only(auth_api_client):
    version = finish(0.20)
    assert auth_api_client.get("/api/v1/recommender/versions/").status_code == 403
    assert auth_api_client.post(f"/api/v1/recommender/versions/{version.pk}/activate/").status_code == 403
    version.refresh_from_db()
    assert version.status == ModelVersion.Status.CANDIDATE


def test_admin_activate_action(staff_user, client):
    candidate = finish(0.20)
    client.force_login(staff_user)
    response = client.post(
        "/admin/recommender/modelversion/",
        {"action": "activate", "_selected_action": [candidate.pk]},
        follow=True,
    )
    candidate.refresh_from_db()
    assert response.status_code == 200 and candidate.status == ModelVersion.Status.ACTIVE


@override_settings(RECOMMENDER_RETRAIN_CRON="30 2 * * *")
def test_setup_periodic_tasks_is_idempotent_and_keeps_admin_edits():
    from django.core.management import call_command
    from django_celery_beat.models import PeriodicTask

    call_command("setup_periodic_tasks")
    task = PeriodicTask.objects.get(task="recommender.tasks.train_model")
    assert (task.crontab.minute, task.crontab.hour) == ("30", "2")
    task.enabled = False  # an admin's edit
    task.save()
    call_command("setup_periodic_tasks")
    assert PeriodicTask.objects.filter(task="recommender.tasks.train_model").count() == 1
    assert not PeriodicTask.objects.get(pk=task.pk).enabled
