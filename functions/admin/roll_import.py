"""Roll import: an admin uploads the roll as CSV; it is checked line by line and loaded in batches.

1. `start` records the import (AWAITING_UPLOAD) and hands out a pre-signed POST for
   `imports/<id>/source.csv` in the reports bucket.
2. The upload's S3 event reaches the import worker through a queue; `run` claims the import,
   validates every line and upserts the valid ones, 100 to a batch (one BatchGetItem, then
   BatchWriteItem). After each segment it stores a checkpoint: the next line, the counts so far and
   the segment's errors as a part file. When the Lambda's time runs short it queues a continuation
   and stops; whoever picks the import up next resumes from the checkpoint.
3. At the end the parts are joined into `imports/<id>/report.csv`: the counts, then every line not
   imported (errors, and entries left alone because the employee has registered), and every line whose
   mobile was not applied because a DDO or HoD had certified another (`kept_certified_mobile`).

Entries already linked to a registration are never overwritten. A re-import of the same file
changes nothing: every line is "unchanged".
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict

from admin.roll_csv import Line, RowError, UnreadableFile, file_problem, parse_line, read_lines
from admin.roll_messages import message
from core.auth import Principal, Role
from core.certified_mobile import CertifiedMobile
from core.clock import IST, Clock
from core.errors import NotFound
from core.language import Language, day_for_people
from core.masking import mask_mobile
from core.observability import logger
from core.store.job_runs import ImportCounts, ImportRun, ImportStatus
from core.store.roll import RollEntry, UpsertOutcome
from core.uploads import UploadGrant

if TYPE_CHECKING:  # protocols type the constructors only
    from core.store.protocols import (
        ImportFiles,
        ImportRunStarts,
        ImportRunSteps,
        ImportUploads,
        ProgrammeReads,
        RollUpserts,
        WorkSends,
    )

UPLOAD_TTL = timedelta(minutes=30)
SEGMENT_LINES = 2_000  # lines between checkpoints
BATCH_LINES = 100  # BatchGetItem's limit
# Stop and continue in a new invocation when less than this is left: a segment takes well under it.
RESERVE_MS = 90_000
REPORT_HEADER = ("line", "employee_code", "outcome", "column", "message")
KEPT_CERTIFIED_MOBILE = "kept_certified_mobile"


class ImportView(BaseModel):
    """An import as its owner sees it, with a download link to the report once there is one."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    run: ImportRun
    report_url: str | None = None
    report_expires_at: AwareDatetime | None = None


class StartedImport(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    run: ImportRun
    upload: UploadGrant


def source_key(import_id: str) -> str:
    return f"imports/{import_id}/source.csv"


def import_id_of(key: str) -> str | None:
    """The import a source key belongs to (None for any other object)."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == "imports" and parts[2] == "source.csv":
        return parts[1]
    return None


class RollImportService:
    """The admin's side: start an import (the upload grant) and follow it."""

    def __init__(self, *, programme_id: str, runs: ImportRunStarts, files: ImportUploads, clock: Clock) -> None:
        self._programme_id = programme_id
        self._runs = runs
        self._files = files
        self._clock = clock

    def start(
        self, principal: Principal, filename: str, *, max_bytes: int, language: Language = Language.EN
    ) -> StartedImport:
        """`language`: what the report is written in (the starting request's Accept-Language)."""
        principal.require(Role.ADMIN)
        now = self._clock.now()
        import_id = f"imp-{now.strftime('%Y%m%d')}-{uuid.uuid4().hex[:12]}"
        run = ImportRun(
            import_id=import_id,
            programme_id=self._programme_id,
            filename=filename,
            status=ImportStatus.AWAITING_UPLOAD,
            created_by=principal.actor_id,
            created_at=now,
            source_key=source_key(import_id),
            report_language=language,
        )
        self._runs.create(run)
        upload = self._files.presign_csv_upload(
            run.source_key, max_bytes=max_bytes, now=now, expires_at=now + UPLOAD_TTL
        )
        return StartedImport(run=run, upload=upload)

    def view(self, principal: Principal, import_id: str) -> ImportView:
        principal.require(Role.ADMIN)
        run = self._runs.get(self._programme_id, import_id)
        if run is None:
            raise NotFound("import", import_id=import_id)
        if run.report_key is None:
            return ImportView(run=run)
        url, expires_at = self._files.download_url(run.report_key, self._clock.now())
        return ImportView(run=run, report_url=url, report_expires_at=expires_at)


class RollImportWorker:
    """The worker's side: validate and load the file, checkpoint by checkpoint."""

    def __init__(
        self,
        *,
        programme_id: str,
        programmes: ProgrammeReads,
        runs: ImportRunSteps,
        roll: RollUpserts,
        files: ImportFiles,
        continuations: WorkSends,
        clock: Clock,
    ) -> None:
        self._programme_id = programme_id
        self._programmes = programmes
        self._runs = runs
        self._roll = roll
        self._files = files
        self._continuations = continuations
        self._clock = clock

    def run(self, import_id: str, remaining_ms: Callable[[], int]) -> ImportRun | None:
        """Works on the import until it is done or time runs short; None if there is no such import."""
        run = self._runs.get(self._programme_id, import_id)
        if run is None or run.status in (ImportStatus.COMPLETED, ImportStatus.FAILED):
            return run  # a redelivered event or continuation: nothing left to do
        content, version = self._files.get_bytes(run.source_key, run.source_version)
        try:
            lines = read_lines(content)
        except UnreadableFile as unreadable:
            return self._fail(run, file_problem(unreadable, run.report_language), version)
        claimed = run.model_copy(
            update={
                "status": ImportStatus.RUNNING,
                "source_version": version,
                "rows_total": len(lines),
                "invocations": run.invocations + 1,
            }
        )
        if not self._runs.advance(run, claimed):
            logger.info("roll import taken by another worker", extra={"import_id": import_id})
            return None
        return self._work(claimed, lines, remaining_ms)

    def _work(self, run: ImportRun, lines: list[Line], remaining_ms: Callable[[], int]) -> ImportRun | None:
        programme = self._programmes.read(self._programme_id).programme
        first_line = _first_lines(lines)
        today = self._clock.now().date()
        segments_done = 0
        while run.next_line < len(lines):
            # At least one segment an invocation, so a continuation always moves the import on.
            if segments_done and remaining_ms() < RESERVE_MS:
                self._continue_later(run)
                return run
            segments_done += 1
            segment = lines[run.next_line : run.next_line + SEGMENT_LINES]
            counts, notes = self._import_segment(
                segment,
                import_id=run.import_id,
                first_line=first_line,
                ddo_codes=frozenset(programme.ddo_codes),
                superannuation_age=programme.eligibility.superannuation_age,
                today=today,
                language=run.report_language,
            )
            parts = list(run.error_parts)
            if notes:
                key = f"imports/{run.import_id}/parts/{run.next_line:07d}.csv"
                self._files.put_csv(key, REPORT_HEADER, notes)
                parts.append(key)
            moved = run.model_copy(
                update={"next_line": run.next_line + len(segment), "counts": run.counts + counts, "error_parts": parts}
            )
            if not self._runs.advance(run, moved):
                logger.info("roll import taken over by another worker", extra={"import_id": run.import_id})
                return None
            run = moved
        return self._complete(run)

    def _import_segment(
        self,
        segment: Sequence[Line],
        *,
        import_id: str,
        first_line: dict[str, int],
        ddo_codes: frozenset[str],
        superannuation_age: int,
        today: date,
        language: Language,
    ) -> tuple[ImportCounts, list[tuple[object, ...]]]:
        notes: list[tuple[object, ...]] = []
        counts = ImportCounts()
        for start in range(0, len(segment), BATCH_LINES):
            valid: list[tuple[Line, RollEntry]] = []
            for line in segment[start : start + BATCH_LINES]:
                parsed = self._checked(line, first_line, ddo_codes, today, language)
                if isinstance(parsed, RollEntry):
                    valid.append((line, parsed))
                else:
                    notes.extend((e.line, e.employee_code, "error", e.column, e.message) for e in parsed)
                    counts += ImportCounts(errors=1)
            outcomes = self._roll.upsert_batch(
                [entry for _, entry in valid], superannuation_age=superannuation_age, import_id=import_id
            )
            for line, entry in valid:
                upserted = outcomes[entry.employee_code]
                counts += ImportCounts(**{upserted.outcome.value: 1})
                if upserted.outcome == UpsertOutcome.REGISTERED:
                    said = message("registered", language)
                    notes.append((line.number, entry.employee_code, upserted.outcome.value, "", said))
                if upserted.kept is not None:
                    counts += ImportCounts(kept_certified_mobile=1)
                    notes.append(_kept_note(line.number, entry, upserted.kept, language))
        return counts, notes

    def _checked(
        self, line: Line, first_line: dict[str, int], ddo_codes: frozenset[str], today: date, language: Language
    ) -> RollEntry | list[RowError]:
        parsed = parse_line(line, programme_id=self._programme_id, ddo_codes=ddo_codes, today=today, language=language)
        first = first_line.get(line.employee_code)
        if line.employee_code and first is not None and first != line.number:
            duplicate = message("duplicate", language, value=line.employee_code, first=first)
            others = [e for e in parsed if e.column != "employee_code"] if isinstance(parsed, list) else []
            return [RowError(line.number, line.employee_code, "employee_code", duplicate), *others]
        return parsed

    def _continue_later(self, run: ImportRun) -> None:
        self._continuations.send([{"import_id": run.import_id}])
        logger.info(
            "roll import continues in a new invocation",
            extra={"import_id": run.import_id, "next_line": run.next_line, "rows_total": run.rows_total},
        )

    def _complete(self, run: ImportRun) -> ImportRun | None:
        report_key = f"imports/{run.import_id}/report.csv"
        counts = run.counts.model_dump()
        rows: list[tuple[object, ...]] = [("", "", f"total_{name}", "", count) for name, count in counts.items()]
        for part in run.error_parts:
            rows.extend(tuple(row) for row in self._files.read_csv(part))
        self._files.put_csv(report_key, REPORT_HEADER, rows)
        done = run.model_copy(
            update={"status": ImportStatus.COMPLETED, "report_key": report_key, "completed_at": self._clock.now()}
        )
        if not self._runs.advance(run, done):
            return None
        logger.info("roll import completed", extra={"import_id": run.import_id, **counts})
        return done

    def _fail(self, run: ImportRun, why: str, version: str | None) -> ImportRun | None:
        report_key = f"imports/{run.import_id}/report.csv"
        self._files.put_csv(report_key, REPORT_HEADER, [("", "", "failed", "", why)])
        failed = run.model_copy(
            update={
                "status": ImportStatus.FAILED,
                "failure": why,
                "source_version": version,
                "report_key": report_key,
                "completed_at": self._clock.now(),
                "invocations": run.invocations + 1,
            }
        )
        return failed if self._runs.advance(run, failed) else None


def _kept_note(number: int, entry: RollEntry, kept: CertifiedMobile, language: Language) -> tuple[object, ...]:
    """A report line: the file's mobile was not applied over one a DDO or HoD certified."""
    said = message(
        KEPT_CERTIFIED_MOBILE,
        language,
        kept=mask_mobile(kept.mobile),
        certified_by=kept.certified_by,
        certified_on=day_for_people(kept.certified_at.astimezone(IST).date(), language),
        given=mask_mobile(entry.record.personal.mobile),
    )
    return (number, entry.employee_code, KEPT_CERTIFIED_MOBILE, "mobile", said)


def _first_lines(lines: Sequence[Line]) -> dict[str, int]:
    """Where each employee code first appears: later lines with the same code are duplicates."""
    first: dict[str, int] = {}
    for line in lines:
        first.setdefault(line.employee_code, line.number)
    return first
