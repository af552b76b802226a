"""Confirmed documents and attachments are locked (S3 Object Lock, GOVERNANCE) for
DocumentRetentionDays from the moment they are confirmed; rejected files are not.

moto 5.2.5 answers GetObjectRetention with a 500, so the lock is read from HeadObject, which
returns the same mode and date (as S3 does, to a caller allowed s3:GetObjectRetention).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from core.clock import SettableClock
from core.errors import Busy
from core.store.grievances import GrievanceStore
from core.store.registrations import RegistrationStore
from grievance import settings as grievance_settings
from infra.local.events import LocalLambdaContext
from register import handler as register_handler
from register import settings as register_settings
from tests import factories
from tests.factories import employee
from tests.integration.conftest import call
from tests.integration.test_grievances import OFFICER, act, attach, filed, ok
from tests.integration.test_registration_journey import (
    PDF,
    PNG,
    create,
    history,
    object_key,
    put_object,
    request_upload,
    s3_event,
    upload,
)

pytestmark = pytest.mark.usefixtures("seeded")

RETENTION_DAYS = 3650  # the template's default for DocumentRetentionDays


def lock_of(key: str, version_id: str) -> tuple[str | None, datetime | None]:
    head = boto3.client("s3").head_object(
        Bucket=register_settings.get_settings().documents_bucket, Key=key, VersionId=version_id
    )
    return head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate")


def recorded_document(reg_id: str, doc_id: str) -> tuple[str, str]:
    """The object key and the version id the registration records for a document."""
    settings = register_settings.get_settings()
    registration = RegistrationStore(register_handler.wiring.aws.dynamodb, settings.registrations_table).get(reg_id)
    assert registration is not None
    document = registration.document(doc_id)
    assert document is not None and document.object_version is not None
    return document.object_key, document.object_version


def recorded_attachment(gid: str, attachment_id: str) -> tuple[str, str]:
    settings = grievance_settings.get_settings()
    grievance = GrievanceStore(register_handler.wiring.aws.dynamodb, settings.grievances_table).get(gid)
    assert grievance is not None
    attachment = grievance.attachment(attachment_id)
    assert attachment is not None and attachment.object_version is not None
    return attachment.object_key, attachment.object_version


def delete_version(key: str, version_id: str) -> None:
    boto3.client("s3").delete_object(
        Bucket=register_settings.get_settings().documents_bucket, Key=key, VersionId=version_id
    )


def test_the_retention_period_is_the_templates_parameter() -> None:
    assert register_settings.get_settings().document_retention_days == RETENTION_DAYS
    assert grievance_settings.get_settings().document_retention_days == RETENTION_DAYS


def test_a_confirmed_document_is_locked_from_its_confirmation_and_cannot_be_deleted() -> None:
    # Given a draft with a genuine PDF uploaded
    reg_id = create().body["registration_id"]
    # When the employee confirms it
    confirmed = upload(reg_id)
    # Then exactly the recorded version is locked until the confirmation plus the retention period
    assert confirmed.body["document"]["status"] == "UPLOADED"
    key, version_id = recorded_document(reg_id, confirmed.body["document"]["document_id"])
    assert lock_of(key, version_id) == ("GOVERNANCE", factories.DURING_REGISTRATION + timedelta(days=RETENTION_DAYS))
    # ...and deleting that version without a governance bypass is refused
    with pytest.raises(ClientError) as refused:
        delete_version(key, version_id)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    download = call(
        "GET", f"/v1/registrations/{reg_id}/documents/{confirmed.body['document']['document_id']}", as_=employee()
    )
    assert download.status == 200


def test_the_upload_check_from_the_s3_event_locks_the_version_too() -> None:
    # Given an upload nobody has confirmed yet
    reg_id = create().body["registration_id"]
    grant = request_upload(reg_id)
    put_object(object_key(grant), PDF)
    # When the S3 event reaches the upload check
    assert register_handler.lambda_handler(s3_event(object_key(grant)), LocalLambdaContext("register")) == {
        "batchItemFailures": []
    }
    # Then the version it accepted is locked
    key, version_id = recorded_document(reg_id, grant.body["document_id"])
    assert lock_of(key, version_id)[0] == "GOVERNANCE"


@pytest.mark.parametrize(
    ("content", "declared_size"),
    [(PNG, len(PNG)), (PDF + b"x" * 100, len(PDF))],
    ids=["disguised", "larger than declared"],
)
def test_a_rejected_file_is_not_locked_and_may_be_deleted(content: bytes, declared_size: int) -> None:
    # Given a draft
    reg_id = create().body["registration_id"]
    # When a disguised or wrongly sized file is confirmed
    grant = request_upload(reg_id, size=declared_size)
    put_object(object_key(grant), content)
    rejected = call("POST", f"/v1/registrations/{reg_id}/documents/{grant.body['document_id']}/confirm", as_=employee())
    # Then it is REJECTED, carries no lock, and can be deleted
    assert rejected.body["document"]["status"] == "REJECTED"
    version_id = boto3.client("s3").head_object(
        Bucket=register_settings.get_settings().documents_bucket, Key=object_key(grant)
    )["VersionId"]
    assert lock_of(object_key(grant), version_id) == (None, None)
    delete_version(object_key(grant), version_id)


def test_confirming_again_later_changes_neither_the_record_nor_the_lock(clock: SettableClock) -> None:
    # Given a confirmed document
    reg_id = create().body["registration_id"]
    first = upload(reg_id)
    doc_id = first.body["document"]["document_id"]
    key, version_id = recorded_document(reg_id, doc_id)
    locked = lock_of(key, version_id)
    # When it is confirmed again an hour later
    clock.set(factories.DURING_REGISTRATION + timedelta(hours=1), frozen=True)
    again = call("POST", f"/v1/registrations/{reg_id}/documents/{doc_id}/confirm", as_=employee())
    # Then nothing changed
    assert again.body == first.body
    assert lock_of(key, version_id) == locked


def test_a_confirm_whose_record_write_failed_is_retried_whole_and_locked_once_more(
    clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an uploaded PDF and a record write that fails once, after the lock
    reg_id = create().body["registration_id"]
    grant = request_upload(reg_id)
    put_object(object_key(grant), PDF)
    doc_id = grant.body["document_id"]
    path = f"/v1/registrations/{reg_id}/documents/{doc_id}/confirm"
    recorder = register_handler.wiring.service._recorder
    record = recorder.record
    failures = [Busy()]

    def fail_once(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return record(*args, **kwargs)

    monkeypatch.setattr(recorder, "record", fail_once)
    # When the confirm fails, and the employee retries a minute later
    assert call("POST", path, as_=employee()).status == 503
    version_id = boto3.client("s3").head_object(
        Bucket=register_settings.get_settings().documents_bucket, Key=object_key(grant)
    )["VersionId"]
    assert lock_of(object_key(grant), version_id)[0] == "GOVERNANCE"  # locked, though not yet recorded
    clock.set(factories.DURING_REGISTRATION + timedelta(minutes=1), frozen=True)
    retried = call("POST", path, as_=employee())
    # Then the document is accepted once, and the lock runs from the confirmation that counted
    assert retried.body["document"]["status"] == "UPLOADED"
    assert [e["type"] for e in history(reg_id).body["events"]].count("document.accepted") == 1
    assert recorded_document(reg_id, doc_id) == (object_key(grant), version_id)
    assert lock_of(object_key(grant), version_id) == (
        "GOVERNANCE",
        factories.DURING_REGISTRATION + timedelta(minutes=1, days=RETENTION_DAYS),
    )


def test_a_grievance_attachment_is_locked_when_accepted_and_not_when_refused() -> None:
    # Given a grievance awaiting the employee's documents
    gid, v = filed()
    ok(act(gid, v, "request_info", remarks="Attach your bank statement.", as_=OFFICER))
    # When a genuine and a disguised file are confirmed
    good = attach(gid)
    disguised = attach(gid, PNG, "application/pdf")
    # Then only the accepted one is locked, to its confirmation plus the retention period
    assert (good.body["status"], disguised.body["status"]) == ("UPLOADED", "REJECTED")
    key, version_id = recorded_attachment(gid, good.body["attachment_id"])
    assert lock_of(key, version_id) == ("GOVERNANCE", factories.DURING_REGISTRATION + timedelta(days=RETENTION_DAYS))
    key, version_id = recorded_attachment(gid, disguised.body["attachment_id"])
    assert lock_of(key, version_id) == (None, None)
