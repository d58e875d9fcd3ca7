import secrets

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from recommender.models import ModelVersion
from socialnet.errors import Conflict

from .experiments import SURFACES, running_cache_key
from .models import Activity, Experiment


def activity_record(*, actor, verb: str, target: models.Model | None = None, context: dict | None = None) -> Activity:
    """Record one user action. Call it inside the action's transaction so both commit or neither does."""
    return Activity.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        target_type=target._meta.model_name if target is not None else "",
        target_id=target.pk if target is not None else None,
        context=context or {},
    )


def _require_staff(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_staff:
        raise PermissionDenied


def experiment_validate(
    *, name: str, surface: str, treatment_percent: int, control_model_version, treatment_model_version
) -> None:
    """The rules an experiment must satisfy; shared by experiment_create and the admin form."""
    errors = {}
    if not name or not name.strip():
        errors["name"] = "Name is required."
    elif Experiment.objects.filter(name=name.strip()).exists():
        errors["name"] = "An experiment with this name already exists."
    if surface not in SURFACES:
        errors["surface"] = f"Unknown surface; choose one of {', '.join(SURFACES)}."
    if not isinstance(treatment_percent, int) or not 1 <= treatment_percent <= 99:
        errors["treatment_percent"] = "Treatment share must be a whole percent between 1 and 99."
    if control_model_version is not None and control_model_version == treatment_model_version:
        errors["treatment_model_version"] = "Treatment must differ from control."
    if errors:
        raise ValidationError(errors)


def experiment_create(
    *,
    actor,
    name: str,
    surface: str = "feed",
    salt: str = "",
    treatment_percent: int = 50,
    control_model_version: ModelVersion | None = None,
    treatment_model_version: ModelVersion | None = None,
) -> Experiment:
    """A draft experiment. No control version means a random feed for control; no treatment version means the
    version that is active when a page is served."""
    _require_staff(actor)
    experiment_validate(
        name=name,
        surface=surface,
        treatment_percent=treatment_percent,
        control_model_version=control_model_version,
        treatment_model_version=treatment_model_version,
    )
    with transaction.atomic():
        experiment = Experiment.objects.create(
            name=name.strip(),
            surface=surface,
            # A fresh salt per experiment reshuffles users, so one test's groups do not carry over to the next.
            salt=salt.strip() or secrets.token_hex(8),
            treatment_percent=treatment_percent,
            control_model_version=control_model_version,
            treatment_model_version=treatment_model_version,
        )
        activity_record(actor=actor, verb="experiment_create", target=experiment)
    return experiment


def _forget_running(surface: str) -> None:
    transaction.on_commit(lambda: cache.delete(running_cache_key(surface)))


def experiment_start(*, actor, experiment: Experiment) -> Experiment:
    _require_staff(actor)
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if experiment.started_at is not None:
            raise Conflict("This experiment has already been started.")
        if Experiment.objects.filter(
            surface=experiment.surface, started_at__isnull=False, stopped_at__isnull=True
        ).exists():
            raise Conflict(f"Another experiment is already running on the {experiment.surface} surface.")
        experiment.started_at = timezone.now()
        try:
            # The constraint catches a concurrent start that passed the check above.
            with transaction.atomic():
                experiment.save(update_fields=["started_at"])
        except IntegrityError:
            raise Conflict(f"Another experiment is already running on the {experiment.surface} surface.")
        activity_record(actor=actor, verb="experiment_start", target=experiment)
        _forget_running(experiment.surface)
    return experiment


def experiment_stop(*, actor, experiment: Experiment) -> Experiment:
    _require_staff(actor)
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
        if not experiment.is_running:
            raise Conflict("Only a running experiment can be stopped.")
        experiment.stopped_at = timezone.now()
        experiment.save(update_fields=["stopped_at"])
        activity_record(actor=actor, verb="experiment_stop", target=experiment)
        _forget_running(experiment.surface)
    return experiment
