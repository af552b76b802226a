"""Settings of the roll function, read once per cold start from its environment."""

from core.settings import HttpFunctionSettings


class RollSettings(HttpFunctionSettings):
    roll_table: str
    corrections_table: str
    events_table: str
    counters_table: str
    notifications_table: str


def get_settings() -> RollSettings:
    return RollSettings.from_environment()
