"""Alternatives to the warm portfolio, measured on the same ten MovieLens development folds as docs/warm_orderings.py
(all before both test windows), so that the test windows never informed what was kept.

    DEBUG=1 DATABASE_URL=<db with ml-latest-small imported> .venv/bin/python docs/warm_variants.py

Each variant orders every warm validation person's eligible unseen posts; pooled hits@5 are compared with the product's
portfolio (`LightGBMRecommender.recommend`, same tables) by a one-sided sign test on the people exactly one of the two
hits. The learned variant is LightGBM over the union of the other orderings' top 50, trained on half of the people
and scored on the other half (three seeded halvings, hits averaged). A person's last visit is their last view or like
before the fold's cutoff. The walks, ALS and PureSVD are fitted on each fold's like matrix with their settings fixed
before measuring (PureSVD's rank 10 was added after a check of ranks 10, 20 and 50 on one fold). Writes
docs/results/warm_variants.json.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.linalg import svds
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
    PORTFOLIO,
    PROMOTION_K,
    LightGBMRecommender,
    best_positions,
    interactions_quantile,
    interleave,
)

K = PROMOTION_K
POOL = 50  # places each ordering offers the fusions and the learned variant
SVD_RANKS = (10, 50)
ALS_FACTORS = 50


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
        self.horizon = (at - start) * RECENT_SHARE
        events = pd.concat([split.train.views[["user_id", "ts"]], split.train.likes[["user_id", "ts"]]])
        self.last_visit = (events.groupby("user_id")["ts"].max().astype("int64") / 1e9).to_dict()
        likes = split.train.likes
        self.like_positions = tables.post_index(likes["post_id"].to_numpy(np.int64))
        self.like_times = likes["ts"].astype("int64").to_numpy() / 1e9
        self.walk = self._random_walk(rows)
        self.als_users, self.als_posts = _implicit_als(rows)
        # posts x rank: PureSVD scores a person's like row through V V'
        self.svd_posts = {rank: svds(rows.astype(np.float64), k=rank, random_state=0)[2].T for rank in SVD_RANKS}

    @staticmethod
    def _random_walk(likes: sp.csr_matrix):
        """Row-stochastic person -> post and post -> person steps over likes, and each post's like count, for the
        three-step walks P3alpha and RP3beta (Cooper et al. 2014; Paudel et al. 2017)."""
        def stochastic(matrix):
            totals = np.asarray(matrix.sum(axis=1)).ravel()
            return (sp.diags(1 / np.maximum(totals, 1)) @ matrix).tocsr()
        return stochastic(likes), stochastic(likes.T.tocsr()), np.asarray(likes.sum(axis=0)).ravel()

    def walk_scores(self, user: int, beta: float) -> np.ndarray:
        """Probability of a three-step walk person -> liked post -> its likers -> their likes, divided by the
        post's popularity to the power beta (beta 0 is P3alpha with alpha 1)."""
        to_posts, to_people, popularity = self.walk
        arrival = (to_posts[user] @ to_people @ to_posts).toarray().ravel()
        return arrival / np.maximum(popularity, 1) ** beta

    def likes_between(self, start: float, end: float) -> np.ndarray:
        keep = (self.like_times > start) & (self.like_times <= end) & (self.like_positions >= 0)
        return np.bincount(self.like_positions[keep], minlength=len(self.tables.post_ids)).astype(float)

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
        at, last_visit = self.cutoff.timestamp(), self.last_visit[user_id]
        since_visit = np.flatnonzero(allowed & (t.post_created > last_visit))
        recent = best_positions(candidates, self.recent, t.post_ids, POOL)
        ease = t.ease_scores(user)

        def padded(order):  # an ordering of few posts, then recent popularity for the places it cannot fill
            return np.concatenate([order, recent[~np.isin(recent, order)]])[:POOL]

        return {
            "since_visit_recent": padded(best_positions(since_visit, self.recent, t.post_ids, POOL)),
            "since_visit_ease": padded(top(ease, since_visit)),
            "likes_since_visit": top(self.likes_between(min(last_visit, at - self.horizon), at)),
            "likes_around_visit": top(self.likes_between(last_visit - 30 * 86400, last_visit + 30 * 86400)),
            "rp3beta": top(self.walk_scores(user, 0.5)),
            "p3alpha": top(self.walk_scores(user, 0.0)),
            "implicit_als": top(self.als_posts @ self.als_users[user]),
            **{f"pure_svd_{rank}": top(vectors @ (vectors.T @ t.liked[user].toarray().ravel()))
               for rank, vectors in self.svd_posts.items()},
            "ease": top(ease),
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


def _implicit_als(likes: sp.csr_matrix, factors: int = ALS_FACTORS, regularisation: float = 10.0,
                  confidence: float = 10.0, iterations: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Weighted matrix factorisation of 0/1 likes (Hu, Koren, Volinsky 2008): every pair weighs 1, a like
    1 + confidence; alternating exact least squares, each side's solves batched (A_i = Y'Y + confidence * sum over
    its likes of y y' + regularisation I)."""
    rng = np.random.default_rng(0)
    users = rng.normal(0, 0.01, (likes.shape[0], factors))
    posts = rng.normal(0, 0.01, (likes.shape[1], factors))
    by_post = likes.T.tocsr().astype(np.float64)
    ridge = regularisation * np.eye(factors)

    def solve(matrix, other):
        outer = np.einsum("ij,ik->ijk", other, other).reshape(len(other), -1)
        systems = (other.T @ other + ridge)[None] + confidence * (matrix @ outer).reshape(-1, factors, factors)
        return np.linalg.solve(systems, (1 + confidence) * (matrix @ other)[..., None])[..., 0]

    for _ in range(iterations):
        users = solve(likes.astype(np.float64), posts)
        posts = solve(by_post, users)
    return users, posts


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


def alone(source: str):
    return lambda fold, sources: sources[source][:K]


def portfolio_with(place: int, source: str):
    """The product's portfolio with one of its places (0-based) filled from another ordering."""
    orders = PORTFOLIO[:place] + (source,) + PORTFOLIO[place + 1:]
    return lambda fold, sources: interleave([sources[name] for name in orders], K)


VARIANTS = {
    "ease": alone("ease"),
    "seen_like": alone("seen_like"),
    "seen_ease (no like rate)": alone("seen_ease"),
    "recent_popular": alone("recent_popular"),
    "likes per day (age + 30 d)": alone("likes_per_day_30"),
    "user kNN (50 by likes)": alone("user_knn_50"),
    "what others saw next after their last 20": alone("next_after_last_20"),
    "popular in their topics (like share x log likes)": alone("popular_in_their_topics"),
    "portfolio, what others saw next for 4th place": portfolio_with(3, "next_after_last_20"),
    "fusion of ease, seen_like, recent, popular": lambda fold, s: fused(
        s, ("ease", "seen_like", "recent_popular", "popular")),
    "diversified (MMR 1.0)": lambda fold, s: diversified(fold, s, 1.0),
    "portfolio, popular for recent": portfolio_with(4, "popular"),
    "portfolio, likes per day for recent": portfolio_with(4, "likes_per_day_30"),
    "portfolio, fresh EASE for 4th place": portfolio_with(3, "ease_fresh"),
    "portfolio, fresh EASE for recent": portfolio_with(4, "ease_fresh"),
    "new since their last visit, by recent likes": alone("since_visit_recent"),
    "new since their last visit, by EASE": alone("since_visit_ease"),
    "likes since their last visit (at least the recent horizon)": alone("likes_since_visit"),
    "likes within 30 days of their last visit": alone("likes_around_visit"),
    "RP3beta (beta 0.5)": alone("rp3beta"),
    "P3alpha (alpha 1)": alone("p3alpha"),
    "implicit ALS (50 factors)": alone("implicit_als"),
    "PureSVD (rank 50)": alone("pure_svd_50"),
    "PureSVD (rank 10)": alone("pure_svd_10"),
    "portfolio, new-since-visit EASE for 4th place": portfolio_with(3, "since_visit_ease"),
    "portfolio, new-since-visit recent for recent": portfolio_with(4, "since_visit_recent"),
    "portfolio, likes since their last visit for recent": portfolio_with(4, "likes_since_visit"),
    "portfolio, RP3beta for 3rd place": portfolio_with(2, "rp3beta"),
    "portfolio, implicit ALS for 3rd place": portfolio_with(2, "implicit_als"),
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
