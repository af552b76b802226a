"""The certificates function's HTTP models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from core.certificates import Certificate, CertificateStatus
from core.credential import MAX_CREDENTIAL_CHARS, VERDICT_TEXT, CertificateClaims, Verdict, from_epoch


class CertificateFormat(StrEnum):
    JSON = "json"
    PNG = "png"
    PDF = "pdf"


class AttestedFields(BaseModel):
    """What the certificate attests, with long names (the credential carries short ones)."""

    model_config = ConfigDict(defer_build=True)

    serial: str
    issuer: str
    name: str
    employee_code: str
    department: str
    office: str
    service_years: int
    verified_at: AwareDatetime
    verifier_role: str
    verifier_office: str
    leaf_index: int
    issued_at: AwareDatetime
    expires_at: AwareDatetime

    @classmethod
    def of(cls, claims: CertificateClaims) -> AttestedFields:
        return cls(
            **claims.model_dump(exclude={"verified_at", "issued_at", "expires_at"}),
            verified_at=from_epoch(claims.verified_at),
            issued_at=from_epoch(claims.issued_at),
            expires_at=from_epoch(claims.expires_at),
        )


class CertificateResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    serial: str
    status: CertificateStatus
    credential: str = Field(description="The compact JWS (ES256): what the QR code holds.")
    key_id: str = Field(description="The `kid` of the signing key in GET /v1/keys.")
    attested: AttestedFields
    status_url: str

    @classmethod
    def of(cls, certificate: Certificate) -> CertificateResponse:
        return cls(
            serial=certificate.serial,
            status=certificate.status,
            credential=certificate.credential,
            key_id=certificate.key_id,
            attested=AttestedFields.of(certificate.claims),
            status_url=f"/v1/certificates/{certificate.serial}/status",
        )


class PublicStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"  # valid until its end, not revoked


class StatusResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    serial: str
    status: PublicStatus
    issued_at: AwareDatetime
    expires_at: AwareDatetime
    revoked_at: AwareDatetime | None
    revocation_reason: str | None
    superseded_at: AwareDatetime | None
    superseded_by: str | None

    @classmethod
    def of(cls, certificate: Certificate, now: datetime) -> StatusResponse:
        expires_at = from_epoch(certificate.claims.expires_at)
        status = PublicStatus(certificate.status.value)
        if status == PublicStatus.VALID and now > expires_at:
            status = PublicStatus.EXPIRED
        return cls(
            serial=certificate.serial,
            status=status,
            issued_at=certificate.issued_at,
            expires_at=expires_at,
            revoked_at=certificate.revoked_at,
            revocation_reason=certificate.revocation_reason,
            superseded_at=certificate.superseded_at,
            superseded_by=certificate.superseded_by,
        )


class VerifyBody(BaseModel):
    """`{credential}`: the compact JWS, as the QR code or the certificate's JSON holds it."""

    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "credential": "eyJhbGciOiJFUzI1NiIsImtpZCI6ImNlcnQtMjAyNi0wMSIsInR5cCI6ImFudWJhbmRoLWNlcnQrand0In0"
                    ".eyJzZXJpYWwiOiJIUjI2LUMtN0syOVE0TU4iLCJlbXBsb3llZV9jb2RlIjoiRU1QLTAwMzEifQ"
                    ".MEUCIQDx3k9Vb2Z8pA7mQ1wR4tU6yH0sJ5nK2cL8dF3gE9aBqwIgT7vN1mX4pR6sY2uW8zK0cH3jL5nQ9bD1fG7aE2iM4oS"
                }
            ]
        },
    )

    credential: str = Field(min_length=1, max_length=MAX_CREDENTIAL_CHARS)


class VerifyResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    verdict: Verdict
    valid: bool
    title_hi: str
    detail: str
    key_id: str | None
    attested: AttestedFields | None = Field(description="The signed fields; absent unless the signature verified.")
    status: StatusResponse | None = Field(description="The issuer's record of it, when the serial is known.")


class RevokeBody(BaseModel):
    """`{reason, order_ref}`: an admin's revocation of a certificate issued in error."""

    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "Issued on a record whose service spell 2019-2021 was entered twice.",
                    "order_ref": "HR/GAD/2026/31",
                }
            ]
        },
    )

    reason: str = Field(min_length=10, max_length=500, description="Why it was issued in error.")
    order_ref: str = Field(min_length=1, max_length=100, description="The order that directs the revocation.")


def verify_response(
    verdict: Verdict, detail: str, key_id: str | None, claims: CertificateClaims | None, status: StatusResponse | None
) -> VerifyResponse:
    title_hi, text = VERDICT_TEXT[verdict]
    return VerifyResponse(
        verdict=verdict,
        valid=verdict == Verdict.VALID,
        title_hi=title_hi,
        detail=text if verdict in (Verdict.REVOKED, Verdict.SUPERSEDED, Verdict.UNKNOWN_SERIAL) else detail,
        key_id=key_id,
        attested=AttestedFields.of(claims) if claims else None,
        status=status,
    )
