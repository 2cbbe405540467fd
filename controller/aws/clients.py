"""boto3 clients shared per (service, region, role), and clients for calls made once.

botocore's retry limiter and connection pool live in the client, so one client per
(service, region, role) is what makes `standard` retries and throttling behave, and each
client's operations are paced once AWS throttles them (pacing.py). Emulators
are reached through AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> with no code here.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config
from botocore.credentials import DeferredRefreshableCredentials, create_assume_role_refresher

from .. import metrics
from ..pacing import THROTTLE_CODES, Pacer
from .models import lean_loader, session_with

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
    max_pool_connections=32,
    user_agent_extra="kopilot",
)


class ClientFactory:
    def __init__(
        self, session: boto3.session.Session | None = None, pacer: Pacer | None = None
    ) -> None:
        self._loader = lean_loader()  # shared by the default and the role sessions
        self._session = session or session_with(self._loader)
        self.pacer = pacer or Pacer()
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._role_sessions: dict[tuple[str, str], boto3.session.Session] = {}
        self._lock = threading.Lock()

    def client(self, service: str, region: str, role_arn: str | None = None) -> Any:
        key = (service, region, role_arn or "")
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                session = self._session_for(region, role_arn) if role_arn else self._session
                found = session.client(service, region_name=region, config=_CONFIG)
                self.pacer.install(found)
                metrics.instrument(found, THROTTLE_CODES)  # every attempt, by error code
                self._clients[key] = found
            return found

    def once(self, service: str, region: str, role_arn: str | None = None) -> Any:
        """A client for calls made once (EC2's default VPC lookup), not kept: from a session
        of its own (the shared session's loader would keep the service's model, EC2's is
        15 MB), with the shared credentials as they are now. Drop it after use."""
        source = self._session_for(region, role_arn) if role_arn else self._session
        credentials = source.get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
        found = session_with(lean_loader()).client(
            service,
            region_name=region,
            config=_CONFIG,
            aws_access_key_id=frozen.access_key if frozen else None,
            aws_secret_access_key=frozen.secret_key if frozen else None,
            aws_session_token=frozen.token if frozen else None,
        )
        self.pacer.install(found)
        metrics.instrument(found, THROTTLE_CODES)
        return found

    def _session_for(self, region: str, role_arn: str) -> boto3.session.Session:
        """A session whose credentials come from AssumeRole and refresh before expiry."""
        key = (region, role_arn)
        session = self._role_sessions.get(key)
        if session is None:
            sts = self._session.client("sts", region_name=region, config=_CONFIG)
            metrics.instrument(sts, THROTTLE_CODES)
            refresher = create_assume_role_refresher(
                sts, {"RoleArn": role_arn, "RoleSessionName": "kopilot"}
            )
            credentials = DeferredRefreshableCredentials(refresher, method="assume-role")
            session = session_with(self._loader, region_name=region)
            session._session._credentials = credentials
            self._role_sessions[key] = session
        return session
