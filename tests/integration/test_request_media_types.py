"""Every request body of the API is JSON: any other media type is a 415 problem, before anything parses it.

The contract fuzz found a multipart Content-Type without a boundary answered with a bare 500 (Powertools'
own multipart parsing raised); a form body was parsed and validated as if it were the JSON object.
"""

from __future__ import annotations

import pytest

from tests.integration.conftest import call

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b'{"employee_code": "EMP-0001"}'),  # no boundary: was a 500
        (
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="employee_code"\r\n\r\nEMP-0001\r\n--x--\r\n',
        ),
        ("application/x-www-form-urlencoded", b"employee_code=EMP-0001"),
        ("text/plain", b'{"employee_code": "EMP-0001"}'),
    ],
)
def test_a_body_that_is_not_json_is_refused_with_415(content_type: str, body: bytes) -> None:
    # Given a valid OTP request, When it is sent as another media type
    reply = call("POST", "/v1/auth/otp", as_=None, body=body, headers={"content-type": content_type})
    # Then a 415 problem says to send JSON, and no challenge was made
    assert (reply.status, reply.body["code"]) == (415, "unsupported_media_type")
    assert "application/json" in reply.body["detail"]


def test_json_with_a_charset_is_still_json() -> None:
    headers = {"content-type": "Application/JSON; charset=utf-8"}
    reply = call("POST", "/v1/auth/otp", as_=None, body={"employee_code": "EMP-0001"}, headers=headers)
    assert reply.status == 202, reply.body
