"""Settings every function shares; each function's own model adds what only it needs.

A settings model is a plain pydantic model that `from_environment()` fills: each field from the
variable of its name, in any case (`programme_id` from PROGRAMME_ID), converted and checked as the
field says. That is all pydantic-settings did here, and its import (its sources and python-dotenv)
cost every cold start about 40 ms.
"""

from __future__ import annotations

import os
from typing import Self

from pydantic import BaseModel, ConfigDict


class EnvironmentSettings(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    @classmethod
    def from_environment(cls) -> Self:
        """The model from os.environ; a variable it lacks takes the field's default, or fails here."""
        environment = {name.lower(): value for name, value in os.environ.items()}
        return cls.model_validate({name: environment[name] for name in cls.model_fields if name in environment})


class FunctionSettings(EnvironmentSettings):
    programme_id: str
    settings_table: str
    # Settings changed by an admin (a window extension) reach every function within this time.
    settings_cache_seconds: int = 60
    # Set by the local stack (every client goes to the moto server); never set in the cloud.
    aws_endpoint_url: str | None = None


class HttpFunctionSettings(FunctionSettings):
    """For functions behind the HTTP API: the caller is looked up in the directory."""

    directory_table: str


class IdempotentFunctionSettings(HttpFunctionSettings):
    """For functions whose writes honour an Idempotency-Key."""

    idempotency_table: str
    idempotency_expiry_seconds: int = 24 * 3600
