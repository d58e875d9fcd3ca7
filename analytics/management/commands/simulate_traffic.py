"""Simulated people using the real feed: pages served by feed_serve, likes drawn from the generator's hidden model.

Runs in real time: each page's likes follow it within seconds, so they count towards online hitrate@5 (a like within
one hour of the page). Everything is written by the same services as real traffic (impressions by feed_serve,
likes by posts.services.like_add), so the dashboard and experiment results read it like any other traffic.
"""

import numpy as np
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from analytics.experiments import ExperimentReport, experiment_report, running_experiment
from analytics.models import Experiment
from analytics.services import experiment_create, experiment_start
from feed.services import feed_serve
from posts.models import Post
from posts.services import like_add
from recommender.simulation import HiddenPreferences


class Command(BaseCommand):
    help = "Drive simulated users of a generated network through the feed and like posts as their hidden model says."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=200, help="how many generated users take part")
        parser.add_argument("--sessions", type=int, default=1000, help="sessions; each picks a user at random")
        parser.add_argument("--pages", type=int, default=2, help="feed pages per session")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--experiment",
            help="create and start a random (control) vs active model (treatment) experiment with this name first",
        )
        parser.add_argument("--actor", help="staff username that starts the experiment (with --experiment)")
        parser.add_argument("--chart", help="write a PNG of the running experiment's hitrate@5 and CTR per group")

    def handle(self, *args, **options):
        hidden = HiddenPreferences.load()
        if hidden is None:
            raise CommandError("No hidden preferences: run `manage.py generate_network` first.")
        rng = np.random.default_rng(options["seed"])
        if options["experiment"]:
            self._start_experiment(name=options["experiment"], actor_username=options["actor"])

        known = User.objects.filter(pk__in=hidden.user_ids.tolist(), is_active=True).order_by("pk")
        user_ids = np.array(known.values_list("pk", flat=True))
        if len(user_ids) == 0:
            raise CommandError("None of the generated users exist any more: run `manage.py generate_network`.")
        chosen = rng.choice(user_ids, size=min(options["users"], len(user_ids)), replace=False)
        users = User.objects.in_bulk(chosen.tolist())

        pages = likes = 0
        for session in range(options["sessions"]):
            user = users[int(rng.choice(chosen))]
            for _ in range(options["pages"]):
                page = feed_serve(user=user, page_size=5)
                if not page.posts:
                    break
                pages += 1
                likes += self._like(user=user, posts=page.posts, hidden=hidden, rng=rng)
            if (session + 1) % 500 == 0:
                self.stdout.write(f"{session + 1} sessions, {pages} pages, {likes} likes")
        summary = f"Simulated {options['sessions']} sessions: {pages} pages, {likes} likes."
        self.stdout.write(self.style.SUCCESS(summary))
        report = self._report()
        if options["chart"] and report is not None:
            self._chart(report, options["chart"])

    def _like(self, *, user: User, posts: list[Post], hidden: HiddenPreferences, rng: np.random.Generator) -> int:
        probabilities = hidden.like_probability(user.pk, np.array([post.pk for post in posts]), timezone.now())
        liked = 0
        for post, probability in zip(posts, probabilities, strict=True):
            if rng.random() < probability:
                try:
                    like_add(user=user, post=post)
                except PermissionDenied:  # hidden in the meantime (a block, a removal): a person could not like it
                    continue
                liked += 1
        return liked

    def _start_experiment(self, *, name: str, actor_username: str | None) -> None:
        actor = User.objects.filter(username=actor_username, is_staff=True).first() if actor_username else None
        if actor is None:
            raise CommandError("--experiment needs --actor with the username of a staff user.")
        experiment = experiment_create(actor=actor, name=name)
        experiment_start(actor=actor, experiment=experiment)
        self.stdout.write(f"Started experiment {experiment.name} (id {experiment.pk}): random vs active model.")

    def _report(self) -> ExperimentReport | None:
        running = running_experiment(surface="feed")
        if running is None:
            return None
        report = experiment_report(experiment=Experiment.objects.get(pk=running["id"]))
        for group in report.groups:
            self.stdout.write(
                f"{group.group:>9}: {group.users} users, {group.pages} pages, hitrate@5 {group.hitrate.value:.4f} "
                f"[{group.hitrate.ci_low:.4f}, {group.hitrate.ci_high:.4f}], CTR {group.ctr.value:.4f}"
            )
        for comparison in report.comparisons:
            z_test, t_test = comparison.proportion_test, comparison.bucket_test
            self.stdout.write(
                f"{comparison.metric}: difference {z_test.difference:+.4f}, "
                f"z-test p={z_test.p_value:.3g}, bucketed t-test p={t_test.p_value:.3g}"
            )
        if report.srm is not None:
            self.stdout.write(f"SRM check: p={report.srm.p_value:.3g}{' MISMATCH' if report.srm.mismatch else ''}")
        return report

    def _chart(self, report: ExperimentReport, path: str) -> None:
        try:
            import matplotlib

            matplotlib.use("Agg")
            from matplotlib import pyplot
        except ImportError:
            raise CommandError("--chart needs matplotlib (req-dev.txt).")
        figure, axes = pyplot.subplots(1, 2, figsize=(9, 3.6))
        labels = [f"{group.group}\n{group.pages} pages" for group in report.groups]
        for axis, metric in zip(axes, ["hitrate", "ctr"], strict=True):
            rates = [getattr(group, metric) for group in report.groups]
            errors = [[r.value - r.ci_low for r in rates], [r.ci_high - r.value for r in rates]]
            axis.bar(labels, [r.value for r in rates], yerr=errors, capsize=6, color=["#9aa5b1", "#2f6fde"])
            axis.set_title("online hitrate@5" if metric == "hitrate" else "CTR (liked impressions)")
            axis.set_ylim(bottom=0)
        z_test, t_test = report.comparisons[0].proportion_test, report.comparisons[0].bucket_test
        figure.suptitle(
            f"{report.experiment.name}: hitrate@5 difference {z_test.difference:+.3f} "
            f"(z-test p={z_test.p_value:.2g}, bucketed t-test p={t_test.p_value:.2g})",
            fontsize=10,
        )
        figure.tight_layout()
        figure.savefig(path, dpi=110)
        self.stdout.write(f"Chart written to {path}")
