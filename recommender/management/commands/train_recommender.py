from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommender.serving import active_version_id
from recommender.training import TrainingInProgress, train_model


class Command(BaseCommand):
    help = "Train the LightGBM recommender on the database, evaluate it against the baselines, register it."

    def add_arguments(self, parser):
        parser.add_argument("--test-fraction", type=float, default=0.2)
        parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples for the CIs")
        parser.add_argument("--unless-active", action="store_true", help="do nothing when a version is active")

    def handle(self, *args, test_fraction, bootstrap, unless_active, **options):
        if unless_active and (active := active_version_id()):
            self.stdout.write(f"model version v{active} is active; not training (drop --unless-active to retrain)")
            return

        def progress(items, desc):
            return tqdm(items, desc=desc, leave=False, file=self.stderr._out)

        try:
            version = train_model(test_fraction=test_fraction, bootstrap=bootstrap, progress=progress)
        except TrainingInProgress as refused:
            raise CommandError(str(refused))
        self.stdout.write(self.summary(version))

    def summary(self, version) -> str:
        primary = version.metrics.get("primary", {})
        lines = [
            f"model version v{version.pk}: {version.status}" + (f" ({version.reason})" if version.reason else ""),
            f"{'data':<28}{version.data_size}",
            f"{'training time':<28}{version.training_seconds:.1f} s, peak memory {version.peak_memory_mb:.0f} MB",
            f"{'promotion protocol':<28}{primary.get('protocol')} hitrate@{primary.get('k')}",
            "",
            f"{'recommender':<18}{'segment':<10}{'users':>7}{'hitrate@5':>11}{'ndcg@5':>9}{'coverage':>10}",
        ]
        for protocol in ("catalogue", "impressions"):
            lines.append(f"-- {protocol}")
            for name, segments in version.metrics.get("evaluation", {}).get(protocol, {}).items():
                for segment, values in segments.items():
                    def number(key, values=values):
                        value = values.get(key)
                        return "-" if value is None else f"{value:.3f}"

                    lines.append(
                        f"{name:<18}{segment:<10}{values.get('n_users', 0):>7}{number('hitrate'):>11}"
                        f"{number('ndcg'):>9}{number('coverage'):>10}"
                    )
        return "\n".join(lines)
