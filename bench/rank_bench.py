"""Ranking latency of one feed page for one user: p50/p99 over many users, with the candidate count.

    DEBUG=1 .venv/bin/python bench/rank_bench.py [--users 10000] [--posts 10000] [--interactions 1000000]

Builds a generated network in memory (no database writes), fits the LightGBM recommender on it, then times
LightGBMRecommender.rank_user (what serving.rank_for_user calls) for random users, excluding what each has seen.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")

import django  # noqa: E402

django.setup()

from recommender.candidates import candidate_posts  # noqa: E402
from recommender.generator import NetworkSpec, generate_network  # noqa: E402
from recommender.ranker import LightGBMRecommender  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()

    started = time.perf_counter()
    frames = generate_network(NetworkSpec(users=args.users, posts=args.posts, feed_rows=args.interactions)).frames()
    generated = time.perf_counter()
    # rank_user orders candidates with the feed model; the catalogue orderings' validation is not part of it.
    model = LightGBMRecommender(validate_strategies=False)
    model.fit(frames, frames.interaction_times().max())
    fitted = time.perf_counter()
    print(f"network: {len(frames.users)} users, {len(frames.posts)} posts, "
          f"{len(frames.views) + len(frames.likes)} interactions (generated in {generated - started:.0f} s, "
          f"fitted in {fitted - generated:.0f} s)")

    seen_by = frames.views.groupby("user_id")["post_id"].agg(set)
    rng = np.random.default_rng(0)
    user_ids = rng.choice(frames.users["user_id"].to_numpy(), args.requests)
    timings, candidate_counts = [], []
    for user_id in user_ids:
        seen = seen_by.get(user_id, set())
        begin = time.perf_counter()
        model.rank_user(user_id=int(user_id), k=5, exclude_post_ids=seen)
        timings.append((time.perf_counter() - begin) * 1000)
        user = int(model.tables.user_index([user_id])[0])
        candidate_counts.append(len(candidate_posts(model.tables, user, model._allowed(seen), model.mix)))
    timings = np.array(timings)
    print(f"rank one page ({args.requests} requests): p50 {np.percentile(timings, 50):.1f} ms, "
          f"p99 {np.percentile(timings, 99):.1f} ms, max {timings.max():.1f} ms")
    print(f"candidates per user: median {int(np.median(candidate_counts))}, max {max(candidate_counts)}")


if __name__ == "__main__":
    main()
