"""Statistics for experiment results: proportions with CIs, the two tests of a difference, and the SRM check."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as scipy_stats

Z_95 = scipy_stats.norm.ppf(0.975)
SRM_ALPHA = 0.001


@dataclass(frozen=True)
class Rate:
    successes: int
    trials: int
    value: float  # nan when there are no trials
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class ProportionTest:
    """b minus a, with a Wald 95% CI of the difference and the pooled two-proportion z-test."""

    difference: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float


@dataclass(frozen=True)
class BucketTest:
    """Welch's t-test over per-bucket rates: robust to users contributing many correlated pages."""

    difference: float
    t: float
    p_value: float
    buckets_a: int
    buckets_b: int


@dataclass(frozen=True)
class SampleRatioCheck:
    chi2: float
    p_value: float
    mismatch: bool


def proportion(*, successes: int, trials: int) -> Rate:
    """The rate with a Wilson score 95% interval (sane near 0 and 1, unlike the Wald interval)."""
    if trials == 0:
        return Rate(successes=0, trials=0, value=math.nan, ci_low=math.nan, ci_high=math.nan)
    p = successes / trials
    z2 = Z_95**2
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = Z_95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials**2)) / (1 + z2 / trials)
    return Rate(successes=successes, trials=trials, value=p, ci_low=centre - half, ci_high=centre + half)


def two_proportion_ztest(*, successes_a: int, trials_a: int, successes_b: int, trials_b: int) -> ProportionTest:
    if trials_a == 0 or trials_b == 0:
        return ProportionTest(difference=math.nan, ci_low=math.nan, ci_high=math.nan, z=math.nan, p_value=math.nan)
    p_a, p_b = successes_a / trials_a, successes_b / trials_b
    difference = p_b - p_a
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    pooled_se = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    if pooled_se == 0:
        z, p_value = 0.0, 1.0
    else:
        z = difference / pooled_se
        p_value = float(2 * scipy_stats.norm.sf(abs(z)))
    se = math.sqrt(p_a * (1 - p_a) / trials_a + p_b * (1 - p_b) / trials_b)
    return ProportionTest(
        difference=difference, ci_low=difference - Z_95 * se, ci_high=difference + Z_95 * se, z=z, p_value=p_value
    )


def bucketed_ttest(*, rates_a: Sequence[float], rates_b: Sequence[float]) -> BucketTest:
    if len(rates_a) < 2 or len(rates_b) < 2:
        return BucketTest(
            difference=math.nan, t=math.nan, p_value=math.nan, buckets_a=len(rates_a), buckets_b=len(rates_b)
        )
    result = scipy_stats.ttest_ind(rates_b, rates_a, equal_var=False)
    difference = sum(rates_b) / len(rates_b) - sum(rates_a) / len(rates_a)
    return BucketTest(
        difference=difference,
        t=float(result.statistic),
        p_value=float(result.pvalue),
        buckets_a=len(rates_a),
        buckets_b=len(rates_b),
    )


def sample_ratio_check(*, observed: Sequence[int], expected_shares: Sequence[float]) -> SampleRatioCheck:
    """Chi-square goodness of fit of group sizes against the configured split; p < 0.001 means the split is broken."""
    total = sum(observed)
    expected = [share * total for share in expected_shares]
    result = scipy_stats.chisquare(observed, expected)
    p_value = float(result.pvalue)
    return SampleRatioCheck(chi2=float(result.statistic), p_value=p_value, mismatch=p_value < SRM_ALPHA)
