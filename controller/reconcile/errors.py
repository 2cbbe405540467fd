"""What went wrong, sorted by what to do about it: the error policy.

Four answers, each a condition reason and a message for people:

- `Terminal`: the spec cannot work as written. Reported, then looked at again once per resync
  period (AWS-side causes go away: a namespace created later, a name freed).
- `Blocked`: the account or the operator's permissions stop it (IAM, a service-linked role a
  new account does not have yet). Retried with a growing delay up to the resync period,
  never parked: an administrator fixes it without touching the object.
- `Retryable`: transient (a 5xx, a dependency not there yet). Retried with backoff.
- `Waiting`: on its way (an AWS operation in progress); looked at again when it may be done.

Which AWS codes are terminal is said per resource client (its `terminal_codes`), next to the
operations it calls; `classify` applies them.
"""

from __future__ import annotations

import random
from collections.abc import Collection
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

from ..pacing import THROTTLE_CODES, Throttled


class ReconcileError(Exception):
    """Base: carries a condition reason (one CamelCase word) and a message for people."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Terminal(ReconcileError):
    """The spec cannot work as written: retrying soon will not help."""


class Retryable(ReconcileError):
    """Transient: AWS throttled or failed, a dependency is not there yet. Retry with backoff."""

    def __init__(self, reason: str, message: str, delay: float | None = None) -> None:
        super().__init__(reason, message)
        self.delay = delay


class Blocked(Retryable):
    """Permissions or account set-up stop it; retried with a delay growing to the resync
    period, so it goes on by itself once an administrator has fixed the cause."""


class Waiting(Retryable):
    """Progressing normally, waiting on something (a dependency, an AWS operation).
    `wake`, when given, names an in-process signal that ends the wait early (say the
    environment turning Ready)."""

    def __init__(
        self, reason: str, message: str, delay: float | None = None, wake: Any = None
    ) -> None:
        super().__init__(reason, message, delay)
        self.wake = wake


# Codes that mean "the request is wrong" for every client; each client adds its own.
COMMON_TERMINAL_CODES = frozenset(
    {
        "InvalidParameterException",
        "InvalidParameterValue",
        "InvalidInput",
        "ValidationException",
        "ClientException",
    }
)

# Codes that mean "not allowed (yet)": IAM, fixed outside kopilot.
_PERMISSION_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
# Credentials AWS does not know: the operator's set-up, fixed outside kopilot. (Expired
# tokens are refreshed by botocore and retried like any transient error.)
_CREDENTIAL_CODES = frozenset({"InvalidClientTokenId", "UnrecognizedClientException"})

# ECS on a new account, before its service-linked role exists (CreateService, CreateCluster
# with capacity providers): an InvalidParameterException that a retry a minute later passes.
_SERVICE_LINKED_ROLE = "unable to assume the service linked role"

# ECS when a Service Connect discovery name is taken: "... is already used by <namespace>".
_NAME_CLASH = "already used"


def is_service_linked_role_error(code: str, message: str) -> bool:
    return code == "InvalidParameterException" and _SERVICE_LINKED_ROLE in message.lower()


def is_discovery_name_clash(err: Exception) -> bool:
    """ECS refused a Service Connect discovery name that another service holds."""
    code, message = error_code(err)
    return code != "" and _NAME_CLASH in message


def error_code(err: Exception) -> tuple[str, str]:
    """(code, message) of an AWS error, ("", "") of anything else."""
    if not isinstance(err, ClientError):
        return "", ""
    error = err.response.get("Error", {})
    return str(error.get("Code", "Unknown")), str(error.get("Message", str(err)))


def classify(
    err: Exception, action: str, terminal_codes: Collection[str] = COMMON_TERMINAL_CODES
) -> ReconcileError:
    """Turn an exception from boto3 into Terminal, Blocked or Retryable, with a message
    that says what to do."""
    if isinstance(err, ReconcileError):
        return err
    if isinstance(err, Throttled):
        # Paced: come back when this object's slot comes up (the message stays the same
        # from one attempt to the next, so waiting writes no status).
        return Retryable("Throttled", f"{action}: {err}", delay=err.delay)
    if isinstance(err, ClientError):
        code, text = error_code(err)
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        operation = getattr(err, "operation_name", "the call")
        if code in THROTTLE_CODES:
            # botocore's retries ran out; the operation is paced from now on, so the next
            # attempt soon gets a slot of its own.
            return Retryable(
                "Throttled",
                f"{action}: AWS throttles {operation}: kopilot paces its calls and retries "
                "when its turn comes",
                delay=random.uniform(1.0, 3.0),
            )
        if code in _PERMISSION_CODES:
            return Blocked(
                "AccessDenied",
                f"{action}: AWS denied {operation} ({code}): {text}. Grant it to the role "
                "kopilot uses (see deploy/iam/ for the policy it needs); kopilot retries",
            )
        if code in _CREDENTIAL_CODES:
            return Blocked(
                "AccessDenied",
                f"{action}: AWS does not accept kopilot's credentials ({code}): {text}. Check "
                "the credentials or role the operator runs with; kopilot retries",
            )
        if is_service_linked_role_error(code, text):
            return Blocked(
                "ServiceLinkedRoleMissing",
                f"{action}: ECS cannot use its service-linked role yet ({text}). On a new "
                "account, create it once with `aws iam create-service-linked-role "
                "--aws-service-name ecs.amazonaws.com`; kopilot retries",
            )
        if code in terminal_codes and status < 500:
            return Terminal("AwsRejected", f"{action}: AWS refused it ({code}): {text}")
        return Retryable("AwsError", f"{action}: {code}: {text} (will retry)")
    if isinstance(err, (EndpointConnectionError, BotoConnectionError, ReadTimeoutError)):
        return Retryable("AwsUnreachable", f"{action}: cannot reach AWS: {err} (will retry)")
    if isinstance(err, BotoCoreError):
        return Retryable("AwsError", f"{action}: {err} (will retry)")
    return Retryable("InternalError", f"{action}: {type(err).__name__}: {err} (will retry)")
