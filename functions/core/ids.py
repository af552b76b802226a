"""Identifiers: time-ordered ULIDs (Crockford base32) and acknowledgement numbers."""

import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


def ulid() -> str:
    """48 bits of milliseconds then 80 random bits: sortable by creation, unguessable."""
    return _base32(time.time_ns() // 1_000_000, 10) + _base32(secrets.randbits(80), 16)


def new_registration_id() -> str:
    return f"REG-{ulid()}"


def new_document_id() -> str:
    return f"DOC-{ulid()}"


def new_acknowledgement_number(prefix: str) -> str:
    """E.g. HR26-7K3QX9PA: 40 random bits, read out over a phone without ambiguity."""
    return f"{prefix}-{_base32(secrets.randbits(40), 8)}"


def new_grievance_id() -> str:
    return f"GRV-{ulid()}"


def new_attachment_id() -> str:
    return f"ATT-{ulid()}"


def new_grievance_number(prefix: str) -> str:
    """E.g. HR26-G-7K3QX9PA: told to the employee, quoted on the phone or in a letter."""
    return f"{prefix}-G-{_base32(secrets.randbits(40), 8)}"


def new_challenge_id() -> str:
    return f"OTP-{ulid()}"


def new_correction_id() -> str:
    return f"COR-{ulid()}"
