"""Settings of the register function, read once per cold start from its environment."""

from pydantic import PositiveInt

from core.settings import IdempotentFunctionSettings


class RegisterSettings(IdempotentFunctionSettings):
    registrations_table: str
    roll_table: str
    events_table: str
    transparency_table: str
    counters_table: str
    documents_bucket: str
    # How long a confirmed document version stays locked against deletion (template parameter
    # DocumentRetentionDays); no default, so a function deployed without it fails at once.
    document_retention_days: PositiveInt
    # The KMS key (DecisionSigningKey) that signs submission receipts; its public half is GET /v1/keys.
    signing_key_id: str


def get_settings() -> RegisterSettings:
    return RegisterSettings.from_environment()
