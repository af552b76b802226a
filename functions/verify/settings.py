"""Settings of the verify function, read once per cold start from its environment."""

from core.settings import IdempotentFunctionSettings


class VerifySettings(IdempotentFunctionSettings):
    registrations_table: str
    events_table: str
    counters_table: str
    notifications_table: str
    documents_bucket: str
    signing_key_id: str


def get_settings() -> VerifySettings:
    return VerifySettings.from_environment()
