"""Settings of the admin functions (the HTTP API and the roll-import worker), read once per cold start."""

from core.settings import FunctionSettings, HttpFunctionSettings

MEGABYTE = 1024 * 1024


class AdminSettings(HttpFunctionSettings):
    events_table: str
    counters_table: str
    reports_bucket: str
    job_runs_table: str
    transparency_audits_table: str
    # 100,000 roll lines of about 250 bytes are 25 MB; twice that leaves room for long names in Hindi.
    roll_import_max_bytes: int = 50 * MEGABYTE


class RollImportSettings(FunctionSettings):
    job_runs_table: str
    roll_table: str
    reports_bucket: str
    roll_import_queue_url: str


def get_settings() -> AdminSettings:
    return AdminSettings.from_environment()


def get_import_settings() -> RollImportSettings:
    return RollImportSettings.from_environment()
