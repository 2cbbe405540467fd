"""The rule registry: what a rule is, how a request reaches it, and the rules table."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs

from ..wire import AwsCall

# A check answers the message of AWS's refusal, or None when the request passes the rule.
Check = Callable[["Request"], "str | None"]


@dataclass(frozen=True)
class Rule:
    id: str  # "ecs.service-registry-port": service, then what it is about
    operations: tuple[str, ...]  # IAM-style names: ("ecs:CreateService", "ecs:UpdateService")
    code: str  # AWS's error code: "InvalidParameterException"
    summary: str  # one sentence for the rules table
    source: str  # the AWS page that documents the rule
    test: str  # "tests/aws/strict/test_x.py::test_y", the test that sends the bad request
    check: Check = field(repr=False, compare=False)
    status: int = 400


@dataclass(frozen=True)
class Refusal:
    rule: Rule
    message: str

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def status(self) -> int:
        return self.rule.status


@dataclass(frozen=True)
class Request:
    """One AWS call as the rules see it: its parameters as sent on the wire, and the state
    of the emulated account (moto's backends) for rules that depend on other resources."""

    call: AwsCall
    params: dict[str, Any]
    account_id: str
    # What several rules of one request look up (a task definition, the service): once.
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_body(cls, call: AwsCall, body: bytes, account_id: str) -> Request:
        """JSON protocols carry a JSON object; the query protocol a form (EC2: flattened
        names such as Filter.1.Name, kept as they are; blank values kept: an empty string,
        or an empty list, was sent)."""
        params: dict[str, Any]
        if call.protocol in ("json", "rest-json"):
            try:
                loaded = json.loads(body or b"{}")
            except ValueError:
                loaded = {}
            params = loaded if isinstance(loaded, dict) else {}
        else:
            params = {
                k: v[0]
                for k, v in parse_qs(
                    body.decode("utf-8", "replace"), keep_blank_values=True
                ).items()
            }
        return cls(call, params, account_id)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """`compute()` the first time `key` is asked for in this request, then its value."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @cached_property
    def ecs(self) -> Any:
        """moto's ECS backend of this account and Region."""
        from moto.ecs.models import ecs_backends

        return ecs_backends[self.account_id][self.call.region]

    @cached_property
    def cloudmap(self) -> Any:
        """moto's Cloud Map backend of this account and Region."""
        from moto.servicediscovery.models import servicediscovery_backends

        return servicediscovery_backends[self.account_id][self.call.region]

    @cached_property
    def elbv2(self) -> Any:
        """moto's Elastic Load Balancing v2 backend of this account and Region."""
        from moto.elbv2.models import elbv2_backends

        return elbv2_backends[self.account_id][self.call.region]

    @cached_property
    def ec2(self) -> Any:
        """moto's EC2 backend of this account and Region."""
        from moto.ec2.models import ec2_backends

        return ec2_backends[self.account_id][self.call.region]

    @cached_property
    def form(self) -> dict[str, Any]:
        """The parameters as the structure they serialize: a query-protocol request's
        flattened names (Conditions.member.1.Values.member.2, EC2's IpPermissions.1.Groups.1)
        nested into objects and lists, its values still strings; a JSON request's as sent."""
        return unflatten(self.params) if self.call.protocol == "query" else self.params

    def get(self, *path: str | int) -> Any:
        """The parameter at `path` ("serviceConnectConfiguration", "services", 0), or None;
        for the query protocol, in `form`'s structure ("Conditions", 0, "Field")."""
        node: Any = self.form
        for key in path:
            if isinstance(key, int):
                if not isinstance(node, list) or not -len(node) <= key < len(node):
                    return None
                node = node[key]
            elif isinstance(node, dict):
                node = node.get(key)
            else:
                return None
            if node is None:
                return None
        return node


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """The query protocol's flattened parameters as nested objects and lists: the ".member."
    of list items (ELB) is dropped, and numbered keys (from 1, in order) make a list."""
    root: dict[str, Any] = {}
    for key, value in flat.items():
        parts = [part for part in key.split(".") if part != "member"]
        node: Any = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                # An empty list travels as "Name=" and its items would not follow it.
                child = node[part] = {}
            node = child
        if not isinstance(node.get(parts[-1]), dict):
            node[parts[-1]] = value
    nested: dict[str, Any] = _listed(root)
    return nested


def _listed(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_listed(node[key]) for key in sorted(node, key=int)]
    return {key: _listed(value) for key, value in node.items()}


RULES: list[Rule] = []
# The rules of each operation, in declaration order: a request looks at its own only.
_BY_OPERATION: dict[str, list[Rule]] = {}


def rule(
    id: str,
    *,
    operations: tuple[str, ...],
    code: str,
    summary: str,
    source: str,
    test: str,
    status: int = 400,
) -> Callable[[Check], Check]:
    """Register the decorated check as a rule (declaration order is checking order)."""

    def register(check: Check) -> Check:
        if any(existing.id == id for existing in RULES):
            raise ValueError(f"rule {id} is declared twice")
        declared = Rule(id, operations, code, summary, source, test, check, status)
        RULES.append(declared)
        for operation in operations:
            _BY_OPERATION.setdefault(operation, []).append(declared)
        return check

    return register


def check(request: Request) -> Refusal | None:
    """The first rule the request breaks, or None."""
    for candidate in _BY_OPERATION.get(request.call.name, ()):
        message = candidate.check(request)
        if message is not None:
            return Refusal(candidate, message)
    return None


def rules_markdown() -> str:
    """The rules table of docs/local-aws.md."""
    lines = [
        "| rule | operations | error code | AWS page | test |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in RULES:
        operations = ", ".join(f"`{op}`" for op in r.operations)
        test = r.test.replace("|", "\\|")
        lines.append(
            f"| `{r.id}`: {_cell(r.summary)} | {operations} | `{r.code}` "
            f"| [{_page_title(r.source)}]({r.source}) | `{test}` |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _page_title(url: str) -> str:
    # ".../APIReference/API_CreateService.html#ECS-CreateService-request-serviceRegistries"
    # reads as "API_CreateService serviceRegistries".
    page = url.rsplit("/", 1)[-1]
    name, _, anchor = page.partition("#")
    name = re.sub(r"\.html?$", "", name)
    tail = anchor.rsplit("-", 1)[-1] if anchor else ""
    return f"{name} {tail}".strip()


def validate(call: AwsCall, environ: dict[str, Any]) -> tuple[int, str, str] | None:
    """The middleware's validator: (status, code, message) of the first refusal, or None."""
    if call.name not in _BY_OPERATION:
        return None
    from moto.iam.models import get_account_id_from

    from ..wire import read_body

    request = Request.from_body(call, read_body(environ), get_account_id_from(call.access_key))
    refusal = check(request)
    return None if refusal is None else (refusal.status, refusal.code, refusal.message)
