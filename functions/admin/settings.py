"""Settings of the admin function, read once per cold start from its environment."""

from functools import lru_cache

from core.settings import FunctionSettings


class AdminSettings(FunctionSettings):
    events_table: str
    counters_table: str
    reports_bucket: str


@lru_cache(maxsize=1)
def get_settings() -> AdminSettings:
    return AdminSettings()  # filled from the environment
