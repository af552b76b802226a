"""How a contact address is shown wherever the full one must not be: logs, the delivery ledger, audit
events, reports. Pure."""

from __future__ import annotations


def mask_mobile(mobile: str) -> str:
    """The first two and last two of the ten digits: "98******29" (a +91 prefix is dropped)."""
    digits = mobile[-10:]
    return f"{digits[:2]}******{digits[-2:]}"


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
