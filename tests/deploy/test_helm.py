"""deploy/helm/kopilot, with the real helm (built once from its Go module, then cached): it
lints, its defaults render deploy/base's objects, its values render what they say, its schema
refuses bad values, and what it renders is accepted by a real API server and gives the
operator's ServiceAccount exactly what the operator needs."""

from __future__ import annotations

import difflib
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from controller import __version__
from controller.cli import build_parser
from controller.sandbox.controlplane.helm import GOBUILD_MODULE, HELM_VERSION, ensure_helm
from tests.conftest import Kube, Kubectl
from tests.deploy.manifests import (
    BASE,
    IRSA,
    ROOT,
    SINGLE_TENANT,
    SYSTEM_NAMESPACE,
    kustomize,
    one,
)
from tests.deploy.test_rbac import ALLOWED, DENIED, _review

# The first test to need helm may build it: minutes on a cold machine, then cached.
pytestmark = pytest.mark.timeout(1200)

CHART = ROOT / "deploy" / "helm" / "kopilot"
# Helm's standard labels: the only metadata the chart may add to the base's objects.
HELM_LABELS = frozenset(
    {
        "helm.sh/chart",
        "app.kubernetes.io/instance",
        "app.kubernetes.io/version",
        "app.kubernetes.io/managed-by",
    }
)
# What deploy/base's kustomization puts on crds/ and a chart cannot: Helm installs its crds/
# as they are, untemplated (deploy/helm/kopilot/README.md says what that means for Argo CD).
BASE_CRD_LABELS = frozenset({"app.kubernetes.io/part-of"})
BASE_CRD_ANNOTATIONS = frozenset({"argocd.argoproj.io/sync-options"})

Helm = Callable[..., subprocess.CompletedProcess[str]]
Docs = list[dict[str, Any]]

# The overlays' changes as values (deploy/helm/kopilot/README.md shows them).
IRSA_VALUES = {
    "image": {"repository": "123456789012.dkr.ecr.us-east-1.amazonaws.com/kopilot", "tag": "0.1.0"},
    "serviceAccount": {
        "annotations": {
            "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/kopilot-operator",
            "eks.amazonaws.com/sts-regional-endpoints": "true",
        }
    },
    "env": [{"name": "AWS_REGION", "value": "us-east-1"}],
}

# One shard's release with every value set.
SHARD_VALUES = {
    **IRSA_VALUES,
    "replicas": 2,
    "watchNamespaces": ["team-a", "team-b"],
    "selector": "team=a,tier!=batch",
    "resyncSeconds": 60,
    "maxConcurrentObjects": 250,
    "tenancy": "single",
    "metrics": {
        "enabled": True,
        "port": 9090,
        "serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}},
    },
    "podAnnotations": {"example.com/owner": "platform"},
    "nodeSelector": {"kubernetes.io/os": "linux", "node-role/ops": "true"},
    "tolerations": [{"key": "ops", "operator": "Exists", "effect": "NoSchedule"}],
    "affinity": {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "podAffinityTerm": {
                        "topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "kopilot"}},
                    },
                }
            ]
        }
    },
    "resources": {
        "requests": {"cpu": "200m", "memory": "256Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    },
}


@pytest.fixture(scope="session")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    """Run the pinned helm: helm("lint", str(CHART)). Its config, cache and data live in a
    folder of the session's, not the user's."""
    binary = ensure_helm()
    home = tmp_path_factory.mktemp("helm-home")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }

    def run(
        *args: str, stdin: str | None = None, kubeconfig: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        cluster = ["--kubeconfig", str(kubeconfig)] if kubeconfig else []
        return subprocess.run(
            [str(binary), *args, *cluster],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    return run


def render(
    helm: Helm,
    values: dict[str, Any] | None = None,
    *,
    release: str = "kopilot",
    namespace: str = SYSTEM_NAMESPACE,
    crds: bool = True,
) -> Docs:
    """`helm template` of the chart with these values (on top of its defaults), parsed."""
    args = ["template", release, str(CHART), "--namespace", namespace, "--values", "-"]
    result = helm(*args, *(["--include-crds"] if crds else []), stdin=yaml.safe_dump(values or {}))
    assert result.returncode == 0, f"helm template failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def _key(doc: dict[str, Any]) -> str:
    meta = doc["metadata"]
    return f"{doc['kind']} {meta.get('namespace', '')}/{meta['name']}".replace(" /", " ")


def _without_helm_labels(value: Any) -> Any:
    """The object without Helm's standard labels, wherever labels are (metadata, selectors,
    pod templates): a selector with the instance label keeps two releases apart, and says
    nothing else."""
    if isinstance(value, dict):
        return {k: _without_helm_labels(v) for k, v in value.items() if k not in HELM_LABELS}
    if isinstance(value, list):
        return [_without_helm_labels(item) for item in value]
    return value


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    doc = _without_helm_labels(doc)
    if doc["kind"] == "CustomResourceDefinition":
        meta = doc["metadata"]
        for field, base_only in (
            ("labels", BASE_CRD_LABELS),
            ("annotations", BASE_CRD_ANNOTATIONS),
        ):
            kept = {k: v for k, v in (meta.get(field) or {}).items() if k not in base_only}
            meta.pop(field, None)
            if kept:
                meta[field] = kept
    return doc


def differences(chart: Docs, base: Docs) -> list[str]:
    """What stands between the chart's objects and the base's, one entry per object, with a
    diff of the object when both have it."""
    ours = {_key(d): _comparable(d) for d in chart}
    theirs = {_key(d): _comparable(d) for d in base}
    found = [f"the base lacks {key}" for key in sorted(ours.keys() - theirs.keys())]
    found += [f"the chart lacks {key}" for key in sorted(theirs.keys() - ours.keys())]
    for key in sorted(ours.keys() & theirs.keys()):
        if ours[key] != theirs[key]:
            diff = difflib.unified_diff(
                yaml.safe_dump(theirs[key], sort_keys=True).splitlines(),
                yaml.safe_dump(ours[key], sort_keys=True).splitlines(),
                "base",
                "chart",
                lineterm="",
            )
            found.append(f"{key} differs:\n" + "\n".join(diff))
    return found


def _container(docs: Docs) -> dict[str, Any]:
    containers = one(docs, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


# -- helm itself and the chart's files -------------------------------------------------------


def test_the_helm_binary_is_built_from_the_pinned_module(helm: Helm) -> None:
    assert f"helm.sh/helm/v4 {HELM_VERSION}" in (GOBUILD_MODULE / "go.mod").read_text()
    version = helm("version", "--template", "{{.KubeClientVersion}} {{.GoVersion}}")
    assert version.returncode == 0, version.stderr
    assert re.fullmatch(r"v1\.\d+ go1\.\d+(\.\d+)?", version.stdout.strip()), version.stdout


def test_the_charts_crds_are_the_repositorys_crds(helm: Helm) -> None:
    """Helm installs CRDs from the chart's crds/ only: the same files as crds/, which
    `kopilot crds --write` writes both of (tests/api/test_generated_files.py)."""
    generated = {p.name: p.read_text() for p in sorted((ROOT / "crds").glob("*.yaml"))}
    shipped = {p.name: p.read_text() for p in sorted((CHART / "crds").iterdir())}
    assert shipped == generated
    rendered = [d for d in render(helm) if d["kind"] == "CustomResourceDefinition"]
    assert rendered == [yaml.safe_load(text) for text in generated.values()]
    # Without --include-crds (as `helm install` renders templates) there are none.
    assert all(d["kind"] != "CustomResourceDefinition" for d in render(helm, crds=False))


def test_the_chart_is_kopilots_release() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["name"] == "kopilot"
    assert chart["appVersion"] == __version__  # the image tag it defaults to


@pytest.mark.parametrize(
    "values",
    [{}, SHARD_VALUES, {"metrics": {"serviceMonitor": {"enabled": True}}, "replicas": 1}],
    ids=["defaults", "shard", "service-monitor-one-replica"],
)
def test_helm_lint_passes_strict(helm: Helm, values: dict[str, Any]) -> None:
    result = helm("lint", "--strict", str(CHART), "--values", "-", stdin=yaml.safe_dump(values))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[WARNING]" not in result.stdout
    assert "[ERROR]" not in result.stdout


# -- no divergence from the kustomize manifests ----------------------------------------------


def test_the_defaults_render_the_kustomize_base(helm: Helm) -> None:
    """The judge of "the same manifests": every object of deploy/base, and no other, with
    the same spec; only Helm's standard labels may be added."""
    assert differences(render(helm), kustomize(BASE)) == []


@pytest.mark.parametrize(
    ("overlay", "values"),
    [(IRSA, IRSA_VALUES), (SINGLE_TENANT, {"tenancy": "single"})],
    ids=["irsa", "single-tenant"],
)
def test_values_render_the_kustomize_overlays(
    helm: Helm, overlay: Any, values: dict[str, Any]
) -> None:
    assert differences(render(helm, values), kustomize(overlay)) == []


# -- values ------------------------------------------------------------------------------------


def test_values_render_what_they_say(helm: Helm) -> None:
    docs = render(helm, SHARD_VALUES, release="shard-a", namespace="kopilot-shards")
    deployment = one(docs, "Deployment", "shard-a-kopilot")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    container = _container(docs)
    assert container["image"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/kopilot:0.1.0"
    assert container["env"] == [{"name": "AWS_REGION", "value": "us-east-1"}]
    assert container["resources"] == SHARD_VALUES["resources"]

    args = build_parser().parse_args(container["args"])  # flags `kopilot run` really has
    assert args.namespace == ["team-a", "team-b"]
    assert args.selector == "team=a,tier!=batch"
    assert args.resync_seconds == 60.0
    assert args.max_concurrent_objects == 250
    assert args.tenancy == "single"
    assert args.leader_elect is True
    assert args.metrics == "0.0.0.0:9090"

    pod = deployment["spec"]["template"]
    assert pod["metadata"]["annotations"] == {"example.com/owner": "platform"}
    for field in ("nodeSelector", "tolerations", "affinity"):
        assert pod["spec"][field] == SHARD_VALUES[field], field

    account = one(docs, "ServiceAccount", "shard-a-kopilot")
    assert account["metadata"]["annotations"] == IRSA_VALUES["serviceAccount"]["annotations"]
    assert pod["spec"]["serviceAccountName"] == "shard-a-kopilot"
    for binding in (one(docs, "ClusterRoleBinding"), one(docs, "RoleBinding")):
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": "shard-a-kopilot", "namespace": "kopilot-shards"}
        ]
    assert one(docs, "Role")["metadata"]["namespace"] == "kopilot-shards"

    # Another shard's release in the same namespace selects none of these pods.
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector["app.kubernetes.io/instance"] == "shard-a"
    budget = one(docs, "PodDisruptionBudget")
    assert budget["spec"] == {"minAvailable": 1, "selector": {"matchLabels": selector}}

    # Prometheus finds the Service through the ServiceMonitor, and the Service the pods.
    service = one(docs, "Service", "shard-a-kopilot-metrics")
    assert service["spec"]["selector"] == selector
    assert service["spec"]["ports"] == [
        {"name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"}
    ]
    assert {"name": "metrics", "containerPort": 9090, "protocol": "TCP"} in container["ports"]
    monitor = one(docs, "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "prometheus"  # what Prometheus selects
    labels = monitor["spec"]["selector"]["matchLabels"]
    assert labels.items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["kopilot-shards"]}
    assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]


def test_one_replica_without_leader_election_is_replaced_not_rolled(helm: Helm) -> None:
    docs = render(helm, {"replicas": 1, "leaderElection": {"enabled": False}}, crds=False)
    deployment = one(docs, "Deployment")
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert "--leader-elect" not in _container(docs)["args"]
    kinds = {d["kind"] for d in docs}
    assert kinds.isdisjoint({"PodDisruptionBudget", "Role", "RoleBinding", "ServiceMonitor"})
    # One replica with leader election: the Lease rules, and still no budget to block drains.
    kinds = {d["kind"] for d in render(helm, {"replicas": 1}, crds=False)}
    assert {"Role", "RoleBinding"} <= kinds
    assert "PodDisruptionBudget" not in kinds


def test_the_namespace_and_the_metrics_can_be_left_out(helm: Helm) -> None:
    docs = render(helm, {"createNamespace": False, "metrics": {"enabled": False}}, crds=False)
    assert {d["kind"] for d in docs}.isdisjoint({"Namespace", "Service", "ServiceMonitor"})
    container = _container(docs)
    assert "--metrics" not in container["args"]
    assert [p["name"] for p in container["ports"]] == ["health"]


def test_two_replicas_without_leader_election_are_refused(helm: Helm) -> None:
    values = {"replicas": 2, "leaderElection": {"enabled": False}}
    result = helm("template", "kopilot", str(CHART), "--values", "-", stdin=yaml.safe_dump(values))
    assert result.returncode != 0
    assert "replicas > 1 needs leaderElection.enabled" in result.stderr


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"replicas": "two"}, "replicas"),
        ({"replicas": -1}, "replicas"),
        ({"replica": 2}, "replica"),  # a typo is not silently ignored
        ({"tenancy": "shared"}, "tenancy"),
        ({"image": {"repository": "kopilot", "pullPolicy": "Sometimes"}}, "pullPolicy"),
        ({"watchNamespaces": "team-a"}, "watchNamespaces"),
        ({"watchNamespaces": ["Team_A"]}, "watchNamespaces"),
        ({"resyncSeconds": 0}, "resyncSeconds"),
        ({"maxConcurrentObjects": -1}, "maxConcurrentObjects"),
        ({"maxConcurrentObjects": 1.5}, "maxConcurrentObjects"),
        ({"leaderElection": {"enabled": "yes"}}, "enabled"),
        (
            {"metrics": {"enabled": True, "port": 70000, "serviceMonitor": {"enabled": False}}},
            "port",
        ),
        ({"serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": 123}}}, "annotations"),
        ({"podDisruptionBudget": {"enabled": True, "minAvailable": "most"}}, "minAvailable"),
    ],
    ids=lambda v: yaml.safe_dump(v, default_flow_style=True).strip() if isinstance(v, dict) else "",
)
def test_the_schema_refuses_bad_values(helm: Helm, values: dict[str, Any], says: str) -> None:
    for command in ("template", "lint"):
        args = [command, *(["kopilot"] if command == "template" else []), str(CHART)]
        result = helm(*args, "--values", "-", stdin=yaml.safe_dump(values))
        assert result.returncode != 0, f"helm {command} accepted {values}"
        output = result.stdout + result.stderr
        assert "schema" in output, output
        assert says in output, output


# -- on a real API server ----------------------------------------------------------------------

CHART_NAMESPACE = "kopilot-chart"
CHART_RELEASE = "kopilot-chart"  # its objects are named kopilot-chart*, apart from the base's


@pytest.mark.controlplane
def test_the_defaults_pass_the_api_servers_validation(
    helm: Helm, installed_base: list[str], namespace: str, kubectl: Kubectl
) -> None:
    """Everything the defaults render, CRDs included, through the API server's validation
    and defaulting (a server-side dry run: the base's objects of the same names are left as
    they are). In the test's namespace, as the base's Deployment has another selector."""
    docs = render(helm, namespace=namespace)
    result = kubectl("apply", "--dry-run=server", "-f", "-", stdin=yaml.safe_dump_all(docs))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(docs)


@pytest.mark.controlplane
def test_the_charts_service_account_can_do_the_operators_job_and_nothing_more(
    helm: Helm, installed_base: list[str], namespace: str, kube: Kube, kubectl: Kubectl
) -> None:
    """`helm install` as the chart's README says, beside the base (another release in its
    own namespace; the CRDs are there already, so Helm leaves them be), then the RBAC answers
    for the installed ServiceAccount's own token: those of tests/deploy/test_rbac.py, and
    the Lease in the release's namespace only."""
    values = {
        **SHARD_VALUES,
        "metrics": {**SHARD_VALUES["metrics"], "serviceMonitor": {"enabled": False}},
    }
    install = helm(
        "install",
        CHART_RELEASE,
        str(CHART),
        "--namespace",
        CHART_NAMESPACE,
        "--create-namespace",
        "--values",
        "-",
        stdin=yaml.safe_dump(values),
        kubeconfig=kube.kubeconfig,
    )
    assert install.returncode == 0, install.stderr
    # What Helm installed is what the chart renders: a GitOps tool would see no drift.
    rendered = render(helm, values, release=CHART_RELEASE, namespace=CHART_NAMESPACE, crds=False)
    drift = kubectl("diff", "-f", "-", stdin=yaml.safe_dump_all(rendered))
    assert drift.returncode == 0, drift.stdout + drift.stderr

    token = kube.plane.service_account_kubeconfig(CHART_NAMESPACE, CHART_RELEASE)
    api_client = kube.plane.api_client(token)
    try:
        api = client.AuthorizationV1Api(api_client)
        answers = {rule: _review(api, rule, namespace) for rule in (*ALLOWED, *DENIED)}
        lease = "leases.coordination.k8s.io"
        own = {
            verb: _review(api, (verb, lease, ""), CHART_NAMESPACE)
            for verb in ("get", "create", "update", "delete")
        }
        elsewhere = {verb: _review(api, (verb, lease, ""), namespace) for verb in own}
    finally:
        api_client.close()
    assert [rule for rule in ALLOWED if not answers[rule]] == []
    assert [rule for rule in DENIED if answers[rule]] == []
    assert own == {"get": True, "create": True, "update": True, "delete": False}
    assert not any(elsewhere.values())
