from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.db import connection
from sklearn.feature_extraction.text import TfidfVectorizer

from accounts.models import User
from communities.models import Membership
from messaging.models import Conversation, Message
from posts.models import Like, Post, PostView
from recommender.data import load_frames
from recommender.evaluation import evaluate
from recommender.generator import NetworkSpec, generate_network, write_network
from recommender.simulation import HiddenPreferences, OracleRecommender
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SPEC = NetworkSpec(users=150, posts=500, days=20, seed=3, feed_rows=15_000, end=datetime(2024, 3, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def network(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return generate_network(SPEC)


def test_same_seed_gives_the_same_network(network):
    again = generate_network(SPEC)
    for name, table in network.tables.items():
        pd.testing.assert_frame_equal(table, again.tables[name], obj=name)
    other = generate_network(NetworkSpec(**{**SPEC.__dict__, "seed": 4}))
    assert not other.tables["views"]["post_id"].head(50).equals(network.tables["views"]["post_id"].head(50))


def test_network_has_the_seed_shape(network):
    frames = network.frames()
    like_rate = len(frames.likes) / len(frames.views)
    assert 0.07 < like_rate < 0.13
    assert len(frames.views) + len(frames.likes) == pytest.approx(SPEC.feed_rows, rel=0.05)
    # Likes only on shown posts, after they were shown.
    first_view = frames.views.groupby(["user_id", "post_id"])["ts"].min()
    liked = frames.likes.set_index(["user_id", "post_id"])["ts"]
    assert liked.index.isin(first_view.index).all()
    assert (liked >= first_view.reindex(liked.index)).all()
    # Pages of five, a random order within each page.
    page_sizes = network.tables["views"].groupby("page_id").size()
    assert (page_sizes <= 5).all() and page_sizes.mode()[0] == 5
    posts = frames.posts
    assert posts["text"].nunique() > 0.5 * len(posts)
    assert set(posts["topic"]) == {"business", "covid", "entertainment", "sport", "politics", "tech", "movie"}
    # TF-IDF tells the topics apart: nearest topic centroid recovers the topic of almost every post.
    tfidf = TfidfVectorizer().fit_transform(posts["text"])
    topics = sorted(set(posts["topic"]))
    centroids = np.vstack([np.asarray(tfidf[(posts["topic"] == t).to_numpy()].mean(axis=0)) for t in topics])
    predicted = np.array(topics)[np.asarray(tfidf @ centroids.T).argmax(axis=1)]
    assert (predicted == posts["topic"].to_numpy()).mean() > 0.9
    users = frames.users
    assert users["gender"].isin(["male", "female", "other"]).all()
    moscow = users[users["city"] == "Moscow"]
    assert (moscow["country"] == "Russia").all() and len(moscow) > 0
    assert len(frames.follows) > SPEC.users and len(frames.memberships) > SPEC.users / 2
    assert len(frames.messages) > 0 and len(frames.comments) > 0 and len(frames.reposts) > 0


def test_oracle_has_headroom_over_random(network):
    frames = network.frames()
    result = evaluate(frames, [OracleRecommender(network.hidden)], protocol="impressions", bootstrap=100)
    random_hitrate = result["impressions"]["random_expected"]["overall"]["hitrate"]
    assert 0.35 < random_hitrate < 0.65
    assert result["impressions"]["oracle"]["overall"]["hitrate"] > random_hitrate + 0.2


def test_generate_network_command_writes_everything_and_clear_replaces_it(network):
    keeper = UserFactory(username="keeper")  # a real account (usable password) survives --clear
    args = ["--users", "150", "--posts", "500", "--days", "20", "--seed", "3", "--feed-rows", "15000",
            "--end", "2024-03-01", "--verbosity", "0"]
    call_command("generate_network", *args)
    counts = (User.objects.count(), Post.objects.count(), PostView.objects.count(), Like.objects.count())
    assert counts[1:] == (500, len(network.tables["views"]), len(network.tables["likes"]))
    assert Membership.objects.filter(role="owner").count() == len(network.tables["communities"])
    conversation = Conversation.objects.first()
    low, high = sorted(conversation.participants.values_list("user_id", flat=True))
    assert conversation.direct_key == f"{low}:{high}"
    assert Message.objects.filter(conversation=conversation).exists()

    call_command("generate_network", *args, "--clear")
    assert (User.objects.count(), Post.objects.count(), PostView.objects.count(), Like.objects.count()) == counts
    assert User.objects.filter(pk=keeper.pk).exists()
    assert not User.objects.get(username=User.objects.exclude(pk=keeper.pk).first().username).has_usable_password()

    frames = load_frames()
    assert 0.07 < len(frames.likes) / len(frames.views) < 0.13
    hidden = HiddenPreferences.load()
    assert hidden is not None and len(hidden.user_ids) == 150
    # A post the generator never saw is scored from the database with neutral latent traits.
    new_post = Post.objects.create(author=keeper, text="new", topic=Post.objects.first().topic)
    probability = hidden.like_probability(int(hidden.user_ids[0]), np.array([new_post.pk]), new_post.created_at)
    assert 0 < probability[0] < 1


def test_saved_preferences_reproduce_the_generator_probabilities(network):
    write_network(network)
    # Planner statistics are refreshed by the load itself (ANALYZE counts a table this small exactly).
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'posts_post'")
        assert cursor.fetchone()[0] == SPEC.posts
    hidden = HiddenPreferences.load()
    sample = network.tables["views"].sample(200, random_state=1)
    reproduced = [
        hidden.like_probability(row.user_id, np.array([row.post_id]), row.viewed_at)[0] for row in sample.itertuples()
    ]
    np.testing.assert_allclose(reproduced, sample["like_probability"], rtol=1e-9)


def test_seed_demo_is_idempotent_and_gives_known_logins(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    counts = (User.objects.count(), Post.objects.count(), PostView.objects.count(), Message.objects.count())
    assert counts[1] == 301 and 15_000 < counts[2] + Like.objects.count() < 25_000
    demo = User.objects.get(username="demo")
    assert demo.following_set.count() == 5 and demo.memberships.count() == 2
    assert demo.posts.count() == 1 and demo.likes.count() == 3 and demo.sent_messages.count() == 1
    assert demo.follower_set.count() == 3 and demo.posts.get().likes.count() == 3
    # The first login finds the network answering: an unread reply, follows, likes and a comment.
    assert sorted(demo.notifications.filter(read_at=None).values_list("verb", flat=True)) == [
        "comment", *["follow"] * 3, *["like"] * 3, "message",
    ]
    assert demo.profile.display_name == "Demo User"
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="demo").check_password("demo-password-1")
    assert User.objects.get(username="admin").check_password("admin-password-1")

    call_command("seed_demo")
    assert (User.objects.count(), Post.objects.count(), PostView.objects.count(), Message.objects.count()) == counts
    call_command("seed_demo", "--force")
    assert (User.objects.count(), Post.objects.count()) == counts[:2]
