"""Strict rules of ECS CreateCluster and UpdateCluster."""

from __future__ import annotations

import re

from .rules import Request, rule

API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference"
TESTS = "tests/aws/strict/test_ecs_clusters.py"
CREATE_UPDATE = ("ecs:CreateCluster", "ecs:UpdateCluster")

# CreateCluster.clusterName: "Up to 255 letters (uppercase and lowercase), numbers,
# underscores, and hyphens are allowed."
CLUSTER_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
# ClusterSetting: the name is containerInsights; "The supported values are enhanced,
# enabled, and disabled."
SETTINGS = {"containerInsights": ("enhanced", "enabled", "disabled")}
# ClusterServiceConnectDefaultsRequest.namespace, as a name: "up to 1024 characters ...
# can't include greater than (>), less than (<), double quotation marks ("), or slash (/)".
NAMESPACE_NAME = re.compile(r'[^<>"/]{1,1024}')


@rule(
    "ecs.cluster-name",
    operations=("ecs:CreateCluster",),
    code="InvalidParameterException",
    summary="`clusterName` has up to 255 letters, numbers, underscores and hyphens.",
    source=f"{API}/API_CreateCluster.html#ECS-CreateCluster-request-clusterName",
    test=f"{TESTS}::test_a_cluster_name_has_letters_numbers_underscores_and_hyphens",
)
def _cluster_name(request: Request) -> str | None:
    name = request.get("clusterName")
    # An empty or missing name is the default cluster.
    if not name or (isinstance(name, str) and CLUSTER_NAME.fullmatch(name)):
        return None
    return (
        "Cluster name can have up to 255 letters (uppercase and lowercase), numbers, "
        f"underscores, and hyphens: {name!r}."
    )


@rule(
    "ecs.cluster-settings",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="A cluster setting is `containerInsights`, set to enhanced, enabled or disabled.",
    source=f"{API}/API_ClusterSetting.html",
    test=f"{TESTS}::test_a_cluster_setting_is_container_insights",
)
def _cluster_settings(request: Request) -> str | None:
    for setting in request.get("settings") or []:
        values = SETTINGS.get(setting.get("name"))
        if values is None:
            return "Invalid setting 'name'"
        if setting.get("value") not in values:
            return "Invalid setting 'value'"
    return None


@rule(
    "ecs.cluster-default-namespace",
    operations=CREATE_UPDATE,
    code="InvalidParameterException",
    summary="A Service Connect default namespace given by name has up to 1024 characters, "
    'none of them >, <, " or /.',
    source=f"{API}/API_ClusterServiceConnectDefaultsRequest.html",
    test=f"{TESTS}::test_a_default_namespace_name_has_no_slash",
)
def _default_namespace(request: Request) -> str | None:
    ref = request.get("serviceConnectDefaults", "namespace")
    # An ARN names an existing namespace; "" (UpdateCluster) removes the default.
    if not isinstance(ref, str) or ref == "" or ref.startswith("arn:"):
        return None
    if NAMESPACE_NAME.fullmatch(ref):
        return None
    return (
        f"Invalid namespace name {ref!r}: up to 1024 characters, without greater than (>), "
        'less than (<), double quotation marks (") or slash (/).'
    )


# DescribeClusters.clusters: "A list of up to 100 cluster names or full cluster Amazon
# Resource Name (ARN) entries." (DescribeServices' 10 is moto's own check.)
DESCRIBE_AT_MOST = {"ecs:DescribeClusters": ("clusters", 100)}


@rule(
    "ecs.describe-batch-size",
    operations=tuple(DESCRIBE_AT_MOST),
    code="InvalidParameterException",
    summary="DescribeClusters takes up to 100 clusters.",
    source=f"{API}/API_DescribeClusters.html#ECS-DescribeClusters-request-clusters",
    test=f"{TESTS}::test_describe_clusters_takes_at_most_100",
)
def _describe_batch_size(request: Request) -> str | None:
    field, most = DESCRIBE_AT_MOST[request.call.name]
    given = request.get(field) or []
    if len(given) > most:
        return f"cluster names can have at most {most} items."
    return None
