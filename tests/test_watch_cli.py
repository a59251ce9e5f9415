"""``shadowtest watch NAME``: one line per look in a log, one JSON object per look with
--json, and SPEC's exit codes (0 promoted/PASS, 1 FAIL, 3 MARGINAL, 4 NO_DATA,
6 INCONCLUSIVE, 5 a service error, 2 usage)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from shadowtest.cli import main
from tests.test_watch_fake import NAME, T0, running_shadow


def run(capsys: pytest.CaptureFixture[str], *args: str, latency: float = 35.0 * 1.3,
        sampling: int = 100, rpm: float = 100.0) -> tuple[int, str, str, list[str]]:
    fake = running_shadow(latency, sampling=sampling, rpm=rpm)
    code = main(["watch", NAME, *args], client=fake.experiment_client())
    out, err = capsys.readouterr()
    return code, out, err, [op for op, _ in fake.calls]


def test_a_fail_is_concluded_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err, ops = run(capsys, "--every", "15m")
    assert code == 1
    lines = out.splitlines()
    # one line per look (a CI log is not a terminal), the action on its own line
    assert lines[0].startswith("2026-12-01 06:00 UTC  churn-shadow: NO_DATA")
    assert any("churn-shadow: FAIL" in line and "concluding" in line for line in lines)
    assert f"{NAME}: stopped (Completed): production 'production' kept, shadow 'shadow' " \
           "removed" in lines
    assert "Watch of 'churn-shadow': concluded (production kept)" in out
    assert ops[-1] == "StopInferenceExperiment"
    assert err == ""


def test_json_is_one_object_per_look_then_the_result(capsys: pytest.CaptureFixture[str],
                                                     ) -> None:
    code, out, _, _ = run(capsys, "--json", "--every", "15m")
    objects = [json.loads(line) for line in out.splitlines()]
    looks = [o["look"] for o in objects[:-1]]
    assert all("look" in o for o in objects[:-1])
    assert looks[0]["time"] == T0.isoformat()
    assert looks[-1]["verdict"] == "FAIL"
    assert looks[-1]["decision"] == "conclude"
    assert looks[-1]["messages"][-1].startswith(f"{NAME}: stopped (Completed)")
    result = objects[-1]["result"]
    assert (result["action"], result["ended"], result["verdict"]) == ("concluded", "acted",
                                                                       "FAIL")
    assert len(result["looks"]) == len(looks)
    assert code == 1


def test_no_conclude_on_fail_reports_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _, ops = run(capsys, "--no-conclude-on-fail", "--every", "15m")
    assert code == 1
    assert "StopInferenceExperiment" not in ops


def test_promote_on_pass_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _, ops = run(capsys, "--promote-on-pass", "--min-duration", "1h", "--every",
                            "30m", latency=35.0)
    assert code == 0
    assert ops.count("StopInferenceExperiment") == 1
    assert "promoted the shadow 'shadow'" in out


def test_a_timeout_exits_with_the_last_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _, _ = run(capsys, "--timeout", "0s", latency=35.0)
    assert code == 4  # NO_DATA at the first and only look
    assert "watch ended after its timeout of 0s" in out


def test_the_ramp_is_raised_through_updates(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _, ops = run(capsys, "--ramp", "10,50,100", "--promote-on-pass", "--every",
                            "30m", latency=35.0, sampling=5, rpm=1000)
    assert code == 0
    assert ops.count("UpdateInferenceExperiment") == 3
    assert f"{NAME}: sampling 50 % -> 100 %" in out


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--every", "fast"], 2, "not a duration"),
    (["--ramp", "10;50"], 2, "whole percentages"),
    (["--every", "30s"], 1, "every: got 30s"),
    (["--ramp", "50,10"], 1, "ramp: got (50, 10); the steps must increase"),
    (["--sns-topic", "alerts"], 1, "notify: got 'alerts'; an SNS topic ARN"),
    (["--min-duration", "8d"], 1, "min_duration: got 8d, longer than the schedule"),
])
def test_bad_input(capsys: pytest.CaptureFixture[str], args: list[str], code: int,
                   words: str) -> None:
    got, _, err, ops = run(capsys, *args)
    assert got == code
    assert words in err
    assert "StopInferenceExperiment" not in ops
    assert "UpdateInferenceExperiment" not in ops


def test_the_watch_lines_show_undecided_gates_and_the_next_look() -> None:
    from shadowtest.judgement import Verdict
    from shadowtest.watch import Decision, Look, line_of_look
    from tests.test_watch import experiment, judgement

    look = Look(time=T0 + timedelta(hours=2), experiment=experiment(),
                judgement=judgement(Verdict.MARGINAL, critical="no_data"),
                decision=Decision("look", "verdict MARGINAL"),
                next_look=T0 + timedelta(hours=2, minutes=15))
    line = line_of_look(look)
    assert line.startswith("2026-12-01 08:00 UTC  churn-shadow: MARGINAL · undecided: "
                           "ModelLatency, Invocation5XXErrors, InvocationModelErrors")
    assert line.endswith("next look 08:15 UTC")
    assert line_of_look(look, live=True).startswith("churn-shadow: MARGINAL · undecided")


def test_a_terminal_gets_one_live_line(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """On a terminal the looks rewrite one status line (\\r); the action gets its own line."""
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fake = running_shadow(35.0 * 1.3)
    code = main(["watch", NAME], client=fake.experiment_client())
    shown = terminal.getvalue()
    assert code == 1
    assert shown.startswith("\rchurn-shadow: NO_DATA")
    assert shown.count("\n") <= 3  # one line rewritten, the action's, and the last
    assert f"{NAME}: stopped (Completed)" in shown
    assert "churn-shadow: FAIL · concluding" in shown
    assert "2026-12-01 06:00 UTC" not in capsys.readouterr().out  # no per-look lines


@pytest.mark.parametrize(("action", "ended", "verdict", "code"), [
    ("promoted", "acted", "PASS", 0), ("concluded", "acted", "FAIL", 1),
    ("cancelled", "acted", "FAIL", 1), (None, "decided", "PASS", 0),
    (None, "decided", "FAIL", 1), (None, "timeout", "MARGINAL", 3),
    (None, "timeout", "NO_DATA", 4), (None, "timeout", "INCONCLUSIVE", 6),
    (None, "left_running", "PASS", 0), (None, "interrupted", "INCONCLUSIVE", 130),
    (None, "timeout", None, 4),
])
def test_exit_codes(action: str | None, ended: str, verdict: str | None, code: int) -> None:
    """SPEC's table: 0 promoted/PASS, 1 FAIL (concluded or not), 3 MARGINAL, 4 NO_DATA (or
    nothing judged), 6 INCONCLUSIVE at the end; 130 when a signal ended it."""
    from shadowtest.cli import _watch_code
    from shadowtest.judgement import Verdict
    from shadowtest.watch import WatchResult
    from tests.test_watch import judgement

    j = judgement(Verdict(verdict)) if verdict is not None else None
    result = WatchResult(name=NAME, action=action, judgement=j,  # type: ignore[arg-type]
                         looks=(), experiment=None, ended=ended)  # type: ignore[arg-type]
    assert _watch_code(result) == code
