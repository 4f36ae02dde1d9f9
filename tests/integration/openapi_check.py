"""Checks a request against GitHub's official OpenAPI description (npm ``@octokit/openapi``).

The package is installed by ``make test`` into ``node_deps/`` when npm is there; without it
the check is skipped with that reason. Each request must name a documented path and method,
use only documented query parameters, and send a body valid under the operation's schema.
GraphQL has no OpenAPI description: its queries are validated against GitHub's published
GraphQL schema (npm ``@octokit/graphql-schema``), with every declared variable given.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fake_github import Logged
from graphql import GraphQLSchema, build_schema, parse, validate
from graphql.language import OperationDefinitionNode
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

REPO = Path(__file__).resolve().parents[2]
DESCRIPTION = REPO / "node_deps/node_modules/@octokit/openapi/generated/api.github.com.json"
GRAPHQL_SCHEMA = REPO / "node_deps/node_modules/@octokit/graphql-schema/schema.graphql"
_URI = "urn:github-openapi"


@dataclass(frozen=True)
class Operation:
    template: str
    pattern: re.Pattern[str]
    method: str
    pointer: str
    spec: dict[str, Any]


class Description:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource(contents=document, specification=DRAFT7)
        self.registry: Registry[Any] = Registry().with_resource(_URI, resource)
        self.operations: list[Operation] = []
        for template, item in document["paths"].items():
            regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            for method, spec in item.items():
                if method in ("get", "post", "patch", "put", "delete"):
                    pointer = "/paths/" + template.replace("~", "~0").replace("/", "~1")
                    self.operations.append(
                        Operation(
                            template,
                            re.compile(regex + "$"),
                            method.upper(),
                            f"{pointer}/{method}",
                            spec,
                        )
                    )

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    def problems(self, request: Logged) -> list[str]:
        """What in ``request`` the description does not allow (empty when all is well)."""
        if request.path == "/graphql":
            return graphql_problems(request.body)
        matches = [o for o in self.operations if o.pattern.match(request.path)]
        matches = [o for o in matches if o.method == request.method]
        if not matches:
            return [f"{request.method} {request.path}: no such operation"]
        # The most specific template wins (fewest parameters).
        operation = min(matches, key=lambda o: o.template.count("{"))
        found: list[str] = []
        allowed = {}
        for parameter in operation.spec.get("parameters", []):
            parameter = self._deref(parameter)
            if parameter["in"] == "query":
                allowed[parameter["name"]] = parameter.get("schema", {})
        for name, values in request.query.items():
            if name not in allowed:
                found.append(f"{request.method} {operation.template}: unknown query {name!r}")
                continue
            schema = allowed[name]
            value: Any = values[0]
            if schema.get("type") == "integer":
                value = int(value) if value.isdigit() else value
            for error in self._validator(schema).iter_errors(value):
                found.append(f"{request.method} {operation.template}?{name}: {error.message}")
        body_spec = operation.spec.get("requestBody")
        if request.body is not None:
            if body_spec is None:
                found.append(f"{request.method} {operation.template}: takes no body")
            else:
                body_spec = self._deref(body_spec)
                schema = body_spec["content"]["application/json"]["schema"]
                for error in self._validator(schema).iter_errors(request.body):
                    where = "/".join(str(p) for p in error.absolute_path)
                    found.append(
                        f"{request.method} {operation.template} body {where}: {error.message}"
                    )
        elif body_spec is not None and self._deref(body_spec).get("required"):
            found.append(f"{request.method} {operation.template}: body required")
        return found

    def _validator(self, schema: dict[str, Any]) -> Draft7Validator:
        rebased = json.loads(json.dumps(schema).replace('"$ref": "#/', f'"$ref": "{_URI}#/'))
        return Draft7Validator(rebased, registry=self.registry)


def graphql_problems(body: Any) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return [f"GraphQL body without a query: {body!r}"]
    schema = graphql_schema()
    if schema is None:
        return []
    document = parse(body["query"])
    found = [error.message for error in validate(schema, document)]
    given = set((body.get("variables") or {}).keys())
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                if variable.variable.name.value not in given:
                    found.append(f"GraphQL variable ${variable.variable.name.value} not given")
    return found


@cache
def graphql_schema() -> GraphQLSchema | None:
    if not GRAPHQL_SCHEMA.is_file():
        return None
    # GitHub's schema breaks two of graphql-core's own rules (duplicate extension fields,
    # deprecations on interface implementations); queries are still validated against it.
    schema = build_schema(GRAPHQL_SCHEMA.read_text(encoding="utf-8"), assume_valid_sdl=True)
    schema._validation_errors = []
    return schema


@cache
def description() -> Description | None:
    if not DESCRIPTION.is_file():
        return None
    return Description(json.loads(DESCRIPTION.read_text(encoding="utf-8")))
