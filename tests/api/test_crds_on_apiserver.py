"""The CRDs on a real apiserver: install, samples, explain, columns, refusals."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

from controller.api import EcsAppSpec, EcsEnvironmentSpec, EcsServiceSpec
from tests.conftest import Kubectl

pytestmark = pytest.mark.controlplane

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "deploy" / "samples").glob("*.yaml"))


def test_every_sample_applies(kopilot_crds: list[str], namespace: str, kubectl: Kubectl) -> None:
    for sample in SAMPLES:
        result = kubectl("apply", "-n", namespace, "-f", str(sample), check=True)
        assert "created" in result.stdout
    listed = kubectl("get", "kopilot", "-n", namespace, "-o", "name", check=True).stdout.split()
    assert sorted(listed) == sorted(
        [
            "ecsapp.kopilot.dev/kudos",
            "ecsapp.kopilot.dev/shop",
            "ecsenvironment.kopilot.dev/test",
            "ecsenvironment.kopilot.dev/prod",
            "ecsservice.kopilot.dev/api",
            "ecsservice.kopilot.dev/front-end",
            "ecsservice.kopilot.dev/shop-api",
            "ecsservice.kopilot.dev/orders-worker",
        ]
    )


def test_the_apiserver_fills_in_the_models_defaults(
    kopilot_crds: list[str], namespace: str, kubectl: Kubectl
) -> None:
    kubectl("apply", "-n", namespace, "-f", str(ROOT / "deploy/samples/kudos.yaml"), check=True)
    stored = yaml.safe_load(kubectl("get", "ecssvc", "api", "-n", namespace, "-o", "yaml").stdout)
    # What the apiserver stored parses to the same model as the sample itself.
    sample = next(
        d
        for d in yaml.safe_load_all((ROOT / "deploy/samples/kudos.yaml").read_text())
        if d["metadata"]["name"] == "api"
    )
    assert EcsServiceSpec.model_validate(stored["spec"]) == EcsServiceSpec.model_validate(
        sample["spec"]
    )
    assert stored["spec"]["protocol"] == "http"
    assert stored["spec"]["deployment"] == {
        "rollback": True,
        "minHealthyPercent": 100,
        "maxPercent": 200,
    }


def test_kubectl_explain_shows_the_descriptions(kopilot_crds: list[str], kubectl: Kubectl) -> None:
    out = kubectl("explain", "ecsservice.spec.network.connect", check=True).stdout
    assert "ECS Service Connect, as Copilot's `network.connect`" in out
    for field in ("alias", "ingressPortOverride", "timeouts", "tls", "logs", "namespace"):
        assert f"  {field}\t<" in out, field
    tls = kubectl("explain", "ecssvc.spec.network.connect.tls.privateCaArn", check=True).stdout
    assert "AWS Private CA" in tls


def test_printer_columns(kopilot_crds: list[str], namespace: str, kubectl: Kubectl) -> None:
    kubectl("apply", "-n", namespace, "-f", str(ROOT / "deploy/samples/kudos.yaml"), check=True)
    services = kubectl("get", "ecssvc", "-n", namespace, check=True).stdout.splitlines()
    assert services[0].split() == [
        "NAME",
        "APP",
        "ENV",
        "READY",
        "REASON",
        "ENDPOINT",
        "RUNNING",
        "AGE",
    ]
    assert services[1].split()[:3] == ["api", "kudos", "test"]
    everything = kubectl("get", "kopilot", "-n", namespace, check=True).stdout
    headers = [line.split() for line in everything.splitlines() if line.startswith("NAME ")]
    assert headers == [
        ["NAME", "READY", "REASON", "ENVS", "SERVICES", "AGE"],
        ["NAME", "APP", "REGION", "READY", "REASON", "NAMESPACE", "AGE"],
        ["NAME", "APP", "ENV", "READY", "REASON", "ENDPOINT", "RUNNING", "AGE"],
    ]
    assert "ecsservice.kopilot.dev/front-end" in everything


BASE: dict[str, dict[str, Any]] = {
    "EcsApp": {"tags": {"team": "kudos"}},
    "EcsEnvironment": {"app": "kudos", "region": "us-east-1"},
    "EcsService": {"app": "kudos", "environment": "test", "image": "nginx", "port": 8080},
}
MODELS: dict[str, type[pydantic.BaseModel]] = {
    "EcsApp": EcsAppSpec,
    "EcsEnvironment": EcsEnvironmentSpec,
    "EcsService": EcsServiceSpec,
}
DROP = object()


def _set(spec: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    *parents, leaf = path.split(".")
    node = spec
    for key in parents:
        node = node.setdefault(key, {})
    if value is DROP:
        node.pop(leaf, None)
    else:
        node[leaf] = value
    return spec


# (case id, kind, {path: value} changes to the valid base spec, what kubectl must say)
BAD_INPUTS: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "port-not-a-number",
        "EcsService",
        {"port": "http"},
        'spec.port: Invalid value: "string": spec.port in body must be of type integer',
    ),
    (
        "port-too-high",
        "EcsService",
        {"port": 70000},
        "spec.port: Invalid value: 70000: spec.port in body should be less than or equal to 65535",
    ),
    (
        "port-zero",
        "EcsService",
        {"port": 0},
        "spec.port: Invalid value: 0: spec.port in body should be greater than or equal to 1",
    ),
    (
        "unknown-protocol",
        "EcsService",
        {"protocol": "udp"},
        'spec.protocol: Unsupported value: "udp"',
    ),
    (
        "negative-count",
        "EcsService",
        {"count": -1},
        "spec.count: Invalid value: -1: spec.count in body should be greater than or equal to 0",
    ),
    ("missing-image", "EcsService", {"image": DROP}, "spec.image: Required value"),
    (
        "empty-image",
        "EcsService",
        {"image": ""},
        'spec.image: Invalid value: "": spec.image in body should be at least 1 chars long',
    ),
    (
        "missing-environment",
        "EcsService",
        {"environment": DROP},
        "spec.environment: Required value",
    ),
    ("cpu-not-fargate", "EcsService", {"cpu": 300}, "spec.cpu: Unsupported value: 300"),
    (
        "memory-not-for-cpu",
        "EcsService",
        {"cpu": 256, "memory": 4096},
        'spec.memory: Invalid value: "object": memory is not a Fargate size for this cpu',
    ),
    (
        "memory-off-step",
        "EcsService",
        {"cpu": 8192, "memory": 18432},
        'spec.memory: Invalid value: "object": memory is not a Fargate size',
    ),
    (
        "alias-not-dns",
        "EcsService",
        {"network.connect.alias": "Front_End!"},
        'spec.network.connect.alias: Invalid value: "Front_End!": spec.network.connect.alias in body should match',
    ),
    (
        "alias-unknown-variable",
        "EcsService",
        {"network.connect.alias": "${HOSTNAME}.local"},
        "spec.network.connect.alias: Invalid value",
    ),
    (
        "alias-with-connect-off",
        "EcsService",
        {"network.connect.alias": "api.local", "network.connect.enabled": False},
        'spec.network.connect.alias: Invalid value: "object": alias needs Service Connect',
    ),
    (
        "alias-without-port",
        "EcsService",
        {"port": DROP, "network.connect.alias": "api.local"},
        'spec.network.connect: Invalid value: "object": network.connect alias, clientPort, discoveryName, ingressPortOverride, timeouts and tls are for a server',
    ),
    (
        "per-request-timeout-tcp",
        "EcsService",
        {"protocol": "tcp", "network.connect.timeouts.perRequestSeconds": 5},
        'spec.network.connect.timeouts.perRequestSeconds: Invalid value: "object": network.connect.timeouts.perRequestSeconds is not allowed with protocol tcp',
    ),
    (
        "negative-idle-timeout",
        "EcsService",
        {"network.connect.timeouts.idleSeconds": -5},
        "spec.network.connect.timeouts.idleSeconds: Invalid value: -5",
    ),
    (
        "ingress-port-override-range",
        "EcsService",
        {"network.connect.ingressPortOverride": 0},
        "spec.network.connect.ingressPortOverride: Invalid value: 0",
    ),
    (
        "tls-without-ca",
        "EcsService",
        {"network.connect.tls.kmsKey": "alias/sc"},
        "spec.network.connect.tls.privateCaArn: Required value",
    ),
    (
        "tls-ca-not-an-arn",
        "EcsService",
        {"network.connect.tls.privateCaArn": "my-ca"},
        'spec.network.connect.tls.privateCaArn: Invalid value: "my-ca"',
    ),
    (
        "access-log-format",
        "EcsService",
        {"network.connect.logs.accessLogs.format": "XML"},
        'spec.network.connect.logs.accessLogs.format: Unsupported value: "XML"',
    ),
    (
        "discovery-without-port",
        "EcsService",
        {"port": DROP, "network.serviceDiscovery.enabled": True},
        'spec.network.serviceDiscovery.enabled: Invalid value: "object": network.serviceDiscovery.enabled needs a port',
    ),
    (
        "reserved-variable",
        "EcsService",
        {"variables": {"COPILOT_SERVICE_NAME": "x"}},
        'spec.variables: Invalid value: "object": variables must not set COPILOT_* names',
    ),
    (
        "variable-name",
        "EcsService",
        {"variables": {"1ST": "x"}},
        'spec.variables: Invalid value: "object": variable and secret names must be environment variable names',
    ),
    (
        "secret-not-an-arn",
        "EcsService",
        {"secrets": {"DB": "password123"}},
        'spec.secrets.DB: Invalid value: "password123": spec.secrets.DB in body should match',
    ),
    (
        "variable-and-secret",
        "EcsService",
        {
            "variables": {"DB": "x"},
            "secrets": {"DB": "arn:aws:ssm:us-east-1:123456789012:parameter/db"},
        },
        'spec.secrets: Invalid value: "object": a name is both in variables and in secrets',
    ),
    (
        "service-name-too-long",
        "EcsService",
        {"name": "s" * 61},
        "spec.name: Too long: may not be more than 60 bytes",
    ),
    (
        "service-name-uppercase",
        "EcsService",
        {"name": "Api"},
        'spec.name: Invalid value: "Api": spec.name in body should match',
    ),
    ("unknown-field", "EcsService", {"replicas": 3}, 'unknown field "spec.replicas"'),
    (
        "deletion-policy",
        "EcsService",
        {"deletionPolicy": "Orphan"},
        'spec.deletionPolicy: Unsupported value: "Orphan"',
    ),
    (
        "health-check-interval",
        "EcsService",
        {"healthCheck.command": ["CMD", "true"], "healthCheck.interval": 1},
        "spec.healthCheck.interval: Invalid value: 1",
    ),
    (
        "health-check-without-command",
        "EcsService",
        {"healthCheck.retries": 3},
        "spec.healthCheck.command: Required value",
    ),
    (
        "max-percent",
        "EcsService",
        {"deployment.maxPercent": 300},
        "spec.deployment.maxPercent: Invalid value: 300",
    ),
    (
        "platform",
        "EcsService",
        {"platform": "windows/x86_64"},
        'spec.platform: Unsupported value: "windows/x86_64"',
    ),
    ("region", "EcsEnvironment", {"region": "useast1"}, 'spec.region: Invalid value: "useast1"'),
    (
        "role-arn",
        "EcsEnvironment",
        {"roleArn": "deployer"},
        'spec.roleArn: Invalid value: "deployer"',
    ),
    (
        "network-without-subnets",
        "EcsEnvironment",
        {"network.vpcId": "vpc-0abc"},
        "spec.network.subnets: Required value",
    ),
    (
        "subnet-id",
        "EcsEnvironment",
        {"network.vpcId": "vpc-0abc", "network.subnets": ["subnet-XYZ"]},
        'spec.network.subnets[0]: Invalid value: "subnet-XYZ"',
    ),
    (
        "too-many-security-groups",
        "EcsEnvironment",
        {
            "network.vpcId": "vpc-1",
            "network.subnets": ["subnet-1"],
            "network.securityGroups": [f"sg-{i}" for i in range(6)],
        },
        "spec.network.securityGroups: Too many: 6: must have at most 5 items",
    ),
    (
        "namespace-and-legacy",
        "EcsEnvironment",
        {
            "serviceDiscovery.namespace": "test.kudos.local",
            "serviceDiscovery.legacyNamespace": True,
        },
        'spec.serviceDiscovery: Invalid value: "object": give either namespace or legacyNamespace: true, not both',
    ),
    (
        "namespace-type",
        "EcsEnvironment",
        {"serviceDiscovery.type": "DNS_PUBLIC"},
        'spec.serviceDiscovery.type: Unsupported value: "DNS_PUBLIC"',
    ),
    ("environment-without-app", "EcsEnvironment", {"app": DROP}, "spec.app: Required value"),
    (
        "env-name-too-long",
        "EcsEnvironment",
        {"name": "e" * 64},
        "spec.name: Too long: may not be more than 63 bytes",
    ),
    (
        "reserved-tag",
        "EcsApp",
        {"tags": {"aws:cloudformation:stack-name": "x"}},
        "spec.tags: Invalid value: \"object\": tag keys must be at most 128 characters and must not start with 'aws:'",
    ),
    ("app-name", "EcsApp", {"name": "Kudos App"}, 'spec.name: Invalid value: "Kudos App"'),
    ("blank-image", "EcsService", {"image": " "}, 'spec.image: Invalid value: " "'),
    (
        "alias-leading-hyphen",
        "EcsService",
        {"network": {"connect": {"alias": "-api"}}},
        'spec.network.connect.alias: Invalid value: "-api"',
    ),
    (
        "tag-prefix-any-case",
        "EcsService",
        {"tags": {"AWS:team": "x"}},
        'spec.tags: Invalid value: "object": tag keys must be at most 128 characters',
    ),
    (
        "tag-value-too-long",
        "EcsEnvironment",
        {"tags": {"team": "x" * 257}},
        "values at most 256 characters",
    ),
    (
        "health-check-timeout",
        "EcsService",
        {"healthCheck": {"command": ["CMD", "true"], "timeout": 61}},
        "spec.healthCheck.timeout: Invalid value: 61",
    ),
    ("padded-image", "EcsService", {"image": "nginx:1 "}, 'spec.image: Invalid value: "nginx:1 "'),
    (
        "port-and-ports",
        "EcsService",
        {"ports": [{"name": "http", "port": 8080}]},
        'spec.ports: Invalid value: "object": give port (one port) or ports (several), not both',
    ),
    (
        "ports-duplicate-name",
        "EcsService",
        {"port": DROP, "ports": [{"name": "http", "port": 8080}, {"name": "http", "port": 8081}]},
        'spec.ports: Invalid value: "object": ports[].name must be unique',
    ),
    (
        "ports-duplicate-port",
        "EcsService",
        {"port": DROP, "ports": [{"name": "http", "port": 8080}, {"name": "admin", "port": 8080}]},
        'spec.ports: Invalid value: "object": ports[].port must be unique',
    ),
    (
        "ports-duplicate-discovery-name",
        "EcsService",
        {
            "port": DROP,
            "ports": [
                {"name": "http", "port": 8080, "discoveryName": "api"},
                {"name": "admin", "port": 8081, "discoveryName": "api"},
            ],
        },
        'spec.ports: Invalid value: "object": ports[].discoveryName must be unique',
    ),
    (
        "ports-with-connect-alias",
        "EcsService",
        {
            "port": DROP,
            "ports": [{"name": "http", "port": 8080}],
            "network.connect.alias": "api.local",
        },
        'spec.network.connect: Invalid value: "object": with ports, set alias, clientPort',
    ),
    (
        "autoscaling-min-over-max",
        "EcsService",
        {"autoscaling": {"min": 5, "max": 2}},
        'spec.autoscaling.min: Invalid value: "object": autoscaling.min must be at most '
        "autoscaling.max",
    ),
    (
        "count-outside-the-autoscaling-range",
        "EcsService",
        {"count": 1, "autoscaling": {"min": 2, "max": 4}},
        'spec.count: Invalid value: "object": count is where a new autoscaled service starts',
    ),
    (
        "request-tracking-without-http",
        "EcsService",
        {"autoscaling": {"min": 1, "max": 4, "requestsPerTarget": 100}},
        'spec.autoscaling: Invalid value: "object": autoscaling.requestsPerTarget and '
        "responseTime track",
    ),
    (
        "sidecar-named-like-the-service",
        "EcsService",
        {"name": "api", "sidecars": [{"name": "api", "image": "envoyproxy/envoy:v1.31"}]},
        'spec.sidecars: Invalid value: "object": sidecars[].name must be unique and not the '
        "service's own container name",
    ),
    (
        "sidecar-on-the-service-port",
        "EcsService",
        {"sidecars": [{"name": "envoy", "image": "envoy", "port": 8080}]},
        'spec.sidecars: Invalid value: "object": sidecars[].port must be a port of its own',
    ),
    (
        "depends-on-unknown-sidecar",
        "EcsService",
        {"dependsOn": {"envoy": "START"}},
        'spec.dependsOn: Invalid value: "object": dependsOn names sidecars',
    ),
    (
        "sidecar-reserved-variable",
        "EcsService",
        {
            "sidecars": [
                {"name": "envoy", "image": "envoy", "variables": {"COPILOT_SERVICE_NAME": "x"}}
            ]
        },
        'spec.sidecars[0].variables: Invalid value: "object": variables must not set COPILOT_*',
    ),
]


def _manifest(kind: str, spec: dict[str, Any], name: str = "bad") -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "kopilot.dev/v1alpha1",
            "kind": kind,
            "metadata": {"name": name},
            "spec": spec,
        }
    )


def test_the_base_specs_are_valid(
    kopilot_crds: list[str], namespace: str, kubectl: Kubectl
) -> None:
    for kind, spec in BASE.items():
        kubectl(
            "apply", "-n", namespace, "-f", "-", stdin=_manifest(kind, spec, "good"), check=True
        )
        MODELS[kind].model_validate(spec)


def test_several_ports_sidecars_and_exec_apply(
    kopilot_crds: list[str], namespace: str, kubectl: Kubectl
) -> None:
    spec = {
        "app": "kudos",
        "environment": "test",
        "image": "nginx",
        "ports": [
            {"name": "http", "port": 8080, "alias": "api.local"},
            {"name": "grpc", "port": 9090, "protocol": "grpc", "serviceDiscovery": True},
        ],
        "network": {"connect": {}},
        "dependsOn": {"envoy": "HEALTHY"},
        "sidecars": [
            {
                "name": "envoy",
                "image": "envoyproxy/envoy:v1.31",
                "port": 9901,
                "healthCheck": {"command": ["CMD", "true"]},
                # metadata.name (the service's container) is not in the spec: taken as it.
                "dependsOn": {"good": "START"},
            }
        ],
        "exec": True,
    }
    manifest = _manifest("EcsService", spec, "good")
    kubectl("apply", "-n", namespace, "-f", "-", stdin=manifest, check=True)
    stored = yaml.safe_load(kubectl("get", "ecssvc", "good", "-n", namespace, "-o", "yaml").stdout)
    assert stored["spec"]["ports"][0]["serviceDiscovery"] is False  # the apiserver's default
    assert stored["spec"]["sidecars"][0]["essential"] is True
    assert EcsServiceSpec.model_validate(stored["spec"]) == EcsServiceSpec.model_validate(spec)


@pytest.mark.parametrize(
    ("case", "kind", "changes", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_input_is_refused_at_apply_and_by_the_models(
    kopilot_crds: list[str],
    namespace: str,
    kubectl: Kubectl,
    case: str,
    kind: str,
    changes: dict[str, Any],
    message: str,
) -> None:
    spec = BASE[kind]
    for path, value in changes.items():
        spec = _set(spec, path, value)
    result = kubectl("apply", "-n", namespace, "-f", "-", stdin=_manifest(kind, spec))
    assert result.returncode != 0, f"{case}: accepted by the apiserver"
    assert message in result.stderr
    # The operator's own parsing refuses it too, naming the same field.
    with pytest.raises(pydantic.ValidationError) as err:
        MODELS[kind].model_validate(spec)
    field = message.split(":")[0].removeprefix("spec.").split("[")[0]
    if field.startswith("unknown field"):
        field = "replicas"
    assert field.split(".")[-1] in str(err.value), str(err.value)


def test_a_sidecar_named_like_the_service_is_refused_without_spec_name(
    kopilot_crds: list[str], namespace: str, kubectl: Kubectl
) -> None:
    spec = {**BASE["EcsService"], "sidecars": [{"name": "web", "image": "envoyproxy/envoy"}]}
    spec.pop("name", None)
    result = kubectl(
        "apply", "-n", namespace, "-f", "-", stdin=_manifest("EcsService", spec, "web")
    )
    assert result.returncode != 0
    assert "a sidecar may not be named like the service's own container" in result.stderr


def test_metadata_name_must_fit_aws_when_spec_name_is_unset(
    kopilot_crds: list[str], namespace: str, kubectl: Kubectl
) -> None:
    long_name = "a-service-name-far-too-long-to-be-a-dns-label-in-cloud-map-aws"
    result = kubectl(
        "apply",
        "-n",
        namespace,
        "-f",
        "-",
        stdin=_manifest("EcsService", BASE["EcsService"], long_name),
    )
    assert result.returncode != 0
    assert (
        "metadata.name is used as the EcsService name in AWS when spec.name is not set"
        in result.stderr
    )
    # With an explicit, valid spec.name the same metadata.name is fine.
    ok = _manifest("EcsService", {**BASE["EcsService"], "name": "api"}, long_name)
    kubectl("apply", "-n", namespace, "-f", "-", stdin=ok, check=True)


# (kind, field, new value): the fields that name AWS resources cannot change on a live object.
IMMUTABLE: list[tuple[str, str, Any]] = [
    ("EcsService", "environment", "prod"),
    ("EcsService", "app", "shop"),
    ("EcsService", "name", "api-two"),
    ("EcsEnvironment", "app", "shop"),
    ("EcsEnvironment", "name", "prod"),
    ("EcsEnvironment", "region", "eu-west-1"),
]


@pytest.mark.parametrize(("kind", "field", "value"), IMMUTABLE, ids=lambda v: str(v))
def test_fields_that_name_aws_resources_cannot_change(
    kopilot_crds: list[str], namespace: str, kubectl: Kubectl, kind: str, field: str, value: Any
) -> None:
    original = {**BASE[kind], "name": "first"} if field == "name" else BASE[kind]
    kubectl("apply", "-n", namespace, "-f", "-", stdin=_manifest(kind, original), check=True)
    result = kubectl(
        "apply", "-n", namespace, "-f", "-", stdin=_manifest(kind, {**original, field: value})
    )
    assert result.returncode != 0, f"{kind} spec.{field} changed on a live object"
    assert f"{field} cannot change" in result.stderr
    assert "delete this resource and create a new one" in result.stderr
    # Setting a field left unset before is a change as well (it renames the AWS side).
    if field == "name":
        unset = {k: v for k, v in original.items() if k != "name"}
        kubectl(
            "apply", "-n", namespace, "-f", "-", stdin=_manifest(kind, unset, "second"), check=True
        )
        renamed = kubectl(
            "apply",
            "-n",
            namespace,
            "-f",
            "-",
            stdin=_manifest(kind, {**unset, "name": "x"}, "second"),
        )
        assert renamed.returncode != 0
        assert "name cannot change" in renamed.stderr
    # Other fields still change freely.
    other = _set(original, "tags", {"team": "other"})
    kubectl("apply", "-n", namespace, "-f", "-", stdin=_manifest(kind, other), check=True)
