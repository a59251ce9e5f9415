"""The confidence sequences behind the verdict: each closed form against an independent
computation with scipy (numerical integration, the beta-binomial distribution, root
finding), and their coverage, at every look, on simulations with known truth. No expected
answer comes from the code under test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shadowtest.judgement.rule import holm
from shadowtest.judgement.sequences import (
    best_rho,
    contrast_interval,
    contrast_p_value,
    mixture_log_evidence,
    mixture_radius,
    rate_difference_interval,
    rate_difference_p_value,
    rate_interval,
    rate_log_evidence,
    rate_p_value,
)

# scipy is imported by the tests that use it: 1 s of CPU to import, paid at collection by
# every xdist worker, while these tests run on one of them.


def _mixture_by_integration(s: float, v: float, rho: float) -> float:
    """log of the average of exp(l s - l**2 v / 2) over l ~ Normal(0, 1 / rho)."""
    import scipy.integrate  # type: ignore[import-untyped]
    sd = 1 / math.sqrt(rho)
    # the integrand's exponent, less its largest value (so nothing overflows)
    top = max(lam * s - lam * lam * (v + rho) / 2 for lam in (0.0, s / (v + rho)))

    def integrand(lam: float) -> float:
        return math.exp(lam * s - lam * lam * v / 2 - lam * lam * rho / 2 - top)

    peak = s / (v + rho)
    width = 40 / math.sqrt(v + rho)
    value, _ = scipy.integrate.quad(integrand, peak - width, peak + width, limit=400,
                                    epsabs=0, epsrel=1e-12)
    return math.log(value / (sd * math.sqrt(2 * math.pi))) + top


def _tuning(alpha: float) -> float:
    # Howard et al.'s v_opt / rho for the two-sided normal mixture, spelled out
    return 2 * math.log(1 / alpha) + math.log(1 + 2 * math.log(1 / alpha))


class TestNormalMixture:
    """Robbins' two-sided normal mixture and its boundary."""

    @pytest.mark.parametrize(("s", "v", "rho"), [(0.0, 1.0, 1.0), (3.0, 4.0, 0.5),
                                                 (-12.0, 50.0, 10.0), (40.0, 200.0, 30.0)])
    def test_log_evidence_is_the_mixture_integral(self, s: float, v: float, rho: float) -> None:
        """The closed form equals the integral of the exponential martingale over the
        normal prior (scipy.integrate.quad)."""
        assert mixture_log_evidence(s, v, rho) == pytest.approx(
            _mixture_by_integration(s, v, rho), rel=1e-7, abs=1e-9)

    @pytest.mark.parametrize(("v", "rho", "alpha"), [(10.0, 2.0, 0.05), (1000.0, 80.0, 0.02)])
    def test_radius_is_where_the_integral_reaches_one_over_alpha(
            self, v: float, rho: float, alpha: float) -> None:
        """The boundary is the s at which the mixture integral reaches 1/alpha (scipy's
        brentq on the integral)."""
        import scipy.optimize  # type: ignore[import-untyped]
        root = scipy.optimize.brentq(
            lambda s: _mixture_by_integration(s, v, rho) - math.log(1 / alpha), 0,
            10 * math.sqrt((v + rho) * math.log(1 / alpha)))
        assert mixture_radius(v, rho, alpha) == pytest.approx(root, rel=1e-7)

    def test_best_rho_is_confseqs(self) -> None:
        """rho = v_opt / (2 log(1/a) + log(1 + 2 log(1/a))), as Howard et al.'s confseq."""
        assert best_rho(500.0, 0.05) == pytest.approx(500.0 / _tuning(0.05), rel=1e-15)


def _contrast_log_evidence(theta: float, a: np.ndarray, b: np.ndarray, n: float,
                           n_opt: float, alpha_opt: float) -> float:
    """The mixture for a contrast, from the raw pairs and the integral (rho tuned to n_opt
    units of n, the per-unit variance estimated from V)."""
    g = a - theta * b
    s, v = float(g.sum()), float((g * g).sum())
    rho = n_opt * (v / n) / _tuning(alpha_opt)
    return _mixture_by_integration(s, v, rho)


class TestContrast:
    """The confidence sequence for theta where a - theta b averages zero."""

    @pytest.fixture
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(5)
        b = rng.uniform(50, 150, 40)
        a = 1.1 * b + rng.normal(0, 12, 40)
        return a, b

    def test_interval_ends_are_where_the_mixture_reaches_one_over_alpha(
            self, pairs: tuple[np.ndarray, np.ndarray]) -> None:
        """Each end of the closed-form interval is a root, found by scipy, of the mixture
        integral minus log(1/alpha)."""
        import scipy.optimize
        a, b = pairs
        n, n_opt, alpha = 400.0, 300.0, 0.05
        low, high = contrast_interval(float(a.sum()), float(b.sum()), float((a * a).sum()),
                                      float((a * b).sum()), float((b * b).sum()), n,
                                      alpha=alpha, n_opt=n_opt)
        centre = a.sum() / b.sum()

        def excess(theta: float) -> float:
            return _contrast_log_evidence(theta, a, b, n, n_opt, alpha) - math.log(1 / alpha)

        assert low == pytest.approx(scipy.optimize.brentq(excess, centre - 1, centre),
                                    rel=1e-7)
        assert high == pytest.approx(scipy.optimize.brentq(excess, centre, centre + 1),
                                     rel=1e-7)

    @pytest.mark.parametrize("theta0", [1.0, 1.05, 1.2])
    def test_p_value_is_one_over_the_mixture(self, pairs: tuple[np.ndarray, np.ndarray],
                                             theta0: float) -> None:
        """p = min(1, 1 / M(theta0)) with M from the integral."""
        a, b = pairs
        p = contrast_p_value(float(a.sum()), float(b.sum()), float((a * a).sum()),
                             float((a * b).sum()), float((b * b).sum()), 400.0, theta0,
                             n_opt=300.0, alpha_opt=0.05)
        expected = min(1.0, math.exp(-_contrast_log_evidence(theta0, a, b, 400.0, 300.0,
                                                             0.05)))
        assert p == pytest.approx(expected, rel=1e-7)

    def test_no_information_is_an_unbounded_interval(self) -> None:
        """No data, or b summing to 0: nothing bounds theta."""
        assert contrast_interval(0, 0, 0, 0, 0, 0, alpha=0.05, n_opt=10) == (-math.inf,
                                                                             math.inf)

    def test_coverage_at_every_look_with_skewed_thin_data(self) -> None:
        """120 simulated experiments, 2.5 shadow requests a minute (10/min sampled at 25 %)
        of lognormal latencies (sigma 0.8) under a daily load curve, judged at 40 looks:
        the 80 % confidence sequence misses the true ratio 1.2 at any look in at most
        20 % of runs (plus binomial slack); a fixed-sample 80 % interval (+-1.28 se)
        re-checked at every look misses in far more."""
        rng = np.random.default_rng(11)
        runs, minutes, alpha, truth = 120, 1440, 0.2, 1.2
        looks = np.unique(np.geomspace(30, minutes, 40).astype(int)) - 1
        misses = naive_misses = 0
        t = np.arange(minutes)
        for _ in range(runs):
            load = 10 * (1 + 0.6 * np.sin(2 * np.pi * t / 1440 + rng.uniform(0, 6.3)))
            n_p = rng.poisson(load)
            n_s = rng.binomial(n_p, 0.25)
            both = (n_p > 0) & (n_s > 0)
            log_median = np.log(35 * (1 + 0.25 * (load / 10 - 1)))
            means = []
            for n, factor in ((n_p, 1.0), (n_s, truth)):
                draws = rng.lognormal(np.repeat(log_median + math.log(factor), n), 0.8)
                sums = np.zeros(minutes)
                np.add.at(sums, np.repeat(t, n), draws)
                means.append(sums / np.maximum(n, 1))
            # block as the judge does (30 shadow requests a block); a look sees the blocks
            # before its last one whole, and that one as far as it got
            w = np.where(both, n_s, 0).astype(float)
            a = np.where(both, means[1] * n_s, 0.0)
            b = np.where(both, means[0] * n_s, 0.0)
            ids = np.floor(np.concatenate(([0.0], np.cumsum(w)[:-1])) / 30).astype(int)
            block_a, block_b = np.bincount(ids, a), np.bincount(ids, b)
            squares = [np.concatenate(([0.0], np.cumsum(x))) for x in
                       (block_a * block_a, block_a * block_b, block_b * block_b)]
            ca, cb, cw = np.cumsum(a), np.cumsum(b), np.cumsum(w)
            first = np.searchsorted(ids, np.arange(ids[-1] + 1))
            missed = naive = False
            for look in looks:
                k, start = ids[look], first[ids[look]]
                pa = ca[look] - (ca[start - 1] if start else 0.0)
                pb = cb[look] - (cb[start - 1] if start else 0.0)
                saa, sab, sbb = (squares[0][k] + pa * pa, squares[1][k] + pa * pb,
                                 squares[2][k] + pb * pb)
                low, high = contrast_interval(float(ca[look]), float(cb[look]), float(saa),
                                              float(sab), float(sbb), float(cw[look]),
                                              alpha=alpha, n_opt=1000.0)
                missed |= not low <= truth <= high
                theta = ca[look] / cb[look]
                se = math.sqrt(max(saa - 2 * theta * sab + theta * theta * sbb, 0.0)) / cb[look]
                naive |= abs(theta - truth) > 1.2816 * se
            misses += missed
            naive_misses += naive
        assert misses / runs <= alpha + 2.5 * math.sqrt(alpha * (1 - alpha) / runs)
        assert naive_misses / runs > 0.45


def _rate_log_evidence_scipy(x: int, n: int, p: float, resolution: float) -> float:
    """The beta-binomial mixture from scipy's distributions: the mixture's marginal
    likelihood over the binomial's at p (the binomial coefficient cancels), averaged over
    the three priors Beta(pK, (1-p)K), K = 4/resolution, 10x and 100x lighter."""
    import scipy.special  # type: ignore[import-untyped]
    import scipy.stats  # type: ignore[import-untyped]
    ks = [max(4 / resolution / 10 ** j, 1.0) for j in range(3)]
    logs = [scipy.stats.betabinom.logpmf(x, n, p * k, (1 - p) * k)
            - scipy.stats.binom.logpmf(x, n, p) for k in ks]
    return float(scipy.special.logsumexp(logs) - math.log(len(logs)))


class TestRates:
    """The beta-binomial confidence sequence for a rate, and two rates compared."""

    @pytest.mark.parametrize(("x", "n", "p"), [(0, 600, 0.001), (6, 600, 0.001),
                                               (3, 5000, 0.004), (120, 6000, 0.01),
                                               (50, 100, 0.3)])
    def test_log_evidence_matches_scipy_betabinom(self, x: int, n: int, p: float) -> None:
        """The closed form equals the beta-binomial pmf over the binomial pmf (scipy)."""
        assert rate_log_evidence(x, n, p, resolution=0.001) == pytest.approx(
            _rate_log_evidence_scipy(x, n, p, 0.001), rel=1e-8, abs=1e-10)

    @pytest.mark.parametrize(("x", "n"), [(6, 600), (1, 20_000), (40, 20_000), (300, 1000)])
    def test_interval_ends_are_roots_of_the_scipy_martingale(self, x: int, n: int) -> None:
        """Each end is where scipy's beta-binomial martingale reaches 1/alpha."""
        import scipy.optimize
        alpha = 0.01
        low, high = rate_interval(x, n, alpha=alpha, resolution=0.001)
        share = x / n

        def excess(logit: float) -> float:
            p = 1 / (1 + math.exp(-logit))
            return _rate_log_evidence_scipy(x, n, p, 0.001) - math.log(1 / alpha)

        centre = math.log(share / (1 - share))
        expected_high = scipy.optimize.brentq(excess, centre, 20)
        assert high == pytest.approx(1 / (1 + math.exp(-expected_high)), rel=1e-6)
        if excess(-30) > 0:
            expected_low = scipy.optimize.brentq(excess, -30, centre)
            assert low == pytest.approx(1 / (1 + math.exp(-expected_low)), rel=1e-6)
        else:
            assert low == 0.0

    def test_zero_errors_bound_the_rate_from_above(self) -> None:
        """0 errors in 100,000 requests: the rate is shown below 0.01 % (and above 0)."""
        low, high = rate_interval(0, 100_000, alpha=0.02, resolution=0.001)
        assert low == 0.0
        assert 0 < high < 0.0001

    def test_p_value_matches_scipy(self) -> None:
        """p = min(1, 1/M(p0))."""
        expected = min(1.0, math.exp(-_rate_log_evidence_scipy(12, 4000, 0.001, 0.002)))
        assert rate_p_value(12, 4000, 0.001, resolution=0.002) == pytest.approx(expected,
                                                                               rel=1e-8)

    def test_difference_p_value_is_the_best_split(self) -> None:
        """2 / max over q of min(M_s(q + delta), M_p(q)): the shadow's evidence falls and
        production's grows along q, so the maximum is where they cross (scipy's brentq on
        scipy's martingales)."""
        import scipy.optimize
        x_s, n_s, x_p, n_p, delta = 60, 3000, 4, 3000, 0.001

        def gap(q: float) -> float:
            return (_rate_log_evidence_scipy(x_s, n_s, q + delta, 0.001)
                    - _rate_log_evidence_scipy(x_p, n_p, q, 0.001))

        q = scipy.optimize.brentq(gap, x_p / n_p, x_s / n_s - delta, xtol=1e-15)
        best = _rate_log_evidence_scipy(x_p, n_p, q, 0.001)
        ours = rate_difference_p_value(x_s, n_s, x_p, n_p, delta, resolution=0.001)
        assert ours == pytest.approx(2 * math.exp(-best), rel=1e-6)

    def test_difference_interval_excludes_what_the_p_value_rejects(self) -> None:
        """The interval at level alpha excludes delta exactly when its p-value is below
        alpha (both from the same union bound)."""
        for delta in (0.0, 0.005, 0.01, 0.012, 0.02):
            p = rate_difference_p_value(60, 3000, 4, 3000, delta, resolution=0.001)
            for alpha in (0.01, 0.05, 0.2):
                low, high = rate_difference_interval(60, 3000, 4, 3000, alpha=alpha,
                                                     resolution=0.001)
                if abs(p - alpha) > 1e-6:
                    assert (not low <= delta <= high) == (p < alpha), (delta, alpha, p)

    def test_coverage_at_every_look(self) -> None:
        """60 simulated Bernoulli streams at 2 %, looked at 10 times up to 5,000 trials:
        the 80 % sequence misses the true rate at any look in at most 20 % of runs (plus
        binomial slack)."""
        rng = np.random.default_rng(3)
        runs, alpha = 60, 0.2
        looks = np.unique(np.geomspace(50, 5000, 10).astype(int))
        misses = 0
        for _ in range(runs):
            counts = np.cumsum(rng.random(5000) < 0.02)
            misses += any(not (lambda b: b[0] <= 0.02 <= b[1])(
                rate_interval(int(counts[k - 1]), k, alpha=alpha, resolution=0.01))
                for k in looks)
        assert misses / runs <= alpha + 2.5 * math.sqrt(alpha * (1 - alpha) / runs)


class TestKnownCounts:
    """The issue's case: 0 vs 6 errors out of 600 each."""

    def test_exact_p_value_is_above_the_fail_level(self) -> None:
        """Fisher's exact test (scipy) gives 0.031 for no change; the anytime p-value of no
        change is no smaller, so at confidence 0.98 nothing is shown even against zero."""
        import scipy.stats
        fisher = scipy.stats.fisher_exact([[6, 594], [0, 600]]).pvalue
        assert fisher == pytest.approx(0.031, abs=0.001)
        assert rate_difference_p_value(6, 600, 0, 600, 0.0, resolution=0.001) >= fisher
        low, _ = rate_difference_interval(6, 600, 0, 600, alpha=0.02, resolution=0.001)
        assert low < 0.001  # not shown past a 0.1 pp tolerance either


class TestHolm:
    """Holm's step-down, on spelled-out p-values."""

    @pytest.mark.parametrize(("p_values", "alpha", "expected"), [
        ([0.01, 0.04, 0.03], 0.05, [True, False, False]),  # 0.01 <= .05/3; 0.03 > .05/2
        ([0.01, 0.02, 0.04], 0.05, [True, True, True]),    # .0167, .025, .05
        ([0.3, 0.001], 0.02, [False, True]),
        ([0.015, 0.015], 0.02, [False, False]),            # 0.015 > 0.02 / 2
        ([], 0.05, []),
    ])
    def test_step_down(self, p_values: list[float], alpha: float,
                       expected: list[bool]) -> None:
        """Sorted p-values, each against alpha / (hypotheses left); stop at the first
        that fails."""
        assert holm(p_values, alpha) == expected
