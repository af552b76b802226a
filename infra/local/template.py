"""infra/template.yaml as data: the single source of tables, routes, queues and environments.

Reads CloudFormation YAML (short-form tags included), resolves the intrinsic functions the local
stack needs, and offers typed views of the HTTP routes and queue subscriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "template.yaml"


class TemplateError(Exception):
    """The template uses something the local stack cannot resolve."""


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(name: str) -> str:
    return "Ref" if name == "Ref" else ("Condition" if name == "Condition" else f"Fn::{name}")


def _construct(loader: _CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    key = _tag(tag_suffix)
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if key == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


_CfnLoader.add_multi_constructor("!", _construct)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        loaded = yaml.load(handle, Loader=_CfnLoader)
    if not isinstance(loaded, dict):
        raise TemplateError(f"{path} is not a template")
    return loaded


@dataclass(frozen=True)
class LocalContext:
    stack_name: str
    region: str
    account_id: str = "123456789012"
    parameters: dict[str, str] = field(default_factory=dict)
    physical: dict[str, dict[str, str]] = field(default_factory=dict)


def local_name(stack_name: str, logical_id: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", f"{stack_name}-{logical_id}".lower())[:63]


_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


def resolve(value: Any, ctx: LocalContext, template: dict[str, Any] | None = None) -> Any:
    if isinstance(value, list):
        return [resolve(v, ctx, template) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            return _ref(str(argument), ctx, template)
        if key == "Fn::GetAtt":
            logical_id, attribute = argument if isinstance(argument, list) else str(argument).split(".", 1)
            return _attribute(logical_id, attribute, ctx)
        if key == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
            resolved_vars = {k: resolve(v, ctx, template) for k, v in variables.items()}
            return _sub(text, resolved_vars, ctx, template)
        if key == "Fn::Join":
            delimiter, items = argument
            return str(delimiter).join(str(i) for i in resolve(items, ctx, template))
        if key == "Fn::Select":
            index, items = argument
            return resolve(items, ctx, template)[int(resolve(index, ctx, template))]
        if key == "Fn::Split":
            delimiter, text = argument
            return str(resolve(text, ctx, template)).split(delimiter)
        if key.startswith("Fn::"):
            raise TemplateError(f"{key} is not supported by the local stack")
    return {k: resolve(v, ctx, template) for k, v in value.items()}


def _pseudo(name: str, ctx: LocalContext) -> str | None:
    return {
        "AWS::Region": ctx.region,
        "AWS::AccountId": ctx.account_id,
        "AWS::StackName": ctx.stack_name,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }.get(name)


def _ref(name: str, ctx: LocalContext, template: dict[str, Any] | None) -> Any:
    pseudo = _pseudo(name, ctx)
    if pseudo is not None:
        return pseudo
    if name in ctx.physical:
        return ctx.physical[name]["Ref"]
    if name in ctx.parameters:
        return ctx.parameters[name]
    parameters = (template or {}).get("Parameters", {})
    if name in parameters and "Default" in parameters[name]:
        return str(parameters[name]["Default"])
    raise TemplateError(f"cannot resolve Ref {name}")


def _attribute(logical_id: str, attribute: str, ctx: LocalContext) -> str:
    try:
        return ctx.physical[logical_id][attribute]
    except KeyError as error:
        raise TemplateError(f"cannot resolve GetAtt {logical_id}.{attribute}") from error


def _sub(text: str, variables: dict[str, Any], ctx: LocalContext, template: dict[str, Any] | None) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            return str(variables[name])
        if "." in name and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            return _attribute(logical_id, attribute, ctx)
        return str(_ref(name, ctx, template))

    return _SUB.sub(replace, text).replace("${!", "${")


def resources_of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template.get("Resources", {}).items() if v.get("Type") == type_name}


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str
    function_id: str
    handler: str
    requires_auth: bool


@dataclass(frozen=True)
class SqsSource:
    function_id: str
    handler: str
    queue_id: str
    batch_size: int
    report_batch_item_failures: bool


def _handler(template: dict[str, Any], function: dict[str, Any]) -> str:
    globals_ = template.get("Globals", {}).get("Function", {})
    handler = function.get("Properties", {}).get("Handler") or globals_.get("Handler")
    if not handler:
        raise TemplateError("a function has no Handler")
    return str(handler)


def http_routes(template: dict[str, Any]) -> list[HttpRoute]:
    routes = []
    for function_id, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in function.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") != "HttpApi":
                continue
            properties = event.get("Properties", {})
            authorizer = properties.get("Auth", {}).get("Authorizer")
            routes.append(
                HttpRoute(
                    method=str(properties["Method"]).upper(),
                    path=str(properties["Path"]),
                    function_id=function_id,
                    handler=_handler(template, function),
                    requires_auth=authorizer != "NONE",
                )
            )
    return routes


def sqs_sources(template: dict[str, Any]) -> list[SqsSource]:
    sources = []
    for function_id, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in function.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") != "SQS":
                continue
            properties = event["Properties"]
            queue = properties["Queue"]
            if not (isinstance(queue, dict) and "Fn::GetAtt" in queue):
                raise TemplateError(f"{function_id}: an SQS event must name its queue with !GetAtt Queue.Arn")
            sources.append(
                SqsSource(
                    function_id=function_id,
                    handler=_handler(template, function),
                    queue_id=str(queue["Fn::GetAtt"][0]),
                    batch_size=int(properties.get("BatchSize", 10)),
                    report_batch_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
                )
            )
    return sources


def function_environment(template: dict[str, Any], function_id: str, ctx: LocalContext) -> dict[str, str]:
    globals_ = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    function = template["Resources"][function_id]
    own = function.get("Properties", {}).get("Environment", {}).get("Variables", {})
    merged = {**globals_, **own}
    return {name: str(resolve(value, ctx, template)) for name, value in merged.items()}
