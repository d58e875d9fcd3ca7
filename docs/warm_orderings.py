"""How the default ordering of warm users' catalogue was chosen: every ordering on ten development folds of
MovieLens that all precede both test windows, so that neither test period informed the choice.

    DEBUG=1 DATABASE_URL=<db with ml-latest-small imported> .venv/bin/python docs/warm_orderings.py

The development period is everything before the 0.4 test window (the earlier of the two); its folds cut it at
5%, 10%, ... 50% of its interactions before its end (LightGBMRecommender.compare_orderings, as in training but
with more folds for more people). Prints each ordering's pooled warm hits@5 with the sign test against the default and
the default's against EASE, and writes docs/results/warm_orderings.json.
"""

import json
import os
import sys
from pathlib import Path

from scipy.stats import binomtest

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import django  # noqa: E402

django.setup()

from recommender.data import load_frames  # noqa: E402
from recommender.evaluation import make_split, split_cutoff  # noqa: E402
from recommender.ranker import LightGBMRecommender  # noqa: E402

DEVELOPMENT_SHARES = tuple(round(0.05 * i, 2) for i in range(1, 11))
EARLIEST_TEST_FRACTION = 0.4


def main():
    frames = load_frames()
    development = make_split(frames, split_cutoff(frames, EARLIEST_TEST_FRACTION)).train
    report = LightGBMRecommender().compare_orderings(development, shares=DEVELOPMENT_SHARES)
    warm = report["warm"]
    # compare_orderings counts each ordering against the default (the portfolio); EASE's losses are its wins.
    ease = warm["orderings"]["ease"]
    p_value = binomtest(ease["losses"], ease["wins"] + ease["losses"], 0.5, alternative="greater").pvalue
    summary = {"wins_over_ease": ease["losses"], "losses_to_ease": ease["wins"], "p_value": p_value}
    result = {**report, "default_over_ease": summary}
    (DOCS / "results" / "warm_orderings.json").write_text(json.dumps(result, indent=1))
    print(f"{len(report['cutoffs'])} development folds, {warm['users']} warm people pooled; against {warm['default']}:")
    for name, ordering in warm["orderings"].items():
        print(f"  {name:15} hits {ordering['hits']:4}  wins {ordering['wins']:3}  losses {ordering['losses']:3}  "
              f"p {ordering['p_value']:.3f}")
    print(f"{warm['default']} over ease: {summary['wins_over_ease']} wins, {summary['losses_to_ease']} losses, "
          f"one-sided sign test p = {p_value:.3f}")


if __name__ == "__main__":
    main()
