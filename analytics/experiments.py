"""A/B experiments: who is in which group, and what each group's numbers say.

Assignment is a salted hash of the user id, so it is stable across requests and processes without storing
anything, and a new salt reshuffles users for the next experiment.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache

from . import selectors, stats
from .models import Experiment

BUCKETS = 10_000
# Users are spread over this many hash buckets per group for the bucketed t-test.
TEST_BUCKETS = 50
RUNNING_CACHE_SECONDS = 5
SURFACES = ("feed",)
CONTROL = "control"
TREATMENT = "treatment"


@dataclass(frozen=True)
class Variant:
    """What a surface should serve to one user.

    model_version_id None with use_random False means "the active model" (no experiment, or a treatment
    that follows whatever version is active).
    """

    experiment_id: int | None
    group: str
    model_version_id: int | None
    use_random: bool


NO_EXPERIMENT = Variant(experiment_id=None, group="", model_version_id=None, use_random=False)


def assignment_bucket(*, salt: str, user_id: int) -> int:
    """0..9999, uniform over users. analytics.selectors computes the same value in SQL."""
    digest = hashlib.sha256(f"{salt}:{user_id}".encode()).hexdigest()
    return int(digest[:15], 16) % BUCKETS


def group_for(*, salt: str, treatment_percent: int, user_id: int) -> str:
    return TREATMENT if assignment_bucket(salt=salt, user_id=user_id) < treatment_percent * 100 else CONTROL


def running_cache_key(surface: str) -> str:
    return f"analytics:running-experiment:{surface}"


def running_experiment(*, surface: str = "feed") -> dict | None:
    """The running experiment on a surface as a small dict, cached for a few seconds (the feed asks on every page)."""
    key = running_cache_key(surface)
    cached = cache.get(key)
    if cached is not None:
        return cached["experiment"]
    experiment = (
        Experiment.objects.filter(surface=surface, started_at__isnull=False, stopped_at__isnull=True)
        .values("id", "salt", "treatment_percent", "control_model_version_id", "treatment_model_version_id")
        .first()
    )
    # Wrapped so that "no experiment" is cached too instead of looking like a miss.
    cache.set(key, {"experiment": experiment}, RUNNING_CACHE_SECONDS)
    return experiment


def variant_for(*, user, surface: str = "feed") -> Variant:
    experiment = running_experiment(surface=surface)
    if experiment is None or not user.is_authenticated:
        return NO_EXPERIMENT
    group = group_for(salt=experiment["salt"], treatment_percent=experiment["treatment_percent"], user_id=user.pk)
    if group == TREATMENT:
        return Variant(
            experiment_id=experiment["id"],
            group=TREATMENT,
            model_version_id=experiment["treatment_model_version_id"],
            use_random=False,
        )
    control_version = experiment["control_model_version_id"]
    return Variant(
        experiment_id=experiment["id"],
        group=CONTROL,
        model_version_id=control_version,
        use_random=control_version is None,
    )


@dataclass(frozen=True)
class GroupResult:
    group: str
    users: int
    pages: int
    hits: int
    hitrate: stats.Rate
    impressions: int
    liked_impressions: int
    ctr: stats.Rate


@dataclass(frozen=True)
class Comparison:
    """Treatment minus control for one metric, tested two ways."""

    metric: str
    proportion_test: stats.ProportionTest
    bucket_test: stats.BucketTest


@dataclass(frozen=True)
class ExperimentReport:
    experiment: Experiment
    groups: list[GroupResult]
    comparisons: list[Comparison]
    srm: stats.SampleRatioCheck | None


def experiment_report(*, experiment: Experiment) -> ExperimentReport:
    """Per-group users, impressions, online hitrate@5 and CTR with CIs; differences with p-values; the SRM check."""
    rows = selectors.experiment_bucket_stats(experiment=experiment, test_buckets=TEST_BUCKETS)
    groups = []
    bucket_rates = {}
    for group in (CONTROL, TREATMENT):
        group_rows = [row for row in rows if row["group"] == group]
        users = sum(row["users"] for row in group_rows)
        pages = sum(row["pages"] for row in group_rows)
        hits = sum(row["hits"] for row in group_rows)
        impressions = sum(row["impressions"] for row in group_rows)
        liked = sum(row["liked_impressions"] for row in group_rows)
        groups.append(
            GroupResult(
                group=group,
                users=users,
                pages=pages,
                hits=hits,
                hitrate=stats.proportion(successes=hits, trials=pages),
                impressions=impressions,
                liked_impressions=liked,
                ctr=stats.proportion(successes=liked, trials=impressions),
            )
        )
        bucket_rates[group] = {
            "hitrate": [row["hits"] / row["pages"] for row in group_rows if row["pages"]],
            "ctr": [row["liked_impressions"] / row["impressions"] for row in group_rows if row["impressions"]],
        }
    control, treatment = groups
    comparisons = [
        Comparison(
            metric="hitrate@5",
            proportion_test=stats.two_proportion_ztest(
                successes_a=control.hits, trials_a=control.pages, successes_b=treatment.hits, trials_b=treatment.pages
            ),
            bucket_test=stats.bucketed_ttest(
                rates_a=bucket_rates[CONTROL]["hitrate"], rates_b=bucket_rates[TREATMENT]["hitrate"]
            ),
        ),
        Comparison(
            metric="CTR",
            proportion_test=stats.two_proportion_ztest(
                successes_a=control.liked_impressions,
                trials_a=control.impressions,
                successes_b=treatment.liked_impressions,
                trials_b=treatment.impressions,
            ),
            bucket_test=stats.bucketed_ttest(
                rates_a=bucket_rates[CONTROL]["ctr"], rates_b=bucket_rates[TREATMENT]["ctr"]
            ),
        ),
    ]
    share = experiment.treatment_percent / 100
    srm = None
    if control.users + treatment.users and 0 < share < 1:
        srm = stats.sample_ratio_check(observed=[control.users, treatment.users], expected_shares=[1 - share, share])
    return ExperimentReport(experiment=experiment, groups=groups, comparisons=comparisons, srm=srm)


def report_csv_rows(report: ExperimentReport) -> list[list]:
    """The results page as one table, for CSV export."""
    rows = [
        [
            "section",
            "group/metric",
            "users",
            "pages",
            "hits",
            "hitrate",
            "hitrate_ci_low",
            "hitrate_ci_high",
            "impressions",
            "liked_impressions",
            "ctr",
            "ctr_ci_low",
            "ctr_ci_high",
        ]
    ]
    for g in report.groups:
        rows.append(
            [
                "group",
                g.group,
                g.users,
                g.pages,
                g.hits,
                g.hitrate.value,
                g.hitrate.ci_low,
                g.hitrate.ci_high,
                g.impressions,
                g.liked_impressions,
                g.ctr.value,
                g.ctr.ci_low,
                g.ctr.ci_high,
            ]
        )
    rows.append(
        [
            "comparison",
            "metric",
            "difference",
            "diff_ci_low",
            "diff_ci_high",
            "z",
            "z_p_value",
            "bucket_difference",
            "t",
            "t_p_value",
        ]
    )
    for c in report.comparisons:
        p, b = c.proportion_test, c.bucket_test
        rows.append(
            ["comparison", c.metric, p.difference, p.ci_low, p.ci_high, p.z, p.p_value, b.difference, b.t, b.p_value]
        )
    if report.srm is not None:
        rows.append(["srm", "chi2", report.srm.chi2, "p_value", report.srm.p_value, "mismatch", report.srm.mismatch])
    return rows
