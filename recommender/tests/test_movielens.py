from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from posts.models import Like, Post, PostView
from recommender.baselines import baseline_recommenders
from recommender.data import load_frames
from recommender.evaluation import evaluate
from recommender.importer import movielens_to_import_format

MOVIELENS = Path(settings.BASE_DIR).parent / "shared/datasets/ml-latest-small"


@pytest.mark.django_db
def test_movielens_import_and_baselines_are_sane(tmp_path):
    if not (MOVIELENS / "ratings.csv").exists():
        pytest.skip(f"{MOVIELENS} is not available")
    movielens_to_import_format(MOVIELENS, tmp_path)
    call_command("import_dataset", str(tmp_path), verbosity=0)
    ratings = sum(1 for _ in open(MOVIELENS / "ratings.csv")) - 1
    assert PostView.objects.count() == ratings
    assert Post.objects.count() == sum(1 for _ in open(MOVIELENS / "movies.csv")) - 1
    assert 0.3 < Like.objects.count() / ratings < 0.7

    result = evaluate(load_frames(), baseline_recommenders(), protocol="both", bootstrap=200)
    catalogue = result["catalogue"]
    random_hit = catalogue["random"]["overall"]["hitrate"]
    popular_hit = catalogue["most_popular"]["overall"]["hitrate"]
    assert catalogue["random"]["overall"]["n_users"] > 50
    assert popular_hit > 0.2 and random_hit < popular_hit / 4
    assert catalogue["random"]["overall"]["coverage"] > catalogue["most_popular"]["overall"]["coverage"]
    impressions = result["impressions"]
    assert impressions["like_rate"]["overall"]["hitrate"] > impressions["random_expected"]["overall"]["hitrate"]
