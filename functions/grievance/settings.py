"""Settings of the grievance function, read once per cold start from its environment."""

from functools import lru_cache

from core.settings import FunctionSettings


class GrievanceSettings(FunctionSettings):
    grievances_table: str
    registrations_table: str
    roll_table: str
    events_table: str
    counters_table: str
    notifications_table: str
    idempotency_table: str
    documents_bucket: str
    idempotency_expiry_seconds: int = 24 * 3600


@lru_cache(maxsize=1)
def get_settings() -> GrievanceSettings:
    return GrievanceSettings()  # filled from the environment
