"""Offline evaluation of the baselines (and the LightGBM model when available) on the database's data."""

import json
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from recommender.baselines import baseline_recommenders
from recommender.data import load_frames
from recommender.evaluation import evaluate, format_tables


class PrefittedRecommender:
    """A model version trained earlier: evaluated as saved, so fitting again is skipped."""

    def __init__(self, model, name: str):
        self.model = model
        self.name = name

    def fit(self, train, cutoff) -> None:
        """Already trained on data before its own cutoff, which the evaluation uses as T."""

    def recommend(self, *args, **kwargs):
        return self.model.recommend(*args, **kwargs)

    def score(self, pairs, at):
        return self.model.score(pairs, at)


class Command(BaseCommand):
    requires_system_checks = []  # a data job: URL and admin checks are not its business
    help = "Evaluate recommenders on a global time split (catalogue and impressions protocols, DESIGN.md section 4)."

    def add_arguments(self, parser):
        parser.add_argument("--protocol", choices=["catalogue", "impressions", "both"], default="both")
        split = parser.add_mutually_exclusive_group()
        split.add_argument("--test-fraction", type=float, default=0.2)
        split.add_argument("--cutoff", help="ISO 8601 time T (default: the 1 - test-fraction quantile)")
        parser.add_argument("--k", type=int, default=5)
        parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the CI")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", dest="json_path", help="also write the figures to this JSON file")
        model = parser.add_mutually_exclusive_group()
        model.add_argument("--model-version", type=int, help="evaluate this saved model version as trained")
        model.add_argument("--with-model", action="store_true", help="train and evaluate the LightGBM ranker")
        model.add_argument("--baselines-only", action="store_true")

    def handle(self, *args, **options):
        if not 0 < options["test_fraction"] < 1:
            raise CommandError("--test-fraction must be between 0 and 1")
        if options["k"] < 1:
            raise CommandError("--k must be at least 1")
        cutoff = self._parse_cutoff(options["cutoff"]) if options["cutoff"] else None
        recommenders = baseline_recommenders(seed=options["seed"])
        if options["model_version"] is not None:
            model, version_cutoff = self._saved_model(options["model_version"])
            recommenders.append(model)
            # A saved model saw everything before its own cutoff: evaluating earlier would leak the test period.
            cutoff = version_cutoff if cutoff is None or cutoff < version_cutoff else cutoff
        elif not options["baselines_only"]:
            ranker = self._ranker_class(required=options["with_model"])
            if ranker is not None:
                recommenders.append(ranker())

        frames = load_frames()
        if frames.interaction_times().empty:
            raise CommandError("No views or likes in the database: import or generate data first.")
        result = evaluate(
            frames,
            recommenders,
            protocol=options["protocol"],
            cutoff=cutoff,
            test_fraction=options["test_fraction"],
            k=options["k"],
            bootstrap=options["bootstrap"],
            seed=options["seed"],
        )
        self.stdout.write(format_tables(result))
        if options["json_path"]:
            with open(options["json_path"], "w") as file:
                json.dump(result, file, indent=2)
            self.stdout.write(f"\nWrote {options['json_path']}")

    def _parse_cutoff(self, value: str) -> datetime:
        parsed = parse_datetime(value)
        if parsed is None:
            raise CommandError(f"--cutoff {value!r} is not an ISO 8601 date-time")
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed

    def _ranker_class(self, *, required: bool):
        try:
            from recommender.ranker import LightGBMRecommender
        except ImportError as error:
            if required:
                raise CommandError(f"The LightGBM recommender is not available: {error}")
            return None
        return LightGBMRecommender

    def _saved_model(self, version_id: int):
        from recommender.models import ModelVersion

        ranker = self._ranker_class(required=True)
        try:
            version = ModelVersion.objects.get(pk=version_id)
        except ModelVersion.DoesNotExist:
            raise CommandError(f"Model version {version_id} does not exist")
        if not version.artifact or version.cutoff is None:
            raise CommandError(f"Model version {version_id} has no artifact or cutoff")
        with version.artifact.open("rb") as file:
            model = ranker.load(file)
        return PrefittedRecommender(model, name=f"model_v{version.pk}"), version.cutoff
