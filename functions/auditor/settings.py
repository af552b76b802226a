"""Settings of the transparency auditor, read once per cold start from its environment."""

from core.settings import FunctionSettings


class AuditorSettings(FunctionSettings):
    events_table: str
    registrations_table: str
    grievances_table: str
    corrections_table: str
    roll_table: str
    directory_table: str
    transparency_table: str
    checkpoints_bucket: str
    transparency_key_id: str
    transparency_audits_table: str
    notifications_table: str
    # Records whose stored leaves and inclusion proofs each hourly run checks; the cursor moves on.
    audit_sample_records: int = 50


def get_settings() -> AuditorSettings:
    return AuditorSettings.from_environment()
