"""Features for ranking (user, post) pairs, computed from what was known at one time.

`build_tables(frames, at)` turns Frames (already cut to data before `at`) into arrays and sparse matrices indexed
by user and post position; `pair_features(tables, users, posts, at)` then builds the feature matrix of any list of
pairs with numpy alone, which is what makes ranking one user's candidates take milliseconds.
"""

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.linalg import lapack
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from threadpoolctl import threadpool_limits

from .data import Frames

PROFILE_CATEGORIES = ("gender", "country", "occupation", "os", "source")
AGE_BINS = (0, 18, 25, 35, 45, 55, 200)
TEXT_DIMENSIONS = 32
FACTOR_DIMENSIONS = 32
# Share of the observed period over which popularity halves, and the window that counts as "recent".
HALF_LIFE_SHARE = 0.1
RECENT_SHARE = 0.1
# Pseudo-counts that pull rates of rarely seen posts, topics and cohorts towards the global rate.
PRIOR_VIEWS = 20.0
PRIOR_TOPIC_VIEWS = 5.0
PRIOR_COHORT_VIEWS = 10.0
# Empirical-Bayes pseudo-views: a cohort's topic rate leans on the topic's rate, a person's topic rate on their
# cohort's, a post's and an author's rate on what their viewers would have liked on average.
PRIOR_COHORT_TOPIC_VIEWS = 50.0
PRIOR_USER_TOPIC_VIEWS = 8.0
PRIOR_POST_EXPECTED_LIKES = 2.0
PRIOR_AUTHOR_EXPECTED_LIKES = 5.0
RESIDUAL_FACTOR_DIMENSIONS = 16
# EASE (Steck 2019): a closed-form item-item ridge regression on the like matrix, over the most liked posts only
# (the Gram matrix is dense); lambda and the minimum were chosen on validation folds before the cutoff.
EASE_MAX_POSTS = 2000
EASE_MIN_USERS = 5
EASE_LAMBDA = 100.0
# The same regression on everything seen (what people look at next, liked or not): more rows per post, so a
# stronger prior; chosen on the MovieLens development folds (docs/warm_orderings.py).
SEEN_EASE_LAMBDA = 200.0

POST_NUMERIC = (
    "text_length",
    "likes",
    "views",
    "likes_decayed",
    "likes_recent",
    "like_rate",
    "author_likes_per_post",
    "comments",
    "reposts",
    "post_lift",
    "author_lift",
    "author_like_rate",
)
USER_NUMERIC = ("age", "user_likes", "user_views", "user_like_rate")
PAIR_FEATURES = (
    "post_age_hours",
    "text_similarity",
    "topic_like_share",
    "topic_like_rate",
    "colike_score",
    "liked_author",
    "viewed_author",
    "follows_author",
    "in_community",
    "messaged_author",
    "engaged_author",
    "cohort_like_share",
    "cohort_like_rate",
    "cohort_topic_rate",
    "user_topic_lift",
    "expected_like_rate",
    "residual_score",
    "ease_score",
)
FEATURE_NAMES = ("topic", *PROFILE_CATEGORIES, *POST_NUMERIC, *USER_NUMERIC, *PAIR_FEATURES)
CATEGORICAL_FEATURES = ("topic", *PROFILE_CATEGORIES)


@dataclass
class FeatureTables:
    at: pd.Timestamp
    post_ids: np.ndarray  # a post's position is its index in every post array
    post_order: np.ndarray  # argsort of post_ids (posts added by with_posts() come after the sorted ones)
    user_ids: np.ndarray  # sorted; position len(user_ids) is the blank row of users unknown at `at`
    topics: np.ndarray
    community_ids: np.ndarray
    post_topic: np.ndarray
    post_created: np.ndarray  # epoch seconds
    post_numeric: np.ndarray
    post_text: np.ndarray  # unit vectors
    post_factors: np.ndarray
    post_residual_factors: np.ndarray
    post_author: np.ndarray  # user position
    post_community: np.ndarray  # community position, -1 for none
    user_profile: np.ndarray  # category codes, NaN unknown
    user_numeric: np.ndarray
    user_topic_share: np.ndarray
    user_topic_rate: np.ndarray  # smoothed towards the cohort's topic rate
    user_text: np.ndarray  # unit vectors of what they liked
    user_factors: np.ndarray
    user_residual_factors: np.ndarray
    user_cohort: np.ndarray
    cohort_topic_rate: np.ndarray  # cohort x topic, smoothed towards the topic's rate
    topic_rate: np.ndarray
    cohort_likes: sp.csr_matrix  # cohort x post
    cohort_views: sp.csr_matrix
    cohort_size: np.ndarray
    global_like_rate: float
    post_like_rate: np.ndarray
    follows: sp.csr_matrix  # user x user
    messaged: sp.csr_matrix
    engaged: sp.csr_matrix  # comments and reposts on the author's posts
    liked_author: sp.csr_matrix
    viewed_author: sp.csr_matrix
    member: sp.csr_matrix  # user x community
    author_posts: sp.csr_matrix  # user x post
    community_posts: sp.csr_matrix  # community x post
    seen: sp.csr_matrix  # user x post: viewed or liked before `at`
    liked: sp.csr_matrix  # user x post
    text_model: tuple | None = None  # (TfidfVectorizer, TruncatedSVD) that made post_text, for posts added later
    author_numeric: np.ndarray | None = None  # per user position: author_lift, author_like_rate
    ease_posts: np.ndarray | None = None  # post positions the EASE weights cover
    ease_weights: np.ndarray | None = None  # len(ease_posts) x len(ease_posts)
    seen_ease_posts: np.ndarray | None = None  # the same, fitted on everything seen rather than liked
    seen_ease_weights: np.ndarray | None = None

    def ease_scores(self, user: int) -> np.ndarray:
        """EASE score of every post for one user position, from what they liked (0 outside the covered posts)."""
        return _ease_scores(self.liked, user, self.ease_posts, self.ease_weights, len(self.post_ids))

    def seen_like_scores(self, user: int) -> np.ndarray:
        """How likely one user position is to see and like each post: EASE over everything they saw (what they
        will look at next) times the post's like rate (whether a look turns into a like)."""
        seen = _ease_scores(self.seen, user, self.seen_ease_posts, self.seen_ease_weights, len(self.post_ids))
        return np.maximum(seen, 0) * self.post_like_rate

    @property
    def blank_user(self) -> int:
        return len(self.user_ids)

    def user_index(self, user_ids) -> np.ndarray:
        return _positions(self.user_ids, np.asarray(user_ids, dtype=np.int64), missing=self.blank_user)

    def post_index(self, post_ids) -> np.ndarray:
        return _positions(self.post_ids, np.asarray(post_ids, dtype=np.int64), missing=-1, sorter=self.post_order)

    def with_posts(self, posts: pd.DataFrame) -> "FeatureTables":
        """These tables plus posts known by their content only (created after `at`: no views or likes yet).

        posts: post_id, author_id, topic, community_id, created_at, text; posts already known are ignored.
        """
        posts = posts.drop_duplicates("post_id")
        posts = posts[self.post_index(posts["post_id"].to_numpy(np.int64)) < 0].sort_values("post_id")
        if posts.empty:
            return self
        n_new = len(posts)
        n_posts = len(self.post_ids) + n_new
        post_ids = np.concatenate([self.post_ids, posts["post_id"].to_numpy(np.int64)])
        topic = pd.Categorical(posts["topic"].fillna("").astype(str), categories=self.topics).codes.astype(np.int64)
        # A topic never seen before has no rates: it borrows the first topic's slot only for lookups of zeros.
        unknown_topic = topic < 0
        topic = np.where(unknown_topic, 0, topic)
        author = self.user_index(posts["author_id"].fillna(-1).to_numpy(np.int64))
        numeric = np.zeros((n_new, len(POST_NUMERIC)), dtype=np.float32)
        numeric[:, POST_NUMERIC.index("text_length")] = posts["text"].fillna("").str.len().to_numpy()
        numeric[:, POST_NUMERIC.index("like_rate")] = np.where(
            unknown_topic, self.global_like_rate, self.topic_rate[topic]
        )
        numeric[:, POST_NUMERIC.index("post_lift")] = 1.0
        numeric[:, POST_NUMERIC.index("author_likes_per_post")] = self.author_likes_per_post[author]
        numeric[:, POST_NUMERIC.index("author_lift")] = self.author_numeric[author, 0]
        numeric[:, POST_NUMERIC.index("author_like_rate")] = self.author_numeric[author, 1]
        community = _positions(self.community_ids, posts["community_id"].fillna(-1).to_numpy(np.int64), missing=-1)
        text = (
            _text_transform(self.text_model, posts["text"])
            if self.text_model is not None
            else np.zeros((n_new, self.post_text.shape[1]), dtype=np.float32)
        )

        def wider(matrix: sp.csr_matrix) -> sp.csr_matrix:
            return sp.hstack([matrix, sp.csr_matrix((matrix.shape[0], n_new), dtype=matrix.dtype)], format="csr")

        return replace(
            self,
            post_ids=post_ids,
            post_order=np.argsort(post_ids, kind="stable"),
            post_topic=np.concatenate([self.post_topic, topic]),
            post_created=np.concatenate([self.post_created, _seconds(posts["created_at"])]),
            post_numeric=np.concatenate([self.post_numeric, numeric]),
            post_text=np.concatenate([self.post_text, text]),
            post_factors=np.concatenate([self.post_factors, np.zeros((n_new, self.post_factors.shape[1]), np.float32)]),
            post_residual_factors=np.concatenate(
                [self.post_residual_factors, np.zeros((n_new, self.post_residual_factors.shape[1]), np.float32)]
            ),
            post_author=np.concatenate([self.post_author, author]),
            post_community=np.concatenate([self.post_community, community]),
            post_like_rate=np.concatenate([self.post_like_rate, numeric[:, POST_NUMERIC.index("like_rate")]]),
            cohort_likes=wider(self.cohort_likes),
            cohort_views=wider(self.cohort_views),
            author_posts=_matrix(
                np.concatenate([self.author_posts.tocoo().row, author]),
                np.concatenate([self.author_posts.tocoo().col, np.arange(len(self.post_ids), n_posts)]),
                (self.author_posts.shape[0], n_posts),
            ),
            community_posts=_matrix(
                np.concatenate([self.community_posts.tocoo().row, community]),
                np.concatenate([self.community_posts.tocoo().col, np.arange(len(self.post_ids), n_posts)]),
                (self.community_posts.shape[0], n_posts),
            ),
            seen=wider(self.seen),
            liked=wider(self.liked),
        )

    @property
    def author_likes_per_post(self) -> np.ndarray:
        return self.author_numeric[:, 2]


def _positions(sorted_ids: np.ndarray, ids: np.ndarray, *, missing: int, sorter=None) -> np.ndarray:
    if len(sorted_ids) == 0:
        return np.full(len(ids), missing, dtype=np.int64)
    found = np.searchsorted(sorted_ids, ids, sorter=sorter).clip(0, len(sorted_ids) - 1)
    positions = found if sorter is None else sorter[found]
    return np.where(sorted_ids[positions] == ids, positions, missing).astype(np.int64)


def _codes(values: pd.Series, vocabulary: np.ndarray) -> np.ndarray:
    codes = pd.Categorical(values, categories=vocabulary).codes.astype(np.float32)
    codes[codes < 0] = np.nan
    return codes


def _matrix(rows: np.ndarray, cols: np.ndarray, shape, values=None) -> sp.csr_matrix:
    keep = (rows >= 0) & (cols >= 0)
    data = np.ones(keep.sum(), dtype=np.float32) if values is None else np.asarray(values, np.float32)[keep]
    return sp.csr_matrix((data, (rows[keep], cols[keep])), shape=shape, dtype=np.float32)


def _sorted_csr(matrix) -> sp.csr_matrix:
    """CSR with sorted column indices: scipy looks up (row, col) pairs by binary search only then, and a matrix
    product leaves them unsorted (2.6 instead of 0.1 CPU s for 2,000,000 lookups at medium)."""
    matrix = matrix.tocsr()
    matrix.sort_indices()
    return matrix


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1)).astype(np.float32)


def _text_vectors(texts: pd.Series) -> tuple[np.ndarray, tuple | None]:
    """TF-IDF reduced by truncated SVD to a short unit vector per post (zeros when there is no usable text),
    and the fitted (vectoriser, svd) pair that turns later posts' texts into the same space."""
    vectors = np.zeros((len(texts), TEXT_DIMENSIONS), dtype=np.float32)
    try:
        tfidf = TfidfVectorizer(max_features=20000, min_df=2, sublinear_tf=True, stop_words="english")
        weights = tfidf.fit_transform(texts.fillna("").astype(str))
    except ValueError:  # empty vocabulary
        return vectors, None
    dimensions = min(TEXT_DIMENSIONS, weights.shape[1] - 1, weights.shape[0] - 1)
    if dimensions < 1:
        return vectors, None
    svd = TruncatedSVD(n_components=dimensions, random_state=0)
    vectors[:, :dimensions] = svd.fit_transform(weights)
    return _unit_rows(vectors), (tfidf, svd)


def _text_transform(text_model: tuple, texts: pd.Series) -> np.ndarray:
    tfidf, svd = text_model
    vectors = np.zeros((len(texts), TEXT_DIMENSIONS), dtype=np.float32)
    reduced = svd.transform(tfidf.transform(texts.fillna("").astype(str)))
    vectors[:, : reduced.shape[1]] = reduced
    return _unit_rows(vectors)


def _ease(interactions: sp.csr_matrix, strength: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the posts with the most people in `interactions` (user x post, 0/1) and EASE weights
    B = I - P / diag(P), P = (X'X + strength I)^-1, diag 0."""
    counts = np.asarray(interactions.sum(axis=0)).ravel()
    posts = np.flatnonzero(counts >= EASE_MIN_USERS)
    posts = np.sort(posts[np.argsort(-counts[posts], kind="stable")[:EASE_MAX_POSTS]])
    if not len(posts):
        return posts, np.zeros((0, 0), dtype=np.float32)
    history = interactions[:, posts].astype(np.float32)
    gram = (history.T @ history).toarray()
    gram[np.diag_indices_from(gram)] += strength
    # The Gram matrix plus a ridge is symmetric positive definite: a Cholesky inverse in float32 is 5 times faster
    # than np.linalg.inv in float64 (0.13 vs 0.72 s at 2,000 posts) and changes B by under 1e-7.
    factor, info = lapack.spotrf(gram, lower=False, overwrite_a=True)
    if info == 0:
        upper, info = lapack.spotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE: the regularised Gram matrix is not positive definite (LAPACK info {info})")
    inverse = np.triu(upper) + np.triu(upper, 1).T
    weights = inverse / -np.diag(inverse)
    weights[np.diag_indices_from(weights)] = 0
    return posts, weights


def row_entries(matrix: sp.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and values of one CSR row, read from its arrays: scipy's row slicing builds a new matrix
    (about 50 µs each; a ranking used to spend most of its time there)."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return matrix.indices[start:end], matrix.data[start:end]


def rows_indices(matrix: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """Column indices of several CSR rows, concatenated (duplicates kept)."""
    parts = [matrix.indices[matrix.indptr[row]:matrix.indptr[row + 1]] for row in rows]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=matrix.indices.dtype)


def _ease_scores(history: sp.csr_matrix, user: int, posts: np.ndarray | None, weights, n_posts: int) -> np.ndarray:
    """One user's EASE score of every post from their row of a 0/1 history matrix (0 outside the covered posts)."""
    scores = np.zeros(n_posts, dtype=np.float32)
    if posts is None or not len(posts):
        return scores
    row, _ = row_entries(history, user)
    columns = np.searchsorted(posts, row).clip(max=len(posts) - 1)
    columns = columns[posts[columns] == row]  # posts is sorted: the row's covered posts
    if len(columns):
        scores[posts] = weights[columns].sum(axis=0)
    return scores


def _residual_factors(residuals: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Factors of (liked - expected) over viewed pairs: implicit feedback where viewed-not-liked is a negative,
    so their dot product is the taste a person shows beyond their topic rates and the post's quality."""
    user_factors = np.zeros((residuals.shape[0], RESIDUAL_FACTOR_DIMENSIONS), dtype=np.float32)
    post_factors = np.zeros((residuals.shape[1], RESIDUAL_FACTOR_DIMENSIONS), dtype=np.float32)
    dimensions = min(RESIDUAL_FACTOR_DIMENSIONS, min(residuals.shape) - 1)
    if dimensions < 1 or residuals.nnz == 0:
        return user_factors, post_factors
    svd = TruncatedSVD(n_components=dimensions, random_state=0)
    user_factors[:, :dimensions] = svd.fit_transform(residuals)
    post_factors[:, :dimensions] = svd.components_.T
    return user_factors, post_factors


def _factors(likes: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """User and post factors of the like matrix: their dot product is a co-like (collaborative) score."""
    user_factors = np.zeros((likes.shape[0], FACTOR_DIMENSIONS), dtype=np.float32)
    post_factors = np.zeros((likes.shape[1], FACTOR_DIMENSIONS), dtype=np.float32)
    dimensions = min(FACTOR_DIMENSIONS, min(likes.shape) - 1)
    if dimensions < 1 or likes.nnz == 0:
        return user_factors, post_factors
    # Down-weight very popular posts so that the factors capture taste rather than popularity alone.
    idf = np.log1p(likes.shape[0] / (1.0 + np.asarray(likes.sum(axis=0)).ravel())).astype(np.float32)
    svd = TruncatedSVD(n_components=dimensions, random_state=0)
    user_factors[:, :dimensions] = svd.fit_transform(likes @ sp.diags(idf))
    post_factors[:, :dimensions] = svd.components_.T * idf[:, None]
    return user_factors, post_factors


def _seconds(times: pd.Series) -> np.ndarray:
    return times.astype("int64").to_numpy() / 1e9 if len(times) else np.zeros(0)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series([np.nan] * len(frame), index=frame.index)


# Small dense algebra (SVDs, the EASE inverse): one BLAS thread is faster than OpenBLAS's spinning pool, which took
# 1.7 times the CPU for the same tables at medium (docs/PERFORMANCE.md).
@threadpool_limits.wrap(limits=1, user_api="blas")
def build_tables(frames: Frames, at, *, orderings: bool = True) -> FeatureTables:
    """Precompute everything pair_features needs from frames known at `at` (frames must already be cut); with
    orderings, also what only the catalogue orderings read (the EASE over everything seen)."""
    at = pd.Timestamp(at)
    at = at.tz_convert("UTC") if at.tzinfo else at.tz_localize("UTC")
    at_seconds = at.value / 1e9
    posts = frames.posts.sort_values("post_id").reset_index(drop=True)
    post_ids = posts["post_id"].to_numpy(np.int64)
    user_ids = np.unique(
        np.concatenate([frames.users["user_id"].to_numpy(np.int64), posts["author_id"].dropna().to_numpy(np.int64)])
    )
    n_posts, n_users = len(post_ids), len(user_ids)
    n_rows = n_users + 1  # the blank user

    def uidx(ids) -> np.ndarray:
        return _positions(user_ids, np.asarray(ids, dtype=np.int64), missing=-1)

    def pidx(ids) -> np.ndarray:
        return _positions(post_ids, np.asarray(ids, dtype=np.int64), missing=-1)

    likes = frames.likes.drop_duplicates(["user_id", "post_id"])
    views = pd.concat([frames.views[["user_id", "post_id", "ts"]], likes[["user_id", "post_id", "ts"]]])
    views = views.drop_duplicates(["user_id", "post_id"])
    like_u, like_p = uidx(likes["user_id"]), pidx(likes["post_id"])
    view_u, view_p = uidx(views["user_id"]), pidx(views["post_id"])
    liked = _matrix(like_u, like_p, (n_rows, n_posts))
    seen = _matrix(view_u, view_p, (n_rows, n_posts))

    topics = np.array(sorted(posts["topic"].fillna("").astype(str).unique()), dtype=object)
    post_topic = pd.Categorical(posts["topic"].fillna("").astype(str), categories=topics).codes.astype(np.int64)
    communities = posts["community_id"].dropna().astype(np.int64)
    community_ids = np.unique(
        np.concatenate([communities.to_numpy(), frames.memberships["community_id"].to_numpy(np.int64)])
    )
    post_community = _positions(community_ids, posts["community_id"].fillna(-1).to_numpy(np.int64), missing=-1)
    post_author = uidx(posts["author_id"].fillna(-1))

    # Users: profile and cohort of similar profiles (age group, gender, country).
    users = frames.users.drop_duplicates("user_id").set_index("user_id").reindex(user_ids)
    vocabularies = {name: np.array(sorted(_column(users, name).dropna().astype(str).unique()), dtype=object)
                    for name in PROFILE_CATEGORIES}
    user_profile = np.full((n_rows, len(PROFILE_CATEGORIES)), np.nan, dtype=np.float32)
    for column, name in enumerate(PROFILE_CATEGORIES):
        user_profile[:n_users, column] = _codes(_column(users, name).astype("string"), vocabularies[name])
    age = np.full(n_rows, np.nan, dtype=np.float32)
    age[:n_users] = pd.to_numeric(_column(users, "age"), errors="coerce").to_numpy(np.float32)
    age_group = np.digitize(np.nan_to_num(age, nan=-1), AGE_BINS)
    cohort_key = pd.DataFrame({
        "age": age_group, "gender": np.nan_to_num(user_profile[:, 0], nan=-1),
        "country": np.nan_to_num(user_profile[:, 1], nan=-1),
    })
    user_cohort = cohort_key.groupby(["age", "gender", "country"], sort=False).ngroup().to_numpy(np.int64)
    n_cohorts = int(user_cohort.max()) + 1
    cohort_of_user = _matrix(user_cohort, np.arange(n_rows), (n_cohorts, n_rows))
    cohort_size = np.bincount(user_cohort[:n_users], minlength=n_cohorts).astype(np.float32)

    # Like rates by topic, smoothed down a hierarchy: topic <- cohort x topic <- person x topic.
    user_likes = np.asarray(liked.sum(axis=1)).ravel()
    user_views = np.asarray(seen.sum(axis=1)).ravel()
    global_rate = float(user_likes.sum() / user_views.sum()) if user_views.sum() else 0.0
    topic_of_post = _matrix(np.arange(n_posts), post_topic, (n_posts, len(topics)))
    topic_likes = (liked @ topic_of_post).toarray()
    topic_views = (seen @ topic_of_post).toarray()
    topic_rate = (topic_likes.sum(0) + PRIOR_VIEWS * global_rate) / (topic_views.sum(0) + PRIOR_VIEWS)
    cohort_topic_likes = cohort_of_user @ topic_likes
    cohort_topic_views = cohort_of_user @ topic_views
    cohort_topic_rate = (cohort_topic_likes + PRIOR_COHORT_TOPIC_VIEWS * topic_rate) / (
        cohort_topic_views + PRIOR_COHORT_TOPIC_VIEWS
    )
    user_topic_share = topic_likes / np.maximum(user_likes[:, None], 1)
    user_topic_rate = (topic_likes + PRIOR_USER_TOPIC_VIEWS * cohort_topic_rate[user_cohort]) / (
        topic_views + PRIOR_USER_TOPIC_VIEWS
    )

    # Posts: popularity with time decay, recent likes, and quality as likes over what their viewers would
    # have liked on average (a random feed shows posts to different people, so raw rates mix taste and quality).
    times = frames.interaction_times()
    start = _seconds(times).min() if len(times) else at_seconds
    span = max(at_seconds - start, 3600.0)
    like_age = at_seconds - _seconds(likes["ts"])
    keep = like_p >= 0
    post_likes = np.asarray(liked.sum(axis=0)).ravel()
    post_views = np.asarray(seen.sum(axis=0)).ravel()
    decayed = np.bincount(
        like_p[keep], weights=0.5 ** (like_age[keep] / (span * HALF_LIFE_SHARE)), minlength=n_posts
    )
    recent = np.bincount(like_p[keep & (like_age <= span * RECENT_SHARE)], minlength=n_posts)
    like_rate = (post_likes + PRIOR_VIEWS * topic_rate[post_topic]) / (post_views + PRIOR_VIEWS)
    seen_pairs = seen.tocoo()
    expected = user_topic_rate[seen_pairs.row, post_topic[seen_pairs.col]]
    post_expected = np.bincount(seen_pairs.col, weights=expected, minlength=n_posts)
    post_lift = (post_likes + PRIOR_POST_EXPECTED_LIKES) / (post_expected + PRIOR_POST_EXPECTED_LIKES)
    valid_author = post_author >= 0
    author_of = np.where(valid_author, post_author, n_users)

    def per_author(values: np.ndarray) -> np.ndarray:
        return np.bincount(author_of, weights=values, minlength=n_rows)

    author_likes, author_views, author_expected = per_author(post_likes), per_author(post_views), per_author(
        post_expected
    )
    author_posts_count = per_author(np.ones(n_posts))
    author_numeric = np.column_stack([
        (author_likes + PRIOR_AUTHOR_EXPECTED_LIKES) / (author_expected + PRIOR_AUTHOR_EXPECTED_LIKES),
        (author_likes + PRIOR_VIEWS * global_rate) / (author_views + PRIOR_VIEWS),
        author_likes / np.maximum(author_posts_count, 1),
    ]).astype(np.float32)
    author_numeric[n_users] = (1.0, global_rate, 0.0)  # posts without a known author
    comments = np.bincount(pidx(frames.comments["post_id"]).clip(-1) + 1, minlength=n_posts + 1)[1:]
    reposts = np.bincount(pidx(frames.reposts["post_id"]).clip(-1) + 1, minlength=n_posts + 1)[1:]
    post_numeric = np.column_stack([
        posts["text"].fillna("").str.len().to_numpy(), post_likes, post_views, decayed, recent, like_rate,
        author_numeric[author_of, 2], comments, reposts, post_lift, author_numeric[author_of, 0],
        author_numeric[author_of, 1],
    ]).astype(np.float32)

    user_numeric = np.column_stack([
        age, user_likes, user_views, (user_likes + PRIOR_VIEWS * global_rate) / (user_views + PRIOR_VIEWS)
    ]).astype(np.float32)
    post_text, text_model = _text_vectors(posts["text"])
    user_text = _unit_rows(np.asarray(liked @ post_text))
    user_factors, post_factors = _factors(liked)
    # Likes are a subset of views, so liked - expected keeps the viewed pattern.
    residuals = (liked - _matrix(seen_pairs.row, seen_pairs.col, seen.shape, expected * post_lift[seen_pairs.col]))
    user_residual_factors, post_residual_factors = _residual_factors(residuals)
    ease_posts, ease_weights = _ease(liked, EASE_LAMBDA)
    seen_ease_posts, seen_ease_weights = _ease(seen, SEEN_EASE_LAMBDA) if orderings else (None, None)

    def user_pairs(left: np.ndarray, right: np.ndarray, values=None) -> sp.csr_matrix:
        return _matrix(left, right, (n_rows, n_rows), values)

    like_author = post_author[like_p.clip(0)]
    view_author = post_author[view_p.clip(0)]
    messages = frames.messages
    engagement = pd.concat([frames.comments[["user_id", "post_id"]], frames.reposts[["user_id", "post_id"]]])
    engaged_p = pidx(engagement["post_id"])
    membership_u = uidx(frames.memberships["user_id"])
    membership_c = _positions(community_ids, frames.memberships["community_id"].to_numpy(np.int64), missing=-1)
    messaged = user_pairs(uidx(messages["sender_id"]), uidx(messages["recipient_id"]))
    messaged = ((messaged + messaged.T) > 0).astype(np.float32).tocsr()
    return FeatureTables(
        at=at,
        post_ids=post_ids,
        post_order=np.arange(n_posts),
        user_ids=user_ids,
        topics=topics,
        community_ids=community_ids,
        post_topic=post_topic,
        post_created=_seconds(posts["created_at"]),
        post_numeric=post_numeric,
        post_text=post_text,
        post_factors=post_factors,
        post_residual_factors=post_residual_factors,
        post_author=author_of,
        post_community=post_community,
        user_profile=user_profile,
        user_numeric=user_numeric,
        user_topic_share=user_topic_share.astype(np.float32),
        user_topic_rate=user_topic_rate.astype(np.float32),
        user_text=user_text,
        user_factors=user_factors,
        user_residual_factors=user_residual_factors,
        user_cohort=user_cohort,
        cohort_topic_rate=cohort_topic_rate.astype(np.float32),
        topic_rate=topic_rate.astype(np.float32),
        cohort_likes=_sorted_csr(cohort_of_user @ liked),
        cohort_views=_sorted_csr(cohort_of_user @ seen),
        cohort_size=cohort_size,
        global_like_rate=global_rate,
        post_like_rate=like_rate.astype(np.float32),
        follows=user_pairs(uidx(frames.follows["follower_id"]), uidx(frames.follows["followee_id"])),
        messaged=messaged,
        engaged=user_pairs(uidx(engagement["user_id"]), np.where(engaged_p >= 0, post_author[engaged_p.clip(0)], -1)),
        liked_author=user_pairs(np.where(like_p >= 0, like_u, -1), like_author),
        viewed_author=user_pairs(np.where(view_p >= 0, view_u, -1), view_author),
        member=_matrix(membership_u, membership_c, (n_rows, len(community_ids))),
        author_posts=_matrix(post_author, np.arange(n_posts), (n_rows, n_posts)),
        community_posts=_matrix(post_community, np.arange(n_posts), (len(community_ids), n_posts)),
        seen=seen,
        liked=liked,
        text_model=text_model,
        author_numeric=author_numeric,
        ease_posts=ease_posts,
        ease_weights=ease_weights,
        seen_ease_posts=seen_ease_posts,
        seen_ease_weights=seen_ease_weights,
    )


def _pair_lookup(matrix: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    valid = cols >= 0
    values = np.zeros(len(rows), dtype=np.float32)
    if valid.any():
        values[valid] = np.asarray(matrix[rows[valid], cols[valid]]).ravel()
    return values


def pair_features(tables: FeatureTables, users: np.ndarray, posts: np.ndarray, at) -> np.ndarray:
    """Feature matrix (len(users) x len(FEATURE_NAMES)) for user and post positions, in FEATURE_NAMES order.

    `at` is one time, or epoch seconds per row (training rows are seen at different times).
    """
    at_seconds = at if isinstance(at, np.ndarray) else pd.Timestamp(at).value / 1e9
    topic = tables.post_topic[posts]
    authors = tables.post_author[posts]
    cohort = tables.user_cohort[users]
    cohort_likes = _pair_lookup(tables.cohort_likes, cohort, posts)
    cohort_views = _pair_lookup(tables.cohort_views, cohort, posts)
    post_rate = tables.post_like_rate[posts]
    user_topic_rate = tables.user_topic_rate[users, topic]
    post_lift = tables.post_numeric[posts, POST_NUMERIC.index("post_lift")]
    return np.column_stack([
        topic.astype(np.float32),
        tables.user_profile[users],
        tables.post_numeric[posts],
        tables.user_numeric[users],
        # Scored before it was created (a post newer than the scoring time) counts as brand new.
        np.maximum(at_seconds - tables.post_created[posts], 0) / 3600.0,
        np.einsum("ij,ij->i", tables.user_text[users], tables.post_text[posts]),
        tables.user_topic_share[users, topic],
        user_topic_rate,
        np.einsum("ij,ij->i", tables.user_factors[users], tables.post_factors[posts]),
        _pair_lookup(tables.liked_author, users, authors),
        _pair_lookup(tables.viewed_author, users, authors),
        _pair_lookup(tables.follows, users, authors),
        _pair_lookup(tables.member, users, tables.post_community[posts]),
        _pair_lookup(tables.messaged, users, authors),
        _pair_lookup(tables.engaged, users, authors),
        cohort_likes / np.maximum(tables.cohort_size[cohort], 1),
        (cohort_likes + PRIOR_COHORT_VIEWS * post_rate) / (cohort_views + PRIOR_COHORT_VIEWS),
        tables.cohort_topic_rate[cohort, topic],
        user_topic_rate / np.maximum(tables.user_numeric[users, USER_NUMERIC.index("user_like_rate")], 1e-6),
        # A multiplicative guess of P(like): the person's topic rate times the post's and the author's lift.
        user_topic_rate * post_lift * tables.post_numeric[posts, POST_NUMERIC.index("author_lift")],
        np.einsum("ij,ij->i", tables.user_residual_factors[users], tables.post_residual_factors[posts]),
        _ease_pairs(tables, users, posts),
    ]).astype(np.float32)


def _ease_pairs(tables: FeatureTables, users: np.ndarray, posts: np.ndarray) -> np.ndarray:
    """EASE score of each (user, post) row, computed once per distinct user."""
    values = np.zeros(len(users), dtype=np.float32)
    if tables.ease_posts is None or not len(tables.ease_posts):
        return values
    column = np.full(len(tables.post_ids), -1, dtype=np.int64)
    column[tables.ease_posts] = np.arange(len(tables.ease_posts))
    covered = column[posts] >= 0
    distinct, row_of = np.unique(users[covered], return_inverse=True)
    # Scores of the distinct users' histories, looked up at each row's post.
    scores = tables.liked[distinct][:, tables.ease_posts] @ tables.ease_weights
    values[covered] = np.asarray(scores)[row_of, column[posts][covered]]
    return values
