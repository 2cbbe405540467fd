"""controller.tenancy: what a TenantPolicy lets a namespace make the operator do (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from controller.api.environment import EcsEnvironmentSpec
from controller.api.service import EcsServiceSpec
from controller.api.tenancy import TenantPolicySpec
from controller.cli import build_parser
from controller.tenancy import MODES, NotPermitted, Tenancy
from controller.tenancy.asks import environment_asks, service_asks
from controller.tenancy.policy import Asks, Policy, refusal

ROLE_A = "arn:aws:iam::111111111111:role/team-a/deployer"
TASK_A = "arn:aws:iam::111111111111:role/team-a/task"
ROLE_B = "arn:aws:iam::111111111111:role/team-b/deployer"


def policy(name: str = "team-a", **spec: Any) -> Policy:
    fields = {
        "namespaces": ["team-a"],
        "accounts": ["111111111111"],
        "regions": ["eu-west-1"],
        "assumeRoles": ["arn:aws:iam::*:role/team-a/*"],
        "passRoles": ["arn:aws:iam::*:role/team-a/*"],
        "appPrefixes": ["a-"],
        **spec,
    }
    return Policy(name, TenantPolicySpec.model_validate(fields))


def env_asks(app: str | None = "a-shop", **spec: Any) -> Asks:
    fields = {"app": "shop", "region": "eu-west-1", "roleArn": ROLE_A, **spec}
    return environment_asks(EcsEnvironmentSpec.model_validate(fields), "test", app)


def svc_asks(**spec: Any) -> Asks:
    fields = {"app": "shop", "environment": "test", "image": "nginx", **spec}
    return service_asks(EcsServiceSpec.model_validate(fields), "api", "a-shop")


def test_what_the_policy_allows_passes() -> None:
    assert refusal([policy()], "team-a", None, env_asks()) is None
    assert refusal([policy()], "team-a", None, svc_asks(taskRoleArn=TASK_A)) is None


def test_a_namespace_no_policy_selects_gets_nothing() -> None:
    found = refusal([policy()], "team-b", None, env_asks())
    assert found is not None
    assert "no TenantPolicy selects namespace 'team-b'" in found


def test_namespaces_by_label() -> None:
    by_label = policy(namespaces=[], namespaceSelector={"matchLabels": {"team": "a"}})
    assert refusal([by_label], "shop-prod", {"team": "a", "x": "y"}, env_asks()) is None
    assert refusal([by_label], "shop-prod", {"team": "b"}, env_asks()) is not None


@pytest.mark.parametrize(
    ("asks", "field", "value"),
    [
        (env_asks(region="us-east-1"), "spec.region", "us-east-1"),
        (env_asks(roleArn=ROLE_B), "spec.roleArn", ROLE_B),
        (
            env_asks(roleArn="arn:aws:iam::222222222222:role/team-a/deployer"),
            "spec.roleArn",
            "222222222222",
        ),
        (env_asks(app="b-shop"), "the app name", "b-shop"),
        (env_asks(cluster={"name": "b-shop-test"}), "spec.cluster.name", "b-shop-test"),
        (
            env_asks(serviceDiscovery={"namespace": "test.b-shop.local"}),
            "spec.serviceDiscovery.namespace",
            "test.b-shop.local",
        ),
        (svc_asks(taskRoleArn=ROLE_B), "spec.taskRoleArn", ROLE_B),
        (svc_asks(executionRoleArn=ROLE_B), "spec.executionRoleArn", ROLE_B),
        (svc_asks(ecsServiceName="b-api"), "spec.ecsServiceName", "b-api"),
        (
            svc_asks(network={"connect": {"namespace": "test.b-shop.local"}}),
            "spec.network.connect.namespace",
            "test.b-shop.local",
        ),
    ],
)
def test_each_way_out_is_refused_naming_the_field_and_the_policy(
    asks: Asks, field: str, value: str
) -> None:
    found = refusal([policy()], "team-a", None, asks)
    assert found is not None
    assert field in found
    assert value in found
    assert "TenantPolicy team-a" in found


def test_the_operators_own_credentials_only_when_allowed() -> None:
    found = refusal([policy()], "team-a", None, env_asks(roleArn=None))
    assert found is not None
    assert "operatorCredentials" in found
    assert (
        refusal([policy(operatorCredentials=True)], "team-a", None, env_asks(roleArn=None)) is None
    )


def test_network_ids_within_the_lists() -> None:
    network = {"vpcId": "vpc-a", "subnets": ["subnet-1", "subnet-2"], "securityGroups": ["sg-b"]}
    narrowed = policy(vpcs=["vpc-a"], securityGroups=["sg-a*"])
    found = refusal([narrowed], "team-a", None, env_asks(network=network))
    assert found is not None
    assert "securityGroups" in found
    assert "sg-b" in found
    network["securityGroups"] = ["sg-a1"]
    assert refusal([narrowed], "team-a", None, env_asks(network=network)) is None


def test_certificates_keys_and_log_buckets_within_the_lists() -> None:
    narrowed = policy(
        certificates=[
            "arn:aws:acm:*:111111111111:certificate/a-*",
            "arn:aws:acm-pca:*:*:certificate-authority/a-*",
        ],
        kmsKeys=["alias/team-a-*"],
        logBuckets=["team-a-logs"],
    )
    theirs = "arn:aws:acm:eu-west-1:111111111111:certificate/b-1"
    found = refusal(
        [narrowed], "team-a", None, env_asks(http={"public": {"certificates": [theirs]}})
    )
    assert found is not None
    assert "spec.http.public.certificates" in found
    logs = {"private": {"accessLogs": {"bucket": "team-b-logs"}}}
    found = refusal([narrowed], "team-a", None, env_asks(http=logs))
    assert found is not None
    assert "spec.http.private.accessLogs.bucket 'team-b-logs'" in found
    ca = "arn:aws:acm-pca:eu-west-1:111111111111:certificate-authority/b-ca"
    tls = {"connect": {"tls": {"privateCaArn": ca, "kmsKey": "alias/team-b-key"}}}
    found = refusal([narrowed], "team-a", None, svc_asks(port=8080, network=tls))
    assert found is not None
    assert "spec.network.connect.tls.privateCaArn" in found
    tls["connect"]["tls"]["privateCaArn"] = ca.replace("b-ca", "a-ca")
    found = refusal([narrowed], "team-a", None, svc_asks(port=8080, network=tls))
    assert found is not None
    assert "spec.network.connect.tls.kmsKey 'alias/team-b-key'" in found


def test_adoption_needs_the_policy_and_a_name_it_allows() -> None:
    asks = env_asks(adopt=True, cluster={"name": "a-shop-test"})
    found = refusal([policy()], "team-a", None, asks)
    assert found is not None
    assert "(adopt)" in found
    assert refusal([policy(adopt=True)], "team-a", None, asks) is None
    narrowed = policy(adopt=True, adoptNames=["a-legacy-*"])
    found = refusal([narrowed], "team-a", None, asks)
    assert found is not None
    assert "adopting the cluster" in found
    someone_elses = svc_asks(adopt=True, ecsServiceName="b-api")
    assert refusal([policy(adopt=True, awsNames=["b-*"])], "team-a", None, someone_elses) is None
    assert refusal([policy(adopt=True)], "team-a", None, someone_elses) is not None


def test_two_policies_of_a_namespace_add_up() -> None:
    wider = policy("team-a-extra", assumeRoles=[ROLE_B])
    assert refusal([policy(), wider], "team-a", None, env_asks(roleArn=ROLE_B)) is None


def test_single_mode_allows_all_and_policies_mode_lists_them_again_after_a_while() -> None:
    assert Tenancy("single").check("EcsEnvironment", "x", "test", None, None) is None
    bodies: list[dict[str, Any]] = []
    tenancy = Tenancy("policies", lambda: bodies)
    spec = EcsEnvironmentSpec.model_validate(
        {"app": "shop", "region": "eu-west-1", "roleArn": ROLE_A}
    )
    with pytest.raises(NotPermitted, match="no TenantPolicy selects"):
        tenancy.check("EcsEnvironment", "team-a", "test", spec, None)


def test_the_cli_offers_every_mode() -> None:
    runner = build_parser().parse_args(["run"])
    assert runner.tenancy == "policies"
    for mode in MODES:
        assert build_parser().parse_args(["run", "--tenancy", mode]).tenancy == mode
