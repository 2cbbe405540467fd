"""Strict mode, CloudWatch Logs: each test sends a request AWS refuses and gets AWS's error,
then the corrected request and sees it accepted (the rule is not stricter than AWS)."""

from __future__ import annotations

import pytest

from tests.aws.strict.refusals import refusal
from tests.fixtures_aws import LocalAws

pytestmark = pytest.mark.aws


def test_retention_is_one_of_the_listed_values(aws: LocalAws) -> None:
    logs = aws.client("logs", max_attempts=1)
    logs.create_log_group(logGroupName="/copilot/kudos-test-api")
    error = refusal(
        lambda: logs.put_retention_policy(logGroupName="/copilot/kudos-test-api", retentionInDays=2)
    )
    assert error["Code"] == "InvalidParameterException"
    assert "retentionInDays" in error["Message"]
    logs.put_retention_policy(logGroupName="/copilot/kudos-test-api", retentionInDays=3)
    [group] = logs.describe_log_groups(logGroupNamePrefix="/copilot/kudos-test-api")["logGroups"]
    assert group["retentionInDays"] == 3


def test_a_log_group_name_keeps_to_its_characters(aws: LocalAws) -> None:
    logs = aws.client("logs", max_attempts=1)
    error = refusal(lambda: logs.create_log_group(logGroupName="/copilot/kudos test"))
    assert error["Code"] == "InvalidParameterException"
    assert "logGroupName" in error["Message"]
    logs.create_log_group(logGroupName="/copilot/kudos-test#1")
    found = logs.describe_log_groups(logGroupNamePrefix="/copilot/kudos-test#1")["logGroups"]
    assert [g["logGroupName"] for g in found] == ["/copilot/kudos-test#1"]
