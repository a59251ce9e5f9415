#!/usr/bin/env bash
# Rehearse a shadow-test pipeline offline, in a real shell: a local server stands in for
# AWS, and the shadowtest CLI and the AWS CLI run against it with the exit codes a CI
# step branches on. Needs shadowtest with the test extra (for the AWS CLI) on PATH.
#
#   examples/rehearsal/rehearse.sh
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE

# 1. Start the server with the account's endpoint and models (so preflight checks them);
#    its first line of output is its URL. Any credentials will do.
coproc SERVER { exec "$PYTHON" -m shadowtest.testing.server --seed account.json; }
read -r URL <&"${SERVER[0]}"
trap 'kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null' EXIT
export AWS_ENDPOINT_URL="$URL"   # every AWS tool and SDK in this shell goes there
echo "server at $URL"

# 2. The pipeline's create step, as it runs against AWS.
shadowtest validate shadow-test.json
shadowtest preflight shadow-test.json   # exit 0: nothing would make it fail (warnings)
shadowtest apply shadow-test.json --wait 2> /dev/null

# 3. Four hours of traffic in which the shadow is twice as slow.
"$PYTHON" -m shadowtest.testing.server --to "$URL" --seed slow-shadow.json > /dev/null

# 4. The gate: promote only on a pass. Here it must refuse (exit 1) and keep production.
status=0
shadowtest promote churn-shadow --require pass > /dev/null 2>&1 || status=$?
if [ "$status" -ne 1 ]; then
    echo "expected promote --require pass to refuse with exit 1, got $status" >&2
    exit 1
fi
echo "promotion refused (exit $status): the shadow is slower"
shadowtest conclude churn-shadow

# 5. Any AWS tool sees the same experiment.
aws sagemaker describe-inference-experiment --name churn-shadow \
    --query '{status: Status, reason: StatusReason}' --output text
