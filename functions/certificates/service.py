"""The service certificate as domain operations: issue (lazily, once the VERIFIED event is in the
transparency log), supersede, revoke, status and verification. Nothing here knows about HTTP.

A certificate is settled whenever it is asked for: the registration's certificate route, and the
public status and verify routes for a certificate still valid, compare what the registration would
have a certificate attest now with what the current one attests, and apply `core.certificates.next_step`.
So a status answer is never "valid" for a certificate whose facts have changed.
"""

from __future__ import annotations

import base64
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from core.access import require_read
from core.audit import Actor
from core.auth import Principal, Role
from core.certificates import (
    ISSUED,
    NOT_VERIFIED_REASON,
    REVOKED,
    SUPERSEDED,
    SYSTEM_ACTOR,
    Certificate,
    CertificateStatus,
    Pending,
    Step,
    Wanted,
    from_chain,
    next_step,
    serial_for,
    wanted,
)
from core.clock import Clock
from core.credential import CredentialCheck, Verdict, encode, from_epoch
from core.credential import verify as verify_credential
from core.errors import (
    CertificateNotValid,
    CertificatePending,
    CertificateRevoked,
    NotFound,
    NotVerified,
    VersionConflict,
)
from core.kms_key import KmsSigningKey
from core.registration import Registration

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import Certificates, Histories, RegistrationChanges, Registrations
ATTEMPTS = 3  # a racing request that issued first is simply read on the next attempt
SYSTEM = Actor(id=SYSTEM_ACTOR, role="system")


class Settled(BaseModel):
    """A registration's current certificate after settling, and what it should attest."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    current: Certificate | None
    want: Wanted | Pending | None
    registration: Registration


class CredentialVerdict(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    check: CredentialCheck
    verdict: Verdict
    certificate: Certificate | None = None


class RevokeRequest(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    reason: str
    order_ref: str


class CertificateService:
    def __init__(
        self,
        *,
        programme_id: str,
        registrations: Registrations,
        events: Histories,
        certificates: Certificates,
        recorder: RegistrationChanges,
        signer: KmsSigningKey,
        clock: Clock,
        sequencer_period: timedelta,
    ) -> None:
        self._programme_id = programme_id
        self._registrations = registrations
        self._events = events
        self._certificates = certificates
        self._recorder = recorder
        self._signer = signer
        self._clock = clock
        self._sequencer_period = sequencer_period

    # ------------------------------------------------------------------ the registration's certificate
    def certificate(self, principal: Principal, registration_id: str) -> Certificate:
        registration = self._load(registration_id)
        require_read(principal, registration)
        settled = self._settle(registration_id, registration)
        current, want = settled.current, settled.want
        if want is None:
            raise NotVerified(current_status=settled.registration.status)
        if current is not None and current.status == CertificateStatus.VALID:
            return current
        if isinstance(want, Pending):
            raise self._pending(want)
        assert current is not None and current.status == CertificateStatus.REVOKED  # next_step left it so
        raise CertificateRevoked(
            serial=current.serial, revocation_reason=current.revocation_reason, revoked_at=current.revoked_at
        )

    def _pending(self, pending: Pending) -> CertificatePending:
        now = self._clock.now()
        ready_by = pending.event_at + self._sequencer_period
        if ready_by <= now:  # the sequencer is behind: its next run
            ready_by = now + self._sequencer_period
        seconds = max(1, math.ceil((ready_by - now).total_seconds()))
        return CertificatePending(ready_by=ready_by, retry_after_seconds=seconds)

    # ------------------------------------------------------------------ public
    def status(self, serial: str) -> Certificate:
        certificate = self._certificates.get(serial)
        if certificate is None:
            raise NotFound("certificate", serial=serial)
        if certificate.status != CertificateStatus.VALID:
            return certificate
        current = self._settle(certificate.registration_id, known=certificate).current
        if current is not None and current.serial == serial:
            return current
        settled = self._certificates.get(serial)  # superseded or revoked by the settling
        assert settled is not None  # certificates are never deleted
        return settled

    def keys(self) -> dict[str, Any]:
        return self._signer.jwks()

    def verify(self, credential: str) -> CredentialVerdict:
        check = verify_credential(credential, self._signer.jwks(), now=self._clock.now())
        if check.claims is None:  # not ours, or altered: nothing to look up
            return CredentialVerdict(check=check, verdict=check.verdict)
        try:
            certificate = self.status(check.claims.serial)
        except NotFound:
            return CredentialVerdict(check=check, verdict=Verdict.UNKNOWN_SERIAL)
        if certificate.status == CertificateStatus.REVOKED:
            return CredentialVerdict(check=check, verdict=Verdict.REVOKED, certificate=certificate)
        if certificate.status == CertificateStatus.SUPERSEDED:
            return CredentialVerdict(check=check, verdict=Verdict.SUPERSEDED, certificate=certificate)
        return CredentialVerdict(check=check, verdict=check.verdict, certificate=certificate)

    # ------------------------------------------------------------------ admin
    def revoke(self, principal: Principal, serial: str, request: RevokeRequest) -> Certificate:
        """An admin's revocation of a certificate issued in error, with the order that directs it."""
        principal.require(Role.ADMIN)
        for attempt in range(1, ATTEMPTS + 1):
            certificate = self._certificates.get(serial)
            if certificate is None:
                raise NotFound("certificate", serial=serial)
            if certificate.status != CertificateStatus.VALID:
                raise CertificateNotValid(serial=serial, current_status=certificate.status)
            registration = self._load(certificate.registration_id)
            try:
                return self._revoke(
                    registration,
                    certificate,
                    actor=Actor(id=principal.actor_id, role=Role.ADMIN.value),
                    reason=request.reason.strip(),
                    order_ref=request.order_ref.strip(),
                )
            except VersionConflict:
                if attempt == ATTEMPTS:
                    raise VersionConflict() from None
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ settling
    def _settle(
        self, registration_id: str, read: Registration | None = None, known: Certificate | None = None
    ) -> Settled:
        """`read` and `known`: the registration and a certificate just read, so as not to read them again."""
        for attempt in range(1, ATTEMPTS + 1):
            first = attempt == 1
            registration = read if read is not None and first else self._load(registration_id)
            history = self._events.logged_history(registration.entity)
            chain = from_chain(history)
            if known is not None and first and chain.current == known.serial:
                current: Certificate | None = known
            else:
                current = self._certificates.get(chain.current) if chain.current else None
            want = wanted(registration, history)
            try:
                current = self._apply(registration, chain.issued, current, want)
            except VersionConflict:
                if attempt == ATTEMPTS:
                    raise VersionConflict() from None
                continue
            return Settled(current=current, want=want, registration=registration)
        raise AssertionError("unreachable")

    def _apply(
        self, registration: Registration, issued: int, current: Certificate | None, want: Wanted | Pending | None
    ) -> Certificate | None:
        if isinstance(want, Pending):
            return current  # the new facts cannot be attested before their event is logged
        step = next_step(want, current)
        if step == Step.REVOKE:
            assert current is not None
            return self._revoke(
                registration,
                current,
                actor=SYSTEM,
                reason=f"The registration is no longer VERIFIED (now {registration.status.value}).",
                order_ref=None,
                reason_code=NOT_VERIFIED_REASON,
            )
        if step == Step.NONE:
            return current
        assert want is not None
        return self._issue(registration, issued + 1, want, replacing=current, supersede=step == Step.SUPERSEDE)

    def _issue(
        self, registration: Registration, number: int, want: Wanted, *, replacing: Certificate | None, supersede: bool
    ) -> Certificate:
        now = self._clock.now()
        serial = serial_for(registration, number)
        claims = want.fields.claims(issuer=self._programme_id, serial=serial, issued_at=now)
        credential = encode(claims, key_id=self._signer.key_id, sign_der=self._sign_der)
        certificate = Certificate(
            serial=serial,
            registration_id=registration.registration_id,
            programme_id=registration.programme_id,
            employee_code=registration.employee_code,
            status=CertificateStatus.VALID,
            credential=credential,
            claims=claims,
            key_id=self._signer.key_id,
            verified_event_seq=want.verified_event_seq,
            issued_at=from_epoch(claims.issued_at),
        )
        data: dict[str, Any] = {
            "serial": serial,
            "leaf_index": claims.leaf_index,
            "verified_event_seq": want.verified_event_seq,
            "expires_at": from_epoch(claims.expires_at).isoformat(),
        }
        extra = [self._certificates.issue(certificate)]
        if supersede and replacing is not None:
            changed = want.fields.differs_from(replacing.claims)
            data = {**data, "serial": replacing.serial, "superseded_by": serial, "changed": changed}
            old = replacing.model_copy(
                update={
                    "status": CertificateStatus.SUPERSEDED,
                    "superseded_at": now,
                    "superseded_by": serial,
                    "version": replacing.version + 1,
                }
            )
            extra.append(self._certificates.replace(old, expected_version=replacing.version))
            event_type, reason = SUPERSEDED, f"Attested details changed: {', '.join(changed)}."
        else:
            if replacing is not None:  # revoked before; corrected facts get a new certificate
                data["after_revoked"] = replacing.serial
            event_type, reason = ISSUED, None
        self._recorder.record(
            before=registration,
            after=registration,
            event_type=event_type,
            actor=SYSTEM,
            at=now,
            data=data,
            reason=reason,
            extra=extra,
        )
        return certificate

    def _revoke(
        self,
        registration: Registration,
        certificate: Certificate,
        *,
        actor: Actor,
        reason: str,
        order_ref: str | None,
        reason_code: str | None = None,
    ) -> Certificate:
        now: datetime = self._clock.now()
        revoked = certificate.model_copy(
            update={
                "status": CertificateStatus.REVOKED,
                "revoked_at": now,
                "revoked_by": actor.id,
                "revocation_reason": reason,
                "order_ref": order_ref,
                "version": certificate.version + 1,
            }
        )
        self._recorder.record(
            before=registration,
            after=registration,
            event_type=REVOKED,
            actor=actor,
            at=now,
            data={"serial": certificate.serial, "order_ref": order_ref, "reason_code": reason_code},
            reason=reason,
            extra=[self._certificates.replace(revoked, expected_version=certificate.version)],
        )
        return revoked

    def _sign_der(self, message: bytes) -> bytes:
        return base64.b64decode(self._signer.sign(message))  # KMS's DER signature, as KmsSigningKey gives it

    def _load(self, registration_id: str) -> Registration:
        registration = self._registrations.get(registration_id)
        if registration is None:
            raise NotFound("registration", registration_id=registration_id)
        return registration
