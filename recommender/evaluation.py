"""Offline evaluation on a global time split, exactly as DESIGN.md section 4 describes.

Two protocols share one split at cutoff T:
- catalogue: every test user gets k posts out of all posts eligible at T, minus what they saw before T;
- impressions: every test user's candidates are the distinct posts they were shown at or after T, re-ordered.
Recommenders are fitted on frames.before(T) only, so nothing after T can leak into them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Protocol

import numpy as np
import pandas as pd

from recommender.data import Frames

PROTOCOLS = ("catalogue", "impressions")
SEGMENTS = ("overall", "warm", "cold")
RANDOM_EXPECTED = "random_expected"


class Recommender(Protocol):
    name: str

    def fit(self, train: Frames, cutoff: datetime) -> None: ...

    def recommend(
        self,
        user_ids: np.ndarray,
        at: datetime,
        k: int,
        exclude: dict[int, set[int]],
        eligible_post_ids: np.ndarray,
    ) -> dict[int, list[int]]: ...

    def score(self, pairs: pd.DataFrame, at: datetime) -> np.ndarray: ...


def supports(recommender, protocol: str) -> bool:
    """A recommender may declare `protocols` (LikeRate only re-ranks impressions); default: both."""
    return protocol in getattr(recommender, "protocols", PROTOCOLS)


def split_cutoff(frames: Frames, test_fraction: float) -> datetime:
    """T = the (1 - test_fraction) quantile of the interaction (view and like) timestamps."""
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be between 0 and 1")
    times = frames.interaction_times()
    if times.empty:
        raise ValueError("no interactions to split")
    # The "lower" quantile: an actual interaction time, so the split point is reproducible from the data.
    position = int(np.floor((len(times) - 1) * (1 - test_fraction)))
    return times.sort_values(ignore_index=True).iloc[position].floor("us").to_pydatetime()


def top_k_excluding(order: np.ndarray, user_ids, k: int, exclude: dict[int, set[int]]) -> dict[int, list[int]]:
    """The first k posts of one global order for each user, skipping that user's excluded posts."""
    empty: set[int] = set()
    result = {}
    for user_id in user_ids:
        seen = exclude.get(int(user_id), empty)
        result[int(user_id)] = [int(p) for p in islice((p for p in order if p not in seen), k)]
    return result


@dataclass
class Split:
    cutoff: pd.Timestamp
    train: Frames
    seen_before: pd.DataFrame  # user_id, post_id: viewed or liked before T (distinct)
    shown_after: pd.DataFrame  # user_id, post_id: viewed at or after T (distinct)
    liked_after: pd.DataFrame  # user_id, post_id: liked at or after T (distinct)
    eligible_post_ids: np.ndarray
    warm_user_ids: np.ndarray
    popularity: pd.Series  # post_id -> share of train users who interacted with it (smoothed), for novelty
    # Content of every post shown at or after T (topic, author, community, creation time, text; no interactions):
    # the product knows a post's content when it ranks it, even when the post is newer than the model.
    shown_posts: pd.DataFrame


def make_split(frames: Frames, cutoff: datetime) -> Split:
    t = pd.Timestamp(cutoff)
    t = t.tz_convert("UTC") if t.tzinfo else t.tz_localize("UTC")
    interactions = pd.concat(
        [frames.views[["user_id", "post_id", "ts"]], frames.likes[["user_id", "post_id", "ts"]]], ignore_index=True
    )
    before = interactions[interactions["ts"] < t]
    seen_before = before[["user_id", "post_id"]].drop_duplicates()
    views_after = frames.views[frames.views["ts"] >= t]
    likes_after = frames.likes[frames.likes["ts"] >= t]
    # Eligible at T: created at or before T (the importer stores the first interaction when creation is unknown).
    eligible = frames.posts.loc[frames.posts["created_at"] <= t, "post_id"].to_numpy(np.int64)
    users_before = seen_before["user_id"].nunique()
    popularity = (seen_before.groupby("post_id").size() + 1) / (users_before + 1)
    return Split(
        cutoff=t,
        train=frames.before(t),
        seen_before=seen_before.reset_index(drop=True),
        shown_after=views_after[["user_id", "post_id"]].drop_duplicates().reset_index(drop=True),
        liked_after=likes_after[["user_id", "post_id"]].drop_duplicates().reset_index(drop=True),
        eligible_post_ids=eligible,
        warm_user_ids=np.unique(seen_before["user_id"].to_numpy(np.int64)),
        popularity=popularity,
        shown_posts=frames.posts[frames.posts["post_id"].isin(views_after["post_id"])].reset_index(drop=True),
    )


def _anti_join(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    merged = left.merge(right[["user_id", "post_id"]].drop_duplicates(), on=["user_id", "post_id"], how="left",
                        indicator=True)
    return merged[merged["_merge"] == "left_only"].drop(columns="_merge")


def _ranked_from_lists(recommendations: dict[int, list[int]], test_users: np.ndarray) -> pd.DataFrame:
    users = [u for u in test_users.tolist() if recommendations.get(u)]
    lengths = [len(recommendations[u]) for u in users]
    return pd.DataFrame({
        "user_id": np.repeat(np.asarray(users, dtype=np.int64), lengths),
        "post_id": np.asarray([p for u in users for p in recommendations[u]], dtype=np.int64),
    })


def _keep_top_k(ranked: pd.DataFrame, k: int) -> pd.DataFrame:
    ranked = ranked.drop_duplicates(["user_id", "post_id"]).copy()
    ranked["rank"] = ranked.groupby("user_id").cumcount()
    return ranked[ranked["rank"] < k].reset_index(drop=True)


def per_user_metrics(ranked: pd.DataFrame, relevant: pd.DataFrame, users: np.ndarray, k: int) -> pd.DataFrame:
    """hit, precision, recall and NDCG at k for each user. ranked: user_id, post_id, rank (0-based, < k)."""
    rel = relevant[["user_id", "post_id"]].drop_duplicates().assign(relevant=1)
    hits = ranked.merge(rel, on=["user_id", "post_id"], how="left").fillna({"relevant": 0})
    hits["gain"] = hits["relevant"] / np.log2(hits["rank"] + 2)
    by_user = hits.groupby("user_id").agg(hits=("relevant", "sum"), dcg=("gain", "sum"))
    n_relevant = rel.groupby("user_id").size()
    table = pd.DataFrame(index=pd.Index(users, name="user_id"))
    table["hits"] = by_user["hits"].reindex(table.index).fillna(0)
    table["dcg"] = by_user["dcg"].reindex(table.index).fillna(0)
    table["n_relevant"] = n_relevant.reindex(table.index).fillna(0)
    discounts = np.concatenate([[0.0], np.cumsum(1 / np.log2(np.arange(2, k + 2)))])
    ideal = discounts[np.minimum(table["n_relevant"].to_numpy(int), k)]
    table["hit"] = (table["hits"] > 0).astype(float)
    table["precision"] = table["hits"] / k
    table["recall"] = np.where(table["n_relevant"] > 0, table["hits"] / table["n_relevant"].clip(lower=1), 0.0)
    table["ndcg"] = np.where(ideal > 0, table["dcg"] / np.where(ideal > 0, ideal, 1), 0.0)
    return table


def expected_random_hitrate(n_candidates: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """Exact probability that a uniformly random order puts a relevant item in the top k: 1 - C(n-m,k)/C(n,k)."""
    n = np.asarray(n_candidates, dtype=float)
    m = np.asarray(n_relevant, dtype=float)
    miss = np.ones_like(n)
    for i in range(k):
        # C(n-m,k)/C(n,k) = prod_i (n-m-i)/(n-i) over the min(k, n) slots; a zero factor means a certain hit.
        miss *= np.where(i < n, np.clip((n - m - i) / np.maximum(n - i, 1), 0, None), 1.0)
    return 1 - miss


def bootstrap_ci(hits: np.ndarray, rng: np.random.Generator, n_resamples: int) -> tuple[float, float]:
    """95% bootstrap interval of a hit rate. Resampling n 0/1 values with replacement makes the resampled
    mean Binomial(n, observed rate)/n exactly, so it is drawn directly instead of materialising the samples."""
    n = len(hits)
    if n == 0 or n_resamples <= 0:
        return (float("nan"), float("nan"))
    means = rng.binomial(n, float(np.mean(hits)), size=n_resamples) / n
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def _segment_users(users: np.ndarray, warm_user_ids: np.ndarray) -> dict[str, np.ndarray]:
    warm = np.isin(users, warm_user_ids)
    return {"overall": users, "warm": users[warm], "cold": users[~warm]}


def _summaries(table, ranked, split, users, catalogue_size, rng, bootstrap) -> dict[str, dict]:
    result = {}
    for segment, segment_users in _segment_users(users, split.warm_user_ids).items():
        rows = table.loc[segment_users]
        shown = ranked[ranked["user_id"].isin(segment_users)]
        p = split.popularity.reindex(shown["post_id"]).fillna(1 / (split.seen_before["user_id"].nunique() + 1))
        low, high = bootstrap_ci(rows["hit"].to_numpy(), rng, bootstrap)
        result[segment] = {
            "n_users": int(len(segment_users)),
            "hitrate": _mean(rows["hit"]),
            "hitrate_ci_low": low,
            "hitrate_ci_high": high,
            "precision": _mean(rows["precision"]),
            "recall": _mean(rows["recall"]),
            "ndcg": _mean(rows["ndcg"]),
            "coverage": shown["post_id"].nunique() / catalogue_size if catalogue_size else float("nan"),
            "novelty": float(np.mean(-np.log2(p.to_numpy()))) if len(p) else float("nan"),
        }
    return result


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else float("nan")


def _catalogue(split: Split, recommenders, k, rng, bootstrap, hits: dict) -> dict:
    users = np.unique(split.liked_after["user_id"].to_numpy(np.int64))
    seen = split.seen_before[split.seen_before["user_id"].isin(users)]
    exclude = {int(u): set(posts.tolist()) for u, posts in seen.groupby("user_id")["post_id"]}
    eligible = split.eligible_post_ids
    relevant = _anti_join(split.liked_after[split.liked_after["post_id"].isin(eligible)], seen)
    result = {}
    for recommender in recommenders:
        lists = recommender.recommend(users, split.cutoff.to_pydatetime(), k, exclude, eligible)
        ranked = _ranked_from_lists(lists, users)
        # Whatever a recommender returns, only eligible, unseen posts count, and only the first k of them.
        ranked = _anti_join(ranked[ranked["post_id"].isin(eligible)], seen)
        ranked = _keep_top_k(ranked, k)
        table = per_user_metrics(ranked, relevant, users, k)
        result[recommender.name] = _summaries(table, ranked, split, users, len(eligible), rng, bootstrap)
        hits[recommender.name] = table["hit"]
    return result


def _impressions(split: Split, recommenders, k, rng, bootstrap, hits: dict) -> dict:
    shown = split.shown_after
    n_shown = shown.groupby("user_id").size()
    liked_users = split.liked_after["user_id"].unique()
    users = np.sort(n_shown[(n_shown > k) & n_shown.index.isin(liked_users)].index.to_numpy(np.int64))
    candidates = shown[shown["user_id"].isin(users)].sort_values(["user_id", "post_id"]).reset_index(drop=True)
    relevant = candidates.merge(split.liked_after, on=["user_id", "post_id"])
    catalogue_size = candidates["post_id"].nunique()
    # Pairs carry the shown post's content, as a feed request would; scores stay in the candidates' order.
    pairs = candidates.merge(split.shown_posts, on="post_id", how="left")
    result = {}
    for recommender in recommenders:
        scores = np.asarray(recommender.score(pairs.copy(), split.cutoff.to_pydatetime()), dtype=float)
        if scores.shape != (len(candidates),):
            raise ValueError(f"{recommender.name}.score returned {scores.shape}, expected ({len(candidates)},)")
        # Ties are broken at random so that a constant score is exactly a random order, not an id order.
        ordered = candidates.assign(score=np.nan_to_num(scores, nan=-np.inf), tie=rng.random(len(candidates)))
        ordered = ordered.sort_values(["user_id", "score", "tie"], ascending=[True, False, True])
        ranked = _keep_top_k(ordered[["user_id", "post_id"]], k)
        table = per_user_metrics(ranked, relevant, users, k)
        result[recommender.name] = _summaries(table, ranked, split, users, catalogue_size, rng, bootstrap)
        hits[recommender.name] = table["hit"]

    n_relevant = relevant.groupby("user_id").size().reindex(users).fillna(0).to_numpy()
    expected = pd.Series(expected_random_hitrate(n_shown.reindex(users).to_numpy(), n_relevant, k), index=users)
    result[RANDOM_EXPECTED] = {
        segment: {"n_users": int(len(segment_users)), "hitrate": _mean(expected.loc[segment_users])}
        for segment, segment_users in _segment_users(users, split.warm_user_ids).items()
    }
    return result


def evaluate(
    frames: Frames,
    recommenders: list,
    *,
    protocol: str = "both",
    cutoff: datetime | None = None,
    test_fraction: float = 0.2,
    k: int = 5,
    bootstrap: int = 1000,
    seed: int = 0,
    per_user: bool = False,
) -> dict:
    """Fit every recommender on the data before T and score it on one or both protocols.

    Returns {"meta": {...}, protocol: {recommender name: {segment: {metric: value}}}} where segment is
    overall/warm/cold and metrics are n_users, hitrate (+ hitrate_ci_low/high), precision, recall, ndcg,
    coverage, novelty; impressions also has "random_expected" (exact hit rate of a random order).
    per_user=True adds "per_user": {protocol: {"user_id": [...], "interactions_before": [...], name: [hit 0/1]}}
    (distinct posts each test user viewed or liked before T), e.g. to plot hit rate by activity; the figures
    are the same either way.
    """
    protocols = PROTOCOLS if protocol == "both" else (protocol,)
    if any(p not in PROTOCOLS for p in protocols):
        raise ValueError(f"unknown protocol {protocol!r}")
    split = make_split(frames, cutoff if cutoff is not None else split_cutoff(frames, test_fraction))
    for recommender in recommenders:
        if any(supports(recommender, p) for p in protocols):
            recommender.fit(split.train, split.cutoff.to_pydatetime())
    rng = np.random.default_rng(seed)
    result = {
        "meta": {
            "cutoff": split.cutoff.isoformat(),
            "k": k,
            "test_fraction": None if cutoff is None else test_fraction,
            "train_views": int(len(split.train.views)),
            "train_likes": int(len(split.train.likes)),
            "eligible_posts": int(len(split.eligible_post_ids)),
        }
    }
    runners = {"catalogue": _catalogue, "impressions": _impressions}
    hits = {name: {} for name in protocols}
    for name in protocols:
        chosen = [r for r in recommenders if supports(r, name)]
        result[name] = runners[name](split, chosen, k, rng, bootstrap, hits[name])
    if per_user:
        activity = split.seen_before.groupby("user_id").size()
        result["per_user"] = {}
        for name, by_recommender in hits.items():
            users = next(iter(by_recommender.values())).index if by_recommender else pd.Index([])
            result["per_user"][name] = {
                "user_id": users.tolist(),
                "interactions_before": activity.reindex(users).fillna(0).astype(int).tolist(),
                **{recommender: table.astype(int).tolist() for recommender, table in by_recommender.items()},
            }
    return _json_safe(result)


def _json_safe(value):
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


METRIC_COLUMNS = ("hitrate", "precision", "recall", "ndcg", "coverage", "novelty")


def format_tables(result: dict) -> str:
    """Plain-text tables, one per protocol: a row per recommender and segment."""
    k = result["meta"]["k"]
    lines = [f"cutoff {result['meta']['cutoff']}, k={k}"]
    header = f"{'recommender':<16}{'segment':<9}{'users':>7}  {f'hitrate@{k} [95% CI]':<24}" + "".join(
        f"{f'{m}@{k}' if m in ('precision', 'recall', 'ndcg') else m:>13}" for m in METRIC_COLUMNS[1:]
    )
    for protocol in PROTOCOLS:
        if protocol not in result:
            continue
        lines += ["", f"{protocol} protocol", header]
        for name, segments in result[protocol].items():
            for segment, metrics in segments.items():
                hit = metrics.get("hitrate")
                if hit is None:
                    hit_text = "-"
                elif "hitrate_ci_low" in metrics and metrics["hitrate_ci_low"] is not None:
                    hit_text = f"{hit:.3f} [{metrics['hitrate_ci_low']:.3f}, {metrics['hitrate_ci_high']:.3f}]"
                else:
                    hit_text = f"{hit:.3f}"
                others = "".join(
                    f"{'-' if metrics.get(m) is None else format(metrics[m], '.3f'):>13}" for m in METRIC_COLUMNS[1:]
                )
                lines.append(f"{name:<16}{segment:<9}{metrics['n_users']:>7}  {hit_text:<24}{others}")
    return "\n".join(lines)
