"""Candidate posts for one user, merged from several sources, before the ranker orders them."""

from dataclasses import dataclass

import numpy as np

from .features import POST_NUMERIC, FeatureTables, row_entries, rows_indices

LIKES_RECENT = POST_NUMERIC.index("likes_recent")
LIKES_DECAYED = POST_NUMERIC.index("likes_decayed")


@dataclass(frozen=True)
class CandidateMix:
    """How many posts each source contributes (before removing seen and ineligible posts)."""

    recent_popular: int = 100
    popular: int = 50
    colike: int = 100
    content: int = 60
    followed: int = 40
    communities: int = 40
    cohort: int = 50
    ease: int = 100

    @property
    def total(self) -> int:
        return sum(vars(self).values())


def _top(scores: np.ndarray, n: int, allowed: np.ndarray) -> np.ndarray:
    """Positions of the n highest scores among allowed posts (unordered)."""
    scores = np.where(allowed, scores, -np.inf)
    n = min(n, int(allowed.sum()))
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, n - 1)[:n]
    return top[np.isfinite(scores[top])]


def _newest(posts: np.ndarray, tables: FeatureTables, n: int, allowed: np.ndarray) -> np.ndarray:
    posts = posts[allowed[posts]]
    if len(posts) <= n:
        return posts
    return posts[np.argsort(-tables.post_created[posts])[:n]]


def candidate_posts(
    tables: FeatureTables, user: int, allowed: np.ndarray, mix: CandidateMix = CandidateMix()
) -> np.ndarray:
    """Post positions worth ranking for the user at `user` position; `allowed` masks out seen/ineligible posts."""
    numeric = tables.post_numeric
    sources = [
        _top(numeric[:, LIKES_RECENT] + 1e-3 * numeric[:, LIKES_DECAYED], mix.recent_popular, allowed),
        _top(numeric[:, LIKES_DECAYED], mix.popular, allowed),
    ]
    if tables.user_numeric[user, 1] > 0:  # has liked something: personal sources
        sources.append(_top(tables.post_factors @ tables.user_factors[user], mix.colike, allowed))
        sources.append(_top(tables.post_text @ tables.user_text[user], mix.content, allowed))
        ease = tables.ease_scores(user)
        sources.append(_top(ease, mix.ease, allowed & (ease > 0)))
    followed_authors, _ = row_entries(tables.follows, user)
    if len(followed_authors):
        sources.append(_newest(rows_indices(tables.author_posts, followed_authors), tables, mix.followed, allowed))
    communities, _ = row_entries(tables.member, user)
    if len(communities):
        sources.append(_newest(rows_indices(tables.community_posts, communities), tables, mix.communities, allowed))
    cohort_posts, cohort_likes = row_entries(tables.cohort_likes, tables.user_cohort[user])
    if len(cohort_posts):
        cohort_scores = np.zeros(len(tables.post_ids), dtype=np.float32)
        cohort_scores[cohort_posts] = cohort_likes
        sources.append(_top(cohort_scores, mix.cohort, allowed & (cohort_scores > 0)))
    return np.unique(np.concatenate(sources))
