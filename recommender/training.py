"""One training run: fit the model and evaluate it against the baselines on a time split, rebuild its feature
tables on all data, store it as a new version and promote it if it earns it. Used by `manage.py train_recommender`
and the Celery task alike; only one run at a time (a cache lock that expires if its worker dies)."""

import logging
import resource
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache

from socialnet.errors import Conflict

from .baselines import baseline_recommenders
from .data import Frames, load_frames
from .evaluation import RANDOM_EXPECTED, evaluate
from .models import ModelVersion
from .ranker import LightGBMRecommender
from .registry import model_version_fail, model_version_fail_interrupted, model_version_finish, model_version_start

logger = logging.getLogger(__name__)

TRAINING_LOCK_KEY = "recommender:training-lock"
PROMOTION_K = 5


class TrainingInProgress(Conflict):
    """Another training run holds the lock."""


def primary_metrics(evaluation: dict, *, feed_log: bool) -> dict:
    """The number promotion looks at: overall hitrate@k of the model and of the best baseline.

    On a feed log (most impressions not liked) the impressions protocol separates methods; otherwise the
    catalogue protocol does (DESIGN.md §4).
    """
    protocol = "impressions" if feed_log else "catalogue"
    results = evaluation.get(protocol, {})
    hitrates = {
        name: (segments.get("overall") or {}).get("hitrate")
        for name, segments in results.items()
        if name != RANDOM_EXPECTED
    }
    model = hitrates.pop(LightGBMRecommender.name, None)
    baselines = {name: rate for name, rate in hitrates.items() if rate is not None}
    best_name = max(baselines, key=baselines.get) if baselines else ""
    return {
        "protocol": protocol,
        "k": PROMOTION_K,
        "model": model,
        "best_baseline": baselines.get(best_name),
        "best_baseline_name": best_name,
    }


def _data_size(frames: Frames) -> dict:
    return {
        "users": int(len(frames.users)),
        "posts": int(len(frames.posts)),
        "views": int(len(frames.views)),
        "likes": int(len(frames.likes)),
    }


def _peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def train_model(
    *,
    frames: Frames | None = None,
    test_fraction: float = 0.2,
    params: dict | None = None,
    bootstrap: int = 200,
    progress=None,
) -> ModelVersion:
    """Train, evaluate and register a model version; raises TrainingInProgress if another run holds the lock.

    `progress` is an optional callable(iterable, description) wrapping long loops (tqdm in the command).
    A failure marks the version failed and re-raises; the active version keeps serving.
    """
    token = uuid.uuid4().hex
    if not cache.add(TRAINING_LOCK_KEY, token, timeout=settings.RECOMMENDER_TRAINING_LOCK_SECONDS):
        raise TrainingInProgress("A recommender training is already running.")
    try:
        model_version_fail_interrupted()
        return _train_locked(
            frames=frames, test_fraction=test_fraction, params=params, bootstrap=bootstrap, progress=progress
        )
    finally:
        # Only our own lock is released: after an expiry another run may hold a new one.
        if cache.get(TRAINING_LOCK_KEY) == token:
            cache.delete(TRAINING_LOCK_KEY)


def _train_locked(*, frames, test_fraction, params, bootstrap, progress) -> ModelVersion:
    started = time.perf_counter()
    frames = frames if frames is not None else load_frames()
    times = frames.interaction_times()
    # The served model describes people and posts with everything logged so far.
    serving_cutoff = (times.max().floor("us") + timedelta(microseconds=1)).to_pydatetime() if len(times) else None
    config = LightGBMRecommender(params=params).config()
    version = model_version_start(
        cutoff=serving_cutoff, params={**config, "test_fraction": test_fraction}, data_size=_data_size(frames)
    )
    try:
        if serving_cutoff is None:
            raise ValueError("no interactions to train on")
        recommender = LightGBMRecommender(params=params, progress=progress)
        evaluation = evaluate(
            frames,
            [recommender, *baseline_recommenders()],
            protocol="both",
            test_fraction=test_fraction,
            k=PROMOTION_K,
            bootstrap=bootstrap,
        )
        # The evaluated trees are the ones served, so promotion judges exactly the model it promotes; a second fit
        # on all data would double the training time. Features and candidates come from all data.
        recommender.refresh_tables(frames, serving_cutoff)
        metrics = {
            "primary": primary_metrics(evaluation, feed_log=recommender.impression_model is not None),
            "evaluation": evaluation,
            "fit": recommender.fit_info,
            "feature_importance": recommender.feature_importance(),
        }
        return model_version_finish(
            version=version,
            recommender=recommender,
            metrics=metrics,
            training_seconds=time.perf_counter() - started,
            peak_memory_mb=_peak_memory_mb(),
        )
    except BaseException as error:  # also a Celery time limit or a Ctrl-C: the row must not stay "training"
        logger.exception("recommender: training of version %s failed", version.pk)
        model_version_fail(version=version, reason=f"{type(error).__name__}: {error}")
        raise
