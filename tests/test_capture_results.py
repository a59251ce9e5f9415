"""Results for people: to_dict() as strict JSON, to_records() for a DataFrame, a confusion
table in class order that says when it shows fewer classes than there are."""

from __future__ import annotations

import json

from shadowtest import PredictionComparison, compare_captures

from .test_capture import line, part


def csv(text: str) -> dict[str, str]:
    return part(text, "CSV", "text/csv")


def small() -> PredictionComparison:
    return compare_captures([line("a", "0.5"), line("b", '"cat"'), line("c", '"dog"'), "bad"],
                            [line("a", "0.75"), line("b", '"dog"'), line("c", '"dog"')],
                            labels={"a": 0.5, "b": "dog"})


class TestToDict:
    def test_every_figure_as_strict_json(self) -> None:
        """Spelled out for a comparison of one numeric pair and two label pairs."""
        result = small()
        data = result.to_dict()
        assert json.loads(json.dumps(data, allow_nan=False)) == data
        assert data == {
            "paired": 3, "unpaired_production": 0, "unpaired_shadow": 0,
            "exact_matches": 1, "exact_match_rate": 1 / 3,
            "numeric_pairs": 1, "label_pairs": 2, "label_agreements": 1,
            "agreement_rate": 0.5,
            "differences": {"count": 1, "mean": 0.25, "p50": 0.25, "p90": 0.25,
                            "p99": 0.25, "max": 0.25},
            "relative_differences": {"count": 1, "mean": 0.5, "p50": 0.5, "p90": 0.5,
                                     "p99": 0.5, "max": 0.5},
            "confusion": [{"production": "cat", "shadow": "dog", "count": 1},
                          {"production": "dog", "shadow": "dog", "count": 1}],
            "labelled": 2, "accuracy": {"production": 0.0, "shadow": 1.0},
            "mae": {"production": 0.0, "shadow": 0.25},
            "rmse": {"production": 0.0, "shadow": 0.25},
            "skipped": {"malformed": 1, "duplicates": 0, "out_of_order": 0},
            "undecoded": {}, "non_finite": {"production": 0, "shadow": 0},
            "problems": [{"side": "production", "source": "<production>", "line": 4,
                          "message": "not valid JSON (Expecting value at line 1 column 1)"}],
            "engine": "local", "approximate": False, "bytes_scanned": None, "cost": None,
        }

    def test_non_finite_numbers_become_null(self) -> None:
        """CSV outputs can say inf and nan; JSON cannot carry them: they are counted per
        side and left out of the differences, which have no finite pair left."""
        result = compare_captures([line("a", csv("inf")), line("b", csv("1.0"))],
                                  [line("a", csv("1.0")), line("b", csv("nan"))])
        data = result.to_dict()
        text = json.dumps(data, allow_nan=False)  # would raise on inf or nan
        assert data["differences"] is None
        assert data["non_finite"] == {"production": 1, "shadow": 1}
        assert "Infinity" not in text


class TestToRecords:
    def test_one_row_a_figure(self) -> None:
        records = small().to_records()
        assert all(set(r) == {"figure", "side", "production_label", "shadow_label", "value"}
                   for r in records)
        by_figure = {(r["figure"], r["side"], r["production_label"], r["shadow_label"]):
                     r["value"] for r in records}
        assert by_figure[("paired", None, None, None)] == 3
        assert by_figure[("malformed", None, None, None)] == 1
        assert by_figure[("difference_p99", None, None, None)] == 0.25
        assert by_figure[("accuracy", "shadow", None, None)] == 1.0
        assert by_figure[("mae", "production", None, None)] == 0.0
        assert by_figure[("confusion", None, "cat", "dog")] == 1
        assert len(by_figure) == len(records)  # no figure twice


class TestConfusionTable:
    def test_integer_classes_in_numeric_order_and_fewer_shown_are_said(self) -> None:
        """13 integer classes: the table orders them 0, 1, 2, … 11 (not 0 1 10 11 2 …),
        shows the 12 most frequent (class 12 is the rarest) and says one more is in
        .confusion; to_dict orders them numerically too."""
        production, shadow = [], []
        n = 0
        for cls in range(13):
            for _ in range(13 - cls):  # class 0 most frequent, 12 the rarest
                production.append(line(f"r{n}", str(cls)))
                shadow.append(line(f"r{n}", str(cls)))
                n += 1
        result = compare_captures(production, shadow)
        text = str(result)
        header = next(row for row in text.splitlines() if "production \\ shadow" in row)
        assert header.split()[3:] == [str(c) for c in range(12)]
        assert "the 12 most frequent of 13 classes shown; 1 more in .confusion" in text
        cells = result.to_dict()["confusion"]
        assert isinstance(cells, list)
        assert [cell["production"] for cell in cells] == list(range(13))

    def test_all_classes_shown_says_nothing_more(self) -> None:
        result = compare_captures([line("a", "2"), line("b", "10")],
                                  [line("a", "10"), line("b", "10")])
        text = str(result)
        header = next(row for row in text.splitlines() if "production \\ shadow" in row)
        assert header.split()[3:] == ["2", "10"]
        assert "most frequent" not in text
