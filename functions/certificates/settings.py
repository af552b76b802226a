"""Settings of the certificates function, read once per cold start from its environment."""

from core.settings import HttpFunctionSettings


class CertificatesSettings(HttpFunctionSettings):
    registrations_table: str
    events_table: str
    counters_table: str
    certificates_table: str
    signing_key_id: str
    # How often the transparency sequencer runs (its schedule): when a pending certificate will be ready.
    sequencer_period_seconds: int = 60


def get_settings() -> CertificatesSettings:
    return CertificatesSettings.from_environment()
