"""What went wrong, sorted by what to do about it."""

from __future__ import annotations

import random
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from ..aws.pacing import THROTTLE_CODES, Throttled


class ReconcileError(Exception):
    """Base: carries a condition reason (one CamelCase word) and a message for people."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Terminal(ReconcileError):
    """The spec cannot work as written: retrying will not help until it changes."""


class Retryable(ReconcileError):
    """Transient: AWS throttled or failed, a dependency is not there yet. Retry with backoff."""

    def __init__(self, reason: str, message: str, delay: float | None = None) -> None:
        super().__init__(reason, message)
        self.delay = delay


class Waiting(Retryable):
    """Progressing normally, waiting on something (a dependency, an AWS operation).
    `wake`, when given, names an in-process signal that ends the wait early (say the
    environment turning Ready)."""

    def __init__(
        self, reason: str, message: str, delay: float | None = None, wake: Any = None
    ) -> None:
        super().__init__(reason, message, delay)
        self.wake = wake


# AWS error codes that mean "the request is wrong" rather than "try again".
_TERMINAL_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "InvalidParameterException",
    "InvalidParameterValue",
    "InvalidInput",
    "ValidationException",
    "ClientException",
    "UnsupportedFeatureException",
    "PlatformUnknownException",
    "PlatformTaskDefinitionIncompatibilityException",
    "InvalidClientTokenId",
    "NamespaceAlreadyExists",
}


def classify(err: Exception, action: str) -> ReconcileError:
    """Turn an exception from boto3 into Terminal or Retryable, with an actionable message."""
    if isinstance(err, ReconcileError):
        return err
    if isinstance(err, Throttled):
        # Paced: come back when this object's slot comes up (the message stays the same
        # from one attempt to the next, so waiting writes no status).
        return Retryable("Throttled", f"{action}: {err}", delay=err.delay)
    if isinstance(err, ClientError):
        code = err.response.get("Error", {}).get("Code", "Unknown")
        text = err.response.get("Error", {}).get("Message", str(err))
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in THROTTLE_CODES:
            # botocore's retries ran out; the operation is paced from now on, so the next
            # attempt soon gets a slot of its own.
            operation = getattr(err, "operation_name", "the call")
            return Retryable(
                "Throttled",
                f"{action}: AWS throttles {operation}: kopilot paces its calls and retries "
                "when its turn comes",
                delay=random.uniform(1.0, 3.0),
            )
        if code in _TERMINAL_CODES and status < 500:
            return Terminal("AwsRejected", f"{action}: AWS refused it ({code}): {text}")
        return Retryable("AwsError", f"{action}: {code}: {text} (will retry)")
    if isinstance(err, (EndpointConnectionError, BotoConnectionError, ReadTimeoutError)):
        return Retryable("AwsUnreachable", f"{action}: cannot reach AWS: {err} (will retry)")
    if isinstance(err, BotoCoreError):
        return Retryable("AwsError", f"{action}: {err} (will retry)")
    return Retryable("InternalError", f"{action}: {type(err).__name__}: {err} (will retry)")
