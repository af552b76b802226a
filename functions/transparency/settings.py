"""Settings of the transparency function, read once per cold start from its environment."""

from core.settings import FunctionSettings


class TransparencySettings(FunctionSettings):
    events_table: str
    transparency_table: str
    checkpoints_bucket: str
    transparency_key_id: str


def get_settings() -> TransparencySettings:
    return TransparencySettings.from_environment()
