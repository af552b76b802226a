"""Settings every function shares; each function's own model adds what only it needs."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class FunctionSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

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
