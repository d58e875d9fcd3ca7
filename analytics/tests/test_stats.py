import math

import pytest
from scipy import stats as scipy_stats

from analytics import stats


def test_proportion_wilson_interval_matches_scipy():
    rate = stats.proportion(successes=30, trials=200)
    expected = scipy_stats.binomtest(30, 200).proportion_ci(confidence_level=0.95, method="wilson")
    assert rate.value == pytest.approx(0.15)
    assert rate.ci_low == pytest.approx(expected.low)
    assert rate.ci_high == pytest.approx(expected.high)


def test_proportion_without_trials_is_nan():
    assert math.isnan(stats.proportion(successes=0, trials=0).value)


def test_two_proportion_ztest_matches_chi_square_without_correction():
    result = stats.two_proportion_ztest(successes_a=120, trials_a=1000, successes_b=150, trials_b=1000)
    chi2, p_value, _, _ = scipy_stats.chi2_contingency([[120, 880], [150, 850]], correction=False)
    assert result.difference == pytest.approx(0.03)
    assert result.z**2 == pytest.approx(chi2)
    assert result.p_value == pytest.approx(p_value)
    assert result.ci_low < 0.03 < result.ci_high


def test_two_proportion_ztest_known_value():
    # Pooled p = 0.5, se = sqrt(0.25 * 2 / 100) = 0.0707; z = 0.2 / 0.0707 = 2.828.
    result = stats.two_proportion_ztest(successes_a=40, trials_a=100, successes_b=60, trials_b=100)
    assert result.z == pytest.approx(2.8284, abs=1e-4)
    assert result.p_value == pytest.approx(0.004678, abs=1e-5)


def test_bucketed_ttest_matches_welch():
    control = [0.10, 0.12, 0.11, 0.09, 0.13]
    treatment = [0.15, 0.16, 0.14, 0.17, 0.15]
    result = stats.bucketed_ttest(rates_a=control, rates_b=treatment)
    expected = scipy_stats.ttest_ind(treatment, control, equal_var=False)
    assert result.t == pytest.approx(expected.statistic)
    assert result.p_value == pytest.approx(expected.pvalue)
    assert result.difference == pytest.approx(0.044)
    assert (result.buckets_a, result.buckets_b) == (5, 5)


def test_bucketed_ttest_needs_two_buckets_per_group():
    assert math.isnan(stats.bucketed_ttest(rates_a=[0.1], rates_b=[0.2, 0.3]).p_value)


def test_sample_ratio_check_flags_a_broken_split():
    balanced = stats.sample_ratio_check(observed=[5030, 4970], expected_shares=[0.5, 0.5])
    assert balanced.p_value == pytest.approx(scipy_stats.chisquare([5030, 4970]).pvalue)
    assert not balanced.mismatch
    broken = stats.sample_ratio_check(observed=[5300, 4700], expected_shares=[0.5, 0.5])
    assert broken.chi2 == pytest.approx(36.0)
    assert broken.p_value < 0.001
    assert broken.mismatch


def test_sample_ratio_check_against_an_uneven_split():
    result = stats.sample_ratio_check(observed=[800, 200], expected_shares=[0.8, 0.2])
    assert result.chi2 == pytest.approx(0.0)
    assert not result.mismatch
