"""The verifiable service certificate: what it attests, and when one is issued, superseded or revoked.

A certificate attests a VERIFIED registration as its record stands: the employee's name, code,
department and office, the years of service credited, when and by whom (role and office) it was
verified, and the leaf index of that VERIFIED event in the transparency log, so anyone can find the
decision in the public log. It is valid from its issue to the end of the day of superannuation
(the programme's age, 58), when the Act's protection ends: a certificate that outlived it would
attest a protection the employee no longer has.

The registration's own audit chain says which certificate is current: `certificate.issued` names a
new serial, `certificate.superseded` names the old and its successor, `certificate.revoked` the one
revoked. Each is one transaction with the certificate item (core.recorder.ChangeRecorder), so the
certificates table and the chain never disagree.

The rules (`next_step`), given what the registration would have a certificate attest now:

* VERIFIED, no certificate yet: issue one, once the VERIFIED event has its leaf index (until the
  sequencer reaches it, the certificate is pending).
* VERIFIED, the current certificate attests exactly that: nothing to do.
* VERIFIED, the attested fields changed (a correction of the name, department, office, years, or a
  new verification decision): the current one is superseded and a new one issued, in one step.
* an admin revoked the current certificate (issued in error, with an order number): no new one for
  the same facts; only a record whose attested fields changed gets a new certificate.
* no longer VERIFIED (a later decision): the current certificate is revoked, and none is issued.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from core.audit import LoggedEvent
from core.credential import CertificateClaims, end_of_day, epoch
from core.errors import InvalidState
from core.registration import Decision, Registration, RegistrationStatus

ISSUED = "certificate.issued"
SUPERSEDED = "certificate.superseded"
REVOKED = "certificate.revoked"
VERIFIED_EVENT = f"verification.{Decision.VERIFY.value}"
# What a certificate's own events are; every other event of the chain may change what it attests.
CERTIFICATE_EVENTS = frozenset({ISSUED, SUPERSEDED, REVOKED})
SYSTEM_ACTOR = "system:certificates"
NOT_VERIFIED_REASON = "registration_not_verified"


class CertificateStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class AttestedFields(BaseModel):
    """The facts a certificate attests (its claims without serial, issuer and issue time)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    name: str
    employee_code: str
    department: str
    office: str
    service_years: int
    verified_at: datetime
    verifier_role: str
    verifier_office: str
    leaf_index: int
    expires_at: datetime

    def claims(self, *, issuer: str, serial: str, issued_at: datetime) -> CertificateClaims:
        return CertificateClaims(
            issuer=issuer,
            serial=serial,
            name=self.name,
            employee_code=self.employee_code,
            department=self.department,
            office=self.office,
            service_years=self.service_years,
            verified_at=epoch(self.verified_at),
            verifier_role=self.verifier_role,
            verifier_office=self.verifier_office,
            leaf_index=self.leaf_index,
            issued_at=epoch(issued_at),
            expires_at=epoch(self.expires_at),
        )

    def differs_from(self, claims: CertificateClaims) -> list[str]:
        """The attested fields whose value the claims do not carry."""
        mine = self.claims(issuer=claims.issuer, serial=claims.serial, issued_at=datetime.fromtimestamp(0, UTC))
        return [name for name in type(self).model_fields if getattr(mine, name) != getattr(claims, name)]


class Certificate(BaseModel):
    """One issued certificate, as the certificates table keeps it."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    serial: str
    registration_id: str
    programme_id: str
    employee_code: str
    status: CertificateStatus
    credential: str
    claims: CertificateClaims
    key_id: str
    verified_event_seq: int
    issued_at: AwareDatetime
    version: int = 1
    revoked_at: AwareDatetime | None = None
    revoked_by: str | None = None
    revocation_reason: str | None = None
    order_ref: str | None = None
    superseded_at: AwareDatetime | None = None
    superseded_by: str | None = None


class Pending(BaseModel):
    """The VERIFIED event is not in the transparency log yet."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    event_at: datetime


class Wanted(BaseModel):
    """What the registration would have a certificate attest now, and from which event."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    fields: AttestedFields
    verified_event_seq: int


def verified_event(history: Sequence[LoggedEvent]) -> LoggedEvent | None:
    """The latest VERIFIED decision of the chain."""
    return next((e for e in reversed(history) if e.event.type == VERIFIED_EVENT), None)


def wanted(registration: Registration, history: Sequence[LoggedEvent]) -> Wanted | Pending | None:
    """None when the registration is not VERIFIED (nothing may be attested)."""
    if registration.status != RegistrationStatus.VERIFIED:
        return None
    decision = verified_event(history)
    review, eligibility = registration.review, registration.eligibility
    if decision is None or review is None or eligibility is None:
        raise InvalidState("verification_missing")
    if decision.leaf_index is None:
        return Pending(event_at=decision.event.at)
    engagement = registration.record.engagement
    verifier_office = registration.ddo_code if review.decided_role == "ddo" else registration.department
    return Wanted(
        fields=AttestedFields(
            name=registration.record.personal.name,
            employee_code=registration.employee_code,
            department=registration.department,
            office=engagement.office,
            service_years=eligibility.years_credited,
            verified_at=review.decided_at,
            verifier_role=review.decided_role,
            verifier_office=verifier_office,
            leaf_index=decision.leaf_index,
            expires_at=end_of_day(eligibility.superannuation_date),
        ),
        verified_event_seq=decision.event.seq,
    )


class ChainCertificates(BaseModel):
    """What the registration's chain says of its certificates."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    current: str | None  # the serial of the latest certificate issued, whatever its status
    issued: int  # how many were issued: the next serial's number is issued + 1


def from_chain(history: Sequence[LoggedEvent]) -> ChainCertificates:
    current, issued = None, 0
    for logged in history:
        event = logged.event
        if event.type == ISSUED:
            current, issued = event.data["serial"], issued + 1
        elif event.type == SUPERSEDED:
            current, issued = event.data["superseded_by"], issued + 1
    return ChainCertificates(current=current, issued=issued)


def serial_for(registration: Registration, number: int) -> str:
    """E.g. HR26-7K3QX9PA-C1: the acknowledgement number the employee already quotes, and which
    certificate of theirs it is (C2 superseded C1)."""
    return f"{registration.acknowledgement_number or registration.registration_id}-C{number}"


class Step(StrEnum):
    NONE = "none"  # the current certificate stands (valid, or revoked and not to be replaced)
    ISSUE = "issue"
    SUPERSEDE = "supersede"
    REVOKE = "revoke"  # the registration is no longer VERIFIED


def next_step(want: Wanted | None, current: Certificate | None) -> Step:
    if want is None:
        return Step.REVOKE if current is not None and current.status == CertificateStatus.VALID else Step.NONE
    if current is None:
        return Step.ISSUE
    changed = bool(want.fields.differs_from(current.claims))
    if current.status == CertificateStatus.VALID:
        return Step.SUPERSEDE if changed else Step.NONE
    # Revoked (by an admin, or because a decision took VERIFIED away and a new one gave it back):
    # the same facts get no new certificate; corrected ones do.
    return Step.ISSUE if changed else Step.NONE
