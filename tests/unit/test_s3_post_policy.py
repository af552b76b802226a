"""S3's check of a pre-signed POST, as the local stack now makes it (infra/local/s3_post_policy.py).

The grants are signed by botocore itself, offline, exactly as the functions sign them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from infra.local.s3_post_policy import refusal

SECRET = "local-secret"
BUCKET = "documents"
KEY = "registrations/REG-1/appointment_letter"
SIZE = 1000


def grant(key: str = KEY, size: int = SIZE, expires_in: int = 900) -> dict[str, str]:
    s3 = boto3.client("s3", region_name="ap-south-1", aws_access_key_id="local", aws_secret_access_key=SECRET)
    post = s3.generate_presigned_post(
        Bucket=BUCKET,
        Key=key,
        Fields={"Content-Type": "application/pdf"},
        Conditions=[{"Content-Type": "application/pdf"}, ["content-length-range", size, size]],
        ExpiresIn=expires_in,
    )
    return dict(post["fields"])


def check(fields: dict[str, str], size: int = SIZE, now: datetime | None = None, secret: str = SECRET):
    return refusal(fields, size, BUCKET, now or datetime.now(UTC), secret)


def test_the_form_as_signed_is_accepted() -> None:
    assert check(grant()) is None


@pytest.mark.parametrize(
    ("forge", "status", "code"),
    [
        (lambda f: f.update(key="registrations/REG-2/appointment_letter"), 403, "AccessDenied"),
        (lambda f: f.update({"Content-Type": "text/html"}), 403, "AccessDenied"),
        (lambda f: f.update({"x-amz-signature": "0" * 64}), 403, "SignatureDoesNotMatch"),
        (lambda f: f.update({"x-amz-meta-owner": "someone"}), 403, "AccessDenied"),
        (lambda f: f.pop("policy"), 403, "AccessDenied"),
        (lambda f: f.update(policy=f["policy"][:-4] + "AAA="), 403, "SignatureDoesNotMatch"),
        (lambda f: f.update({"x-amz-algorithm": "AWS4-HMAC-SHA1"}), 400, "InvalidRequest"),
    ],
    ids=["other-key", "content-type", "signature", "extra-field", "no-policy", "edited-policy", "algorithm"],
)
def test_a_forged_form_is_refused(forge, status: int, code: str) -> None:
    # Given a grant, when one field of the form is changed
    fields = grant()
    forge(fields)
    # Then S3 (and now the local stack) refuses it
    refused = check(fields)
    assert refused is not None
    assert (refused.status, refused.code) == (status, code)


def test_a_grant_signed_with_another_secret_is_refused() -> None:
    refused = check(grant(), secret="not-the-secret")
    assert refused is not None and refused.code == "SignatureDoesNotMatch"


def test_an_expired_grant_is_refused() -> None:
    fields = grant(expires_in=60)
    assert check(fields, now=datetime.now(UTC) + timedelta(seconds=59)) is None
    refused = check(fields, now=datetime.now(UTC) + timedelta(seconds=61))
    assert refused is not None and "Policy expired" in refused.message


@pytest.mark.parametrize(("size", "code"), [(SIZE + 1, "EntityTooLarge"), (SIZE - 1, "EntityTooSmall")])
def test_a_file_of_another_size_is_refused(size: int, code: str) -> None:
    refused = check(grant(), size=size)
    assert refused is not None and (refused.status, refused.code) == (400, code)


def test_the_refusal_is_an_s3_error_document() -> None:
    fields = grant()
    fields["key"] = "elsewhere"
    refused = check(fields)
    assert refused is not None
    status, headers, body = refused.as_s3_error()
    assert status == 403 and headers["Content-Type"] == "application/xml"
    assert "<Code>AccessDenied</Code>" in body and '"$key"' in body
