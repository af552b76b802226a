"""infra/template.yaml as data: the single source of tables, routes, queues and environments.

Reads CloudFormation YAML (short-form tags included), resolves the intrinsic functions the local
stack needs, and offers typed views of the HTTP routes and queue subscriptions. PyYAML only:
cfn-lint and the SAM translator are development tools, not run-time dependencies.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "template.yaml"


class TemplateError(Exception):
    """The template is malformed, or uses something the local stack cannot resolve."""


# ---------------------------------------------------------------------------- loading

# Short-form tag -> long-form key. Only these: an unknown tag is a typo that CloudFormation
# would reject too, so the loader refuses it rather than inventing an "Fn::Typo".
_SHORT_FORMS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "GetAtt",
            "Sub",
            "Join",
            "If",
            "Select",
            "Split",
            "Equals",
            "Not",
            "And",
            "Or",
            "FindInMap",
            "ImportValue",
            "Base64",
            "GetAZs",
            "Cidr",
        )
    },
}

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


# libyaml's parser where PyYAML was built with it (the wheels are): about 8x faster on our template.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(_SafeLoader):
    """SafeLoader plus the short-form tags, with CloudFormation's reading of scalars and keys."""

    # CloudFormation keeps an unquoted 2010-09-09 a string; YAML 1.1 would make it a date.
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # PyYAML keeps the last of two equal keys; CloudFormation rejects the template. A logical
        # id declared twice would otherwise silently drop a table from the local stack.
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                key = self.construct_scalar(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_short_form(long_form: str, loader: _CfnLoader, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if long_form == "Fn::GetAtt":
            # "Resource.Attribute"; CloudFormation splits at the first dot only (Outputs.X stays whole).
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {long_form: value}


for _short, _long in _SHORT_FORMS.items():
    _CfnLoader.add_constructor(f"!{_short}", functools.partial(_construct_short_form, _long))


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template at `path` with every short-form tag in its long form ({"Ref": ...}, {"Fn::Sub": ...}).

    Parsed once per file version; each caller gets its own copy, which it may change."""
    return copy.deepcopy(_parsed_template(path, path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=8)
def _parsed_template(path: Path, _version: int) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            loaded = yaml.load(handle, Loader=_CfnLoader)
    except yaml.YAMLError as error:
        raise TemplateError(f"{path}: {error}") from error
    if not isinstance(loaded, dict) or not isinstance(loaded.get("Resources"), dict):
        raise TemplateError(f"{path} is not a CloudFormation template (no Resources mapping)")
    return loaded


# ---------------------------------------------------------------------------- resolving


@dataclass(frozen=True)
class LocalContext:
    """What resolving needs to know: the stack, and what provisioning created for each logical id.

    `physical[logical_id]` maps "Ref" and each GetAtt attribute ("Arn", "QueueName", ...) to its value.
    """

    stack_name: str
    region: str
    account_id: str = "123456789012"
    parameters: dict[str, str] = field(default_factory=dict)
    physical: dict[str, dict[str, str]] = field(default_factory=dict)


def local_name(stack_name: str, logical_id: str) -> str:
    """A physical name valid for a bucket, a queue and a table alike, e.g. "anubandh-local-registrationstable".

    Lowercase letters, digits and hyphens, at most 63 characters (S3's limit is the tightest). A
    longer name keeps a hash of the whole, so two long logical ids cannot collide when cut.
    """
    name = re.sub(r"[^a-z0-9-]+", "-", f"{stack_name}-{logical_id}".lower()).strip("-")
    if len(name) > 63:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{name[:54].rstrip('-')}-{digest}"
    if len(name) < 3:
        raise TemplateError(f"no valid local name for {stack_name!r} / {logical_id!r}")
    return name


def partition_of(region: str) -> str:
    """The ARN partition of a region, as AWS::Partition gives it."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def parameter_values(template: dict[str, Any], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Every template parameter's value: the override, else its Default; checked as CloudFormation checks it."""
    declared: dict[str, dict[str, Any]] = template.get("Parameters") or {}
    unknown = set(overrides or {}) - set(declared)
    if unknown:
        raise TemplateError(f"parameters not in the template: {sorted(unknown)}")
    values: dict[str, str] = {}
    for name, spec in declared.items():
        if name in (overrides or {}):
            value = str((overrides or {})[name])
        elif "Default" in spec:
            value = _text(spec["Default"], f"the Default of {name}")
        else:
            raise TemplateError(f"parameter {name} has no Default and no value was given")
        allowed = spec.get("AllowedValues")
        if allowed is not None and value not in {_text(a, name) for a in allowed}:
            raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
        pattern = spec.get("AllowedPattern")
        if pattern is not None and re.fullmatch(str(pattern), value) is None:
            raise TemplateError(f"parameter {name}={value!r} does not match {pattern}")
        if spec.get("Type") == "Number":
            _check_number(name, value, spec)
        values[name] = value
    return values


def _check_number(name: str, value: str, spec: dict[str, Any]) -> None:
    try:
        number = float(value)
    except ValueError:
        raise TemplateError(f"parameter {name}={value!r} is not a number") from None
    if "MinValue" in spec and number < float(spec["MinValue"]):
        raise TemplateError(f"parameter {name}={value!r} is below its MinValue {spec['MinValue']}")
    if "MaxValue" in spec and number > float(spec["MaxValue"]):
        raise TemplateError(f"parameter {name}={value!r} is above its MaxValue {spec['MaxValue']}")


class _NoValue:
    """What AWS::NoValue resolves to: the property it stands in is removed, as in CloudFormation."""


_NO_VALUE = _NoValue()


def resolve(value: Any, ctx: LocalContext, template: dict[str, Any] | None = None) -> Any:
    """`value` with every Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select and Fn::Split replaced.

    Parameters come from `ctx.parameters`, else from the Default in `template` when it is given.
    Anything else (Fn::If, Fn::ImportValue, a resource that was not provisioned) is a TemplateError.
    """
    resolved = _resolve(value, ctx, template)
    return None if resolved is _NO_VALUE else resolved


def _resolve(value: Any, ctx: LocalContext, template: dict[str, Any] | None) -> Any:
    if isinstance(value, list):
        items = (_resolve(item, ctx, template) for item in value)
        return [item for item in items if item is not _NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref" or key.startswith("Fn::"):
            intrinsic = _INTRINSICS.get(key)
            if intrinsic is None:
                raise TemplateError(f"{key} is not supported by the local stack: {value!r}")
            return intrinsic(argument, ctx, template)
    resolved = ((k, _resolve(v, ctx, template)) for k, v in value.items())
    return {k: v for k, v in resolved if v is not _NO_VALUE}


def _text(value: Any, where: str) -> str:
    """A resolved scalar as CloudFormation turns it into a string (booleans as "true"/"false")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"{where}: expected a string, got {value!r}")


def _pseudo(name: str, ctx: LocalContext) -> Any:
    partition = partition_of(ctx.region)
    values: dict[str, Any] = {
        "AWS::Region": ctx.region,
        "AWS::AccountId": ctx.account_id,
        "AWS::StackName": ctx.stack_name,
        "AWS::StackId": f"arn:{partition}:cloudformation:{ctx.region}:{ctx.account_id}:stack/{ctx.stack_name}/local",
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        "AWS::NotificationARNs": [],
        "AWS::NoValue": _NO_VALUE,
    }
    if name not in values:
        raise TemplateError(f"unknown pseudo parameter {name}")
    return values[name]


def _ref(argument: Any, ctx: LocalContext, template: dict[str, Any] | None) -> Any:
    if not isinstance(argument, str):
        raise TemplateError(f"Ref takes a name, not {argument!r}")
    if argument.startswith("AWS::"):
        return _pseudo(argument, ctx)
    if argument in ctx.physical:
        return ctx.physical[argument]["Ref"]
    if argument in ctx.parameters:
        return ctx.parameters[argument]
    declared = ((template or {}).get("Parameters") or {}).get(argument)
    if declared is not None and "Default" in declared:
        return _text(declared["Default"], f"the Default of {argument}")
    if argument in (template or {}).get("Resources", {}):
        raise TemplateError(f"cannot resolve Ref {argument}: the local stack did not provision it")
    raise TemplateError(f"cannot resolve Ref {argument}: no such resource or parameter")


def _attribute(logical_id: str, attribute: str, ctx: LocalContext) -> str:
    if logical_id not in ctx.physical:
        raise TemplateError(f"cannot resolve GetAtt {logical_id}.{attribute}: {logical_id} was not provisioned")
    attributes = ctx.physical[logical_id]
    if attribute not in attributes:
        known = sorted(a for a in attributes if a != "Ref")
        raise TemplateError(f"cannot resolve GetAtt {logical_id}.{attribute}: known attributes are {known}")
    return attributes[attribute]


def _get_att(argument: Any, ctx: LocalContext, template: dict[str, Any] | None) -> str:
    parts = argument.split(".", 1) if isinstance(argument, str) else argument
    if not isinstance(parts, list) or len(parts) != 2:
        raise TemplateError(f"Fn::GetAtt takes [resource, attribute], not {argument!r}")
    logical_id, attribute = parts
    return _attribute(str(logical_id), _text(_resolve(attribute, ctx, template), "Fn::GetAtt"), ctx)


# ${Name}, ${Resource.Attr}, ${AWS::Region}; "${!Name}" is the literal text "${Name}".
_SUB_VARIABLE = re.compile(r"\$\{(!?)([^}]*)\}")


def _sub(argument: Any, ctx: LocalContext, template: dict[str, Any] | None) -> str:
    if isinstance(argument, str):
        text, variables = argument, {}
    elif (
        isinstance(argument, list)
        and len(argument) == 2
        and isinstance(argument[0], str)
        and isinstance(argument[1], dict)
    ):
        text, variables = argument[0], {k: _resolve(v, ctx, template) for k, v in argument[1].items()}
    else:
        raise TemplateError(f"Fn::Sub takes a string or [string, variables], not {argument!r}")

    def replace(match: re.Match[str]) -> str:
        literal, name = match.groups()
        if literal:
            return "${" + name + "}"
        if name in variables:
            return _text(variables[name], f"Fn::Sub ${{{name}}}")
        if "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            return _attribute(logical_id, attribute, ctx)
        return _text(_ref(name, ctx, template), f"Fn::Sub ${{{name}}}")

    # One pass over the original text, so a substituted value is never substituted again.
    return _SUB_VARIABLE.sub(replace, text)


def _pair(name: str, argument: Any) -> tuple[Any, Any]:
    if not isinstance(argument, list) or len(argument) != 2:
        raise TemplateError(f"{name} takes two arguments, not {argument!r}")
    return argument[0], argument[1]


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise TemplateError(f"{where}: expected a list, got {value!r}")
    return value


def _join(argument: Any, ctx: LocalContext, template: dict[str, Any] | None) -> str:
    delimiter, items = _pair("Fn::Join", argument)
    values = _list(_resolve(items, ctx, template), "Fn::Join")
    return _text(delimiter, "Fn::Join").join(_text(v, "Fn::Join") for v in values)


def _select(argument: Any, ctx: LocalContext, template: dict[str, Any] | None) -> Any:
    index, items = _pair("Fn::Select", argument)
    values = _list(_resolve(items, ctx, template), "Fn::Select")
    position = int(_text(_resolve(index, ctx, template), "Fn::Select"))
    if not 0 <= position < len(values):
        raise TemplateError(f"Fn::Select index {position} is out of range for {values!r}")
    return values[position]


def _split(argument: Any, ctx: LocalContext, template: dict[str, Any] | None) -> list[str]:
    delimiter, source = _pair("Fn::Split", argument)
    return _text(_resolve(source, ctx, template), "Fn::Split").split(_text(delimiter, "Fn::Split"))


_INTRINSICS: dict[str, Callable[[Any, LocalContext, dict[str, Any] | None], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
}


# ---------------------------------------------------------------------------- typed views


def resources_of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    """The template's resources of `type_name`, by logical id, in template order."""
    return {k: v for k, v in template.get("Resources", {}).items() if v.get("Type") == type_name}


@dataclass(frozen=True)
class HttpRoute:
    """One HttpApi event of a function: API Gateway's route key and where it goes."""

    method: str
    path: str
    function_id: str
    handler: str
    requires_auth: bool


@dataclass(frozen=True)
class SqsSource:
    """One SQS event of a function: the queue Lambda's poller would read for it."""

    function_id: str
    handler: str
    queue_id: str
    batch_size: int
    report_batch_item_failures: bool
    timeout_seconds: int = 3  # Lambda's default


@dataclass(frozen=True)
class ScheduledJob:
    """One ScheduleV2 event of a function: EventBridge Scheduler invokes `handler` with `payload`."""

    name: str
    function_id: str
    handler: str
    event_name: str
    payload: dict[str, Any]
    expression: str
    timezone: str


def _handler(template: dict[str, Any], function_id: str) -> str:
    properties = template["Resources"][function_id].get("Properties", {})
    handler = properties.get("Handler") or template.get("Globals", {}).get("Function", {}).get("Handler")
    if not handler:
        raise TemplateError(f"{function_id} has no Handler (and Globals.Function has none)")
    return str(handler)


def function_handlers(template: dict[str, Any]) -> dict[str, str]:
    """Every function's handler ("auth.challenge.lambda_handler"), by logical id."""
    return {
        function_id: _handler(template, function_id)
        for function_id in resources_of_type(template, "AWS::Serverless::Function")
    }


def _timeout(template: dict[str, Any], function_id: str) -> int:
    properties = template["Resources"][function_id].get("Properties", {})
    return int(properties.get("Timeout") or template.get("Globals", {}).get("Function", {}).get("Timeout") or 3)


def _events(template: dict[str, Any], event_type: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(function id, event name, event properties) of every function event of `event_type`."""
    found = []
    for function_id, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for event_name, event in (function.get("Properties", {}).get("Events") or {}).items():
            if event.get("Type") == event_type:
                found.append((function_id, event_name, event.get("Properties") or {}))
    return found


def http_routes(template: dict[str, Any]) -> list[HttpRoute]:
    """Every HttpApi route in the template. Only `Auth: {Authorizer: NONE}` makes a route public."""
    routes = []
    for function_id, event_name, properties in _events(template, "HttpApi"):
        if "Method" not in properties or "Path" not in properties:
            # Without both, SAM makes the $default catch-all route, which this API does not use.
            raise TemplateError(f"{function_id}.{event_name}: an HttpApi event needs Method and Path")
        authorizer = (properties.get("Auth") or {}).get("Authorizer")
        routes.append(
            HttpRoute(
                method=str(properties["Method"]).upper(),
                path=str(properties["Path"]),
                function_id=function_id,
                handler=_handler(template, function_id),
                requires_auth=authorizer != "NONE",
            )
        )
    return routes


def sqs_sources(template: dict[str, Any]) -> list[SqsSource]:
    """Every enabled SQS event in the template; the queue must be named as !GetAtt <Queue>.Arn."""
    sources = []
    for function_id, event_name, properties in _events(template, "SQS"):
        if properties.get("Enabled") is False:
            continue
        queue = properties.get("Queue")
        target = queue.get("Fn::GetAtt") if isinstance(queue, dict) else None
        if not (isinstance(target, list) and len(target) == 2 and target[1] == "Arn"):
            raise TemplateError(f"{function_id}.{event_name}: name the queue with !GetAtt <Queue>.Arn, not {queue!r}")
        sources.append(
            SqsSource(
                function_id=function_id,
                handler=_handler(template, function_id),
                queue_id=str(target[0]),
                batch_size=int(properties.get("BatchSize", 10)),  # SAM's default for SQS
                report_batch_item_failures="ReportBatchItemFailures" in (properties.get("FunctionResponseTypes") or []),
                timeout_seconds=_timeout(template, function_id),
            )
        )
    return sources


def scheduled_jobs(template: dict[str, Any]) -> dict[str, ScheduledJob]:
    """Every ScheduleV2 event by job name; the name is the `job` of the event's JSON `Input`."""
    jobs: dict[str, ScheduledJob] = {}
    for function_id, event_name, properties in _events(template, "ScheduleV2"):
        try:
            payload = json.loads(str(properties.get("Input", "")))
        except json.JSONDecodeError as error:
            raise TemplateError(f"{function_id}.{event_name}: Input is not JSON: {error}") from error
        name = payload.get("job") if isinstance(payload, dict) else None
        if not isinstance(name, str) or not name:
            raise TemplateError(f'{function_id}.{event_name}: Input must be a JSON object with a "job" name')
        if name in jobs:
            raise TemplateError(f"job {name!r} is scheduled twice ({jobs[name].event_name} and {event_name})")
        jobs[name] = ScheduledJob(
            name=name,
            function_id=function_id,
            handler=_handler(template, function_id),
            event_name=event_name,
            payload=payload,
            expression=str(properties.get("ScheduleExpression", "")),
            timezone=str(properties.get("ScheduleExpressionTimezone", "UTC")),
        )
    return jobs


def function_environment(template: dict[str, Any], function_id: str, ctx: LocalContext) -> dict[str, str]:
    """The function's environment as Lambda would see it: Globals merged with its own, resolved."""
    if function_id not in resources_of_type(template, "AWS::Serverless::Function"):
        raise TemplateError(f"{function_id} is not an AWS::Serverless::Function of the template")
    shared = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables") or {}
    properties = template["Resources"][function_id].get("Properties", {})
    own = properties.get("Environment", {}).get("Variables") or {}
    resolved = resolve({**shared, **own}, ctx, template)
    return {name: _text(value, f"{function_id} environment {name}") for name, value in resolved.items()}


def stack_outputs(template: dict[str, Any], ctx: LocalContext, given: dict[str, str]) -> dict[str, str]:
    """The template's Outputs as CloudFormation would list them for this stack.

    `given` supplies the outputs of what the local stack realises another way (the API's URL is the
    local gateway's); every other output is resolved, so a new output appears locally too."""
    outputs: dict[str, str] = {}
    for name, output in (template.get("Outputs") or {}).items():
        outputs[name] = given[name] if name in given else _text(resolve(output["Value"], ctx, template), name)
    return outputs
