"""Strict rules of CloudWatch Logs for the log groups kopilot makes.

moto's logs backend takes any retention in PutRetentionPolicy and any characters in a log
group's name (it checks only the length). JSON protocol: the parameters are the request's
JSON object. AWS's messages are written as its validation errors read.
"""

from __future__ import annotations

import re

from .rules import Request, rule

API = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference"
TESTS = "tests/aws/strict/test_logs.py"

# PutRetentionPolicy.retentionInDays: "Possible values are: 1, 3, 5, 7, 14, 30, 60, 90, 120,
# 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653."
RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
# CreateLogGroup.logGroupName: "Length Constraints: Minimum length of 1. Maximum length of
# 512. Pattern: [\.\-_/#A-Za-z0-9]+".
LOG_GROUP_NAME = re.compile(r"[\.\-_/#A-Za-z0-9]{1,512}")


@rule(
    "logs.retention-days",
    operations=("logs:PutRetentionPolicy",),
    code="InvalidParameterException",
    summary="`retentionInDays` is one of the values CloudWatch Logs lists (1, 3, 5, 7, 14, "
    "30, ... 3653).",
    source=f"{API}/API_PutRetentionPolicy.html",
    test=f"{TESTS}::test_retention_is_one_of_the_listed_values",
)
def _retention_days(request: Request) -> str | None:
    days = request.get("retentionInDays")
    if days is None or days in RETENTION_DAYS:
        return None
    return (
        f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy "
        f"constraint: Member must satisfy enum value set: {list(RETENTION_DAYS)}"
    )


@rule(
    "logs.log-group-name",
    operations=("logs:CreateLogGroup",),
    code="InvalidParameterException",
    summary="A log group's name is 1-512 of letters, digits and `._-/#`.",
    source=f"{API}/API_CreateLogGroup.html",
    test=f"{TESTS}::test_a_log_group_name_keeps_to_its_characters",
)
def _log_group_name(request: Request) -> str | None:
    name = request.get("logGroupName")
    if not isinstance(name, str) or LOG_GROUP_NAME.fullmatch(name):
        return None
    return (
        f"1 validation error detected: Value '{name}' at 'logGroupName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"
    )
