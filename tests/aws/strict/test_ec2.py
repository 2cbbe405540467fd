"""Strict mode, EC2 look-ups: each test sends a request AWS refuses and gets AWS's error,
then the corrected request and sees it accepted (so the rule is not stricter than AWS)."""

from __future__ import annotations

from functools import partial

import pytest

from tests.aws.strict.refusals import refusal
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def test_describe_vpcs_refuses_an_unknown_filter(aws: LocalAws) -> None:
    ec2 = aws.client("ec2", max_attempts=1)
    for typo in ("is-defualt", "default", "tag"):
        filters = [{"Name": "state", "Values": ["available"]}, {"Name": typo, "Values": ["true"]}]
        error = refusal(partial(ec2.describe_vpcs, Filters=filters))
        # EC2's own error document: code and message, nothing more (no query-style Type).
        assert error == {
            "Code": "InvalidParameterValue",
            "Message": f"The filter '{typo}' is invalid",
        }

    for name in ("is-default", "isDefault"):  # the reference's name, and the one it had before
        vpcs = ec2.describe_vpcs(Filters=[{"Name": name, "Values": ["true"]}])["Vpcs"]
        assert [v["IsDefault"] for v in vpcs] == [True]
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:team", "Values": ["kudos"]}])["Vpcs"] == []


def test_describe_subnets_refuses_an_unknown_filter(aws: LocalAws) -> None:
    ec2 = aws.client("ec2", max_attempts=1)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    error = refusal(
        lambda: ec2.describe_subnets(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                {"Name": "default-for-zone", "Values": ["true"]},
            ]
        )
    )
    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"] == "The filter 'default-for-zone' is invalid"

    for name in ("default-for-az", "defaultForAz"):  # both are in the reference
        subnets = ec2.describe_subnets(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                {"Name": name, "Values": ["true"]},
            ]
        )["Subnets"]
        assert subnets
        assert all(s["DefaultForAz"] and s["VpcId"] == vpc["VpcId"] for s in subnets)
