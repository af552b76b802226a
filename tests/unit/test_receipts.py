"""Signed receipts of the three kinds with a local key (a stand-in for KMS): what is signed, the offline
check `anubandh verify receipt` runs (core.receipts.check_receipt), the event a receipt belongs to, and
the CLI's bilingual verdict and exit codes."""

from __future__ import annotations

import copy
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core.audit import GENESIS_HASH, Actor, AuditEvent, LoggedEvent
from core.clock import IST
from core.grievance import FilingReceipt, Level, SignedFilingReceipt
from core.kms_key import public_key_from_jwk
from core.receipt_event import receipt_event
from core.receipts import Problem, check_receipt, signed_receipt_in
from core.registration import (
    Decision,
    Receipt,
    RegistrationStatus,
    SignedReceipt,
    SignedSubmissionReceipt,
    SubmissionReceipt,
)
from core.signing import ReceiptSigner, SignedBase, receipt_bytes, signed_bytes
from infra.cli import main
from infra.verify_cli import print_verdict

AT = datetime(2026, 1, 20, 11, 0, tzinfo=IST)
KEY_ID = "0e3f7a7c-1111-4222-8333-944455556666"
EVENT_HASH = "ab" * 32


class LocalKms:
    """KMS's Sign and GetPublicKey over a local P-256 key; counts the calls."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.calls = 0

    def sign(self, *, KeyId: str, Message: bytes, MessageType: str, SigningAlgorithm: str) -> dict[str, Any]:
        assert (KeyId, MessageType, SigningAlgorithm) == (KEY_ID, "RAW", "ECDSA_SHA_256")
        self.calls += 1
        return {"Signature": self.key.sign(Message, ec.ECDSA(hashes.SHA256()))}

    def get_public_key(self, *, KeyId: str) -> dict[str, Any]:
        self.calls += 1
        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {"PublicKey": der}


@pytest.fixture
def kms() -> LocalKms:
    return LocalKms()


@pytest.fixture
def signer(kms: LocalKms) -> ReceiptSigner:
    return ReceiptSigner(lambda: kms, KEY_ID)


def submission(**overrides: Any) -> SubmissionReceipt:
    fields: dict[str, Any] = {
        "registration_id": "REG-01J0000000000000000000000A",
        "programme_id": "HR-2026",
        "employee_code": "EMP-0001",
        "acknowledgement_number": "HR26-000123",
        "submitted_at": AT,
        "resubmission": False,
        "version": 6,
        "event_type": "registration.submitted",
        "event_hash": EVENT_HASH,
        "document_hashes": {"pay_proof": "cd" * 32},
        "key_id": KEY_ID,
    }
    return SubmissionReceipt(**{**fields, **overrides})


def filing() -> FilingReceipt:
    return FilingReceipt(
        grievance_id="GRV-01J0000000000000000000000A",
        number="HR26-G-000045",
        programme_id="HR-2026",
        employee_code="EMP-0001",
        category="pay",
        subject="Salary not paid",
        description_sha256="ef" * 32,
        registration_id=None,
        appeal=False,
        level=Level.L1,
        assigned_to="unit:GRV-PKL-L1",
        filed_at=AT,
        due_at=AT,
        version=1,
        event_type="grievance.filed",
        event_hash=EVENT_HASH,
        key_id=KEY_ID,
    )


def decision() -> Receipt:
    return Receipt(
        registration_id="REG-01J0000000000000000000000A",
        employee_code="EMP-0001",
        decision=Decision.VERIFY,
        status=RegistrationStatus.VERIFIED,
        decided_by="user:ddo1",
        decided_role="ddo",
        decided_at=AT,
        version=7,
        remarks="",
        document_hashes={},
        key_id=KEY_ID,
    )


def signed_json(signed: SignedBase) -> dict[str, Any]:
    """What a client saves: the JSON of the API's answer."""
    return json.loads(signed.model_dump_json())


@pytest.fixture
def jwks(signer: ReceiptSigner) -> dict[str, Any]:
    return json.loads(json.dumps(signer.jwks()))


# ---------------------------------------------------------------- what is signed
@pytest.mark.parametrize(
    ("receipt", "into", "kind"),
    [
        (submission(), SignedSubmissionReceipt, "submission"),
        (filing(), SignedFilingReceipt, "grievance_filing"),
        (decision(), SignedReceipt, "decision"),
    ],
)
def test_each_kind_says_what_it_proves_and_verifies_offline_with_the_jwks(
    signer: ReceiptSigner, jwks: dict[str, Any], receipt: Any, into: type[SignedBase], kind: str
) -> None:
    # Given a receipt of each kind, signed through "KMS"
    signed = signer.sign(receipt, into=into)
    # Then the server's check and the offline check (the JWKS only) both accept it, and name its kind
    assert signer.verifies(signed) is True
    verdict = check_receipt(signed_json(signed), jwks)
    assert (verdict.valid, verdict.kind, verdict.problem) == (True, kind, None)
    assert verdict.receipt is not None and verdict.receipt["kind"] == kind


def test_the_signature_covers_the_canonical_json_whatever_the_order_of_the_keys(
    signer: ReceiptSigner, jwks: dict[str, Any]
) -> None:
    document = signed_json(signer.sign(submission(), into=SignedSubmissionReceipt))
    reordered = {**document, "receipt": dict(reversed(list(document["receipt"].items())))}
    assert signed_bytes(reordered["receipt"]) == receipt_bytes(submission())
    assert check_receipt(reordered, jwks).valid is True


def test_a_signed_receipt_is_found_in_each_answer_that_carries_one(signer: ReceiptSigner) -> None:
    signed = signed_json(signer.sign(filing(), into=SignedFilingReceipt))
    assert signed_receipt_in(signed) == signed
    assert signed_receipt_in({"signed_receipt": signed, "verified": True}) == signed  # GET .../receipt, submit
    assert signed_receipt_in({"grievance_id": "GRV-1", "filing_receipt": signed}) == signed  # a grievance as filed
    assert signed_receipt_in({"filing_receipt": None}) is None
    assert signed_receipt_in(["not", "a", "receipt"]) is None


# ---------------------------------------------------------------- what fails
def _altered(document: dict[str, Any], change: Any) -> dict[str, Any]:
    altered = copy.deepcopy(document)
    change(altered)
    return altered


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["receipt"].update(employee_code="EMP-0002"), Problem.BAD_SIGNATURE),
        (lambda d: d["receipt"].update(submitted_at="2026-01-19T11:00:00+05:30"), Problem.BAD_SIGNATURE),
        (lambda d: d["receipt"].update(event_hash="cd" * 32), Problem.BAD_SIGNATURE),
        (lambda d: d["receipt"].update(note="added later"), Problem.BAD_SIGNATURE),
        (lambda d: d["receipt"].pop("event_hash"), Problem.INCOMPLETE),
        (lambda d: d["receipt"].update(kind="certificate"), Problem.UNKNOWN_KIND),
        (lambda d: d["receipt"].update(kind="decision"), Problem.INCOMPLETE),  # not a decision's fields
        (lambda d: d.update(signature="not base64!"), Problem.BAD_SIGNATURE),
        (lambda d: d.update(signature=d["signature"][:-8] + "AAAAAAA="), Problem.BAD_SIGNATURE),
        (lambda d: d.update(algorithm="RSASSA_PSS_SHA_256"), Problem.UNKNOWN_ALGORITHM),
        (lambda d: d["receipt"].update(key_id="another-key"), Problem.KEY_NOT_PUBLISHED),
        (lambda d: d.pop("signature"), Problem.NOT_A_RECEIPT),
    ],
)
def test_a_tampered_receipt_fails_and_says_why(
    signer: ReceiptSigner, jwks: dict[str, Any], change: Any, problem: Problem
) -> None:
    document = signed_json(signer.sign(submission(), into=SignedSubmissionReceipt))
    verdict = check_receipt(_altered(document, change), jwks)
    assert (verdict.valid, verdict.problem) == (False, problem)


def test_a_receipt_signed_by_another_key_under_the_same_kid_fails(signer: ReceiptSigner, jwks: dict[str, Any]) -> None:
    # Given a forger's own key, published under our key's id
    forger = ReceiptSigner(LocalKms, KEY_ID)
    forged = signed_json(forger.sign(submission(employee_code="EMP-0002"), into=SignedSubmissionReceipt))
    # Then it does not verify with the real published key
    assert check_receipt(forged, jwks).problem == Problem.BAD_SIGNATURE
    assert signer.verifies(SignedSubmissionReceipt.model_validate(forged)) is False


def test_a_jwks_entry_that_is_not_a_p256_key_is_skipped(signer: ReceiptSigner, jwks: dict[str, Any]) -> None:
    document = signed_json(signer.sign(decision(), into=SignedReceipt))
    broken = {"keys": [{"kid": KEY_ID, "kty": "RSA", "n": "AQAB", "e": "AQAB"}, *jwks["keys"]]}
    assert check_receipt(document, broken).valid is True
    assert check_receipt(document, {"keys": broken["keys"][:1]}).problem == Problem.BAD_SIGNATURE
    with pytest.raises(ValueError, match="P-256"):
        public_key_from_jwk(broken["keys"][0])


def test_the_public_key_is_fetched_once_and_kms_only_when_needed(kms: LocalKms) -> None:
    built = []
    signer = ReceiptSigner(lambda: built.append(1) or kms, KEY_ID)
    assert built == []  # no client until something is signed or checked
    signed = signer.sign(submission(), into=SignedSubmissionReceipt)
    assert signer.verifies(signed) and signer.verifies(signed)
    signer.jwks()
    assert kms.calls == 2  # one Sign, one GetPublicKey


# ---------------------------------------------------------------- the event a receipt belongs to
def _chain(data_of_last: dict[str, Any]) -> list[AuditEvent]:
    first = AuditEvent.create(
        entity="registration#R",
        seq=1,
        type="registration.created",
        at=AT,
        actor=Actor(id="u", role="employee"),
        prev_hash=GENESIS_HASH,
    )
    second = AuditEvent.create(
        entity="registration#R",
        seq=2,
        type="registration.submitted",
        at=AT,
        actor=Actor(id="u", role="employee"),
        prev_hash=first.hash,
        data=data_of_last,
    )
    return [first, second]


def test_a_submission_receipt_names_its_event_and_gets_its_leaf_once_sequenced(signer: ReceiptSigner) -> None:
    events = _chain({"acknowledgement_number": "HR26-000123"})
    signed = signer.sign(submission(version=2, event_hash=events[1].hash), into=SignedSubmissionReceipt)
    pending = receipt_event([LoggedEvent(event=e) for e in events], signed)
    assert (pending.event_recorded, pending.event_hash, pending.leaf_index) == (True, events[1].hash, None)
    logged = receipt_event([LoggedEvent(event=e, leaf_index=40 + e.seq) for e in events], signed)
    assert (logged.event_recorded, logged.leaf_index) == (True, 42)
    # A receipt naming another hash, or a version the chain does not have, is not recorded there
    other = signer.sign(submission(version=2), into=SignedSubmissionReceipt)
    assert receipt_event([LoggedEvent(event=e, leaf_index=1) for e in events], other).event_recorded is False
    missing = signer.sign(submission(version=3, event_hash=events[1].hash), into=SignedSubmissionReceipt)
    assert receipt_event([LoggedEvent(event=e) for e in events], missing).model_dump() == {
        "event_recorded": False,
        "event_hash": None,
        "leaf_index": None,
    }


def test_a_decision_receipt_is_recorded_inside_its_event(signer: ReceiptSigner) -> None:
    signed = signer.sign(decision().model_copy(update={"version": 2}), into=SignedReceipt)
    events = _chain({"signed_receipt": signed.model_dump(mode="json")})
    found = receipt_event([LoggedEvent(event=e, leaf_index=e.seq) for e in events], signed)
    assert (found.event_recorded, found.event_hash, found.leaf_index) == (True, events[1].hash, 2)
    elsewhere = _chain({"signed_receipt": None})
    assert receipt_event([LoggedEvent(event=e) for e in elsewhere], signed).event_recorded is False


# ---------------------------------------------------------------- the CLI's verdict
def test_the_verdict_is_bilingual_and_repeats_what_was_proved(signer: ReceiptSigner, jwks: dict[str, Any]) -> None:
    document = signed_json(signer.sign(filing(), into=SignedFilingReceipt))
    out = io.StringIO()
    print_verdict(check_receipt(document, jwks), out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("मान्य:") and lines[1].startswith("VALID:")
    assert "grievance_filing (शिकायत दर्ज करने की पावती / grievance filed)" in lines[2]
    assert any(line.split() == ["number", "HR26-G-000045"] for line in lines)
    out = io.StringIO()
    print_verdict(check_receipt(_altered(document, lambda d: d["receipt"].update(subject="x")), jwks), out)
    assert out.getvalue().splitlines()[:2] == [
        "अमान्य: हस्ताक्षर मेल नहीं खाता: रसीद बदली गई है, या इस कुंजी से हस्ताक्षरित नहीं है।",
        "NOT VALID: The signature does not match: the receipt was altered, or not signed with this key.",
    ]


def test_verify_receipt_exits_0_when_valid_1_when_not_2_on_bad_usage(
    signer: ReceiptSigner, jwks: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(jwks))
    good = tmp_path / "receipt.json"
    good.write_text(
        json.dumps({"signed_receipt": signed_json(signer.sign(submission(), into=SignedSubmissionReceipt))})
    )
    assert main(["verify", "receipt", str(good), "--keys", str(keys)]) == 0
    bad = tmp_path / "altered.json"
    bad.write_text(good.read_text().replace("EMP-0001", "EMP-0009"))
    assert main(["verify", "receipt", str(bad), "--keys", str(keys)]) == 1
    not_json = tmp_path / "notes.txt"
    not_json.write_text("a receipt, trust me")
    assert main(["verify", "receipt", str(not_json), "--keys", str(keys)]) == 1
    assert main(["verify", "receipt", str(tmp_path / "absent.json"), "--keys", str(keys)]) == 2
    assert main(["verify", "receipt", str(good), "--keys", str(good)]) == 2  # not a JWKS
    assert main(["verify", "receipt", str(good), "--keys", str(keys), "--endpoint", "http://x"]) == 2
    out = capsys.readouterr().out
    assert "VALID: this receipt" in out and "NOT VALID: The file holds no signed receipt." in out
