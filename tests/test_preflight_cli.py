"""`shadowtest preflight FILE [--json]`: exit 0 when nothing would make the experiment fail
(warnings allowed), 1 otherwise; the findings on stdout, each error on stderr as
`FILE: check: message`."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING

import attrs
import pytest

from shadowtest.cli import main
from tests.preflight_wire import GOOD, error, wire

if TYPE_CHECKING:
    from pathlib import Path

    from shadowtest import InferenceExperimentConfig

Capture = pytest.CaptureFixture[str]


def write(tmp_path: Path, config: InferenceExperimentConfig) -> str:
    path = tmp_path / "shadow.json"
    path.write_text(config.to_json())
    return str(path)


def test_nothing_found_exits_0(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path, GOOD)
    assert main(["preflight", path], client=wire().client()) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[:2] == ["Preflight of churn-shadow",
                                    "  result    ok to create: nothing found"]
    assert err == ""


def test_warnings_only_exit_0(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path, GOOD.with_sampling(30))
    assert main(["preflight", path], client=wire().client()) == 0
    out, err = capsys.readouterr()
    assert "ok to create (0 errors, 1 warning)" in out
    assert "receives 30 %" in out
    assert err == ""


def test_an_error_exits_1_and_is_on_stderr(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path, GOOD)
    account = wire(DescribeModel__churn_v2=error(
        "ValidationException", 'Could not find model "arn:aws:sagemaker:us-east-1:'
        '123456789012:model/churn-v2".'))
    assert main(["preflight", path], client=account.client()) == 1
    out, err = capsys.readouterr()
    assert "1 error, 0 warnings" in out
    assert err.splitlines() == [
        f"{path}: model: model 'churn-v2' (variant 'shadow') does not exist in this account "
        "and region: create it (CreateModel) first, or fix model_variants[1].model_name"]


def test_nothing_checked_is_said_plainly(tmp_path: Path, capsys: Capture) -> None:
    """Every read refused: no clean bill in the text and a warning line saying nothing
    was checked; the exit code stays SPEC §13's 0 (warnings only), so a pipeline that
    wants more reads ``checked`` in the JSON."""
    path = write(tmp_path, attrs.evolve(GOOD, data_storage_config=None))
    denied = error("AccessDeniedException", "not authorized")
    account = wire(DescribeEndpoint__churn=denied, DescribeModel__churn_v1=denied,
                   DescribeModel__churn_v2=denied, ListInferenceExperiments__=denied)
    assert main(["preflight", path], client=account.client()) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[1].startswith(
        "  result    nothing checked: no read of the account answered (0 errors, 5 warnings)")
    assert err.splitlines() == [
        f"{path}: warning: nothing was checked: no read of the account answered (see each check's "
        "warning for the IAM action to grant)"]
    assert main(["preflight", path, "--json"], client=account.client()) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["ok"], data["checked"], len(data["problems"])) == (True, False, 1)


def test_json(tmp_path: Path, capsys: Capture) -> None:
    path = write(tmp_path, attrs.evolve(GOOD, data_storage_config=None))
    assert main(["preflight", path, "--json"], client=wire().client()) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {"name": "churn-shadow", "endpoint_name": "churn", "ok": True,
                    "checked": True,
                    "findings": [{"severity": "warning", "check": "data-capture",
                                  "message": data["findings"][0]["message"]}]}


def test_a_file_that_breaks_a_rule_sends_nothing(tmp_path: Path, capsys: Capture) -> None:
    """An endpoint name of the wrong shape: refused as the file is read, before any
    request, like every other rule of the config."""
    text = GOOD.to_json().replace('"EndpointName": "churn"', '"EndpointName": "churn_v2!"')
    path = tmp_path / "shadow.json"
    path.write_text(text)
    account = wire()
    assert main(["preflight", str(path)], client=account.client()) == 1
    assert "endpoint_name: got 'churn_v2!'" in capsys.readouterr().err
    assert account.calls == Counter()
