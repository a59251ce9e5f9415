"""A comparison's data for the prediction gates of the verdict (``judge(metrics, policy,
predictions=comparison)``): the sums of its :class:`PredictionPeriod`\\ s turned into the
evidence kinds of :mod:`shadowtest.judgement.evidence`, as that module's docstring says a
prediction gate plugs in.

- ``PredictionAgreement``: the share of pairs whose predictions differ, one rate
  against the tolerance (:class:`SingleRateEvidence`);
- ``PredictionAccuracy``: paired, on labelled pairs: the pairs only the shadow got right
  against those only production got right, over the labelled pairs (:class:`RateEvidence`,
  the change ``accuracy_shadow - accuracy_production``);
- ``PredictionError``: the mean absolute error's relative change, a ratio of the shadow's
  absolute errors to production's, one pair of errors a labelled pair
  (:class:`ContrastEvidence`).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from shadowtest.capture.comparison import PredictionComparison
    from shadowtest.judgement import Gate, GateData

__all__ = ["ERROR_N_OPT", "gate_evidence"]

ERROR_N_OPT: Final = 1000.0  # the MAE interval is tuned tightest at 1,000 labelled pairs


def gate_evidence(comparison: PredictionComparison, gate: Gate) -> GateData | None:
    """The evidence for one prediction gate, or ``None`` when the comparison has no data
    for it (no pairs; no labelled pairs of its kind)."""
    from shadowtest.judgement.evidence import (
        ContrastEvidence,
        GateData,
        RateEvidence,
        SeriesSummary,
        SingleRateEvidence,
    )

    periods = comparison.periods
    minutes = len(periods)
    elapsed = timedelta(minutes=minutes)

    def total(name: str) -> float:
        return math.fsum(getattr(p, name) for p in periods)

    def summary(value: float | None, count: int, unit: str) -> SeriesSummary:
        return SeriesSummary(count=count, mean=value, p50=None, p90=None, p99=None, unit=unit)

    if gate.metric == "PredictionAgreement":
        pairs, differing = int(total("pairs")), int(total("disagreements"))
        if not pairs:
            return None
        rate = differing / pairs
        return GateData(
            evidence=SingleRateEvidence(x=differing, n=pairs, resolution=gate.threshold),
            production=summary(None, pairs, "pairs"), shadow=summary(rate, pairs, "share"),
            have=(pairs, pairs), periods=minutes, relative=None, elapsed=elapsed,
            requests_per_minute=pairs / minutes if minutes else None,
            test=f"share of {pairs:,} pairs whose predictions differ (anytime-valid rate)")
    if gate.metric == "PredictionAccuracy":
        labelled = int(total("labelled"))
        if not labelled:
            return None
        both = total("both_correct")
        production_only, shadow_only = total("production_only"), total("shadow_only")
        accuracy_p = (both + production_only) / labelled
        accuracy_s = (both + shadow_only) / labelled
        return GateData(
            evidence=RateEvidence(x_s=shadow_only, n_s=labelled, x_p=production_only,
                                  n_p=labelled, resolution=gate.threshold),
            production=summary(accuracy_p, labelled, "accuracy"),
            shadow=summary(accuracy_s, labelled, "accuracy"), have=(labelled, labelled),
            periods=minutes, relative=accuracy_s / accuracy_p - 1 if accuracy_p else None,
            elapsed=elapsed, requests_per_minute=labelled / minutes if minutes else None,
            test=(f"paired accuracy on {labelled:,} labelled pairs: only the shadow right "
                  "against only production right (anytime-valid rates)"))
    if gate.metric == "PredictionError":
        n = int(total("numeric_labelled"))
        if not n:
            return None
        ep, es = total("error_production"), total("error_shadow")
        form = "ratio" if gate.change == "relative" else "difference"
        if form == "ratio":
            evidence = ContrastEvidence(sa=es, sb=ep, saa=total("error_shadow_squared"),
                                        sab=total("error_cross"),
                                        sbb=total("error_production_squared"), n=n,
                                        form="ratio", n_opt=ERROR_N_OPT)
        else:  # |s - t| - |p - t| against 1 a pair: the mean difference of the errors
            d2 = (total("error_shadow_squared") - 2 * total("error_cross")
                  + total("error_production_squared"))
            evidence = ContrastEvidence(sa=es - ep, sb=n, saa=d2, sab=es - ep, sbb=n, n=n,
                                        form="difference", n_opt=ERROR_N_OPT)
        return GateData(
            evidence=evidence, production=summary(ep / n, n, "MAE"),
            shadow=summary(es / n, n, "MAE"), have=(n, n), periods=minutes,
            relative=es / ep - 1 if ep else None, elapsed=elapsed,
            requests_per_minute=n / minutes if minutes else None,
            test=f"mean absolute error on {n:,} labelled pairs, paired (normal-mixture "
                 "confidence sequence)")
    return None
