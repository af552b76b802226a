"""The certificate routes on moto: the first request (which issues: KMS sign + one transaction), the
JSON, PNG and PDF answers after it, the public status and verify; medians, p95, against the same AWS
calls replayed (bench/replay.py) and inside them, AWS calls per request, and the QR code's size."""

from __future__ import annotations

import base64
import json
import statistics
from datetime import datetime, timedelta
from typing import Any

import boto3

from bench.register_routes import SAMPLES, _environment, enrol
from bench.replay import ALIGN, COLUMNS, NOTE, Comparison
from core.audit import GENESIS_HASH, Actor, AuditEvent
from core.auth import Role
from core.clock import IST, SettableClock, install_clock
from core.eligibility import assess_eligibility
from core.registration import Decision, Receipt, Registration, RegistrationStatus, Review, SignedReceipt
from core.store.dynamo import transact_write
from core.store.events import EventStore
from core.store.registrations import RECORD, RegistrationStore
from infra.local.events import LocalLambdaContext, http_api_event
from infra.local.seed import PROGRAMME, demo_roll

NOW = datetime(2026, 2, 10, 12, 0, tzinfo=IST)


def _verified(n: int) -> tuple[Registration, AuditEvent]:
    """A registration its DDO verified (the VERIFIED event is its chain's first link here)."""
    entry = next(e for e in demo_roll() if e.record.engagement.ddo_code == "DDO-PKL-001" and e.record.family_id)
    record = entry.record
    registration_id = f"REG-{n:026d}"
    receipt = Receipt(
        registration_id=registration_id,
        employee_code=f"C-{n:06d}",
        decision=Decision.VERIFY,
        status=RegistrationStatus.VERIFIED,
        decided_by="user:ddo1",
        decided_role="ddo",
        decided_at=NOW,
        version=1,
        remarks="",
        document_hashes={},
        key_id="bench",
    )
    event = AuditEvent.create(
        entity=f"registration#{registration_id}",
        seq=1,
        type="verification.verify",
        at=NOW,
        actor=Actor(id="user:ddo1", role="ddo"),
        prev_hash=GENESIS_HASH,
        data={"status": "VERIFIED"},
    )
    registration = Registration(
        registration_id=registration_id,
        programme_id="HR-2026",
        employee_code=f"C-{n:06d}",
        owner_sub=f"sub-c-{n}",
        ddo_code="DDO-PKL-001",
        department=record.engagement.department,
        district=record.engagement.district,
        status=RegistrationStatus.VERIFIED,
        version=1,
        event_head=event.hash,
        roll_record=record,
        record=record,
        eligibility=assess_eligibility(record, PROGRAMME.eligibility, NOW.date()),
        acknowledgement_number=f"HR26-C{n:07d}",
        created_at=NOW - timedelta(days=30),
        updated_at=NOW,
        submitted_at=NOW - timedelta(days=20),
        review=Review(
            decision=Decision.VERIFY,
            remarks="",
            decided_by="user:ddo1",
            decided_role="ddo",
            decided_at=NOW,
            signed_receipt=SignedReceipt(receipt=receipt, algorithm="ECDSA_SHA_256", signature="AA=="),
        ),
    )
    return registration, event


def run() -> str:
    comparison, credentials, pngs, pdfs, qr = compare(SAMPLES)
    rows = []
    for label, measured in comparison.measured.items():
        per = measured.mean_per_request()
        made = ", ".join(f"{k.split(':')[1]} x{v:.2g}" for k, v in sorted(per.items()))
        rows.append(f"| {label} | {measured.cells()} | {made} |")
    lines = [
        f"## Certificate routes, in-process on moto ({SAMPLES} samples each)\n",
        f"| request | {COLUMNS} | AWS calls per request |",
        f"|---|{ALIGN}|---|",
        *rows,
        f"\n{NOTE}\n",
        f"The credential is {statistics.median(len(c) for c in credentials):.0f} characters (ASCII name); its QR "
        f"code is version {qr.version} ({qr.modules} modules a side, error correction {qr.error}), a "
        f"{statistics.median(len(p) for p in pngs):.0f}-byte PNG at 4 pixels a module; the PDF is "
        f"{statistics.median(len(p) for p in pdfs) / 1000:.0f} KB. A status or verify of a valid certificate "
        "reads the registration and its chain too, so that a changed record is never reported valid.",
    ]
    return "\n".join(lines) + "\n"


def compare(samples: int) -> tuple[Comparison, list[str], list[bytes], list[bytes], Any]:
    """Each request `samples` times, every sample followed by its replayed baseline; the credentials,
    PNGs and PDFs answered, and the QR code of the first credential."""
    with _environment():
        clock = SettableClock()
        clock.set(NOW + timedelta(minutes=5), frozen=True)
        install_clock(clock)
        from certificates import handler  # noqa: PLC0415 - after the environment it reads is set

        settings = handler.get_settings()
        raw = boto3.client("dynamodb")
        registrations = RegistrationStore(raw, settings.registrations_table)
        events = EventStore(raw, settings.events_table)
        ids = []
        for n in range(samples):
            registration, event = _verified(n)
            transact_write(raw, [registrations.create(registration), events.append(event, record=RECORD)])
            raw.update_item(  # what the transparency sequencer does
                TableName=settings.events_table,
                Key={"pk": {"S": event.entity}, "seq": {"N": "1"}},
                UpdateExpression="SET leaf_index = :leaf REMOVE unsequenced",
                ExpressionAttributeValues={":leaf": {"N": str(n)}},
            )
            ids.append(registration.registration_id)
        admin = enrol("admin-bench", "admin1", Role.ADMIN)

        def call(method: str, path: str, route: str, query: str = "", body: Any = None) -> dict[str, Any]:
            names = [s[1:-1] for s in route.split("/") if s.startswith("{")]
            values = [p for p, r in zip(path.split("/"), route.split("/"), strict=True) if r.startswith("{")]
            event = http_api_event(
                method=method,
                route=route,
                path=path,
                query=query,
                path_parameters=dict(zip(names, values, strict=True)) or None,
                headers={"content-type": "application/json"},
                body=None if body is None else json.dumps(body).encode(),
                claims=admin if "/registrations/" in route else None,
            )
            response = handler.lambda_handler(event, LocalLambdaContext("certificates"))
            assert response["statusCode"] == 200, response
            return response

        route = "/v1/registrations/{id}/certificate"
        handler.wiring.service.keys()  # the public key is fetched once a process: not a request's cost
        comparison = Comparison()
        credentials: list[str] = []

        def measure(label: str, action: Any) -> None:
            for index in range(samples):
                comparison.measure(label, lambda i=index: action(i))

        def issue(i: int) -> None:
            body = json.loads(call("GET", f"/v1/registrations/{ids[i]}/certificate", route)["body"])
            credentials.append(body["credential"])

        measure("GET certificate, first (issues: sign + one transaction)", issue)
        measure("GET certificate (JSON)", lambda i: call("GET", f"/v1/registrations/{ids[i]}/certificate", route))
        pngs: list[bytes] = []
        measure(
            "GET certificate ?format=png",
            lambda i: pngs.append(
                base64.b64decode(
                    call("GET", f"/v1/registrations/{ids[i]}/certificate", route, query="format=png")["body"]
                )
            ),
        )
        pdfs: list[bytes] = []
        measure(
            "GET certificate ?format=pdf",
            lambda i: pdfs.append(
                base64.b64decode(
                    call("GET", f"/v1/registrations/{ids[i]}/certificate", route, query="format=pdf")["body"]
                )
            ),
        )
        serials = [json.loads(base64.urlsafe_b64decode(c.split(".")[1] + "==="))["sn"] for c in credentials]
        measure(
            "GET /v1/certificates/{serial}/status (public)",
            lambda i: call("GET", f"/v1/certificates/{serials[i]}/status", "/v1/certificates/{serial}/status"),
        )
        measure(
            "POST /v1/certificates/verify (public)",
            lambda i: call(
                "POST", "/v1/certificates/verify", "/v1/certificates/verify", body={"credential": credentials[i]}
            ),
        )
        from certificates.qr import qr_code  # noqa: PLC0415

        qr = qr_code(credentials[0])
    return comparison, credentials, pngs, pdfs, qr
