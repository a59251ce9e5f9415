"""What a comparison reports: :class:`PredictionComparison` (with its rendering and the
Athena SQL of the same pairing), the problems it found, its difference summaries and the
disagreements it kept."""

from __future__ import annotations

import math
from array import array
from typing import TYPE_CHECKING, Final, Literal

import attrs

from shadowtest._checks import FrozenMap
from shadowtest._displayed import Displayed
from shadowtest._numbers import quantile
from shadowtest.capture import sql

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from matplotlib.axes import Axes

    from shadowtest._card import Card
    from shadowtest.judgement import Gate, GateData

__all__ = ["SIDES", "CaptureProblem", "DifferenceSummary", "Disagreement",
           "PredictionComparison", "PredictionPeriod", "Side"]

Side = Literal["production", "shadow"]
SIDES: Final[tuple[Side, Side]] = ("production", "shadow")


@attrs.frozen(kw_only=True)
class CaptureProblem:
    """A record that was skipped or set aside: which side, where (``source`` is the file,
    S3 object or ``<production>``/``<shadow>`` for lines given directly; ``line`` counts
    from 1) and what was wrong. Never holds the record's content."""

    side: Side
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.side} {self.source}:{self.line}: {self.message}"


@attrs.frozen(kw_only=True)
class DifferenceSummary:
    """Differences between paired numeric outputs (one value per scalar, or per element
    of equal-length vectors): ``count`` values, their mean, percentiles (linear
    interpolation between closest ranks, as numpy's default) and maximum."""

    count: int
    mean: float
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: array[float]) -> DifferenceSummary | None:
        """The summary of ``values``; ``None`` when there are none."""
        if not values:
            return None
        ordered = sorted(values)
        return cls(count=len(ordered), mean=math.fsum(ordered) / len(ordered),
                   p50=quantile(ordered, 0.50), p90=quantile(ordered, 0.90),
                   p99=quantile(ordered, 0.99), max=ordered[-1])


@attrs.frozen(kw_only=True)
class Disagreement:
    """One pair whose outputs differ, with both inputs: the only object shadowtest
    returns that holds payloads, because you asked for it."""

    key: str
    production_input: object
    production_output: object
    shadow_input: object
    shadow_output: object
    production_where: str
    shadow_where: str


@attrs.frozen(kw_only=True)
class PredictionPeriod:
    """What the pairs of one minute (by production's ``inferenceTime``; ``start`` is
    ``None`` for records without one) show, as a prediction gate of the verdict reads
    them: ``pairs`` and ``disagreements`` (labels that differ, numbers further apart than
    1e-6 of the sum of their sizes, other outputs not equal); of the labelled label
    pairs, ``labelled`` and their paired outcomes ``both_correct``, ``production_only``
    and ``shadow_only`` correct; of the labelled numeric pairs, ``numeric_labelled`` and
    the sums of the absolute errors ``error_production``/``error_shadow``, of their
    squares and of their product ``error_cross`` (a paired change in MAE, period by
    period)."""

    start: datetime | None
    pairs: int
    disagreements: int
    labelled: int
    both_correct: int
    production_only: int
    shadow_only: int
    numeric_labelled: int
    error_production: float
    error_shadow: float
    error_production_squared: float
    error_shadow_squared: float
    error_cross: float

    @classmethod
    def of(cls, minute: int, figures: Sequence[float]) -> PredictionPeriod:
        from datetime import datetime, timezone

        start = None if minute < -(1 << 50) else datetime.fromtimestamp(60 * minute,
                                                                         timezone.utc)
        counts = [int(v) for v in figures[:7]]
        return cls(start=start, pairs=counts[0], disagreements=counts[1], labelled=counts[2],
                   both_correct=counts[3], production_only=counts[4], shadow_only=counts[5],
                   numeric_labelled=counts[6], error_production=figures[7],
                   error_shadow=figures[8], error_production_squared=figures[9],
                   error_shadow_squared=figures[10], error_cross=figures[11])


@attrs.frozen(kw_only=True)
class PredictionComparison(Displayed):
    """How the shadow's predictions compare with production's, over paired records.

    Counts: ``paired``, ``unpaired_production``, ``unpaired_shadow`` (records whose
    partner never came, within the pairing window), ``malformed``, ``duplicates`` and
    ``out_of_order`` (records skipped: ``out_of_order`` ones came later than the streaming
    pairing can follow; each listed in ``problems`` with where and what, the first
    :data:`KEPT_PROBLEMS`). ``exact_match_rate`` compares decoded outputs for equality.
    Numeric outputs give ``differences`` (absolute) and ``relative_differences``
    (relative to production; pairs where production is 0 are left out); label outputs
    (strings, integers, booleans, or probability vectors by argmax) give
    ``agreement_rate`` and ``confusion`` (``(production label, shadow label) -> count``);
    an output holding several rows (a batch) is compared row by row. ``undecoded``
    counts, by content type, the outputs no decoder read (compared as bytes: exact match
    only), each content type also one of the ``problems``; ``non_finite`` counts, by side
    (``{"production": …, "shadow": …}``), the outputs holding NaN or an infinity (a model
    answering ``NaN``): their numbers are left out of the differences and scores, which
    are over the finite ones, and each side with any is one of the ``problems``.
    ``engine`` says where it was computed (``"athena"``: ``approximate`` percentiles,
    ``bytes_scanned`` and the ``cost`` in US dollars at Athena's public price per TB scanned).
    With ``labels``: ``accuracy`` for labels, ``mae``/``rmse`` for numbers, each a
    mapping ``{"production": …, "shadow": …}``, over the ``labelled`` pairs.
    """

    paired: int
    unpaired_production: int
    unpaired_shadow: int
    exact_matches: int
    numeric_pairs: int
    label_pairs: int
    label_agreements: int
    differences: DifferenceSummary | None
    relative_differences: DifferenceSummary | None
    confusion: Mapping[tuple[object, object], int]
    labelled: int
    accuracy: Mapping[str, float] | None
    mae: Mapping[str, float] | None
    rmse: Mapping[str, float] | None
    malformed: int
    duplicates: int
    out_of_order: int
    undecoded: Mapping[str, int]
    problems: tuple[CaptureProblem, ...]
    non_finite: Mapping[str, int] = attrs.field(factory=lambda: FrozenMap({}))
    periods: tuple[PredictionPeriod, ...] = ()
    engine: Literal["local", "athena"] = "local"
    approximate: bool = False
    bytes_scanned: int | None = None
    cost: float | None = None
    _kept: tuple[Disagreement, ...] = attrs.field(alias="kept", repr=False, default=())
    _absolute: array[float] = attrs.field(alias="absolute", repr=False, eq=False,
                                          factory=lambda: array("d"))

    @property
    def exact_match_rate(self) -> float | None:
        """Share of pairs whose decoded outputs are equal; ``None`` with no pairs."""
        return self.exact_matches / self.paired if self.paired else None

    def gate_evidence(self, gate: Gate) -> GateData | None:
        """The data of a prediction gate (``PredictionAgreement``, ``PredictionAccuracy``,
        ``PredictionError``) for ``judge(metrics, policy, predictions=self)``, or ``None``
        when this comparison has none for it (see :mod:`shadowtest.capture.gates`)."""
        from shadowtest.capture.gates import gate_evidence

        return gate_evidence(self, gate)

    @property
    def disagreements_count(self) -> int:
        """Pairs whose predictions differ (see :class:`PredictionPeriod`), over every
        period: what the ``PredictionAgreement`` gate counts."""
        return sum(period.disagreements for period in self.periods)

    @property
    def skipped(self) -> int:
        """Records skipped as problems: malformed, duplicate or out of order."""
        return self.malformed + self.duplicates + self.out_of_order

    @property
    def agreement_rate(self) -> float | None:
        """Share of label pairs whose labels agree; ``None`` when no pair had labels."""
        return self.label_agreements / self.label_pairs if self.label_pairs else None

    def to_dict(self) -> dict[str, object]:
        """The comparison as strict JSON data (``json.dumps(..., allow_nan=False)`` takes
        it): every count and rate, both difference summaries, the confusion table as
        ``{"production", "shadow", "count"}`` rows in class order, the scores, what was
        skipped and undecoded, and the problems kept. Non-finite numbers become ``None``;
        no payload is in it."""
        return {
            "paired": self.paired,
            "unpaired_production": self.unpaired_production,
            "unpaired_shadow": self.unpaired_shadow,
            "exact_matches": self.exact_matches,
            "exact_match_rate": _finite(self.exact_match_rate),
            "numeric_pairs": self.numeric_pairs,
            "label_pairs": self.label_pairs,
            "label_agreements": self.label_agreements,
            "agreement_rate": _finite(self.agreement_rate),
            "differences": _summary_dict(self.differences),
            "relative_differences": _summary_dict(self.relative_differences),
            "confusion": [{"production": _json_label(p), "shadow": _json_label(s), "count": n}
                          for (p, s), n in sorted(self.confusion.items(), key=_cell_order)],
            "labelled": self.labelled,
            "accuracy": _scores_dict(self.accuracy),
            "mae": _scores_dict(self.mae),
            "rmse": _scores_dict(self.rmse),
            "skipped": {"malformed": self.malformed, "duplicates": self.duplicates,
                        "out_of_order": self.out_of_order},
            "undecoded": dict(self.undecoded),
            "non_finite": dict(self.non_finite),
            "problems": [{"side": p.side, "source": p.source, "line": p.line,
                          "message": p.message} for p in self.problems],
            "engine": self.engine, "approximate": self.approximate,
            "bytes_scanned": self.bytes_scanned, "cost": _finite(self.cost),
        }

    def to_records(self) -> list[dict[str, object]]:
        """The summary as rows, ready for ``pandas.DataFrame(...)``: one a figure, each
        with ``figure``, ``side`` (``"production"``/``"shadow"`` for a variant's score,
        else ``None``), ``production_label``/``shadow_label`` (a confusion cell, else
        ``None``) and ``value``::

            {"figure": "paired", "side": None, "production_label": None,
             "shadow_label": None, "value": 334}
        """
        records: list[dict[str, object]] = []

        def add(figure: str, value: object, side: str | None = None,
                cell: tuple[object, object] = (None, None)) -> None:
            records.append({"figure": figure, "side": side, "production_label": cell[0],
                            "shadow_label": cell[1],
                            "value": _finite(value) if isinstance(value, float) else value})

        for figure in ("paired", "unpaired_production", "unpaired_shadow", "exact_matches",
                       "exact_match_rate", "numeric_pairs", "label_pairs", "label_agreements",
                       "agreement_rate", "labelled", "malformed", "duplicates", "out_of_order"):
            add(figure, getattr(self, figure))
        for kind, summary in (("difference", self.differences),
                              ("relative_difference", self.relative_differences)):
            if summary is not None:
                for field in ("count", "mean", "p50", "p90", "p99", "max"):
                    add(f"{kind}_{field}", getattr(summary, field))
        for name, scores in (("accuracy", self.accuracy), ("mae", self.mae),
                             ("rmse", self.rmse)):
            if scores is not None:
                for side in SIDES:
                    add(name, scores[side], side)
        for cell, count in sorted(self.confusion.items(), key=_cell_order):
            add("confusion", count, cell=cell)
        for media, count in self.undecoded.items():
            add(f"undecoded {media}" if media else "undecoded", count)
        for role, count in self.non_finite.items():
            add("non_finite", count, role)
        return records

    def disagreements(self, n: int = 10) -> tuple[Disagreement, ...]:
        """The first ``n`` pairs (in reading order) whose outputs differ, with both inputs
        and outputs, so you can look at them. At most ``keep_disagreements`` (given to
        :func:`compare_captures`) were kept."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be an integer >= 0, got {n!r}")
        return self._kept[:n]

    def __repr__(self) -> str:
        return (f"PredictionComparison(paired={self.paired}, "
                f"unpaired_production={self.unpaired_production}, "
                f"unpaired_shadow={self.unpaired_shadow}, "
                f"exact_match_rate={self.exact_match_rate!r}, "
                f"problems={self.skipped})")

    # -- rendering ------------------------------------------------------------------------------

    def _facts(self) -> list[tuple[str, object]]:
        facts: list[tuple[str, object]] = [
            ("paired", f"{self.paired:,}"),
            ("unpaired production", f"{self.unpaired_production:,}"),
            ("unpaired shadow", f"{self.unpaired_shadow:,}"),
            ("exact match", _percent(self.exact_match_rate)),
        ]
        if self.label_pairs:
            facts.append(("label agreement",
                          f"{_percent(self.agreement_rate)} of {self.label_pairs:,} pairs"))
        if self.labelled:
            facts.append(("labelled pairs", f"{self.labelled:,}"))
            for name, scores in (("accuracy", self.accuracy), ("MAE", self.mae),
                                 ("RMSE", self.rmse)):
                if scores is not None:
                    show = _percent if name == "accuracy" else _number_text
                    facts.append((name, f"production {show(scores['production'])}, "
                                        f"shadow {show(scores['shadow'])}"))
        if self.skipped:
            parts = [f"{n:,} {what}" for n, what in (
                (self.malformed, "malformed"), (self.duplicates, "duplicate"),
                (self.out_of_order, "out of order")) if n or what != "out of order"]
            facts.append(("skipped", ", ".join(parts)))
        return facts

    def _difference_rows(self) -> list[list[object]]:
        rows: list[list[object]] = []
        for name, summary in (("absolute", self.differences),
                              ("relative", self.relative_differences)):
            if summary is not None:
                rows.append([name, f"{summary.count:,}", *(
                    _number_text(v) for v in (summary.mean, summary.p50, summary.p90,
                                              summary.p99, summary.max))])
        return rows

    def _confusion_rows(self, limit: int = 12
                        ) -> tuple[list[str], list[list[object]], str | None]:
        labels, classes = _top_labels(self.confusion, limit)
        headers = ["production \\ shadow", *(str(label) for label in labels)]
        rows: list[list[object]] = [[str(p), *(self.confusion.get((p, s), 0) for s in labels)]
                                    for p in labels]
        more = None if classes <= len(labels) else (
            f"the {len(labels)} most frequent of {classes} classes shown; "
            f"{classes - len(labels)} more in .confusion")
        return headers, rows, more

    def _card(self, now: datetime | None = None) -> Card:
        """The counts and scores, then tables of the differences, the labels and the
        problems (never a payload: a label is a class name)."""
        from shadowtest._card import Card, Table

        tables = []
        diff = self._difference_rows()
        if diff:
            tables.append(Table("Differences (shadow - production)", _DIFF_HEADERS, diff))
        if self.confusion:
            headers, rows, more = self._confusion_rows()
            tables.append(Table("Labels (rows: production, columns: shadow)", headers, rows,
                                more=more))
        if self.problems:
            shown = self.problems[:_PROBLEMS_SHOWN]
            total = self.skipped + len(self.undecoded)
            tables.append(Table(
                "Problems", ("side", "where", "line", "what"),
                [[p.side, p.source, p.line, p.message] for p in shown],
                more=f"… and {total - len(shown):,} more" if total > len(shown) else None))
        return Card("Prediction comparison (production vs shadow)", self._facts(), tables)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the histogram of absolute differences (numeric outputs) or the confusion
        heat map (labels) on ``ax`` (a new figure's axes if none); returns the axes.
        Needs matplotlib: ``pip install 'shadowtest[plot]'``."""
        try:
            import matplotlib  # noqa: F401  (pyplot, slower to import, only without an ax)
        except ImportError as error:
            raise ImportError("PredictionComparison.plot() needs matplotlib: "
                              "pip install 'shadowtest[plot]'") from error
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots()
        if self._absolute:
            ax.hist(list(self._absolute), bins=min(50, max(5, len(self._absolute) // 20)))
            ax.set_xlabel("|shadow - production|")
            ax.set_ylabel("pairs")
            ax.set_title(f"Prediction differences ({len(self._absolute):,} values)")
        elif self.confusion:
            labels, _ = _top_labels(self.confusion, 20)
            grid = [[self.confusion.get((p, s), 0) for s in labels] for p in labels]
            image = ax.imshow(grid, cmap="Blues")
            names = [str(label) for label in labels]
            ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
            ax.set_yticks(range(len(names)), names)
            ax.set_xlabel("shadow")
            ax.set_ylabel("production")
            ax.set_title("Label agreement")
            ax.figure.colorbar(image, ax=ax)
        else:
            ax.set_title("No numeric or label pairs to plot")
        return ax

    athena_sql = staticmethod(sql.athena_sql)


_DIFF_HEADERS: Final = ("difference", "count", "mean", "p50", "p90", "p99", "max")
_PROBLEMS_SHOWN: Final = 10


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def _summary_dict(summary: DifferenceSummary | None) -> dict[str, object] | None:
    if summary is None:
        return None
    return {"count": summary.count, **{field: _finite(getattr(summary, field))
                                       for field in ("mean", "p50", "p90", "p99", "max")}}


def _scores_dict(scores: Mapping[str, float] | None) -> dict[str, float | None] | None:
    return None if scores is None else {side: _finite(scores[side]) for side in SIDES}


def _json_label(label: object) -> object:
    return label if isinstance(label, (str, int)) else str(label)  # (bool is an int)


def _cell_order(item: tuple[tuple[object, object], int]) -> tuple[object, ...]:
    (p, s), _ = item
    return (*_class_order(p), *_class_order(s))


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def _number_text(value: float) -> str:
    return f"{value:.4g}"


def _top_labels(confusion: Mapping[tuple[object, object], int], limit: int
                ) -> tuple[list[object], int]:
    """The ``limit`` most frequent classes, in class order, and how many classes there
    are."""
    totals: dict[object, int] = {}
    for (p, s), count in confusion.items():
        totals[p] = totals.get(p, 0) + count
        totals[s] = totals.get(s, 0) + count
    ranked = sorted(totals, key=lambda label: (-totals[label], _class_order(label)))[:limit]
    return sorted(ranked, key=_class_order), len(totals)


def _class_order(label: object) -> tuple[int, float, str]:
    """Integer classes in numeric order (``2`` before ``10``), then the others by text."""
    if isinstance(label, int):  # (bool too: False, True as 0, 1)
        return (0, label, "")
    return (1, 0, str(label))
