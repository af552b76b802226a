"""When a certificate is issued, superseded or revoked, and what the registration's chain says of it."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.audit import GENESIS_HASH, Actor, AuditEvent, LoggedEvent
from core.certificates import (
    ISSUED,
    REVOKED,
    SUPERSEDED,
    AttestedFields,
    Certificate,
    CertificateStatus,
    Step,
    Wanted,
    from_chain,
    next_step,
)
from core.clock import IST

AT = datetime(2026, 2, 10, 12, 0, tzinfo=IST)
FIELDS = AttestedFields(
    name="Sunita Devi",
    employee_code="EMP-0001",
    department="Health",
    office="Civil Hospital",
    service_years=7,
    verified_at=AT,
    verifier_role="ddo",
    verifier_office="DDO-PKL-001",
    leaf_index=41,
    expires_at=datetime(2046, 4, 30, 23, 59, 59, tzinfo=IST),
)


def certificate(status: CertificateStatus = CertificateStatus.VALID, fields: AttestedFields = FIELDS) -> Certificate:
    claims = fields.claims(issuer="HR-2026", serial="HR26-X-C1", issued_at=AT)
    return Certificate(
        serial="HR26-X-C1",
        registration_id="REG-1",
        programme_id="HR-2026",
        employee_code="EMP-0001",
        status=status,
        credential="h.p.s",
        claims=claims,
        key_id="k",
        verified_event_seq=9,
        issued_at=AT,
    )


def want(**changes: object) -> Wanted:
    return Wanted(fields=FIELDS.model_copy(update=changes), verified_event_seq=9)


@pytest.mark.parametrize(
    ("wanted", "current", "step"),
    [
        (want(), None, Step.ISSUE),  # verified, none yet
        (want(), certificate(), Step.NONE),  # it attests exactly this
        (want(office="PHC Pinjore"), certificate(), Step.SUPERSEDE),  # a correction
        (want(service_years=8), certificate(), Step.SUPERSEDE),
        (
            want(leaf_index=90, verified_at=datetime(2026, 2, 20, tzinfo=IST)),
            certificate(),
            Step.SUPERSEDE,
        ),  # re-verified
        (want(), certificate(CertificateStatus.REVOKED), Step.NONE),  # revoked: not for the same facts
        (want(name="Sunita Rani"), certificate(CertificateStatus.REVOKED), Step.ISSUE),  # but for corrected ones
        (None, certificate(), Step.REVOKE),  # no longer VERIFIED
        (None, certificate(CertificateStatus.REVOKED), Step.NONE),
        (None, None, Step.NONE),
    ],
)
def test_next_step(wanted: Wanted | None, current: Certificate | None, step: Step) -> None:
    assert next_step(wanted, current) == step


def test_differences_are_named_by_field() -> None:
    claims = certificate().claims
    assert FIELDS.differs_from(claims) == []
    assert FIELDS.model_copy(update={"name": "X", "office": "Y"}).differs_from(claims) == ["name", "office"]


def _event(seq: int, type: str, **data: object) -> LoggedEvent:
    event = AuditEvent.create(
        entity="registration#REG-1", seq=seq, type=type, at=AT, actor=Actor(id="system:certificates", role="system"),
        prev_hash=GENESIS_HASH, data=dict(data),
    )  # fmt: skip
    return LoggedEvent(event=event, leaf_index=None)


def test_the_chain_names_the_current_certificate_and_how_many_were_issued() -> None:
    assert from_chain([]).model_dump() == {"current": None, "issued": 0}
    history = [
        _event(1, "registration.created"),
        _event(2, ISSUED, serial="A-C1"),
        _event(3, SUPERSEDED, serial="A-C1", superseded_by="A-C2"),
        _event(4, REVOKED, serial="A-C2"),
    ]
    assert from_chain(history).model_dump() == {"current": "A-C2", "issued": 2}
    assert from_chain([*history, _event(5, ISSUED, serial="A-C3")]).model_dump() == {"current": "A-C3", "issued": 3}
