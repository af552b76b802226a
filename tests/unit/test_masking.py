"""PII never reaches the logs unmasked."""

from __future__ import annotations

import json
import logging

import pytest

from core.observability import MaskingFormatter, mask_pii


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mobile 9812345678 ok", "mobile 98XXXX5678 ok"),
        ("+919812345678", "+9198XXXX5678"),
        ("mail sunita.devi@example.in", "mail s***@example.in"),
        ("aadhaar 1234 5678 9012", "aadhaar XXXXXXXX9012"),
        ("EMP-0001 version 12", "EMP-0001 version 12"),
    ],
)
def test_mask_pii(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


def test_the_log_formatter_masks_structured_fields() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "sent to %s", ("9812345678",), None)
    record.recipient = "sunita@example.in"
    line = json.loads(MaskingFormatter().format(record))
    assert line["message"] == "sent to 98XXXX5678"
    assert line["recipient"] == "s***@example.in"
