"""Sending a notification: SMS through SNS with the TRAI DLT ids, e-mail through an SES template.

Every send is preceded by its ledger entry (recipient, campaign, channel, day), put only if absent:
a rerun, a duplicate message or a retry finds the entry and sends nothing. Mobile numbers and
e-mail addresses are masked before anything is logged or kept in the ledger.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from core.aws_faults import AWS_ERRORS, describe
from core.errors import Busy
from core.masking import mask_email, mask_mobile
from core.notices import Contact, RenderedNotice, render
from core.observability import logger
from core.programme import Programme
from core.store.notifications import Claim, LedgerKey

if TYPE_CHECKING:  # the boto3 stubs: a dev dependency, for type checking only
    from types_boto3_ses.client import SESClient
    from types_boto3_sns.client import SNSClient
    from types_boto3_sns.type_defs import MessageAttributeValueTypeDef

    from core.store.protocols import NoticeLedger, RollEntries


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


def e164(mobile: str) -> str:
    return mobile if mobile.startswith("+") else f"+91{mobile[-10:]}"


class SmsSending(Protocol):
    def send(self, *, mobile: str, text: str, sender_id: str, entity_id: str, template_id: str) -> str:
        """The message id; a ClientError if the service refused it (nothing went out)."""
        ...


class EmailSending(Protocol):
    def send(self, *, to: str, source: str, notice: RenderedNotice) -> str:
        """The message id; a ClientError if the service refused it (nothing went out)."""
        ...


class SmsSender:
    """SNS Publish to a phone number, transactional, with the sender id and the DLT entity and template ids."""

    def __init__(self, sns: SNSClient) -> None:
        self._sns = sns

    def send(self, *, mobile: str, text: str, sender_id: str, entity_id: str, template_id: str) -> str:
        def attribute(value: str) -> MessageAttributeValueTypeDef:
            return {"DataType": "String", "StringValue": value}

        response = self._sns.publish(
            PhoneNumber=e164(mobile),
            Message=text,
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": attribute("Transactional"),
                "AWS.SNS.SMS.SenderID": attribute(sender_id),
                "AWS.MM.SMS.EntityId": attribute(entity_id),
                "AWS.MM.SMS.TemplateId": attribute(template_id),
            },
        )
        return str(response["MessageId"])


class EmailSender:
    """SES `SendTemplatedEmail` with the one bilingual notice template declared in the template."""

    def __init__(self, ses: SESClient, template_name: str) -> None:
        self._ses = ses
        self._template = template_name

    def send(self, *, to: str, source: str, notice: RenderedNotice) -> str:
        response = self._ses.send_templated_email(
            Source=source,
            Destination={"ToAddresses": [to]},
            Template=self._template,
            TemplateData=json.dumps(
                {"subject": notice.subject, "text_hi": notice.text_hi, "text_en": notice.text_en}, ensure_ascii=False
            ),
        )
        return str(response["MessageId"])


class DeliveryOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    recipient: str
    sent: list[Channel] = Field(default_factory=list)
    already_sent: list[Channel] = Field(default_factory=list)  # the ledger had them: a rerun or duplicate
    reason: str | None = None  # why nothing could be sent (no template, no contact)

    @property
    def delivered(self) -> bool:
        return bool(self.sent or self.already_sent)


class Deliverer:
    def __init__(
        self,
        *,
        notifications: NoticeLedger,
        roll: RollEntries,
        sms: SmsSending,
        email: EmailSending | None,
        dlt_entity_id: str = "",
    ) -> None:
        self._dlt_entity_id = dlt_entity_id  # the deployment's, when set, over the programme data's
        self._notifications = notifications
        self._roll = roll
        self._sms = sms
        self._email = email

    def deliver(
        self,
        *,
        programme: Programme,
        recipient: str,
        campaign: str,
        template_code: str,
        data: dict[str, Any],
        day: str,
        now: datetime,
        channels: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL),
        secret_fields: frozenset[str] = frozenset(),
        contact: Contact | None = None,
    ) -> DeliveryOutcome:
        """Each of `channels` the recipient has, once per (recipient, campaign, channel, day); to `contact`
        when the request names one (an employee's old number), else to the recipient's own.

        `secret_fields` (an OTP) go into the message but are masked in the ledger, which is kept.
        """
        policy = programme.notices
        entity_id = self._dlt_entity_id or policy.dlt_entity_id
        template = policy.template(template_code)
        if template is None:
            return DeliveryOutcome(recipient=recipient, reason=f"no template {template_code!r} in programme data")
        contact = contact or self._contact(programme, recipient)
        if contact is None or not (contact.mobile or contact.email):
            return DeliveryOutcome(recipient=recipient, reason="no mobile or e-mail on record")
        notice = render(template, data)
        kept = render(template, {**data, **{name: "******" for name in secret_fields}}) if secret_fields else notice
        sent: list[Channel] = []
        already: list[Channel] = []
        for channel, address in ((Channel.SMS, contact.mobile), (Channel.EMAIL, contact.email)):
            if not address or channel not in channels or (channel == Channel.EMAIL and self._email is None):
                continue
            key = LedgerKey(recipient=recipient, campaign=campaign, channel=channel.value, day=day)
            masked = mask_mobile(address) if channel == Channel.SMS else mask_email(address)
            record = {
                "to_masked": masked,
                "template": template.code,
                "language": "hi+en",
                "dlt_entity_id": entity_id if channel == Channel.SMS else None,
                "dlt_template_id": template.dlt_template_id if channel == Channel.SMS else None,
                "text": kept.sms if channel == Channel.SMS else f"{kept.subject}\n{kept.sms}",
            }
            claim = self._notifications.claim(key, at=now, record=record)
            if claim == Claim.SENT:
                already.append(channel)
                continue
            if claim == Claim.IN_FLIGHT:
                raise Busy(campaign=campaign, channel=channel)
            try:
                if channel == Channel.SMS:
                    message_id = self._sms.send(
                        mobile=address,
                        text=notice.sms,
                        sender_id=policy.sender_id,
                        entity_id=entity_id,
                        template_id=template.dlt_template_id,
                    )
                else:
                    assert self._email is not None  # an e-mail channel without a sender was skipped above
                    message_id = self._email.send(to=address, source=policy.email_from, notice=notice)
            except ClientError:
                # SNS or SES answered with an error (throttled, say): nothing went out, so the retry may
                # send at once rather than wait out the claim's lease (an OTP lives five minutes). A send
                # that got no answer (a timeout) keeps its claim: it may have gone out.
                self._notifications.release(key, claimed_at=now)
                raise
            self._confirm(key, now=now, message_id=message_id)
            logger.info(
                "notification sent",
                extra={"channel": channel.value, "to": masked, "template": template.code, "campaign": campaign},
            )
            sent.append(channel)
        return DeliveryOutcome(recipient=recipient, sent=sent, already_sent=already)

    def _confirm(self, key: LedgerKey, *, now: datetime, message_id: str) -> None:
        try:
            self._notifications.confirm(key, at=now, message_id=message_id)
        except AWS_ERRORS as error:
            # It went out: failing the work now would send it again once the claim's lease ends. The
            # ledger keeps the claim, which holds off a duplicate message meanwhile; the id is logged.
            logger.warning(
                "notification sent but its ledger entry not confirmed",
                extra={"campaign": key.campaign, "channel": key.channel, "message_id": message_id, **describe(error)},
            )

    def _contact(self, programme: Programme, recipient: str) -> Contact | None:
        kind, _, key = recipient.partition(":")
        if kind == "employee":
            entry = self._roll.get(key, programme.programme_id)
            if entry is None:
                return None
            personal = entry.record.personal
            return Contact(mobile=personal.mobile, email=personal.email)
        return programme.notices.contacts.get(recipient)
