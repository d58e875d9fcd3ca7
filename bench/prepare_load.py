"""Fixtures for the HTTP load: API tokens of many distinct users, their experiment group, posts and conversations.

Stops any running feed experiment and starts "bench-random-vs-model" (50/50, control = random feed, treatment =
the active model), so one locust run measures the ranked and the random feed side by side.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialnet.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from analytics.experiments import variant_for  # noqa: E402
from analytics.models import Experiment  # noqa: E402
from analytics.services import experiment_create, experiment_start, experiment_stop  # noqa: E402
from messaging.models import Participant  # noqa: E402
from posts.models import Post  # noqa: E402


def alternating_groups(users: list[dict]) -> list[dict]:
    """Treatment, control, treatment, ...: locust takes users in order, so even 2 concurrent users load both feeds
    (the hash alone gave 4 treatment users out of the first 4 once)."""
    treatment = [u for u in users if u["group"] == "treatment"]
    control = [u for u in users if u["group"] != "treatment"]
    paired = [u for pair in zip(treatment, control, strict=False) for u in pair]
    shorter = min(len(treatment), len(control))
    return paired + treatment[shorter:] + control[shorter:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"is_staff": True, "is_superuser": True})
    for running in Experiment.objects.filter(surface="feed", started_at__isnull=False, stopped_at__isnull=True):
        experiment_stop(actor=staff, experiment=running)
    Experiment.objects.filter(name="bench-random-vs-model").delete()
    experiment = experiment_create(actor=staff, name="bench-random-vs-model", treatment_percent=50)
    experiment_start(actor=staff, experiment=experiment)

    # The most active users: they have history for the model and conversations to write into.
    users = list(
        User.objects.filter(is_staff=False, is_active=True)
        .annotate(n=Count("likes"))
        .order_by("-n", "id")[: args.users]
    )
    conversations = dict(
        Participant.objects.filter(user__in=users).order_by("user_id", "-conversation_id")
        .values_list("user_id", "conversation_id")
    )
    prepared = [
        {
            "token": Token.objects.get_or_create(user=user)[0].key,
            "group": variant_for(user=user).group,
            "conversation_id": conversations.get(user.pk),
        }
        for user in users
    ]
    fixtures = {
        "users": alternating_groups(prepared),
        "post_ids": list(Post.objects.filter(removed_at__isnull=True).order_by("-created_at")
                         .values_list("id", flat=True)[:2000]),
    }
    Path(args.out).write_text(json.dumps(fixtures))
    groups = {g: sum(u["group"] == g for u in fixtures["users"]) for g in ("control", "treatment")}
    print(f"{len(users)} users ({groups}), {len(fixtures['post_ids'])} posts -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
