"""A/B statistics against scipy and textbook values."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binomtest, chi2_contingency

from errors import InputError
from ml.abtest import Variant, compare, sample_size, wilson_interval


def test_z_test_matches_the_chi_square_test_of_the_2x2_table() -> None:
    result = compare(Variant("A", 200, 1000), Variant("B", 250, 1000))
    chi2, p, _, _ = chi2_contingency([[200, 800], [250, 750]], correction=False)
    assert result.z == pytest.approx(math.sqrt(chi2)) and result.p_value == pytest.approx(p)
    assert result.z == pytest.approx(2.6774, abs=1e-4) and result.p_value == pytest.approx(0.00742, abs=1e-5)
    assert result.difference == pytest.approx(0.05) and result.lift == pytest.approx(0.25)
    assert result.significant


def test_difference_interval_is_the_unpooled_normal_interval() -> None:
    result = compare(Variant("A", 200, 1000), Variant("B", 250, 1000))
    se = math.sqrt(0.2 * 0.8 / 1000 + 0.25 * 0.75 / 1000)  # 0.018641
    assert result.difference_interval == pytest.approx((0.05 - 1.959964 * se, 0.05 + 1.959964 * se), abs=1e-6)


@pytest.mark.parametrize(("k", "n"), [(81, 263), (0, 10), (10, 10), (3, 40)])
def test_wilson_interval_matches_scipy(k: int, n: int) -> None:
    expected = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(k, n) == pytest.approx((expected.low, expected.high))


def test_wilson_at_zero_conversions() -> None:
    z2 = 1.959964**2
    assert wilson_interval(0, 10) == pytest.approx((0.0, z2 / (10 + z2)), abs=1e-6)  # 0.2775


def test_sample_size_textbook_values() -> None:
    # Fleiss without continuity correction, worked by hand: 10 % → 12 % needs 3,841 per group,
    # 50 % → 60 % needs 388.
    assert sample_size(0.10, 0.02) == 3841
    assert sample_size(0.50, 0.10) == 388
    assert sample_size(0.12, -0.02) == 3841  # the same test read the other way
    assert sample_size(0.10, 0.02, power=0.9) > sample_size(0.10, 0.02)


def test_verdicts_in_both_languages() -> None:
    strong = compare(Variant("A", 200, 1000), Variant("B", 250, 1000))
    assert strong.verdict("en") == "B converts 5.0 points better than A; this is unlikely to be chance, p = 0.007."
    assert strong.verdict("zh") == "B 的转化率比 A 高 5.0 个百分点，这不太可能是偶然（p = 0.007）。"
    weak = compare(Variant("A", 210, 1000), Variant("B", 200, 1000))
    assert weak.verdict("en") == ("A converts 1.0 points better than B, but this could well be chance (p = 0.580); "
                                  "collect more data before deciding.")
    assert "很可能只是偶然" in weak.verdict("zh")
    tiny = compare(Variant("A", 2000, 100_000), Variant("B", 2600, 100_000))
    assert tiny.verdict("en").endswith("p < 0.001.")


def test_bad_input_is_refused_in_words() -> None:
    with pytest.raises(InputError, match="Variant B has no people"):
        Variant("B", 0, 0)
    with pytest.raises(InputError, match="12 conversions out of 10 people"):
        Variant("A", 12, 10)
    with pytest.raises(InputError, match="keep the conversion between 0 and 1"):
        sample_size(0.95, 0.1)
    with pytest.raises(InputError, match="alpha must be between 0 and 1"):
        sample_size(0.1, 0.02, alpha=1.5)
    with pytest.raises(InputError, match="confidence"):
        compare(Variant("A", 1, 10), Variant("B", 2, 10), confidence=95)


def test_no_conversions_anywhere_gives_no_division_error() -> None:
    result = compare(Variant("A", 0, 50), Variant("B", 0, 60))
    assert result.p_value == 1.0 and result.lift is None and not result.significant
    assert result.verdict("en") == "B and A convert the same (p = 1.000)."
