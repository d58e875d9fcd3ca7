"""Ranking one feed page as served: the active model of the database, one user at a time, what they saw excluded.

Prints one JSON line: p50/p99 of rank_for_user, of the seen-posts query, and the median candidate count.
"""

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")

import django  # noqa: E402

django.setup()

from accounts.models import User  # noqa: E402
from feed.selectors import seen_post_ids  # noqa: E402
from recommender.candidates import candidate_posts  # noqa: E402
from recommender.serving import model_for, rank_for_user  # noqa: E402

USERS = int(os.environ.get("BENCH_RANK_USERS", 300))


def main() -> None:
    _, model = model_for(model_version_id=None)  # load once, as a web process does on its first page
    rng = np.random.default_rng(0)
    user_ids = User.objects.filter(is_staff=False).values_list("id", flat=True)
    chosen = rng.choice(np.fromiter(user_ids, dtype=np.int64), size=min(USERS, len(user_ids)), replace=False)
    rank_ms, seen_ms, candidates = [], [], []
    for user_id in chosen.tolist():
        start = time.perf_counter()
        seen = seen_post_ids(user=User(pk=user_id))
        seen_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        rank_for_user(user_id=user_id, k=5, exclude_post_ids=seen)
        rank_ms.append((time.perf_counter() - start) * 1000)
        user = int(model.tables.user_index([user_id])[0])
        candidates.append(len(candidate_posts(model.tables, user, model._allowed(seen), model.mix)))
    print(json.dumps({
        "users": len(chosen),
        "p50_ms": float(np.percentile(rank_ms, 50)),
        "p99_ms": float(np.percentile(rank_ms, 99)),
        "seen_query_p50_ms": float(np.percentile(seen_ms, 50)),
        "seen_query_p99_ms": float(np.percentile(seen_ms, 99)),
        "candidates_median": int(np.median(candidates)),
    }))


if __name__ == "__main__":
    main()
