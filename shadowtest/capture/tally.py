"""What the pairs show: each pair's outputs read as numbers, labels, vectors or rows of
them, counted into the figures of a :class:`~shadowtest.capture.comparison.PredictionComparison`.

How an output is read (:func:`prediction`): common wrappers are taken off (an object with
one key, ``{"predictions": …}``; a list of one item, a batch of one); an object holding
``predicted_label`` or ``label`` is that label, else one holding ``score`` (or
``scores``, ``probability``, ``probabilities``, ``prediction``, ``predictions``) is that;
a list of integers is a batch of integer labels; a list of numbers with a float is a
probability vector (it stands for its argmax label: values in [0, 1] summing to 1) or a
numeric vector; a CSV row ``label,score…`` (a string then
numbers) is its label; a list whose items are lists or objects is a batch of rows, each
read the same way. Strings, booleans and integers are labels (an integer paired with a
float is a number).
"""

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

    from shadowtest.capture.decode import Decoders
    from shadowtest.capture.reading import Entry, Problems

_PROBABILITY_SLACK: Final = 1e-3  # softmax outputs written with 6 decimals sum to 1 within 1e-5
_LABEL_KEYS: Final = ("predicted_label", "label")
_VALUE_KEYS: Final = ("score", "scores", "probability", "probabilities", "prediction",
                      "predictions")


class Ready(NamedTuple):
    value: object  # an input already decoded (from a CaptureRecord)


class Vector(tuple[float, ...]):
    """A numeric vector: compared element by element."""

    __slots__ = ()


class Rows(tuple[object, ...]):
    """A batch: one prediction per row, compared row by row."""

    __slots__ = ()


def _input_of(raw: object, decoders: Decoders | None) -> object:
    if type(raw) is Ready:
        return raw.value
    if raw is None:
        return None
    try:
        return _payload(raw, "captureData.endpointInput", decoders)
    except _Bad:
        return None  # an unreadable input does not hide the pair's outputs


def _is_number(value: object) -> bool:
    kind = type(value)
    return kind is float or kind is int


def _numbers(value: tuple[object, ...] | list[object]) -> bool:
    return all(type(v) is float or type(v) is int for v in value)


def prediction(value: object, depth: int = 0) -> object:
    """What one output predicts (see the module's docstring): a number, a label, a
    :class:`Vector`, :class:`Rows`, or the value itself when none of these."""
    while True:  # common wrappers
        if isinstance(value, dict):
            if len(value) == 1:
                value = next(iter(value.values()))
                continue
            for key in _LABEL_KEYS + _VALUE_KEYS:
                if key in value:
                    value = value[key]
                    break
            else:
                return value  # an object of several keys, none known: compared whole
            continue
        if isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
            continue
        break
    if not isinstance(value, (list, tuple)) or not value:
        return value
    if _numbers(value):
        if all(type(v) is int for v in value):
            return Rows(value)  # integers, one a row ("1\n0\n1"): labels
        if len(value) >= 2 and all(0 <= v <= 1 for v in value) and abs(
                math.fsum(value) - 1) <= _PROBABILITY_SLACK:
            return max(range(len(value)), key=value.__getitem__)  # its argmax label
        return Vector(float(v) for v in value)
    if type(value[0]) is str and _numbers(value[1:]):
        return value[0]  # a CSV row "label,score…"
    if depth == 0 and all(isinstance(v, (list, tuple, dict)) for v in value):
        return Rows(prediction(v, 1) for v in value)
    return value


def _label(value: object) -> object | None:
    """The label a read prediction stands for, or ``None`` if it is not one."""
    return value if isinstance(value, (str, bool)) or type(value) is int else None


def _same_label(label: object, truth: object) -> bool:
    return label == truth or str(label) == str(truth)


class Tally:
    """Everything a comparison counts, updated one pair at a time."""

    def __init__(self, labels: Mapping[str, object] | None, keep: int,
                 decoders: Decoders | None = None) -> None:
        self.labels = labels
        self.keep = keep
        self.decoders = decoders
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
                key=production[1], production_input=_input_of(production[3], self.decoders),
                production_output=p, shadow_input=_input_of(shadow[3], self.decoders),
                shadow_output=s, production_where=f"{production[4]}:{production[5]}",
                shadow_where=f"{shadow[4]}:{shadow[5]}"))
            if len(self.kept) == self.keep:
                self.inputs[0] = False
        if type(p) is float and type(s) is float:  # the common case of a score, first
            self.numeric += 1
            gap = abs(s - p)
            self.absolute.append(gap)
            if p:
                self.relative.append(gap / abs(p))
            if self.labels is not None and production[1] in self.labels:
                self._score(p, s, self.labels[production[1]])
            return
        p, s = prediction(p), prediction(s)
        if type(p) is Vector and type(s) is Rows and _numbers(s):
            s = Vector(float(v) for v in s)  # type: ignore[arg-type]  # integers beside floats
        elif type(s) is Vector and type(p) is Rows and _numbers(p):
            p = Vector(float(v) for v in p)  # type: ignore[arg-type]
        if type(p) is Rows and type(s) is Rows and len(p) == len(s):
            numeric = False
            for a, b in zip(p, s, strict=True):
                numeric = self._compare(a, b) or numeric
            self.numeric += numeric
        else:
            self.numeric += self._compare(p, s)
        if self.labels is not None and production[1] in self.labels:
            truth = self.labels[production[1]]
            if (type(p) is Rows and type(s) is Rows and isinstance(truth, (list, tuple))
                    and len(p) == len(s) == len(truth)):
                for a, b, t in zip(p, s, truth, strict=True):
                    self._score(a, b, t)
            else:
                self._score(p, s, truth)

    def _compare(self, p: object, s: object) -> bool:
        """Count one pair of read predictions; whether they were numeric."""
        if _is_number(p) and _is_number(s) and (type(p) is float or type(s) is float):
            gap = abs(s - p)  # type: ignore[operator]
            self.absolute.append(gap)
            if p:
                self.relative.append(gap / abs(p))  # type: ignore[arg-type]
            return True
        lp, ls = _label(p), _label(s)
        if lp is not None and ls is not None:
            self.label_pairs += 1
            self.agree += lp == ls
            self.confusion[(lp, ls)] = self.confusion.get((lp, ls), 0) + 1
            return False
        if type(p) is Vector and type(s) is Vector and len(p) == len(s):
            for a, b in zip(p, s, strict=True):
                gap = abs(b - a)
                self.absolute.append(gap)
                if a:
                    self.relative.append(gap / abs(a))
            return True
        # anything else (bytes, objects, vectors of different lengths): exact match only
        return False

    def _score(self, p: object, s: object, truth: object) -> None:
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
            confusion=FrozenMap(self.confusion), labelled=self.labelled,
            accuracy=accuracy, mae=mae, rmse=rmse,
            malformed=problems.malformed, duplicates=problems.duplicates,
            out_of_order=problems.out_of_order,
            undecoded=FrozenMap(problems.undecoded),
            problems=(*problems.kept, *problems.undecoded_problems()),
            kept=tuple(self.kept), absolute=self.absolute)
