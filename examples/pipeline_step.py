"""A re-runnable pipeline step: make the shadow test match a request file, whatever ran before.

The file is the JSON that ``aws sagemaker create-inference-experiment --cli-input-json``
takes. ``apply`` creates the experiment, updates only what changed, or does nothing
at all; a schedule built with ``from_now()`` does not count as a change when only the
clock moved. By default the step runs three times against shadowtest's in-memory
FakeSageMaker (no AWS account, well under a second):

    python examples/pipeline_step.py

With ``--aws FILE`` it applies FILE once against real SageMaker with your credentials
(the same as ``shadowtest apply FILE --wait``):

    python examples/pipeline_step.py --aws shadow-test.json
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from shadowtest import (
    ExperimentClient,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ReplacementRequiredError,
    load,
)

MUTATING = {"CreateInferenceExperiment", "UpdateInferenceExperiment",
            "StartInferenceExperiment", "StopInferenceExperiment", "DeleteInferenceExperiment",
            "AddTags", "DeleteTags"}


def pipeline_step(client: ExperimentClient, request_file: Path) -> None:
    """What a CI job runs on every commit: load, show the plan, apply."""
    config = load(request_file)
    plan = client.plan(config)
    print(plan)
    experiment = client.apply(config, wait=True)
    print(f"-> {experiment.name} is {experiment.status}")


def offline() -> None:
    from shadowtest.testing import FakeSageMaker, sample_config

    fake = FakeSageMaker()
    client = fake.experiment_client()
    request_file = Path(tempfile.mkdtemp()) / "shadow-test.json"

    def write(config: InferenceExperimentConfig) -> None:
        request_file.write_text(config.to_json())

    def schedule() -> InferenceExperimentSchedule:  # what a pipeline builds on each run
        return InferenceExperimentSchedule.from_now(timedelta(days=7), now=fake.now)

    def sent(since: int) -> list[str]:
        return [operation for operation, _ in fake.calls[since:] if operation in MUTATING]

    print("shadowtest pipeline step against FakeSageMaker (offline)")
    base = sample_config(schedule=schedule(), tags={"team": "ml"})
    write(base)
    print("run 1: the experiment does not exist yet")
    pipeline_step(client, request_file)

    fake.advance(timedelta(hours=6))
    write(sample_config(schedule=schedule(), tags={"team": "ml"}))
    n = len(fake.calls)
    print("run 2: same file, six hours later (from_now() moved with the clock)")
    pipeline_step(client, request_file)
    print(f"   requests that changed something: {sent(n) or 'none'}")

    fake.advance(timedelta(hours=6))
    write(sample_config(schedule=schedule(), tags={"team": "ml"}).with_sampling(100))
    n = len(fake.calls)
    print("run 3: the file raises the sampling to 100%")
    pipeline_step(client, request_file)
    print(f"   requests that changed something: {sent(n)}")

    write(sample_config(schedule=schedule(), tags={"team": "ml"},
                        endpoint_name="churn-v2-endpoint").with_sampling(100))
    print("run 4: the file names another endpoint, which only a new experiment can have")
    try:
        client.apply(load(request_file))
    except ReplacementRequiredError as error:
        print(f"   refused, nothing sent: {str(error).splitlines()[-1].strip()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aws", metavar="FILE", type=Path,
                        help="apply FILE against real SageMaker (default: the offline demo)")
    args = parser.parse_args(argv)
    if args.aws is None:
        offline()
    else:
        pipeline_step(ExperimentClient(), args.aws)
    return 0


if __name__ == "__main__":
    sys.exit(main())
