"""Faults lose nothing, and tell the client when to come back: every write route of every HTTP
function, with an AWS fault injected at each of its calls in turn (tests/integration/fault_injection.py).

For each fault the client gets 503 problem+json with Retry-After and the state (records, events,
counters, outbox, objects, queues, messages sent) is exactly as before, or, where the fault hit a call
after the change was made, the client gets the change's own answer and the state is exactly as after a
clean run; and the retry (with the same Idempotency-Key, where the route honours one) completes once,
leaving exactly the clean run's state.

The routes are swept along the journeys that reach them, each step from the state the clean run of
the one before left.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from core.clock import IST, SettableClock
from infra.local.events import LocalLambdaContext, api_gateway_claims
from infra.local.template import LocalContext, http_routes, load_template
from tests import factories
from tests.factories import PKL_UNIT, employee, officer
from tests.integration.conftest import HANDLERS, _ensure_in_directory, _route_of, call
from tests.integration.fault_injection import AHEAD, Answer, Lab, Sweep
from tests.integration.test_deadline_jobs import drain
from tests.integration.test_registration_journey import PDF, put_object, upload
from transparency import log as transparency_log

# Answers that tell the client to send the same request again later.
RETRY_LATER = {"service_unavailable", "busy", "programme_unavailable", "document_not_retained"}
DDO = factories.ddo("DDO-PKL-001")
ADMIN = factories.claims("admin1", "admin")
OFFICER = officer(PKL_UNIT)
DECIDED_AT = datetime(2026, 2, 10, 12, 0, tzinfo=IST)


def request(
    method: str,
    path: str,
    *,
    as_: dict[str, str] | None,
    body: Any = None,
    key: str | None = None,
    headers: dict[str, str] | None = None,
) -> Callable[[], Answer]:
    """The request as the gateway hands it to the function (the caller's directory entry is put now,
    before any sweep, as a sign-in would have)."""
    route, function_id = _route_of(method, path)
    if as_ is not None:
        _ensure_in_directory(as_)
    sent = {**(headers or {}), **({"Idempotency-Key": key} if key else {})}

    def send() -> Answer:
        event = factories.event(method, path, route=route, as_=as_, body=body, headers=sent)
        response = HANDLERS[function_id].lambda_handler(event, LocalLambdaContext(function_id))
        raw = response.get("body") or ""
        answered = response.get("headers", {})
        parsed = json.loads(raw) if raw and "json" in answered.get("Content-Type", "") else raw
        return Answer(status=response["statusCode"], body=parsed, headers=answered)

    return send


def defects(sweep: Sweep) -> list[str]:
    """Every fault whose outcome breaks the rule (see the module's docstring)."""
    found = []
    for p in sweep.positions:
        where = f"{sweep.name}: {p.fault} at call {p.index} ({p.call})"
        answer = p.answer
        if answer.succeeded:
            if answer.status != sweep.clean.status or p.left != "after":
                found.append(f"{where}: answered {answer} and left the state {p.left} {p.torn[:4]}")
            continue
        code = answer.body.get("code") if isinstance(answer.body, dict) else None
        retry_after = answer.headers.get("Retry-After", "")
        if answer.status != 503 or code not in RETRY_LATER:
            found.append(f"{where}: answered {answer} {answer.raised or ''}")
        elif answer.headers.get("Content-Type") != "application/problem+json":
            found.append(f"{where}: the 503 is not problem+json")
        elif not (retry_after.isdigit() and int(retry_after) > 0):
            found.append(f"{where}: the 503 has no Retry-After")
        if p.left not in ("before", AHEAD):
            found.append(f"{where}: answered {answer} but left the state {p.left} {p.torn[:4]}")
        retried = p.retried
        if retried is None or retried.status != sweep.clean.status:
            found.append(f"{where}: the retry answered {retried} {retried.body if retried else ''}")
        elif p.after_retry:
            found.append(f"{where}: the retry left a state other than the clean run's: {p.after_retry[:4]}")
    return found


# What the journeys below sweep: every route of the template that is not a GET, and the GETs that write.
SWEPT = frozenset(
    {
        "POST /v1/registrations",
        "PATCH /v1/registrations/{id}",
        "POST /v1/registrations/{id}/documents",
        "POST /v1/registrations/{id}/documents/{doc}/confirm",
        "POST /v1/registrations/{id}/submit",
        "POST /v1/verifications/{id}/decision",
        "GET /v1/registrations/{id}/certificate",  # issues the certificate on its first reading
        "POST /v1/certificates/verify",  # settles a certificate whose facts changed
        "POST /v1/certificates/{serial}/revoke",
        "POST /v1/grievances",
        "POST /v1/grievances/{id}/actions",
        "POST /v1/grievances/{id}/attachments",
        "POST /v1/grievances/{id}/attachments/{attachment_id}/confirm",
        "POST /v1/grievances/{id}/reply",
        "POST /v1/grievances/{id}/feedback",
        "PUT /v1/admin/windows",
        "POST /v1/admin/roll-imports",
        "GET /v1/admin/reports/export",  # writes the CSV to the reports bucket
        "POST /v1/auth/otp",
        "POST /v1/auth/otp/verify",
        "POST /v1/auth/refresh",
        "POST /v1/auth/help",
        "POST /v1/auth/sign-out",
        "POST /v1/roll/corrections/{id}/decision",
        "PATCH /v1/roll/{employee_code}/mobile",
    }
)


def test_every_write_route_of_the_template_is_swept() -> None:
    routes = {f"{r.method} {r.path}" for r in http_routes(load_template())}
    writes = {route for route in routes if not route.startswith("GET ")}
    assert writes <= SWEPT, f"not swept: {sorted(writes - SWEPT)}"
    assert routes >= SWEPT, f"no such route: {sorted(SWEPT - routes)}"


def sweep(lab: Lab, name: str, action: Callable[[], Answer], expect: int, *, changes: bool = True) -> dict[str, Any]:
    """Sweeps the route's calls and returns the clean run's answer; `nothing_lost` judges them all."""
    assert name.partition(" (")[0] in SWEPT, f"{name} is not in SWEPT"
    done = lab.sweep(name, action, changes=changes)
    assert done.clean.status == expect, f"{name}: the clean run answered {done.clean} {done.clean.body}"
    assert done.injected > 0, f"{name}: made no AWS call"
    return dict(done.clean.body) if isinstance(done.clean.body, dict) else {}


def nothing_lost(lab: Lab) -> None:
    found = [defect for done in lab.sweeps for defect in defects(done)]
    injected = sum(done.injected for done in lab.sweeps)
    assert not found, f"{len(found)} outcomes of {injected} faults broke the rule:\n" + "\n".join(found)


# ---------------------------------------------------------------- the employee's registration to its certificate
def test_registration_routes_verification_and_certificate(lab: Lab, clock: SettableClock) -> None:
    me = employee()
    # Given an employee on the roll: every route of the journey, swept in turn
    created = sweep(
        lab, "POST /v1/registrations", request("POST", "/v1/registrations", as_=me, body={}, key="c-1"), 201
    )
    reg = created["registration_id"]
    edited = sweep(
        lab,
        "PATCH /v1/registrations/{id}",
        request("PATCH", f"/v1/registrations/{reg}", as_=me, body={"version": 1, "family_id": "FAM54321"}),
        200,
    )
    assert edited["version"] == 2
    grant = sweep(
        lab,
        "POST /v1/registrations/{id}/documents",
        request(
            "POST",
            f"/v1/registrations/{reg}/documents",
            as_=me,
            body={"type": "appointment_letter", "content_type": "application/pdf", "size_bytes": len(PDF)},
        ),
        201,
    )
    put_object(grant["upload"]["fields"]["key"], PDF)
    confirmed = sweep(
        lab,
        "POST /v1/registrations/{id}/documents/{doc}/confirm",
        request("POST", f"/v1/registrations/{reg}/documents/{grant['document_id']}/confirm", as_=me),
        200,
    )
    assert confirmed["document"]["status"] == "UPLOADED"
    for doc_type in ("service_certificate", "pay_proof", "identity_proof"):
        assert upload(reg, doc_type).status == 200
    version = call("GET", f"/v1/registrations/{reg}", as_=me).body["version"]
    submitted = sweep(
        lab,
        "POST /v1/registrations/{id}/submit",
        request("POST", f"/v1/registrations/{reg}/submit", as_=me, body={"version": version}, key="s-1"),
        200,
    )
    # When the DDO decides
    clock.set(DECIDED_AT, frozen=True)
    sweep(
        lab,
        "POST /v1/verifications/{id}/decision",
        request(
            "POST",
            f"/v1/verifications/{reg}/decision",
            as_=DDO,
            body={
                "decision": "verify",
                "remarks": "All documents match.",
                "version": submitted["registration"]["version"],
                "certify_mismatches": True,
            },
            key="d-1",
        ),
        200,
    )
    # Then the certificate is issued on its first reading, once the log has the decision
    assert transparency_log.lambda_handler(
        {"job": "transparency-sequence"}, LocalLambdaContext("TransparencyLogFunction")
    )
    issued = sweep(
        lab,
        "GET /v1/registrations/{id}/certificate",
        request("GET", f"/v1/registrations/{reg}/certificate", as_=me),
        200,
    )
    checked = {"credential": issued["credential"]}
    sweep(
        lab,
        "POST /v1/certificates/verify",
        request("POST", "/v1/certificates/verify", as_=None, body=checked),
        200,
        changes=False,  # nothing to settle: the facts it attests have not changed
    )
    sweep(
        lab,
        "POST /v1/certificates/{serial}/revoke",
        request(
            "POST",
            f"/v1/certificates/{issued['serial']}/revoke",
            as_=ADMIN,
            body={"reason": "Issued against the wrong service book.", "order_ref": "GAD/2026/17"},
        ),
        200,
    )
    nothing_lost(lab)


# ---------------------------------------------------------------- a grievance from filing to the employee's feedback
def test_grievance_routes(lab: Lab) -> None:
    me = employee()
    filing = {"category": "salary_not_paid", "subject": "Salary not paid", "description": "Not paid since November."}
    filed = sweep(lab, "POST /v1/grievances", request("POST", "/v1/grievances", as_=me, body=filing, key="g-1"), 201)
    gid, version = filed["grievance_id"], filed["version"]

    def act(action: str, version: int, **body: Any) -> Callable[[], Answer]:
        return request(
            "POST", f"/v1/grievances/{gid}/actions", as_=OFFICER, body={"action": action, "version": version, **body}
        )

    version = sweep(lab, "POST /v1/grievances/{id}/actions (accept)", act("accept", version), 200)["version"]
    asked = act("request_info", version, remarks="Attach your bank statement.")
    version = sweep(lab, "POST /v1/grievances/{id}/actions (request_info)", asked, 200)["version"]
    grant = sweep(
        lab,
        "POST /v1/grievances/{id}/attachments",
        request(
            "POST",
            f"/v1/grievances/{gid}/attachments",
            as_=me,
            body={"filename": "statement.pdf", "content_type": "application/pdf", "size_bytes": len(PDF)},
        ),
        201,
    )
    put_object(grant["upload"]["fields"]["key"], PDF)
    attachment = grant["attachment"]["attachment_id"]
    sweep(
        lab,
        "POST /v1/grievances/{id}/attachments/{attachment_id}/confirm",
        request("POST", f"/v1/grievances/{gid}/attachments/{attachment}/confirm", as_=me),
        200,
    )
    answered = {"message": "Statement attached.", "attachment_ids": [attachment], "version": version}
    replied = sweep(
        lab,
        "POST /v1/grievances/{id}/reply",
        request("POST", f"/v1/grievances/{gid}/reply", as_=me, body=answered),
        200,
    )
    resolved = act("resolve", replied["version"], remarks="December salary credited on 22 January.")
    version = sweep(lab, "POST /v1/grievances/{id}/actions (resolve)", resolved, 200)["version"]
    opinion = {"satisfied": False, "rating": 2, "comment": "Only half was paid.", "version": version}
    sweep(
        lab,
        "POST /v1/grievances/{id}/feedback",
        request("POST", f"/v1/grievances/{gid}/feedback", as_=me, body=opinion),
        200,
    )
    nothing_lost(lab)


# ---------------------------------------------------------------- the admin's writes
def test_admin_routes(lab: Lab) -> None:
    order = {"order_ref": "HR/GAD/2026/17", "reason": "Server outage on 31 January in three districts."}
    windows = {**order, "registration_closes_at": "2026-02-07T23:59:59+05:30", "version": 0}
    sweep(lab, "PUT /v1/admin/windows", request("PUT", "/v1/admin/windows", as_=ADMIN, body=windows), 200)
    started = {"filename": "roll-2026.csv"}
    sweep(lab, "POST /v1/admin/roll-imports", request("POST", "/v1/admin/roll-imports", as_=ADMIN, body=started), 201)
    sweep(lab, "GET /v1/admin/reports/export", request("GET", "/v1/admin/reports/export", as_=ADMIN), 200)
    nothing_lost(lab)


# ---------------------------------------------------------------- sign-in by OTP, help, and the DDO's corrections
def last_otp() -> str:
    texts = list(sns_backends[DEFAULT_ACCOUNT_ID]["ap-south-1"].sms_messages.values())
    found = re.search(r"\b(\d{6})\b", texts[-1][1])
    assert found is not None
    return found.group(1)


def test_sign_in_routes(lab: Lab, seeded: LocalContext) -> None:
    asked = sweep(
        lab, "POST /v1/auth/otp", request("POST", "/v1/auth/otp", as_=None, body={"employee_code": "EMP-0001"}), 202
    )
    drain(seeded, "AuthFunction")  # the SMS goes out
    answer = {"challenge_id": asked["challenge_id"], "otp": last_otp()}
    tokens = sweep(lab, "POST /v1/auth/otp/verify", request("POST", "/v1/auth/otp/verify", as_=None, body=answer), 200)
    renew = {"refresh_token": tokens["refresh_token"]}
    # (A refresh writes nothing of ours: Cognito issues the tokens.)
    sweep(lab, "POST /v1/auth/refresh", request("POST", "/v1/auth/refresh", as_=None, body=renew), 200, changes=False)
    signed_in = api_gateway_claims(jwt.decode(tokens["id_token"], options={"verify_signature": False}))
    sweep(lab, "POST /v1/auth/sign-out", request("POST", "/v1/auth/sign-out", as_=signed_in), 204)
    nothing_lost(lab)


def test_mobile_help_and_correction_routes(lab: Lab) -> None:
    helped = {
        "employee_code": "EMP-0001",
        "family_id": "FAM12345",
        "date_of_birth": "1988-04-12",
        "new_mobile": "9700012345",
        "message": "My old SIM is lost.",
    }
    sweep(lab, "POST /v1/auth/help", request("POST", "/v1/auth/help", as_=None, body=helped), 202)
    [item] = call("GET", "/v1/roll/corrections", as_=DDO).body["items"]
    decision = {
        "decision": "approve",
        "remarks": "Called the new number; the employee answered.",
        "version": item["version"],
    }
    sweep(
        lab,
        "POST /v1/roll/corrections/{id}/decision",
        request("POST", f"/v1/roll/corrections/{item['correction_id']}/decision", as_=DDO, body=decision),
        200,
    )
    corrected = {"mobile": "9700054321", "remarks": "The employee brought the SIM's bill to the office.", "version": 0}
    sweep(
        lab,
        "PATCH /v1/roll/{employee_code}/mobile",
        request("PATCH", "/v1/roll/EMP-0002/mobile", as_=DDO, body=corrected),
        200,
    )
    nothing_lost(lab)
