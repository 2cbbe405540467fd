"""The local AWS: moto in server mode with faithful ECS and Cloud Map behaviour.

`AwsEmulator` runs it as a child process on loopback; clients reach it only over HTTP with
boto3 (`endpoint_url` or `AWS_ENDPOINT_URL`). `EmulatorControl` drives its control API:
reset, call counters, fault injection and timing settings.
"""

from .control import EmulatorControl
from .faults import ECS_TOKEN_BUCKETS, FaultRule
from .launcher import AwsEmulator
from .server import DEFAULT_REGION, main
from .settings import EmulatorSettings

__all__ = [
    "DEFAULT_REGION",
    "ECS_TOKEN_BUCKETS",
    "AwsEmulator",
    "EmulatorControl",
    "EmulatorSettings",
    "FaultRule",
    "main",
]
