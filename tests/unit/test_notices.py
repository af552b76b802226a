"""Notification texts and address masking, with no AWS."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.delivery import e164
from core.masking import mask_email, mask_mobile
from core.notices import NoticePolicy, render


def test_every_template_is_bilingual_with_a_dlt_id_and_renders_its_fields() -> None:
    policy = NoticePolicy()
    data = {"number": "HR26-G-ABCDEFGH", "registration_id": "REG-1", "remarks": "Unsigned", "days_left": 7}
    for template in policy.templates:
        notice = render(template, data)
        assert notice.text_hi and notice.text_en and notice.text_hi != notice.text_en, template.code
        assert notice.sms == f"{notice.text_hi}\n{notice.text_en}"
        assert len(template.dlt_template_id) == 19
        assert "{" not in notice.sms, template.code  # every placeholder was filled (or left blank)
    ids = [t.dlt_template_id for t in policy.templates]
    assert len(ids) == len(set(ids))


def test_a_field_the_data_lacks_renders_blank_rather_than_failing() -> None:
    template = NoticePolicy().template("grievance_filed")
    assert template is not None
    assert render(template, {}).text_en == "Grievance  is registered and assigned. Track it online."


def test_template_codes_are_unique() -> None:
    template = NoticePolicy().templates[0]
    with pytest.raises(ValidationError, match="unique"):
        NoticePolicy(templates=(template, template))


@pytest.mark.parametrize(
    ("mobile", "masked", "international"),
    [("9812345678", "98******78", "+919812345678"), ("+919812345678", "98******78", "+919812345678")],
)
def test_mobiles_are_masked_and_dialled_in_e164(mobile: str, masked: str, international: str) -> None:
    assert mask_mobile(mobile) == masked
    assert e164(mobile) == international


def test_emails_keep_only_their_first_letter_and_domain() -> None:
    assert mask_email("sunita.devi@example.in") == "s***@example.in"
