"""Rank posts for one user with a trained model, loaded once per process.

Web processes learn about a newly activated version through a short-lived shared cache entry (a few seconds),
so activation needs no restart; the artifact itself is read from storage once per process and version.
Posts written after training are added to the loaded model by their content every minute or so
(RECOMMENDER_FRESH_POSTS_SECONDS), so a new post can be ranked long before the next retraining.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from .data import posts_created_after
from .models import ModelVersion
from .registry import artifact_read

logger = logging.getLogger(__name__)

ACTIVE_VERSION_CACHE_KEY = "recommender:active_version_id"
ACTIVE_VERSION_CACHE_SECONDS = 5
# A broken artifact is not re-read on every request; it is retried after this long.
FAILED_LOAD_RETRY_SECONDS = 60
NO_ACTIVE_VERSION = 0
# At most this many of the newest posts created after training are added to a loaded model.
FRESH_POSTS_LIMIT = 5000


class ModelUnavailable(Exception):
    """The model cannot rank for this request; `reason` is what the feed logs as its fallback reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class RankedPage:
    post_ids: list[int]
    reasons: dict[int, str] = field(default_factory=dict)
    model_version_id: int | None = None


def active_version_id() -> int | None:
    """The active version's id, from the shared cache when fresh (one indexed query otherwise)."""
    cached = cache.get(ACTIVE_VERSION_CACHE_KEY)
    if cached is None:
        found = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("id", flat=True).first()
        cached = found or NO_ACTIVE_VERSION
        cache.set(ACTIVE_VERSION_CACHE_KEY, cached, ACTIVE_VERSION_CACHE_SECONDS)
    return cached or None


def active_version_forget() -> None:
    cache.delete(ACTIVE_VERSION_CACHE_KEY)


class _LoadedModels:
    """Recommenders of this process keyed by version id; the last few used stay in memory.

    Each is kept as loaded (`_models`) and as served (`_fresh`: the loaded one plus the posts created since its
    training, with the monotonic time of that refresh)."""

    max_versions = 2

    def __init__(self):
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._models: dict[int, object] = {}
        self._fresh: dict[int, tuple[float, object]] = {}
        self._failed_at: dict[int, float] = {}

    def get(self, version_id: int):
        loaded = self._models.get(version_id) or self._load(version_id)
        refreshed_at, model = self._fresh.get(version_id, (None, loaded))
        stale = refreshed_at is None or time.monotonic() - refreshed_at >= settings.RECOMMENDER_FRESH_POSTS_SECONDS
        # One thread refreshes; the others keep serving the previous copy meanwhile.
        if stale and self._refresh_lock.acquire(blocking=False):
            try:
                model = self._with_new_posts(loaded, model)
                self._fresh[version_id] = (time.monotonic(), model)
            finally:
                self._refresh_lock.release()
        return model

    @staticmethod
    def _with_new_posts(loaded, current):
        """The loaded model plus the newest posts created after its training; the current copy if that fails."""
        try:
            posts = posts_created_after(loaded.tables.at, limit=FRESH_POSTS_LIMIT)
            return loaded.with_posts(posts) if len(posts) else loaded
        except Exception:
            logger.exception("recommender: cannot add new posts to the model; serving it without them")
            return current

    def _load(self, version_id: int):
        with self._lock:
            if version_id in self._models:
                return self._models[version_id]
            failed_at = self._failed_at.get(version_id)
            if failed_at is not None and time.monotonic() - failed_at < FAILED_LOAD_RETRY_SECONDS:
                raise ModelUnavailable("artifact_unreadable")
            try:
                version = ModelVersion.objects.get(pk=version_id)
                model = artifact_read(version=version)
            except Exception:
                logger.exception("recommender: cannot load model version %s", version_id)
                self._failed_at[version_id] = time.monotonic()
                raise ModelUnavailable("artifact_unreadable")
            if len(self._models) >= self.max_versions:
                evicted = next(iter(self._models))
                self._models.pop(evicted)
                self._fresh.pop(evicted, None)
            self._models[version_id] = model
            logger.info("recommender: loaded model version %s", version_id)
            return model

    def clear(self):
        with self._lock:
            self._models.clear()
            self._fresh.clear()
            self._failed_at.clear()


loaded_models = _LoadedModels()


def model_for(*, model_version_id: int | None):
    """The recommender of the given version, or of the active one; raises ModelUnavailable."""
    version_id = model_version_id or active_version_id()
    if version_id is None:
        raise ModelUnavailable("no_model")
    return version_id, loaded_models.get(version_id)


# Ranking runs here so that a slow ranking can be abandoned at the time budget (it touches no database).
_ranking_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rank")


def rank_for_user(
    *,
    user_id: int,
    k: int,
    exclude_post_ids,
    model_version_id: int | None = None,
    time_budget_ms: float | None = None,
) -> RankedPage:
    """The k best unseen posts for the user with their reasons.

    Raises ModelUnavailable (no_model, artifact_unreadable, timeout, no_candidates); other exceptions propagate.
    """
    version_id, model = model_for(model_version_id=model_version_id)
    if time_budget_ms is None:
        post_ids, reasons = model.rank_user(user_id=user_id, k=k, exclude_post_ids=exclude_post_ids)
    else:
        future = _ranking_pool.submit(model.rank_user, user_id=user_id, k=k, exclude_post_ids=exclude_post_ids)
        try:
            post_ids, reasons = future.result(timeout=time_budget_ms / 1000)
        except FutureTimeout:
            future.cancel()
            raise ModelUnavailable("timeout")
    if not post_ids:
        raise ModelUnavailable("no_candidates")
    return RankedPage(post_ids=post_ids, reasons=reasons, model_version_id=version_id)
