"""`anubandh programme init programme.json`: the programme item, written once by an operator.

The file is checked against `core.programme.Programme` (every problem, with where it is). The item
goes into the settings table with the first event of the programme's hash chain
(`programme#<id>`, `programme.created`, the operator as actor) in one transaction, only if no
programme item exists. After that a deadline moves only through `PUT /v1/admin/windows`, which is
audited with an order number and a reason; a second init with the same content is a no-op.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from core.audit import GENESIS_HASH, Actor, AuditEvent, canonical_json, sha256_hex
from core.errors import ProgrammeUnavailable, VersionConflict
from core.programme import Programme
from core.store.dynamo import ConditionFailed, transact_write
from core.store.events import EventStore
from core.store.programmes import RECORD, ProgrammeStore, programme_key
from infra.cli_errors import CliError, LocalFileProblem

MAX_PROGRAMME_BYTES = 400 * 1024  # DynamoDB's item limit


def read_programme_file(path: Path) -> Programme:
    """The programme in `path`, or LocalFileProblem naming every problem and where it is."""
    if not path.is_file():
        raise LocalFileProblem(f"{path}: no such file")
    if path.stat().st_size > MAX_PROGRAMME_BYTES:
        raise LocalFileProblem(f"{path}: over {MAX_PROGRAMME_BYTES // 1024} KB, more than a programme item may hold")
    try:
        data: Any = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise LocalFileProblem(f"{path}: not UTF-8 text (byte {error.start})") from error
    except json.JSONDecodeError as error:
        raise LocalFileProblem(f"{path}: not JSON: {error.msg} (line {error.lineno}, column {error.colno})") from error
    try:
        return Programme.model_validate(data)
    except ValidationError as invalid:
        problems = "\n".join(f"  {_where(error['loc'])}: {error['msg']}" for error in invalid.errors())
        raise LocalFileProblem(
            f"{path} is not a valid programme ({invalid.error_count()} problem(s)); "
            f"infra/samples/programme.json shows every field:\n{problems}"
        ) from invalid


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(the whole file)"


@dataclass(frozen=True)
class InitResult:
    created: bool  # False: the same programme was there already
    event: AuditEvent | None = None


def _content_hash(programme: Programme) -> str:
    return sha256_hex(canonical_json(programme.model_dump(mode="json")))


def init_programme(
    programme: Programme,
    *,
    expected_id: str,
    programmes: ProgrammeStore,
    events: EventStore,
    dynamodb: Any,
    actor: Actor,
    at: datetime,
) -> InitResult:
    """Writes the programme and its `programme.created` event unless a programme item exists."""
    if programme.programme_id != expected_id:
        raise CliError(
            f"the stack's functions read programme {expected_id} (its ProgrammeId parameter), but the file "
            f"is {programme.programme_id}: fix programme_id in the file, or deploy with that ProgrammeId"
        )
    event = AuditEvent.create(
        entity=programme_key(programme.programme_id),
        seq=1,
        type="programme.created",
        at=at,
        actor=actor,
        prev_hash=GENESIS_HASH,
        data={
            "registration_opens_at": programme.registration.opens_at.isoformat(),
            "registration_closes_at": programme.registration.closes_at.isoformat(),
            "verification_closes_at": programme.verification_closes_at.isoformat(),
            "content_sha256": _content_hash(programme),
        },
    )
    try:
        transact_write(
            dynamodb, [programmes.create(programme, event_head=event.hash), events.append(event, record=RECORD)]
        )
    except (ConditionFailed, VersionConflict) as exists:  # the programme exists (or its first event does)
        return _existing(programme, programmes, exists)
    return InitResult(created=True, event=event)


def _existing(programme: Programme, programmes: ProgrammeStore, exists: Exception) -> InitResult:
    try:
        stored = programmes.read(programme.programme_id)
    except ProgrammeUnavailable:
        raise CliError(f"programme {programme.programme_id} could not be written: {exists}; try again") from exists
    if stored.programme == programme:
        return InitResult(created=False)
    raise CliError(
        f"programme {programme.programme_id} already exists (version {stored.version}) and differs from the file. "
        "init writes a programme once; a deadline moves through PUT /v1/admin/windows "
        '({"registration_closes_at" or "verification_closes_at", "order_ref", "reason"}, as an admin), '
        "which is audited in the programme's history"
    ) from exists
