"""SageMaker: the ``*InferenceExperiment`` operations and the tags of their ARNs.

Its error table is :data:`shadowtest.errors.ERROR_CODES` (public, so it is defined with
the classes it maps to). The output shapes are the service model's, reduced to what is
read; a describe is checked at its top level when it arrives (one set comparison and a
few type checks) and every nested member where it is read (``InferenceExperiment``), so
the common case costs next to nothing and a wrong shape anywhere is still a
:class:`MalformedResponseError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from shadowtest._aws._core import Operation, Service, pages
from shadowtest._aws.shapes import SENT, DestinationUri, Name, Struct, fail, find_problem
from shadowtest.errors import ERROR_CODES

__all__ = [
    "ADD_TAGS",
    "ARN_RESPONSE",
    "BY_METHOD",
    "CREATE",
    "DELETE",
    "DELETE_TAGS",
    "DESCRIBE",
    "DESCRIBE_ENDPOINT",
    "DESCRIBE_ENDPOINT_CONFIG",
    "DESCRIBE_MODEL",
    "DESCRIBE_RESPONSE",
    "ENDPOINT_CONFIG_RESPONSE",
    "ENDPOINT_RESPONSE",
    "LIST",
    "LIST_RESPONSE",
    "LIST_TAGS",
    "LIST_TAGS_RESPONSE",
    "MODEL_RESPONSE",
    "SAGEMAKER",
    "START",
    "STOP",
    "SUMMARY",
    "UPDATE",
    "arn_of",
    "check_describe",
    "check_summaries",
    "tags",
]

SAGEMAKER: Final = Service("SageMaker", ERROR_CODES)

_OPTIONAL_TEXT: Final = ("StatusReason", "Description", "RoleArn", "KmsKey")
_TIMES: Final = ("CreationTime", "CompletionTime", "LastModifiedTime")
_SCHEDULE: Final[Struct] = (("StartTime", False, datetime), ("EndTime", False, datetime))

# the names a describe gives are sent back (an update's variants, CloudWatch's dimensions,
# the capture prefix): each has a character at least, as every name the service stores
VARIANT: Final[Struct] = (
    ("ModelName", True, Name),
    ("VariantName", True, Name),
    ("InfrastructureConfig", True, (
        ("InfrastructureType", True, str),
        ("RealTimeInferenceConfig", True, (
            ("InstanceType", True, str),
            ("InstanceCount", True, int),
        )),
    )),
    ("Status", True, str),
)
DESCRIBE_RESPONSE: Final[Struct] = (
    ("Arn", True, str),
    ("Name", True, Name),
    ("Type", True, str),
    ("Status", True, str),
    ("EndpointMetadata", True, (
        ("EndpointName", True, Name),
        ("EndpointConfigName", False, str),
        ("EndpointStatus", False, str),
        ("FailureReason", False, str),
    )),
    ("ModelVariants", True, [VARIANT]),
    ("Schedule", False, _SCHEDULE),
    *((key, False, str) for key in _OPTIONAL_TEXT),
    *((key, False, datetime) for key in _TIMES),
    ("DataStorageConfig", False, (
        ("Destination", True, DestinationUri),
        ("KmsKey", False, str),
        ("ContentType", False, (
            ("CsvContentTypes", False, [str]),
            ("JsonContentTypes", False, [str]),
        )),
    )),
    ("ShadowModeConfig", False, (
        ("SourceModelVariantName", True, Name),
        # the model's list has exactly one item (min 1, max 1)
        ("ShadowModelVariants", True, [(
            ("ShadowModelVariantName", True, Name),
            ("SamplingPercentage", True, int),
        )]),
    )),
)
SUMMARY: Final[Struct] = (
    ("Name", True, str),
    ("Type", True, str),
    ("Status", True, str),
    ("CreationTime", True, datetime),
    ("LastModifiedTime", True, datetime),
    ("Schedule", False, _SCHEDULE),
    ("StatusReason", False, str),
    ("Description", False, str),
    ("RoleArn", False, str),
    ("CompletionTime", False, datetime),
)
# the model does not require InferenceExperiments, but every answer of the service has it
# (an empty list for none): a page without it is an HTML page, ``{}`` or an error body
# botocore's JSON parser read as an empty answer, not "no experiments"
LIST_RESPONSE: Final[Struct] = (("InferenceExperiments", SENT, [SUMMARY]),
                                ("NextToken", False, str))
ARN_RESPONSE: Final[Struct] = (("InferenceExperimentArn", True, str),)
# every ListTags answer has its Tags (an empty list for none): without them it is not one
LIST_TAGS_RESPONSE: Final[Struct] = (
    ("Tags", SENT, [(("Key", True, str), ("Value", True, str))]),
    ("NextToken", False, str),
)

_DESCRIBE_REQUIRED: Final = frozenset(key for key, required, _ in DESCRIBE_RESPONSE
                                      if required)


def check_describe(data: object) -> None:
    """Raise :class:`MalformedResponseError` unless ``data`` has what every describe
    response has (the members the model requires, the top-level shapes). It costs one
    set comparison and a few type checks; nested members are checked when first read
    (see ``InferenceExperiment``), and the full walk runs only to name what is wrong."""
    if (type(data) is dict and data.keys() >= _DESCRIBE_REQUIRED
            and type(data["Status"]) is str and type(data["Name"]) is str and data["Name"]
            and type(data["Arn"]) is str and type(data["ModelVariants"]) is list
            and type(data["EndpointMetadata"]) is dict):
        shadow = data.get("ShadowModeConfig")
        if shadow is None or (type(shadow) is dict and shadow.get("ShadowModelVariants")):
            return
    fail("DescribeInferenceExperiment", data, DESCRIBE_RESPONSE)


def check_summaries(page: object) -> list[Any]:
    """The ``InferenceExperiments`` list of a list page; :class:`MalformedResponseError`
    unless it has one (every answer of the service does). Its entries are checked as they
    are read (a summary's fields raise the same error): checking a hundred entries up
    front costs as much as reading them."""
    items = page.get("InferenceExperiments") if isinstance(page, Mapping) else None
    if type(items) is not list:
        fail("ListInferenceExperiments", page, LIST_RESPONSE)
    return items


def _check_shape(operation: str, shape: Struct) -> Any:
    def check(response: object) -> None:
        if find_problem(response, shape) is not None:
            fail(operation, response, shape)

    return check


def _check_arn(operation: str) -> Any:
    def check(response: object) -> None:
        if type(response) is dict and type(response.get("InferenceExperimentArn")) is str:
            return  # botocore's answer always is a dict; no ABC check on the way
        fail(operation, response, ARN_RESPONSE)

    return check


def arn_of(response: Mapping[str, Any]) -> str:
    """The ``InferenceExperimentArn`` of a checked create/update/start/stop/delete answer."""
    arn: str = response["InferenceExperimentArn"]
    return arn


def _changing(name: str, method: str, label: str, resent_meets: str) -> Operation:
    return Operation(SAGEMAKER, name, method, label, check=_check_arn(name),
                     resent_meets=resent_meets)


# A resent request whose first attempt was carried out meets the refusal the change it
# made causes: the name is taken (create), the status moved on (update, start, stop), the
# experiment is gone (delete).
CREATE: Final = _changing("CreateInferenceExperiment", "create_inference_experiment",
                          "create", "ResourceInUse")
UPDATE: Final = _changing("UpdateInferenceExperiment", "update_inference_experiment",
                          "update", "ConflictException")
START: Final = _changing("StartInferenceExperiment", "start_inference_experiment", "start",
                         "ConflictException")
STOP: Final = _changing("StopInferenceExperiment", "stop_inference_experiment", "stop",
                        "ConflictException")
DELETE: Final = _changing("DeleteInferenceExperiment", "delete_inference_experiment",
                          "delete", "ResourceNotFound")
DESCRIBE: Final = Operation(SAGEMAKER, "DescribeInferenceExperiment",
                            "describe_inference_experiment", "describe", check=check_describe)
LIST: Final = Operation(SAGEMAKER, "ListInferenceExperiments", "list_inference_experiments",
                        "list", check=check_summaries, token="NextToken")
LIST_TAGS: Final = Operation(SAGEMAKER, "ListTags", "list_tags", "list_tags",
                             check=_check_shape("ListTags", LIST_TAGS_RESPONSE),
                             token="NextToken")
# -- what preflight reads of the account: the endpoint a config names, its config, the
# models. These operations model no error: a missing resource is a ValidationException
# "Could not find ...", which stays the ClientError botocore raised. The shapes are the
# model's, reduced to what preflight reads: an answer lacking EndpointStatus is a read that
# gave no answer, not an endpoint "of no known status".

_SERVERLESS: Final[Struct] = (("MemorySizeInMB", True, int), ("MaxConcurrency", True, int))
_ASYNC: Final[Struct] = (("OutputConfig", True, ()),)  # only its presence is read
ENDPOINT_RESPONSE: Final[Struct] = (
    ("EndpointName", True, str),
    ("EndpointArn", True, str),
    ("EndpointConfigName", False, str),
    ("ProductionVariants", False, [(
        ("VariantName", True, str),
        ("CurrentInstanceCount", False, int),
        ("CurrentServerlessConfig", False, _SERVERLESS),
        ("DesiredServerlessConfig", False, _SERVERLESS),
    )]),
    ("ShadowProductionVariants", False, [(("VariantName", True, str),)]),
    ("EndpointStatus", True, str),
    ("FailureReason", False, str),
    ("CreationTime", True, datetime),
    ("LastModifiedTime", True, datetime),
    ("AsyncInferenceConfig", False, _ASYNC),
)
ENDPOINT_CONFIG_RESPONSE: Final[Struct] = (
    ("EndpointConfigName", True, str),
    ("EndpointConfigArn", True, str),
    ("ProductionVariants", True, [(
        ("VariantName", True, str),
        ("ModelName", False, str),
        ("InitialInstanceCount", False, int),
        ("InstanceType", False, str),
        ("InstancePools", False, [(("InstanceType", True, str), ("Priority", True, int))]),
        ("AcceleratorType", False, str),
        ("ServerlessConfig", False, _SERVERLESS),
    )]),
    ("CreationTime", True, datetime),
    ("AsyncInferenceConfig", False, _ASYNC),
)
_CONTAINER: Final[Struct] = (("Mode", False, str), ("ModelPackageName", False, str))
MODEL_RESPONSE: Final[Struct] = (
    ("ModelName", True, str),
    ("PrimaryContainer", False, _CONTAINER),
    ("Containers", False, [_CONTAINER]),
    ("CreationTime", True, datetime),
    ("ModelArn", True, str),
)


DESCRIBE_ENDPOINT: Final = Operation(SAGEMAKER, "DescribeEndpoint", "describe_endpoint",
                                     check=_check_shape("DescribeEndpoint", ENDPOINT_RESPONSE))
DESCRIBE_ENDPOINT_CONFIG: Final = Operation(
    SAGEMAKER, "DescribeEndpointConfig", "describe_endpoint_config",
    check=_check_shape("DescribeEndpointConfig", ENDPOINT_CONFIG_RESPONSE))
DESCRIBE_MODEL: Final = Operation(SAGEMAKER, "DescribeModel", "describe_model",
                                  check=_check_shape("DescribeModel", MODEL_RESPONSE))
# adding a tag that is there, or deleting one that is not, changes nothing: a resend is
# harmless
ADD_TAGS: Final = Operation(SAGEMAKER, "AddTags", "add_tags")
DELETE_TAGS: Final = Operation(SAGEMAKER, "DeleteTags", "delete_tags")

BY_METHOD: Final[Mapping[str, Operation]] = {op.method: op for op in (
    CREATE, UPDATE, START, STOP, DELETE, DESCRIBE, LIST, LIST_TAGS, ADD_TAGS, DELETE_TAGS,
    DESCRIBE_ENDPOINT, DESCRIBE_ENDPOINT_CONFIG, DESCRIBE_MODEL)}
"""The operations by boto3 method name (what a ``Plan``'s requests name)."""


def tags(client: object, arn: str) -> dict[str, str]:
    """Every tag on ``arn`` (``ListTags``, page by page)."""
    found: dict[str, str] = {}
    for page in pages(client, LIST_TAGS, {"ResourceArn": arn}):
        found.update((tag["Key"], tag["Value"]) for tag in page["Tags"])
    return found
