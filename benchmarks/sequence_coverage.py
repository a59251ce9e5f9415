"""Coverage of the verdict's confidence sequences: how often an interval *ever* misses the
true change, over every look of a run, against the promised ``alpha``.

The verdict's error rates (``judge_calibration.py``) test the intervals only far from the
truth (a FAIL needs the whole interval past the tolerance); this measures the intervals
themselves, where a sequence that is too narrow would show first. Runs are simulated by
``judge_calibration.simulate`` (a daily load curve, lognormal request latencies, binomial
sampling and errors) with a known truth: the shadow's latency is ``factor`` times
production's request by request (true change ``factor - 1``; OverheadLatency 0), its 5XX
rate ``shadow_5xx`` against 0.1 % (true difference ``shadow_5xx - 0.001``), 4XX alike on
both. At every look (from ``min_periods`` periods on each side) each gate's evidence is
built from the run's sums as ``judge()`` builds it, and its interval at ``alpha`` (0.02:
the default confidence) is checked against the truth; a run counts once per gate if any
look misses. Then one variant's rate sequence when its error rate follows the load curve
(the truth at a look is the running request-weighted mean rate).

Printed: per cell and gate the share of runs that ever missed, with a 95 % Wilson interval
and the number of runs (a valid sequence gives at most ``alpha``).

    python benchmarks/sequence_coverage.py              # 200 runs a cell (~50 min, 1 core)
    python benchmarks/sequence_coverage.py --runs 20    # a quick look
"""

from __future__ import annotations

import argparse
import sys
from typing import Final

import attrs
import numpy as np
from judge_calibration import DAY, NewRule, Scenario, simulate, wilson

from shadowtest.judgement import Policy, RateEvidence
from shadowtest.judgement.reading import LATENCY_N_OPT
from shadowtest.judgement.sequences import rate_interval

ALPHA: Final = 0.02
BASE_5XX: Final = 0.001


@attrs.frozen
class Cell:
    rate: float  # production requests a minute
    sampling: float
    factor: float  # the shadow's latency over production's
    every: int  # minutes between looks
    horizon: int = DAY
    shadow_5xx: float = BASE_5XX


CELLS: Final = (
    Cell(100, 1.0, 1.1, 10),
    Cell(10, 0.25, 1.1, 10),
    Cell(1000, 0.25, 1.0, 10),
    Cell(4, 0.25, 1.0, 1, horizon=2 * DAY),
    Cell(100, 0.25, 1.1, 1, shadow_5xx=0.02),
)
GATES: Final = ("ModelLatency", "OverheadLatency", "Invocation5XXErrors", "Invocation4XXErrors")


def coverage(cell: Cell, runs: int, seed: int) -> dict[str, int]:
    """Runs (of ``runs``) in which each gate's interval ever missed the truth."""
    rng = np.random.default_rng(seed)
    policy = Policy.default()
    thresholds = {g.metric: g.threshold for g in policy.gates}
    truth = {"ModelLatency": cell.factor - 1, "OverheadLatency": 0.0,
             "Invocation5XXErrors": cell.shadow_5xx - BASE_5XX, "Invocation4XXErrors": 0.0}
    scenario = Scenario("coverage", latency_factor=cell.factor, shadow_5xx=cell.shadow_5xx,
                        horizon=cell.horizon)
    missed = dict.fromkeys(GATES, 0)
    for _ in range(runs):
        production, shadow = simulate(rng, cell.rate, cell.sampling, scenario)
        rule = NewRule(production, shadow, policy)
        out: set[str] = set()
        for look in range(cell.every, cell.horizon + 1, cell.every):
            i = look - 1
            if min(rule.have_p[i], rule.have_s[i]) < policy.min_periods:
                continue
            for metric in GATES:
                if metric in out:
                    continue
                if metric in rule.latency:
                    evidence = rule.latency[metric].evidence(
                        look, LATENCY_N_OPT, float(rule.shadow_requests[i]))
                    low, high = evidence.interval(ALPHA)
                else:
                    x_s, x_p = rule.errors[metric]
                    low, high = RateEvidence(
                        x_s=float(x_s[i]), n_s=float(rule.trials[0][i]), x_p=float(x_p[i]),
                        n_p=float(rule.trials[1][i]),
                        resolution=thresholds[metric]).interval(ALPHA)
                if not low <= truth[metric] <= high:
                    out.add(metric)
        for metric in out:
            missed[metric] += 1
    return missed


def rate_curve(runs: int, rate: float, base: float, amplitude: float, seed: int) -> int:
    """Runs in which one variant's rate sequence (alpha / 2, as a difference uses it) ever
    missed the running mean of an error rate ``base x (1 + amplitude sin)`` that rises and
    falls with the load; looks every 10 minutes for 2 days."""
    rng = np.random.default_rng(seed)
    minutes = 2 * DAY
    t = np.arange(minutes)
    missed = 0
    for _ in range(runs):
        curve = np.sin(2 * np.pi * t / DAY + rng.uniform(0, 2 * np.pi))
        n = rng.poisson(rate * (1 + 0.6 * curve))
        p = base * (1 + amplitude * curve)
        x = rng.binomial(n, p)
        cn, cx, cp = np.cumsum(n), np.cumsum(x), np.cumsum(n * p)
        for i in range(9, minutes, 10):
            if cn[i] == 0:
                continue
            low, high = rate_interval(float(cx[i]), float(cn[i]), alpha=ALPHA / 2,
                                      resolution=BASE_5XX)
            if not low <= cp[i] / cn[i] <= high:
                missed += 1
                break
    return missed


def show(k: int, n: int) -> str:
    low, high = wilson(k, n)
    return f"{k}/{n} = {k / n:.1%} [{low:.1%}, {high:.1%}]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    print(f"interval ever missed the truth (alpha {ALPHA}; 95 % Wilson intervals)")
    for k, cell in enumerate(CELLS):
        missed = coverage(cell, args.runs, seed=100 + k)
        print(f"{cell.sampling:.0%} sampling, {cell.rate:g}/min, latency x{cell.factor}, "
              f"5XX {cell.shadow_5xx:.1%}, a look every {cell.every} min for "
              f"{cell.horizon // 60} h:")
        for metric in GATES:
            print(f"  {metric:20} {show(missed[metric], args.runs)}")
    for k, (rate, base) in enumerate(((100.0, 0.001), (1000.0, 0.01))):
        curve_missed = rate_curve(args.runs, rate, base, 0.9, seed=200 + k)
        print(f"one rate at alpha/2, {base:.1%} x (1 + 0.9 sin) with the load, {rate:g}/min: "
              f"{show(curve_missed, args.runs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
