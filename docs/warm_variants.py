"""Alternatives to the warm portfolio, measured on the same ten MovieLens development folds as docs/warm_orderings.py
(all before both test windows), so that the test windows never informed what was kept.

    DEBUG=1 DATABASE_URL=<db with ml-latest-small imported> .venv/bin/python docs/warm_variants.py

Each variant orders every warm validation person's eligible unseen posts; pooled hits@5 are compared with the product's
portfolio (`LightGBMRecommender.recommend`, same tables) by a one-sided sign test on the people exactly one of the two
hits. The learned variant is LightGBM over the union of the other orderings' top 50, trained on half of the people
and scored on the other half (three seeded halvings, hits averaged). Writes docs/results/warm_variants.json.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import binomtest

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import django  # noqa: E402

django.setup()

import lightgbm as lgb  # noqa: E402
from warm_orderings import DEVELOPMENT_SHARES, EARLIEST_TEST_FRACTION  # noqa: E402

from recommender.data import load_frames  # noqa: E402
from recommender.evaluation import make_split, split_cutoff  # noqa: E402
from recommender.features import POST_NUMERIC, RECENT_SHARE, _ease_scores, build_tables, row_entries  # noqa: E402
from recommender.ranker import (  # noqa: E402
    PROMOTION_K,
    LightGBMRecommender,
    best_positions,
    interactions_quantile,
    interleave,
)

K = PROMOTION_K
POOL = 50  # places each ordering offers the fusions and the learned variant


class Fold:
    """One development fold: tables at its cutoff, and per warm person what they may be shown and what they liked."""

    def __init__(self, train, cutoff):
        split = make_split(train, cutoff)
        self.cutoff, self.train = cutoff, split.train
        self.tables = tables = build_tables(split.train, cutoff)
        users = np.unique(split.liked_after["user_id"].to_numpy(np.int64))
        self.users = users[np.isin(users, split.warm_user_ids)]
        seen = split.seen_before[split.seen_before["user_id"].isin(self.users)]
        self.exclude = {int(u): set(p.tolist()) for u, p in seen.groupby("user_id")["post_id"]}
        self.liked = {int(u): set(p.tolist()) for u, p in split.liked_after.groupby("user_id")["post_id"]}
        self.eligible_ids = split.eligible_post_ids
        self.eligible = np.zeros(len(tables.post_ids), dtype=bool)
        positions = tables.post_index(split.eligible_post_ids)
        self.eligible[positions[positions >= 0]] = True
        numeric = {name: tables.post_numeric[:, POST_NUMERIC.index(name)] for name in POST_NUMERIC}
        self.likes, self.recent, self.decayed = numeric["likes"], numeric["likes_recent"], numeric["likes_decayed"]
        at = cutoff.timestamp()
        self.age_days = np.maximum(at - tables.post_created, 0) / 86400
        start = split.train.interaction_times().min().timestamp()
        self.fresh = at - tables.post_created <= (at - start) * RECENT_SHARE  # recent_popular's horizon
        columns = tables.seen.T.tocsr().astype(np.float32)
        norms = np.sqrt(np.asarray(columns.multiply(columns).sum(axis=1)).ravel())
        self.post_vectors = (sp.diags(1 / np.maximum(norms, 1e-9)) @ columns).tocsr()  # for diversity
        self.transitions, self.histories = self._transitions(split.train, window=20)
        rows = tables.liked.astype(np.float32)
        norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
        self.user_vectors = (sp.diags(1 / np.maximum(norms, 1e-9)) @ rows).tocsr()  # for user-kNN

    def _transitions(self, train, window: int):
        """P(post b among the next `window` a person sees after post a), from everyone's time-ordered history."""
        views = train.views.sort_values(["user_id", "ts"])
        users, posts = views["user_id"].to_numpy(), self.tables.post_index(views["post_id"].to_numpy())
        sources, targets = [], []
        for step in range(1, window + 1):
            keep = (users[step:] == users[:-step]) & (posts[step:] >= 0) & (posts[:-step] >= 0)
            sources.append(posts[:-step][keep])
            targets.append(posts[step:][keep])
        sources, targets = np.concatenate(sources), np.concatenate(targets)
        n = len(self.tables.post_ids)
        counts = sp.csr_matrix((np.ones(len(sources), np.float32), (sources, targets)), shape=(n, n))
        totals = np.maximum(np.asarray(counts.sum(axis=1)).ravel(), 1)
        histories = {int(user): self.tables.post_index(group.to_numpy())
                     for user, group in views.groupby("user_id")["post_id"]}
        return (sp.diags(1 / totals) @ counts).tocsr(), histories

    def allowed(self, user_id: int) -> np.ndarray:
        allowed = self.eligible.copy()
        excluded = self.tables.post_index(np.fromiter(self.exclude.get(user_id, ()), dtype=np.int64))
        allowed[excluded[excluded >= 0]] = False
        return allowed

    def sources(self, user_id: int, user: int, allowed: np.ndarray) -> dict[str, np.ndarray]:
        """The top POOL positions of each simple ordering for one person, best first."""
        t, candidates = self.tables, np.flatnonzero(allowed)
        last_seen = self.histories[user_id][-20:]

        def top(values, among=candidates):
            return best_positions(among, np.asarray(values, dtype=float), self.likes, POOL)

        seen_only = _ease_scores(t.seen, user, t.seen_ease_posts, t.seen_ease_weights, len(t.post_ids))
        similarity = (self.user_vectors @ self.user_vectors[user].T).toarray().ravel()
        similarity[user] = 0
        neighbours = np.argpartition(-similarity, 50)[:50]
        return {
            "ease": top(t.ease_scores(user)),
            "seen_like": top(t.seen_like_scores(user)),
            "recent_popular": best_positions(candidates, self.recent, t.post_ids, POOL),
            "popular": best_positions(candidates, self.likes, t.post_ids, POOL),
            "seen_ease": top(seen_only),
            "user_knn_50": top(np.asarray(t.liked[neighbours].T @ similarity[neighbours]).ravel()),
            "likes_per_day_30": top(self.likes / (self.age_days + 30)),
            "ease_fresh": top(t.ease_scores(user), np.flatnonzero(allowed & self.fresh)),
            "next_after_last_20": top(np.asarray(self.transitions[last_seen[last_seen >= 0]].sum(axis=0)).ravel()),
            "popular_in_their_topics": top(t.user_topic_share[user][t.post_topic] * np.log1p(self.likes)),
        }


def fused(sources: dict, names, smoothing: int = 10) -> np.ndarray:
    """Reciprocal rank fusion of several orderings."""
    scores: dict[int, float] = {}
    for name in names:
        for rank, position in enumerate(sources[name]):
            scores[position] = scores.get(position, 0.0) + 1 / (smoothing + rank)
    return np.array(sorted(scores, key=lambda p: -scores[p]))[:K]


def diversified(fold: Fold, sources: dict, strength: float) -> np.ndarray:
    """Maximal marginal relevance over the fusion of EASE, seen-like and recent popularity: each place goes to the
    most relevant post least like those already placed (cosine of who saw them)."""
    names = ("ease", "seen_like", "recent_popular")
    scores: dict[int, float] = {}
    for name in names:
        for rank, position in enumerate(sources[name][:30]):
            scores[position] = scores.get(position, 0.0) + 1 / (5 + rank)
    candidates = np.array(list(scores))
    relevance = np.array([scores[p] for p in candidates])
    relevance /= relevance.max()
    vectors = fold.post_vectors[candidates]
    similarity = (vectors @ vectors.T).toarray()
    chosen, closest = [], np.zeros(len(candidates))
    for _ in range(K):
        value = relevance - strength * closest
        value[chosen] = -np.inf
        chosen.append(int(np.argmax(value)))
        closest = np.maximum(closest, similarity[chosen[-1]])
    return candidates[chosen]


VARIANTS = {
    "ease": lambda fold, s: s["ease"][:K],
    "seen_like": lambda fold, s: s["seen_like"][:K],
    "seen_ease (no like rate)": lambda fold, s: s["seen_ease"][:K],
    "recent_popular": lambda fold, s: s["recent_popular"][:K],
    "likes per day (age + 30 d)": lambda fold, s: s["likes_per_day_30"][:K],
    "user kNN (50 by likes)": lambda fold, s: s["user_knn_50"][:K],
    "what others saw next after their last 20": lambda fold, s: s["next_after_last_20"][:K],
    "popular in their topics (like share x log likes)": lambda fold, s: s["popular_in_their_topics"][:K],
    "portfolio, what others saw next for 4th place": lambda fold, s: interleave(
        [s[n] for n in ("ease", "seen_like", "ease", "next_after_last_20", "recent_popular")], K),
    "fusion of ease, seen_like, recent, popular": lambda fold, s: fused(
        s, ("ease", "seen_like", "recent_popular", "popular")),
    "diversified (MMR 1.0)": lambda fold, s: diversified(fold, s, 1.0),
    "portfolio, popular for recent": lambda fold, s: interleave(
        [s[n] for n in ("ease", "seen_like", "ease", "seen_like", "popular")], K),
    "portfolio, likes per day for recent": lambda fold, s: interleave(
        [s[n] for n in ("ease", "seen_like", "ease", "seen_like", "likes_per_day_30")], K),
    "portfolio, fresh EASE for 4th place": lambda fold, s: interleave(
        [s[n] for n in ("ease", "seen_like", "ease", "ease_fresh", "recent_popular")], K),
    "portfolio, fresh EASE for recent": lambda fold, s: interleave(
        [s[n] for n in ("ease", "seen_like", "ease", "seen_like", "ease_fresh")], K),
}


def learned_rows(fold: Fold, user_id: int, user: int, sources: dict) -> pd.DataFrame:
    """Candidates (union of the orderings' tops) with their ranks in each, post popularity and age, and the
    person's activity and recency, labelled by whether the person liked them after the cutoff."""
    candidates = np.unique(np.concatenate(list(sources.values())))
    features = {}
    for name, order in sources.items():
        rank = np.full(len(fold.tables.post_ids), 2.0 * POOL)
        rank[order] = np.arange(len(order))
        features[f"rank_{name}"] = rank[candidates]
    features.update(likes=fold.likes[candidates], recent=fold.recent[candidates], decayed=fold.decayed[candidates],
                    age_days=fold.age_days[candidates])
    views = fold.train.views[fold.train.views["user_id"] == user_id]["ts"]
    features["days_since_last"] = np.full(len(candidates), (fold.cutoff - views.max()).total_seconds() / 86400)
    features["seen"] = np.full(len(candidates), len(row_entries(fold.tables.seen, user)[0]))
    features["liked"] = np.full(len(candidates), len(row_entries(fold.tables.liked, user)[0]))
    liked = fold.tables.post_index(np.fromiter(fold.liked[user_id], dtype=np.int64))
    return pd.DataFrame({**features, "label": np.isin(candidates, liked), "user_id": user_id})


def learned_hits(groups: list[pd.DataFrame], seeds=(0, 1, 2)) -> np.ndarray:
    """Mean hit per group over seeded halvings of the people: fit on one half's groups, score the other's."""
    person = np.array([int(g["user_id"].iloc[0]) for g in groups])
    hits = np.zeros(len(groups))
    for seed in seeds:
        people = np.unique(person)
        held_out = np.isin(person, np.random.default_rng(seed).choice(people, len(people) // 2, replace=False))
        for scored in (held_out, ~held_out):
            fit = pd.concat([g for g, s in zip(groups, scored, strict=True) if not s])
            features = [c for c in fit.columns if c not in ("label", "user_id")]
            model = lgb.LGBMClassifier(n_estimators=100, learning_rate=0.05, num_leaves=7, min_child_samples=100,
                                       subsample=0.8, subsample_freq=1, colsample_bytree=0.8, random_state=0,
                                       verbose=-1)
            model.fit(fit[features], fit["label"])
            for index in np.flatnonzero(scored):
                group = groups[index]
                order = np.argsort(-model.predict_proba(group[features])[:, 1])[:K]
                hits[index] += group["label"].to_numpy()[order].any() / len(seeds)
    return hits


def main():
    frames = load_frames()
    development = make_split(frames, split_cutoff(frames, EARLIEST_TEST_FRACTION)).train
    hits = {name: [] for name in ("portfolio", *VARIANTS)}
    groups = []
    for share in DEVELOPMENT_SHARES:
        fold = Fold(development, interactions_quantile(development, 1 - share))
        product = LightGBMRecommender()
        product.tables = fold.tables
        portfolio = product.recommend(fold.users, fold.cutoff, K, fold.exclude, fold.eligible_ids,
                                      strategies={"warm": "portfolio", "cold": "popular"})
        for user_id in fold.users.tolist():
            liked = fold.liked[user_id]
            hits["portfolio"].append(bool(liked & set(portfolio[user_id])))
            user = int(fold.tables.user_index([user_id])[0])
            sources = fold.sources(user_id, user, fold.allowed(user_id))
            for name, variant in VARIANTS.items():
                hits[name].append(bool(liked & set(fold.tables.post_ids[variant(fold, sources)].tolist())))
            groups.append(learned_rows(fold, user_id, user, sources))
    results = {name: np.array(h, dtype=float) for name, h in hits.items()}
    results["learned (LightGBM over the orderings, half the people)"] = learned_hits(groups)
    default = results["portfolio"]
    report = {}
    print(f"{len(default)} warm people over {len(DEVELOPMENT_SHARES)} development folds; against the portfolio:")
    for name, values in sorted(results.items(), key=lambda item: -item[1].sum()):
        wins, losses = int((values > default).sum()), int((values < default).sum())
        p_value = binomtest(wins, wins + losses, 0.5, alternative="greater").pvalue if wins + losses else 1.0
        report[name] = {"hits": round(float(values.sum()), 2), "wins": wins, "losses": losses, "p_value": p_value}
        print(f"  {name:52} hits {values.sum():6.1f}  wins {wins:3}  losses {losses:3}  p {p_value:.3f}")
    (DOCS / "results" / "warm_variants.json").write_text(json.dumps({"people": len(default), **report}, indent=1))


if __name__ == "__main__":
    main()
