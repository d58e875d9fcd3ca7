"""The evaluation runs behind docs/RECOMMENDER.md's model tables, written to docs/results/<name>.json.

    DEBUG=1 DATABASE_URL=<db with ml-latest-small imported> .venv/bin/python docs/make_results.py movielens_test02 \
        --test-fraction 0.2
    DEBUG=1 .venv/bin/python docs/make_results.py generated_5k --generated   # the 5,000-user network, in memory

Each JSON is evaluate()'s output on both protocols with per-user hits, plus the LightGBM model's fit_info and
feature importance and the run's wall seconds; docs/make_plots.py draws the figures from them.
"""

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import django  # noqa: E402

django.setup()

from recommender.baselines import baseline_recommenders  # noqa: E402
from recommender.data import load_frames  # noqa: E402
from recommender.evaluation import evaluate, format_tables  # noqa: E402
from recommender.generator import NetworkSpec, generate_network  # noqa: E402
from recommender.ranker import LightGBMRecommender  # noqa: E402
from recommender.simulation import OracleRecommender  # noqa: E402

GENERATED_5K = NetworkSpec(users=5000, posts=10000, days=30, feed_rows=300_000, end=datetime(2024, 6, 1, tzinfo=UTC))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("name", help="the result's file name, without .json")
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--generated", action="store_true", help="the generated 5k network (with the oracle)")
    args = parser.parse_args()
    started = time.perf_counter()
    model = LightGBMRecommender()
    recommenders = [model, *baseline_recommenders()]
    if args.generated:
        network = generate_network(GENERATED_5K)
        frames = network.frames()
        recommenders.append(OracleRecommender(network.hidden))
    else:
        frames = load_frames()
    result = evaluate(frames, recommenders, protocol="both", test_fraction=args.test_fraction, per_user=True)
    result["meta"]["seconds"] = round(time.perf_counter() - started)
    result["fit_info"] = model.fit_info
    result["feature_importance"] = model.feature_importance()
    (DOCS / "results" / f"{args.name}.json").write_text(json.dumps(result, indent=1))
    print(format_tables(result))


if __name__ == "__main__":
    main()
