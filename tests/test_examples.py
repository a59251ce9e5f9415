"""The examples run offline, with no AWS environment at all, and say what they did."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_example(name: str, tmp_path: Path, *args: str) -> str:
    # no AWS_* variables, and a HOME without ~/.aws: proof that nothing needs an account
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    # matplotlib keeps its font cache under HOME: point it at the real one, or every run
    # rebuilds it (seconds, and a notice on stderr)
    env.setdefault("MPLCONFIGDIR", str(Path.home() / ".cache" / "matplotlib"))
    env["HOME"] = str(tmp_path)
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, str(ROOT / "examples" / name), *args], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def run_in_process(name: str, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The example as ``python examples/NAME ARGS`` would run it, in this process (a fresh
    interpreter per example cost seconds of the suite), with no AWS_* variable set."""
    import runpy

    for key in [key for key in os.environ if key.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setattr(sys, "argv", [name, *args])
    capsys.readouterr()
    runpy.run_path(str(ROOT / "examples" / name), run_name="__main__")
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def test_quickstart_runs_the_whole_lifecycle_offline(tmp_path: Path) -> None:
    # the README's first command: in a fresh interpreter, as a user runs it
    out = run_example("quickstart.py", tmp_path).splitlines()
    assert out[0] == "shadowtest quickstart against FakeSageMaker (offline)"
    steps = [line.split(" ", 1)[0] for line in out[1:] if line[:1].isdigit()]
    assert steps == ["1.", "2.", "3.", "4.", "5.", "6."]
    text = "\n".join(out)
    assert "inference-experiment/churn-shadow" in text
    assert "status Running" in text
    assert "sampling raised to 100%" in text
    assert "refused before sending anything" in text
    assert "model_variants: the model variants cannot change while the experiment is Running" \
        in text
    assert out[-1] == "6. promoted 'shadow'; experiment Completed"


def test_build_config_example(monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    out = run_in_process("build_config.py", monkeypatch, capsys)
    assert "'Type': 'ShadowMode'" in out
    assert "ShadowModeConfig is invalid (2 problems):" in out
    assert "sampling_percentage: got 150" in out


def test_compare_models_example(monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    out = run_in_process("compare_models.py", monkeypatch, capsys)
    assert "captured 600 requests into 2 files" in out
    assert "paired               334" in out
    assert "unpaired production  266" in out  # the shadow sees half the requests
    assert "accuracy             production 75.7%, shadow 78.1%" in out
    assert "first disagreement: request churn-shadow-000001" in out
    # the README shows this very summary
    readme = (ROOT / "README.md").read_text()
    start = readme.index("```text\nPrediction comparison (production vs shadow)") + len("```text\n")
    assert readme[start:readme.index("```", start)] in out


def test_judge_then_promote_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Judged on CloudWatch metrics (from the fake): the 2 % slower shadow passes and is
    promoted, the 25 % slower one is blocked with its reason and nothing is sent; the
    figure is saved."""
    figure = tmp_path / "judgement.png"
    env_out = run_in_process("judge_then_promote.py", monkeypatch, capsys, "--out", str(figure))
    lines = env_out.splitlines()
    assert lines[0] == "shadowtest: judge the shadow, then promote only on a pass (offline)"
    assert lines[1] == "Judgement of 'churn-shadow': PASS (score 100.0/100)"
    assert any(line.lstrip().startswith("ModelLatency ") and line.endswith("pass (critical)")
               for line in lines)
    assert f"figure saved to {figure}" in lines
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "promoted: experiment Stopping" in lines
    assert any(line.startswith("blocked: FAIL; shadow ModelLatency mean ")
               and line.endswith("past the tolerance +10 % (critical)") for line in lines)
    assert lines[-1] == "no stop request sent: experiment Running"


def test_pipeline_step_example_re_runs_without_sending_anything(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Run in-process (its offline mode makes no client of its own), to spare the suite a
    second interpreter."""
    import runpy

    main = runpy.run_path(str(ROOT / "examples" / "pipeline_step.py"))["main"]
    assert main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "shadowtest pipeline step against FakeSageMaker (offline)"
    assert out[2] == "+ create inference experiment 'churn-shadow' (does not exist)"
    run2 = out.index("run 2: same file, six hours later (from_now() moved with the clock)")
    assert out[run2 + 1] == ("No changes: inference experiment 'churn-shadow' (Running) "
                             "matches the config.")
    assert out[run2 + 3] == "   requests that changed something: none"
    assert "    ~ shadow_mode_config.sampling_percentage: 50 -> 100" in out
    assert "   requests that changed something: ['UpdateInferenceExperiment']" in out
    assert out[-1] == ("   refused, nothing sent: endpoint_name: 'churn' -> "
                       "'churn-v2-endpoint' (set only on create: forces a replacement)")


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_every_example_is_tested(name: str) -> None:
    assert name in {"quickstart.py", "build_config.py", "compare_models.py",
                    "judge_then_promote.py", "pipeline_step.py", "watch_and_act.py"}, \
        f"add a test for examples/{name}"


def test_readme_lifecycle_block_runs_against_the_fake(capsys: pytest.CaptureFixture[str]) -> None:
    """README's "Build a config" and "Create, watch and promote" blocks, run as written but
    with the client and the clock of a FakeSageMaker (the only two substitutions)."""
    import re

    readme = (ROOT / "README.md").read_text()
    build, lifecycle = re.findall(r"```python\n(.*?)```", readme, re.S)[:2]
    swaps = {"client = ExperimentClient()": "client = fake.experiment_client()",
             "from_now(timedelta(days=1))": "from_now(timedelta(days=1), now=fake.now)"}
    for old, new in swaps.items():
        assert old in lifecycle
        lifecycle = lifecycle.replace(old, new)
    code = (build + "\nfrom shadowtest.testing import FakeSageMaker\nfake = FakeSageMaker()\n"
            + lifecycle)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert "model variants cannot change while the experiment is Running" in \
        capsys.readouterr().out
    from shadowtest.testing import FakeSageMaker

    fake = namespace["fake"]
    assert isinstance(fake, FakeSageMaker)
    assert fake.describe("churn-shadow")["Status"] == "Completed"


def test_readme_judge_then_promote_test_runs() -> None:
    """README's judge-then-promote test, run as written with a FakeSageMaker for the
    fixture."""
    import re

    from shadowtest.testing import FakeSageMaker

    readme = (ROOT / "README.md").read_text()
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S)
                if "def test_slow_shadow_is_not_promoted" in b]
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    test = namespace["test_slow_shadow_is_not_promoted"]
    assert callable(test)
    fake = FakeSageMaker()
    test(fake)
    assert "StopInferenceExperiment" not in [op for op, _ in fake.calls]


def test_readme_watched_run_test_runs() -> None:
    """README's watched run, as written, with a FakeSageMaker for the fixture."""
    import re

    from shadowtest.testing import FakeSageMaker

    readme = (ROOT / "README.md").read_text()
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S)
                if "def test_watch_concludes_a_slow_shadow" in b]
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    test = namespace["test_watch_concludes_a_slow_shadow"]
    assert callable(test)
    fake = FakeSageMaker()
    test(fake)
    assert [op for op, _ in fake.calls][-1] == "StopInferenceExperiment"


def test_watch_and_act_example(monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    """The slow shadow is concluded at its first FAIL with nothing sent after; the good one
    is ramped 10 -> 50 -> 100 % and promoted; each action and verdict change reaches SNS."""
    out = run_in_process("watch_and_act.py", monkeypatch, capsys).splitlines()
    slow = next(line for line in out if line.startswith("churn-shadow-v3: "))
    assert slow.startswith("churn-shadow-v3: concluded after ")
    assert slow.endswith("last verdict FAIL")
    good = next(line for line in out if line.startswith("churn-shadow-v4: "))
    assert good.startswith("churn-shadow-v4: promoted after ")
    assert [line.split(" at ")[0] for line in out if line.startswith("  sampling")] == [
        "  sampling 10 % -> 50 %", "  sampling 50 % -> 100 %"]
    assert out.count("  experiment Completed (once the stop settles); requests after the "
                     "stop: 0") == 2
    assert "  sns: churn-shadow-v3: stopped (Completed): production 'production' kept, "\
           "shadow 'shadow' removed" in out
    assert "  sns: churn-shadow-v4: promoted the shadow 'shadow' to production (replacing "\
           "'production')" in out
    assert out[-1] == "  production variant now: ('shadow', 'churn-v2')"
