"""The admin function's HTTP models."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from admin.reports import Export, Fairness, Summary
from admin.roll_import import ImportView, StartedImport
from admin.rules import WindowChange
from admin.service import WindowsView
from admin.stats import PublicStats
from core.history import HistoryEvent
from core.language import Language
from core.store.job_runs import ImportCounts, ImportStatus
from core.transparency_audit import AuditRun
from core.uploads import UploadGrant


class WindowChangeRequest(WindowChange):
    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "registration_closes_at": "2026-02-15T23:59:59+05:30",
                    "order_ref": "HR/GAD/2026/17",
                    "reason": "Registration extended by two weeks after OTP delivery failed in Nuh district.",
                    "version": 3,
                },
                {
                    "verification_closes_at": "2026-03-31T17:30:00+05:30",
                    "order_ref": "HR/GAD/2026/22",
                    "reason": "सत्यापन की अंतिम तिथि 31 मार्च 2026 तक बढ़ाई गई।",
                },
            ]
        },
    )

    order_ref: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=3, max_length=100),
        Field(description="The government order that moves the deadline, e.g. 'HR/GAD/2026/17'."),
    ]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=1000)]
    version: int | None = Field(
        default=None, ge=0, description="The programme version you read; a stale one gets 409 version_conflict."
    )


class WindowsResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    programme_id: str
    version: int
    registration_opens_at: AwareDatetime
    registration_closes_at: AwareDatetime
    verification_closes_at: AwareDatetime
    registration_open: bool
    verification_open: bool
    now: AwareDatetime
    history: list[HistoryEvent]
    chain_valid: bool

    @classmethod
    def of(cls, view: WindowsView) -> WindowsResponse:
        programme = view.stored.programme
        return cls(
            programme_id=programme.programme_id,
            version=view.stored.version,
            registration_opens_at=programme.registration.opens_at,
            registration_closes_at=programme.registration.closes_at,
            verification_closes_at=programme.verification_closes_at,
            registration_open=programme.registration.is_open(view.now),
            verification_open=programme.verification.is_open(view.now),
            now=view.now,
            history=[HistoryEvent.of(e) for e in view.events],
            chain_valid=view.verdict.valid,
        )


# ---------------------------------------------------------------- reports
class SummaryResponse(Summary):
    """Per group: registrations by state, grievances open and overdue, the verification backlog
    against the deadline (`needed_per_day` is what must be cleared each remaining day) and the
    mobile-correction requests awaiting a DDO or HoD (`corrections_pending`)."""


class FairnessResponse(Fairness):
    """Per department and DDO: decisions, rates and median days, with z-scores against the rest of
    the department; `flags` names what is more than `threshold` standard deviations out."""


class PublicStatsResponse(PublicStats):
    """Per department, district or DDO, and for the whole programme: registrations by state, decision
    rates and the median days to a decision; grievances filed, resolved, escalated and overdue, and the
    median days to a resolution. Groups with fewer than `suppression.min_records` records are withheld."""


class ExportResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    by: str
    rows: int
    url: str = Field(description="A pre-signed GET of the CSV; it works until expires_at.")
    expires_at: AwareDatetime

    @classmethod
    def of(cls, export: Export) -> ExportResponse:
        return cls(by=export.by.value, rows=export.rows, url=export.url, expires_at=export.expires_at)


# ---------------------------------------------------------------- roll imports
class RollImportRequest(BaseModel):
    model_config = ConfigDict(
        defer_build=True,
        extra="forbid",
        json_schema_extra={"examples": [{"filename": "roll-health-2026-01.csv"}, {"filename": "रोल-स्वास्थ्य-2026.csv"}]},
    )

    filename: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=5, max_length=120, pattern=r"^[^/\\\x00-\x1f\x7f-\x9f]+\.[cC][sS][vV]$"
        ),
        Field(description="The file's name, for the record (a .csv; UTF-8, Hindi allowed)."),
    ]


class RollImportResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    import_id: str
    filename: str
    status: ImportStatus
    created_at: AwareDatetime
    created_by: str
    rows_total: int | None = Field(description="Data lines in the file; known once the import has started.")
    rows_done: int
    progress: float | None = Field(description="rows_done / rows_total, 0 to 1.")
    counts: ImportCounts
    failure: str | None
    completed_at: AwareDatetime | None
    report_url: str | None = Field(description="A pre-signed GET of the report CSV, once there is one.")
    report_expires_at: AwareDatetime | None
    report_language: Language = Field(
        description="The language of the report and of `failure`: the Accept-Language (hi or en) of the request "
        "that started the import."
    )

    @classmethod
    def of(cls, view: ImportView) -> RollImportResponse:
        run = view.run
        return cls(
            import_id=run.import_id,
            filename=run.filename,
            status=run.status,
            created_at=run.created_at,
            created_by=run.created_by,
            rows_total=run.rows_total,
            rows_done=run.next_line,
            progress=round(run.next_line / run.rows_total, 4) if run.rows_total else None,
            counts=run.counts,
            failure=run.failure,
            completed_at=run.completed_at,
            report_url=view.report_url,
            report_expires_at=view.report_expires_at,
            report_language=run.report_language,
        )


class RollImportStarted(BaseModel):
    model_config = ConfigDict(defer_build=True)

    import_id: str
    status: ImportStatus
    upload: UploadGrant = Field(description="POST the file to url with these fields (multipart), the file last.")

    @classmethod
    def of(cls, started: StartedImport) -> RollImportStarted:
        return cls(import_id=started.run.import_id, status=started.run.status, upload=started.upload)


class AuditRunsResponse(BaseModel):
    model_config = ConfigDict(defer_build=True)

    items: list[AuditRun] = Field(description="The auditor's runs, newest first, each with its verdict and findings")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")
