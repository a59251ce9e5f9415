"""The whole life of a shadow test, offline: build, create, watch, tune, promote.

By default it runs against shadowtest's in-memory FakeSageMaker, so it needs no
AWS account and takes well under a second (the fake's clock is moved, not waited
for):

    python examples/quickstart.py

With ``--aws`` it runs the same steps against real SageMaker with your own
credentials and resources. The endpoint must exist and serve the production
model as the variant you name; promoting makes the shadow model serve all
traffic on it, and it costs money while the shadow variant runs:

    python examples/quickstart.py --aws --endpoint churn --role-arn arn:aws:iam::...:role/X \\
        --production-model churn-v1 --shadow-model churn-v2 --instance-type ml.m5.xlarge
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

import attrs

from shadowtest import (
    ExperimentClient,
    InferenceExperimentConfig,
    InferenceExperimentSchedule,
    ModelVariantConfig,
    ShadowModeConfig,
    UpdateNotAllowedError,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aws", action="store_true",
                        help="run against real SageMaker (default: the offline fake)")
    parser.add_argument("--name", default="churn-shadow", help="the experiment's name")
    parser.add_argument("--endpoint", default="churn", help="an existing endpoint")
    parser.add_argument("--role-arn", default="arn:aws:iam::123456789012:role/ShadowTestRole")
    parser.add_argument("--production-model", default="churn-v1")
    parser.add_argument("--production-variant", default="production")
    parser.add_argument("--shadow-model", default="churn-v2")
    parser.add_argument("--shadow-variant", default="shadow")
    parser.add_argument("--instance-type", default="ml.m5.xlarge")
    parser.add_argument("--region", default=None, help="AWS region (with --aws)")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace, schedule: InferenceExperimentSchedule,
                 ) -> InferenceExperimentConfig:
    return InferenceExperimentConfig(
        name=args.name,
        endpoint_name=args.endpoint,
        role_arn=args.role_arn,
        model_variants=[
            ModelVariantConfig(model_name=args.production_model,
                               variant_name=args.production_variant,
                               instance_type=args.instance_type),
            ModelVariantConfig(model_name=args.shadow_model, variant_name=args.shadow_variant,
                               instance_type=args.instance_type),
        ],
        shadow_mode_config=ShadowModeConfig(
            source_model_variant_name=args.production_variant,
            shadow_model_variant_name=args.shadow_variant,
            sampling_percentage=25,  # as in README's config
        ),
        schedule=schedule,
        description="Does churn-v2 hold up on live traffic?",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.aws:
        client = ExperimentClient(region_name=args.region)
        where = "real SageMaker"
        poll = 30.0
        schedule = InferenceExperimentSchedule.from_now(timedelta(days=1))
    else:
        from shadowtest.testing import FakeSageMaker

        fake = FakeSageMaker()
        client = fake.experiment_client()
        where = "FakeSageMaker (offline)"
        poll = 5.0
        schedule = InferenceExperimentSchedule.from_now(timedelta(days=1), now=fake.now)

    print(f"shadowtest quickstart against {where}")
    config = build_config(args, schedule)
    print(f"1. built {config.name!r}: {config.shadow_mode_config.sampling_percentage}% of "
          f"{config.endpoint_name!r} traffic copied to {args.shadow_variant!r}")

    arn = client.create(config)
    print(f"2. created {arn}")

    running = client.wait(config.name, "Running", poll_interval=poll)
    print(f"3. status {running.status}; variants: "
          + ", ".join(f"{v.variant_name}={v.status}" for v in running.model_variants))

    client.update(config.name, shadow_mode_config=config.with_sampling(100).shadow_mode_config)
    running = client.wait(config.name, "Running", poll_interval=poll)
    assert running.shadow_mode_config is not None
    print(f"4. sampling raised to {running.shadow_mode_config.sampling_percentage}%")

    bigger = [attrs.evolve(v, instance_count=2) for v in config.model_variants]
    try:
        client.update(config.name, model_variants=bigger)
    except UpdateNotAllowedError as error:
        print(f"5. refused before sending anything: {error}")
    else:
        raise SystemExit("the illegal update was not refused")

    client.promote(config.name, reason="churn-v2 matched churn-v1 on live traffic")
    done = client.wait(config.name, {"Completed", "Cancelled"}, poll_interval=poll)
    print(f"6. promoted {args.shadow_variant!r}; experiment {done.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
