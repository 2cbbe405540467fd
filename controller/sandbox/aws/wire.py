"""What the emulator reads from and writes to the HTTP wire, outside moto.

It names the AWS operation a request calls (for counters and fault rules) and renders error
responses in the shape botocore parses for each protocol, so a client cannot tell an injected
fault from one AWS sent.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

# "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ecs/aws4_request, SignedHeaders=..."
_CREDENTIAL_SCOPE = re.compile(
    r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/"
)

Environ = dict[str, Any]
Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class AwsCall:
    service: str  # the SigV4 signing name, as in IAM actions: "ecs", "servicediscovery"
    operation: str  # "CreateService"; the HTTP method for REST protocols, which carry no name
    region: str
    protocol: str  # "json" (X-Amz-Target), "query" (Action=...), "rest-json" or "rest-xml"
    access_key: str = ""  # the signing key id, which names the emulated account

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation}"


def identify(environ: Environ) -> AwsCall | None:
    """The AWS call a signed request makes, or None for anything else (moto's own API...)."""
    scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope is None:
        return None
    service, region, key = scope["service"], scope["region"], scope["key"]
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return AwsCall(service, target.rsplit(".", 1)[-1], region, "json", key)
    action = _query_action(environ)
    if action:
        return AwsCall(service, action, region, "query", key)
    rest = "rest-json" if "json" in environ.get("CONTENT_TYPE", "") else "rest-xml"
    return AwsCall(service, environ.get("REQUEST_METHOD", "GET"), region, rest, key)


def _query_action(environ: Environ) -> str | None:
    actions = parse_qs(str(environ.get("QUERY_STRING", ""))).get("Action")
    if actions:
        return actions[0]
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    actions = parse_qs(read_body(environ).decode("utf-8", "replace")).get("Action")
    return actions[0] if actions else None


def read_body(environ: Environ) -> bytes:
    """The request body, left in place for moto, which reads it after us."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b""
    body: bytes = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def error_response(
    call: AwsCall, status: int, code: str, message: str
) -> tuple[str, Headers, bytes]:
    """(status line, headers, body) of an AWS error in the protocol the request used.

    JSON protocol: the error code travels in `x-amzn-ErrorType` and `__type` (AWS JSON 1.1
    protocol, "Operation error serialization"); query and REST-XML protocols: an XML
    `<ErrorResponse><Error><Code>` document (AWS query protocol, "Response errors").
    """
    request_id = str(uuid.uuid4())
    status_line = f"{status} {HTTPStatus(status).phrase}"
    if call.protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
        ]
    elif call.service == "ec2":
        # EC2's query protocol has an error document of its own (Amazon EC2 API Reference,
        # "Error codes": Response > Errors > Error, and RequestID).
        body = (
            "<Response><Errors><Error>"
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    else:
        fault = "Sender" if status < 500 else "Receiver"
        body = (
            "<ErrorResponse><Error>"
            f"<Type>{fault}</Type><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    headers.append(("Content-Length", str(len(body))))
    return status_line, headers, body
