"""Judge a shadow test: both variants' series in, a verdict out. Pure: no boto3, no clock.

A verdict means what it says at every look. For each gate the judge builds an
**anytime-valid confidence interval** for the change the *average request* sees (a
confidence sequence: the chance that it ever misses the true change, however often a
running experiment is evaluated, is at most ``1 - confidence``), then:

- the gate **passes** when the whole interval lies on the good side of its tolerance (the
  shadow is shown no worse than the tolerance), **fails** (``high``/``low``) when it is
  shown worse than the tolerance (Holm's step-down over the gates keeps the chance of any
  false failure, over all gates and all looks, at most ``1 - confidence``), and is
  **inconclusive** otherwise;
- the verdict is ``FAIL`` when a critical gate fails, ``NO_DATA`` when half the gates or
  more have no data, ``INCONCLUSIVE`` while a critical gate is undecided (with
  ``time_to_decision``, how much longer at the traffic seen), else the weighted share of
  passing gates among the decided ones gives ``PASS`` (>= 95) or ``MARGINAL`` (>= 75) or
  ``FAIL``, as Kayenta's canary judge scores. PASS needs every critical gate passed.

What each gate measures (``shadowtest.judgement.reading``): latencies request-weighted and
paired by period (a shared daily load curve cancels; a period weighs as many requests as
it carried); percentiles only in periods where both variants served enough requests for
that percentile (so sampling under 100 % alone does not move them); utilisation
time-weighted; error gates as pooled rates, from the counts, exactly.

How the intervals are made (``shadowtest.judgement.sequences``, on plain sums):

- contrasts (latency, utilisation, percentiles): Robbins' normal-mixture boundary,
  self-normalised, inverted in closed form — Howard, Ramdas, McAuliffe, Sekhon,
  "Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals of
  Statistics 2021, and the asymptotic confidence sequences of Waudby-Smith, Arbour,
  Sinha, Kennedy, Ramdas, "Time-uniform central limit theory and asymptotic confidence
  sequences", Annals of Statistics 2024; the approach of Lindon, Sanden, Shirikian,
  "Rapid regression detection in software deployments through sequential testing", KDD
  2022, for canaries;
- rates (errors): the beta-binomial mixture martingale for each variant (exact for
  counts from zero; no normal approximation), compared through a union bound (cf.
  Lindon & Malek, "Anytime-valid inference for multinomial count data", NeurIPS 2022,
  for count data; Johari et al., "Always valid inference", Operations Research 2022, for
  the p-values);
- across gates: Holm 1979 for failures; passing is an intersection-union test.

How a gate plugs in: a gate's inputs become a :class:`GateData` — its :class:`Evidence`
(one of :class:`ContrastEvidence`, :class:`RateEvidence`, :class:`SingleRateEvidence`,
built from a few sums) and the two variants' :class:`SeriesSummary`. The decision rule
knows nothing else. Endpoint metrics are read from the :class:`~shadowtest.ExperimentMetrics`;
the prediction gates (``PredictionAgreement``, ``PredictionAccuracy``,
``PredictionError``) come from ``judge(metrics, policy, predictions=comparison)``, where
``comparison`` has a ``gate_evidence(gate) -> GateData | None`` method
(:class:`PredictionEvidence`): e.g. a disagreement rate is
``SingleRateEvidence(x=differing_pairs, n=pairs, resolution=gate.threshold)``; paired
accuracy is ``RateEvidence(x_s=pairs_only_the_shadow_got_right, n_s=labelled,
x_p=pairs_only_production_got_right, n_p=labelled, resolution=gate.threshold)``; the mean
absolute error's relative change is a ratio ``ContrastEvidence`` with ``a`` the shadow's
absolute errors and ``b`` production's, one pair each.

>>> from shadowtest import judge, Policy
>>> judgement = judge(metrics)                      # doctest: +SKIP
>>> judgement.verdict, judgement.time_to_decision   # doctest: +SKIP
(<Verdict.INCONCLUSIVE: 'INCONCLUSIVE'>, datetime.timedelta(seconds=18120))

Everything runs on the standard library; ``tests/test_judge*.py`` check it against
scipy and against simulations with known truth, and ``benchmarks/judge_calibration.py``
measures the error rates and decision times.
"""

from __future__ import annotations

from shadowtest.judgement.classic import (
    Significance,
    mann_whitney_u,
    two_proportion_z,
    wilcoxon_signed_rank,
)
from shadowtest.judgement.evidence import (
    ContrastEvidence,
    Evidence,
    GateData,
    RateEvidence,
    SeriesSummary,
    SingleRateEvidence,
)
from shadowtest.judgement.policy import PREDICTION_GATES, Gate, Policy, Verdict
from shadowtest.judgement.results import Judgement, MetricJudgement
from shadowtest.judgement.rule import PredictionEvidence, judge

__all__ = [
    "PREDICTION_GATES",
    "ContrastEvidence",
    "Evidence",
    "Gate",
    "GateData",
    "Judgement",
    "MetricJudgement",
    "Policy",
    "PredictionEvidence",
    "RateEvidence",
    "SeriesSummary",
    "Significance",
    "SingleRateEvidence",
    "Verdict",
    "judge",
    "mann_whitney_u",
    "two_proportion_z",
    "wilcoxon_signed_rank",
]
