"""Reminders over real HTTP: on 17 January (T-14) the registration reminders reach the unregistered
demo employees as bilingual SMS with the DLT ids, and the local outbox shows exactly what was sent."""

from __future__ import annotations

import pytest

from core.notices import NoticePolicy
from tests.api.conftest import LocalStack

pytestmark = pytest.mark.api


def test_t_minus_14_reminds_the_unregistered_once_by_bilingual_sms_with_dlt_ids(local_stack: LocalStack) -> None:
    # Given the clock at 10:00 IST on 17 January, fourteen days before registration closes
    local_stack.set_clock("2026-01-17T10:00:00+05:30")
    # When the registration-reminders job runs and its work queue drains
    ran = local_stack.call("POST", "/_local/jobs/registration-reminders", json={"wait": True}).json()
    assert ran["plan"]["outcome"] == "planned" and ran["drained"] is True
    # Then employee29, who never registered, got one SMS in Hindi and English with the DLT ids
    outbox = local_stack.call("GET", "/_local/outbox").json()
    assert outbox["day"] == "2026-01-17"
    sms = [i for i in outbox["items"] if i["recipient"] == "employee:EMP-0029" and i["channel"] == "sms"]
    assert len(sms) == 1, outbox
    [message] = sms
    template = NoticePolicy().template("registration_reminder")
    assert template is not None
    assert message["template"] == "registration_reminder" and message["status"] == "SENT"
    assert message["dlt_entity_id"] == NoticePolicy().dlt_entity_id
    assert message["dlt_template_id"] == template.dlt_template_id
    assert "14 दिन शेष" in message["text"] and "14 days left" in message["text"]
    assert message["to_masked"] == "98******29" and message["message_id"]
    # And a second run the same morning sends nothing new
    local_stack.call("POST", "/_local/jobs/registration-reminders", json={"wait": True})
    again = local_stack.call("GET", "/_local/outbox").json()
    assert len(again["items"]) == len(outbox["items"])
