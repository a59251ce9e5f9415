"""What the pairs show: each pair's outputs read as numbers, labels or vectors, counted
into the figures of a :class:`~shadowtest.capture.comparison.PredictionComparison`."""

from __future__ import annotations

import math
from array import array
from typing import TYPE_CHECKING, Final, NamedTuple

from shadowtest._checks import FrozenMap
from shadowtest.capture.comparison import (
    SIDES,
    DifferenceSummary,
    Disagreement,
    PredictionComparison,
)
from shadowtest.capture.decode import _Bad, _payload

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shadowtest.capture.reading import Entry, Problems

_PROBABILITY_SLACK: Final = 1e-3  # softmax outputs written with 6 decimals sum to 1 within 1e-5


class Ready(NamedTuple):
    value: object  # an input already decoded (from a CaptureRecord)


def _input_of(raw: object) -> object:
    if type(raw) is Ready:
        return raw.value
    if raw is None:
        return None
    try:
        return _payload(raw, "captureData.endpointInput")
    except _Bad:
        return None  # an unreadable input does not hide the pair's outputs



def _is_number(value: object) -> bool:
    kind = type(value)
    return kind is float or kind is int


def _probabilities(value: object) -> bool:
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        return False
    if not all(type(v) is float or type(v) is int for v in value):
        return False
    return all(0 <= v <= 1 for v in value) and abs(math.fsum(value) - 1) <= _PROBABILITY_SLACK


def _unwrap(value: object) -> object:
    """The prediction inside common response wrappers: a one-key object
    (``{"predictions": …}``) or a one-item list (a batch of one)."""
    while True:
        if isinstance(value, dict) and len(value) == 1:
            value = next(iter(value.values()))
        elif isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
        else:
            return value


def _label(value: object) -> object | None:
    """The label an output stands for, or ``None`` if it is not a label."""
    if isinstance(value, (str, bool)) or type(value) is int:
        return value
    if _probabilities(value):
        items = list(value)  # type: ignore[call-overload]
        return max(range(len(items)), key=items.__getitem__)
    return None


def _vector(value: object) -> list[float] | None:
    if isinstance(value, (list, tuple)) and value and all(
            type(v) is float or type(v) is int for v in value):
        return [float(v) for v in value]
    return None


def _same_label(label: object, truth: object) -> bool:
    return label == truth or str(label) == str(truth)


class Tally:
    """Everything a comparison counts, updated one pair at a time."""

    def __init__(self, labels: Mapping[str, object] | None, keep: int) -> None:
        self.labels = labels
        self.keep = keep
        self.inputs = [keep > 0]  # shared with the readers: are inputs still wanted?
        self.kept: list[Disagreement] = []
        self.paired = self.exact = self.numeric = self.label_pairs = self.agree = 0
        self.absolute: array[float] = array("d")
        self.relative: array[float] = array("d")
        self.confusion: dict[tuple[object, object], int] = {}
        self.labelled = 0
        self.correct = [0, 0]
        # |prediction - truth| per side, summed exactly at the end (math.fsum), so the
        # order pairs arrive in cannot change the last digit of MAE or RMSE
        self.errors: tuple[array[float], array[float]] = (array("d"), array("d"))

    def pair(self, production: Entry, shadow: Entry) -> None:
        self.paired += 1
        p, s = production[2], shadow[2]
        try:
            same = p == s
        except RecursionError:  # outputs nested almost as deep as the parser can read
            same = False
        if same:
            self.exact += 1
        elif len(self.kept) < self.keep:
            self.kept.append(Disagreement(
                key=production[1], production_input=_input_of(production[3]),
                production_output=p, shadow_input=_input_of(shadow[3]), shadow_output=s,
                production_where=f"{production[4]}:{production[5]}",
                shadow_where=f"{shadow[4]}:{shadow[5]}"))
            if len(self.kept) == self.keep:
                self.inputs[0] = False
        if type(p) is float and type(s) is float:  # the common case of a score, first
            self.numeric += 1
            gap = abs(s - p)
            self.absolute.append(gap)
            if p:
                self.relative.append(gap / abs(p))
        else:
            self._slow(p, s)
        if self.labels is not None and production[1] in self.labels:
            self._score(p, s, self.labels[production[1]])

    def _slow(self, p: object, s: object) -> None:
        p, s = _unwrap(p), _unwrap(s)
        if _is_number(p) and _is_number(s) and (type(p) is float or type(s) is float):
            self.numeric += 1
            gap = abs(s - p)  # type: ignore[operator]
            self.absolute.append(gap)
            if p:
                self.relative.append(gap / abs(p))  # type: ignore[arg-type]
            return
        lp, ls = _label(p), _label(s)
        if lp is not None and ls is not None:
            self.label_pairs += 1
            self.agree += lp == ls
            self.confusion[(lp, ls)] = self.confusion.get((lp, ls), 0) + 1
            return
        vp, vs = _vector(p), _vector(s)
        if vp is not None and vs is not None and len(vp) == len(vs):
            self.numeric += 1
            for a, b in zip(vp, vs, strict=True):
                gap = abs(b - a)
                self.absolute.append(gap)
                if a:
                    self.relative.append(gap / abs(a))
        # anything else (bytes, objects, vectors of different lengths): exact match only

    def _score(self, p: object, s: object, truth: object) -> None:
        p, s = _unwrap(p), _unwrap(s)
        if _is_number(truth) and _is_number(p) and _is_number(s) and (
                type(p) is float or type(s) is float or type(truth) is float):
            self.labelled += 1
            self.errors[0].append(abs(p - truth))  # type: ignore[operator]
            self.errors[1].append(abs(s - truth))  # type: ignore[operator]
            return
        lp, ls = _label(p), _label(s)
        if lp is not None and ls is not None:
            self.labelled += 1
            self.correct[0] += _same_label(lp, truth)
            self.correct[1] += _same_label(ls, truth)

    def result(self, unpaired: list[int], problems: Problems) -> PredictionComparison:
        accuracy: FrozenMap[str, float] | None = None
        mae: FrozenMap[str, float] | None = None
        rmse: FrozenMap[str, float] | None = None
        n_errors = len(self.errors[0])
        n_labels = self.labelled - n_errors
        if n_labels:
            accuracy = FrozenMap({str(side): self.correct[i] / n_labels
                                         for i, side in enumerate(SIDES)})
        if n_errors:
            mae = FrozenMap({str(side): math.fsum(self.errors[i]) / n_errors
                                    for i, side in enumerate(SIDES)})
            rmse = FrozenMap({
                str(side): math.sqrt(math.fsum(e * e for e in self.errors[i]) / n_errors)
                for i, side in enumerate(SIDES)})
        return PredictionComparison(
            paired=self.paired, unpaired_production=unpaired[0], unpaired_shadow=unpaired[1],
            exact_matches=self.exact, numeric_pairs=self.numeric, label_pairs=self.label_pairs,
            label_agreements=self.agree,
            differences=DifferenceSummary.of(self.absolute),
            relative_differences=DifferenceSummary.of(self.relative),
            confusion=FrozenMap(dict(self.confusion)), labelled=self.labelled,
            accuracy=accuracy, mae=mae, rmse=rmse,
            malformed=problems.malformed, duplicates=problems.duplicates,
            out_of_order=problems.out_of_order,
            problems=tuple(problems.kept), kept=tuple(self.kept), absolute=self.absolute)
