"""Settings of the register function, read once per cold start from its environment."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class RegisterSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    programme_id: str
    registrations_table: str
    roll_table: str
    events_table: str
    counters_table: str
    settings_table: str
    idempotency_table: str
    documents_bucket: str
    # Settings changed by an admin (a window extension) reach this function within this time.
    settings_cache_seconds: int = 60
    idempotency_expiry_seconds: int = 24 * 3600


@lru_cache(maxsize=1)
def get_settings() -> RegisterSettings:
    return RegisterSettings()  # filled from the environment
