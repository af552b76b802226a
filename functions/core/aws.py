"""Lazily created boto3 clients, one per service per process.

Nothing is built at import time: tests enter moto before the first call, and a cold start pays
only for the clients a request really uses. `AWS_ENDPOINT_URL` (set by the local stack) points
every client at the moto server with no code change; the function's settings say whether it is set.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

from core.settings import FunctionSettings


def _config(path_style: bool) -> Config:
    # An endpoint override (the local moto server) has no per-bucket DNS names: use path style there.
    addressing = "path" if path_style else "virtual"
    return Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=3,
        read_timeout=10,
        signature_version="s3v4",  # pre-signed POSTs must be SigV4
        s3={"addressing_style": addressing},
    )


class AwsClients:
    def __init__(self, session: boto3.session.Session | None = None, *, path_style: bool = False) -> None:
        self._session = session
        self._config = _config(path_style)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_function(cls, settings: FunctionSettings) -> AwsClients:
        return cls(path_style=bool(settings.aws_endpoint_url))

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._boto3_session().client(service, config=self._config)
            return self._clients[service]

    def resource(self, service: str) -> Any:
        with self._lock:
            key = f"resource:{service}"
            if key not in self._clients:
                self._clients[key] = self._boto3_session().resource(service, config=self._config)
            return self._clients[key]

    def _boto3_session(self) -> boto3.session.Session:
        # One session for all of the function's clients: each new session loads botocore's data anew.
        if self._session is None:
            self._session = boto3.session.Session()
        return self._session

    @property
    def dynamodb(self) -> Any:
        return self.client("dynamodb")

    @property
    def s3(self) -> Any:
        return self.client("s3")
