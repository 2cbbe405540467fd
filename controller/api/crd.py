"""CustomResourceDefinitions generated from the models (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel

from .app import EcsAppSpec, EcsAppStatus
from .common import APP_NAME_MAX, ENV_NAME_MAX, GROUP, NAME_PATTERN, SERVICE_NAME_MAX, VERSION
from .environment import EcsEnvironmentSpec, EcsEnvironmentStatus
from .schema import structural_schema
from .service import EcsServiceSpec, EcsServiceStatus
from .tenancy import TenantPolicySpec, TenantPolicyStatus

CATEGORY = "kopilot"
_READY = '.status.conditions[?(@.type=="Ready")]'


@dataclass(frozen=True)
class Kind:
    kind: str
    plural: str
    short_name: str
    spec: type[BaseModel]
    status: type[BaseModel]
    name_max: int
    columns: tuple[dict[str, Any], ...]
    scope: str = "Namespaced"
    # CEL rules on the whole object, for what the spec alone cannot see (metadata.name).
    object_rules: tuple[dict[str, str], ...] = ()

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{GROUP}"

    @property
    def singular(self) -> str:
        return self.kind.lower()


def _column(
    name: str, path: str, type_: str = "string", priority: int = 0, description: str = ""
) -> dict[str, Any]:
    column: dict[str, Any] = {"name": name, "type": type_, "jsonPath": path}
    if priority:
        column["priority"] = priority
    if description:
        column["description"] = description
    return column


_READY_COLUMNS = (
    _column("Ready", f"{_READY}.status", description="Ready condition"),
    _column("Reason", f"{_READY}.reason", description="Why it is (not) ready"),
)
_AGE = _column("Age", ".metadata.creationTimestamp", "date")

KINDS: tuple[Kind, ...] = (
    Kind(
        "EcsApp",
        "ecsapps",
        "ecsapp",
        EcsAppSpec,
        EcsAppStatus,
        APP_NAME_MAX,
        (
            *_READY_COLUMNS,
            _column("Envs", ".status.environments.summary", description="Environments ready/total"),
            _column("Services", ".status.services.summary", description="Services ready/total"),
            _AGE,
        ),
    ),
    Kind(
        "EcsEnvironment",
        "ecsenvironments",
        "ecsenv",
        EcsEnvironmentSpec,
        EcsEnvironmentStatus,
        ENV_NAME_MAX,
        (
            _column("App", ".spec.app"),
            _column("Region", ".spec.region"),
            *_READY_COLUMNS,
            _column("Namespace", ".status.namespace.name", description="Cloud Map namespace"),
            _column("Cluster", ".status.clusterArn", priority=1),
            _AGE,
        ),
    ),
    Kind(
        "EcsService",
        "ecsservices",
        "ecssvc",
        EcsServiceSpec,
        EcsServiceStatus,
        SERVICE_NAME_MAX,
        (
            _column("App", ".spec.app"),
            _column("Env", ".spec.environment"),
            *_READY_COLUMNS,
            _column("Endpoint", ".status.endpoint", description="Main endpoint"),
            _column("Running", ".status.tasks", description="Running/desired tasks"),
            _column("Image", ".spec.image", priority=1),
            _AGE,
        ),
        object_rules=(
            {
                "rule": "has(self.spec.name) || !has(self.spec.sidecars) || "
                "!self.spec.sidecars.exists(s, s.name == self.metadata.name)",
                "message": "a sidecar may not be named like the service's own container "
                "(metadata.name, when spec.name is not set)",
            },
        ),
    ),
)


# Cluster-scoped, set by the platform admin: which namespace may do what (controller.tenancy).
TENANT_POLICY = Kind(
    "TenantPolicy",
    "tenantpolicies",
    "tenantpolicy",
    TenantPolicySpec,
    TenantPolicyStatus,
    253,
    (
        _column("Namespaces", ".spec.namespaces", description="Namespaces named"),
        _column("Assume", ".spec.assumeRoles", priority=1, description="Roles to assume"),
        _AGE,
    ),
    scope="Cluster",
)
# Every kind whose CRD kopilot ships.
ALL_KINDS: tuple[Kind, ...] = (*KINDS, TENANT_POLICY)


def crd(kind: Kind) -> dict[str, Any]:
    spec = structural_schema(kind.spec)
    status = structural_schema(kind.status)
    # A spec with nothing required (EcsApp) may be left out and defaults to {}.
    optional_spec = not spec.get("required")
    if optional_spec:
        spec["default"] = {}
    root = {
        "type": "object",
        "description": spec.get("description", kind.kind),
        # An empty `required` would be dropped by the apiserver, and every apply of this CRD
        # would then report a change (and Argo CD an eternal OutOfSync).
        **({} if optional_spec else {"required": ["spec"]}),
        "properties": {
            "apiVersion": {"type": "string", "description": "kopilot.dev/v1alpha1"},
            "kind": {"type": "string", "description": kind.kind},
            "metadata": {"type": "object"},
            "spec": spec,
            "status": status,
        },
    }
    if kind.scope == "Namespaced":
        # spec.name defaults to metadata.name, which must then be a valid AWS-side name.
        root["x-kubernetes-validations"] = [
            {
                "rule": f"(has(self.spec) && has(self.spec.name)) || (size(self.metadata.name) <= {kind.name_max}"
                f" && self.metadata.name.matches('{NAME_PATTERN}'))",
                "message": f"metadata.name is used as the {kind.kind} name in AWS when "
                f"spec.name is not set, so it must be a DNS label of at most "
                f"{kind.name_max} characters (lower-case letters, digits and '-', starting "
                "with a letter); or set spec.name",
            },
            *kind.object_rules,
        ]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": kind.crd_name, "labels": {"app.kubernetes.io/part-of": "kopilot"}},
        "spec": {
            "group": GROUP,
            "scope": kind.scope,
            "names": {
                "kind": kind.kind,
                "listKind": f"{kind.kind}List",
                "plural": kind.plural,
                "singular": kind.singular,
                "shortNames": [kind.short_name],
                "categories": [CATEGORY],
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": list(kind.columns),
                    "schema": {"openAPIV3Schema": root},
                }
            ],
        },
    }


def crd_yaml(kind: Kind) -> str:
    header = "# Generated by `kopilot crds --write` from controller/api; do not edit.\n"
    return header + yaml.safe_dump(crd(kind), sort_keys=False, width=100)


def crd_filename(kind: Kind) -> str:
    return f"{GROUP}_{kind.plural}.yaml"


def kustomization_yaml() -> str:
    """crds/Kustomization, so kustomize bases can list the folder. The file has no
    extension so that `kubectl apply -f crds/` skips it."""
    files = [crd_filename(kind) for kind in ALL_KINDS]
    return "# Generated by `kopilot crds --write`; do not edit.\n" + yaml.safe_dump(
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": files,
        },
        sort_keys=False,
    )
