"""Settings of the register function, read once per cold start from its environment."""

from functools import lru_cache

from core.settings import IdempotentFunctionSettings


class RegisterSettings(IdempotentFunctionSettings):
    registrations_table: str
    roll_table: str
    events_table: str
    counters_table: str
    documents_bucket: str


@lru_cache(maxsize=1)
def get_settings() -> RegisterSettings:
    return RegisterSettings()  # filled from the environment
