import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from analytics.experiments import running_cache_key, variant_for
from analytics.models import Activity, Experiment
from analytics.services import experiment_create, experiment_start, experiment_stop
from socialnet.errors import Conflict
from tests.factories import ExperimentFactory, ModelVersionFactory

pytestmark = pytest.mark.django_db


def test_experiment_create_records_activity_and_salts(staff_user):
    version = ModelVersionFactory()
    experiment = experiment_create(actor=staff_user, name=" random-vs-model ", treatment_model_version=version)
    assert experiment.name == "random-vs-model"
    assert experiment.status == "draft"
    assert len(experiment.salt) == 16
    assert Activity.objects.filter(verb="experiment_create", target_id=experiment.pk, actor=staff_user).count() == 1


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"name": ""}, "name"),
        ({"surface": "inbox"}, "surface"),
        ({"treatment_percent": 0}, "treatment_percent"),
        ({"treatment_percent": 100}, "treatment_percent"),
    ],
)
def test_experiment_create_rejects_bad_input(staff_user, fields, error_field):
    with pytest.raises(ValidationError) as info:
        experiment_create(actor=staff_user, **{"name": "x", **fields})
    assert error_field in info.value.error_dict
    assert not Experiment.objects.exists()
    assert not Activity.objects.exists()


def test_experiment_create_rejects_same_control_and_treatment(staff_user):
    version = ModelVersionFactory()
    with pytest.raises(ValidationError) as info:
        experiment_create(actor=staff_user, name="x", control_model_version=version, treatment_model_version=version)
    assert "treatment_model_version" in info.value.error_dict


def test_experiment_create_rejects_duplicate_name(staff_user):
    ExperimentFactory(name="dup")
    with pytest.raises(ValidationError):
        experiment_create(actor=staff_user, name="dup")


def test_only_staff_manage_experiments(user):
    experiment = ExperimentFactory()
    with pytest.raises(PermissionDenied):
        experiment_create(actor=user, name="x")
    with pytest.raises(PermissionDenied):
        experiment_start(actor=user, experiment=experiment)
    experiment.refresh_from_db()
    assert experiment.started_at is None


def test_start_and_stop(staff_user, django_capture_on_commit_callbacks, user):
    experiment = ExperimentFactory()
    variant_for(user=user)  # caches "no experiment"
    with django_capture_on_commit_callbacks(execute=True):
        experiment_start(actor=staff_user, experiment=experiment)
    experiment.refresh_from_db()
    assert experiment.status == "running"
    assert cache.get(running_cache_key("feed")) is None  # forgotten so the feed sees the start at once
    assert variant_for(user=user).experiment_id == experiment.pk
    with django_capture_on_commit_callbacks(execute=True):
        experiment_stop(actor=staff_user, experiment=experiment)
    experiment.refresh_from_db()
    assert experiment.status == "stopped"
    assert variant_for(user=user).experiment_id is None
    verbs = list(Activity.objects.filter(target_id=experiment.pk).values_list("verb", flat=True).order_by("id"))
    assert verbs == ["experiment_start", "experiment_stop"]


def test_start_twice_or_stop_a_draft_conflicts(staff_user):
    experiment = ExperimentFactory()
    with pytest.raises(Conflict):
        experiment_stop(actor=staff_user, experiment=experiment)
    experiment_start(actor=staff_user, experiment=experiment)
    with pytest.raises(Conflict):
        experiment_start(actor=staff_user, experiment=experiment)
    experiment_stop(actor=staff_user, experiment=experiment)
    with pytest.raises(Conflict):
        experiment_start(actor=staff_user, experiment=experiment)


def test_one_running_experiment_per_surface(staff_user):
    first, second = ExperimentFactory(), ExperimentFactory()
    experiment_start(actor=staff_user, experiment=first)
    with pytest.raises(Conflict):
        experiment_start(actor=staff_user, experiment=second)
    second.refresh_from_db()
    assert second.started_at is None
    assert Activity.objects.filter(verb="experiment_start").count() == 1


def test_database_refuses_two_running_experiments():
    from django.utils import timezone

    ExperimentFactory(started_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        ExperimentFactory(started_at=timezone.now())
