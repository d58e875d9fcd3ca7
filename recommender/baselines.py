"""Baselines the model must beat, fitted only on data before the cutoff (see evaluation.Recommender)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from recommender.data import Frames
from recommender.evaluation import top_k_excluding


class RandomRecommender:
    """What the feed did before the model: a uniformly random order."""

    name = "random"

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    def fit(self, train: Frames, cutoff: datetime) -> None:
        self.rng = np.random.default_rng(self.seed)

    def score(self, pairs: pd.DataFrame, at: datetime) -> np.ndarray:
        return self.rng.random(len(pairs))

    def recommend(self, user_ids, at, k, exclude, eligible_post_ids) -> dict[int, list[int]]:
        result = {}
        for user_id in user_ids:
            seen = exclude.get(int(user_id), set())
            # Draw enough extra posts to survive removing the seen ones.
            size = min(len(eligible_post_ids), k + len(seen))
            drawn = self.rng.choice(eligible_post_ids, size=size, replace=False) if size else []
            result[int(user_id)] = [int(p) for p in drawn if p not in seen][:k]
        return result


class _PostScoreRecommender:
    """A recommender whose score depends on the post only: one global order, minus each user's seen posts."""

    name = ""

    def __init__(self):
        self.post_scores = pd.Series(dtype=float)

    def score(self, pairs: pd.DataFrame, at: datetime) -> np.ndarray:
        return pairs["post_id"].map(self.post_scores).fillna(self.default_score()).to_numpy(dtype=float)

    def default_score(self) -> float:
        return 0.0

    def recommend(self, user_ids, at, k, exclude, eligible_post_ids) -> dict[int, list[int]]:
        eligible = pd.Series(eligible_post_ids, dtype=np.int64)
        scores = eligible.map(self.post_scores).fillna(self.default_score())
        # Highest score first; among equals the newer post (higher id) first.
        order = eligible.iloc[np.lexsort((-eligible.to_numpy(), -scores.to_numpy()))].to_numpy()
        return top_k_excluding(order, user_ids, k, exclude)


class MostPopular(_PostScoreRecommender):
    """Posts with the most likes before the cutoff."""

    name = "most_popular"

    def fit(self, train: Frames, cutoff: datetime) -> None:
        self.post_scores = train.likes.groupby("post_id").size().astype(float)


class RecentPopular(_PostScoreRecommender):
    """Posts with the most likes in the last tenth of the training period."""

    name = "recent_popular"
    window_share = 0.1

    def fit(self, train: Frames, cutoff: datetime) -> None:
        times = train.interaction_times()
        cutoff = pd.Timestamp(cutoff)
        start = times.min() if len(times) else cutoff
        recent = train.likes[train.likes["ts"] >= cutoff - (cutoff - start) * self.window_share]
        self.post_scores = recent.groupby("post_id").size().astype(float)


class LikeRate(_PostScoreRecommender):
    """Smoothed likes per view before the cutoff: (likes + a * global rate) / (views + a). Re-ranks impressions."""

    name = "like_rate"
    protocols = ("impressions",)
    prior_views = 20.0

    def __init__(self):
        super().__init__()
        self.global_rate = 0.0

    def fit(self, train: Frames, cutoff: datetime) -> None:
        views = train.views.drop_duplicates(["user_id", "post_id"]).groupby("post_id").size()
        likes = train.likes.drop_duplicates(["user_id", "post_id"]).groupby("post_id").size()
        views = views.reindex(views.index.union(likes.index), fill_value=0)
        # A like implies a view: count liked-but-unlogged views so the rate never exceeds 1.
        views = np.maximum(views, likes.reindex(views.index, fill_value=0))
        likes = likes.reindex(views.index, fill_value=0)
        self.global_rate = float(likes.sum() / views.sum()) if views.sum() else 0.0
        self.post_scores = (likes + self.prior_views * self.global_rate) / (views + self.prior_views)

    def default_score(self) -> float:
        return self.global_rate


def baseline_recommenders(seed: int = 0) -> list:
    return [RandomRecommender(seed=seed), MostPopular(), RecentPopular(), LikeRate()]
