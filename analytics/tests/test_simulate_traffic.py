from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from analytics.models import Activity, Experiment
from posts.models import Like, PostView
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


class LikesEverything:
    """Stands in for the generator's hidden model: these users like every post they are shown."""

    def __init__(self, user_ids):
        self.user_ids = np.array(sorted(user_ids))

    def like_probability(self, user_id, post_ids, at):
        return np.ones(len(post_ids))


def test_simulate_traffic_writes_impressions_likes_and_reports_the_experiment(monkeypatch, staff_user):
    users = UserFactory.create_batch(4)
    PostFactory.create_batch(30, author=UserFactory())
    hidden = LikesEverything([u.pk for u in users])
    monkeypatch.setattr("recommender.simulation.HiddenPreferences.load", classmethod(lambda cls: hidden))
    out = StringIO()

    call_command(
        "simulate_traffic",
        users=3,
        sessions=4,
        pages=1,
        seed=1,
        experiment="sim",
        actor=staff_user.username,
        stdout=out,
    )

    experiment = Experiment.objects.get(name="sim")
    assert experiment.is_running
    views = PostView.objects.filter(source=PostView.Source.FEED, experiment=experiment.pk)
    assert views.values("page_id").distinct().count() == 4
    assert set(views.values_list("experiment_group", flat=True)) <= {"control", "treatment"}
    # Everything shown was liked, through like_add (which records the activity).
    assert Like.objects.count() == views.values("user_id", "post_id").distinct().count() > 0
    assert Activity.objects.filter(verb="like").count() == Like.objects.count()
    output = out.getvalue()
    assert "Simulated 4 sessions: 4 pages" in output
    assert "hitrate@5" in output


def test_simulate_traffic_needs_a_generated_network(monkeypatch):
    monkeypatch.setattr("recommender.simulation.HiddenPreferences.load", classmethod(lambda cls: None))
    with pytest.raises(CommandError):
        call_command("simulate_traffic", sessions=1)
