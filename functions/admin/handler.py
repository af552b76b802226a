"""HTTP routes of the admin function."""

from __future__ import annotations

from core import cold_start

with cold_start.imports():
    from functools import cached_property
    from typing import Annotated, Any

    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.openapi.params import Body, Query
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from admin.audits import AuditRuns
    from admin.models import (
        AuditRunsResponse,
        ExportResponse,
        FairnessResponse,
        PublicStatsResponse,
        RollImportRequest,
        RollImportResponse,
        RollImportStarted,
        SummaryResponse,
        WindowChangeRequest,
        WindowsResponse,
    )
    from admin.reports import GroupBy, ReportService
    from admin.roll_import import RollImportService
    from admin.service import AdminService
    from admin.settings import AdminSettings, get_settings
    from admin.stats import PublicStatsService
    from core.clock import current_clock
    from core.errors import (
        Busy,
        Forbidden,
        InvalidCursor,
        InvalidRequest,
        InvalidWindow,
        NotFound,
        ProgrammeUnavailable,
        VersionConflict,
    )
    from core.http import Caller, contract, create_resolver, decode_cursor, encode_cursor, request_language
    from core.observability import observed
    from core.store.audits import AuditStore
    from core.store.counters import CounterStore
    from core.store.events import EventStore
    from core.store.job_runs import ImportRunStore
    from core.store.reports import ReportStore
    from core.wiring import HttpWiring

app = create_resolver()


class AdminWiring(HttpWiring[AdminSettings]):
    @cached_property
    def service(self) -> AdminService:
        settings = self.settings
        return AdminService(
            programme_id=settings.programme_id,
            programmes=self.programmes,
            events=EventStore(self.aws.dynamodb, settings.events_table),
            clock=current_clock(),
        )

    @cached_property
    def reports(self) -> ReportService:
        settings = self.settings
        return ReportService(
            programme_id=settings.programme_id,
            programmes=self.programmes,
            counters=CounterStore(self.aws.dynamodb, settings.counters_table),
            reports=ReportStore(self.aws.s3, settings.reports_bucket),
            clock=current_clock(),
        )

    @cached_property
    def public_stats(self) -> PublicStatsService:
        settings = self.settings
        return PublicStatsService(
            programme_id=settings.programme_id,
            counters=CounterStore(self.aws.dynamodb, settings.counters_table),
            clock=current_clock(),
        )

    @cached_property
    def imports(self) -> RollImportService:
        settings = self.settings
        return RollImportService(
            programme_id=settings.programme_id,
            runs=ImportRunStore(self.aws.dynamodb, settings.job_runs_table),
            files=ReportStore(self.aws.s3, settings.reports_bucket),
            clock=current_clock(),
        )

    @cached_property
    def audits(self) -> AuditRuns:
        return AuditRuns(AuditStore(self.aws.dynamodb, self.settings.transparency_audits_table))


wiring = AdminWiring(get_settings)
caller = Caller(app, lambda: wiring.directory)


@app.get(
    "/v1/admin/windows",
    tags=["admin"],
    summary="The programme's windows, with the history of every change and its government order",
    **contract(
        Forbidden,
        ProgrammeUnavailable,
        callers="`admin`.",
    ),
)
def get_windows() -> WindowsResponse:
    return WindowsResponse.of(wiring.service.windows(caller()))


@app.put(
    "/v1/admin/windows",
    tags=["admin"],
    summary="Set or extend a window under a government order (audited; every function sees it within a minute)",
    **contract(
        Forbidden,
        VersionConflict,
        InvalidRequest,
        InvalidWindow,
        ProgrammeUnavailable,
        Busy,
        callers="`admin`.",
        changes="the programme's registration and verification closing times (a new programme version and an "
        "audited event naming the government order); every function sees them within a minute.",
    ),
)
def put_windows(request: Annotated[WindowChangeRequest, Body()]) -> WindowsResponse:
    return WindowsResponse.of(wiring.service.change_windows(caller(), request, request.version))


GroupByQuery = Annotated[GroupBy, Query(description="department, district or ddo")]


@app.get(
    "/v1/admin/reports/summary",
    tags=["reports"],
    summary="Registrations by state, grievances open and overdue, the verification and mobile-correction backlogs: "
    "per group (HoD: own dept)",
    **contract(
        Forbidden,
        InvalidRequest,
        ProgrammeUnavailable,
        callers="`admin` (every department) or `hod` (their own).",
    ),
)
def report_summary(by: GroupByQuery = GroupBy.DEPARTMENT) -> SummaryResponse:
    return SummaryResponse.model_validate(wiring.reports.summary(caller(), by), from_attributes=True)


@app.get(
    "/v1/admin/reports/export",
    tags=["reports"],
    summary="The summary as a CSV, through a short-lived download URL",
    **contract(
        Forbidden,
        InvalidRequest,
        ProgrammeUnavailable,
        callers="`admin` (every department) or `hod` (their own).",
        changes="writes the CSV to the reports bucket; no record changes.",
    ),
)
def report_export(by: GroupByQuery = GroupBy.DEPARTMENT) -> ExportResponse:
    return ExportResponse.of(wiring.reports.export(caller(), by))


@app.get(
    "/v1/admin/reports/fairness",
    tags=["reports"],
    summary="Per DDO: decisions, approval/send-back/rejection rates, median days; outliers in their department flagged",
    **contract(
        Forbidden,
        InvalidRequest,
        callers="`admin` (every department) or `hod` (their own).",
    ),
)
def report_fairness(
    min_decisions: Annotated[int, Query(ge=1, le=10_000)] = 20,
    threshold: Annotated[float, Query(gt=0, le=10)] = 2.0,
) -> FairnessResponse:
    fairness = wiring.reports.fairness(caller(), min_decisions=min_decisions, threshold=threshold)
    return FairnessResponse.model_validate(fairness, from_attributes=True)


@app.get(
    "/v1/transparency/stats",
    tags=["transparency"],
    summary="Public statistics, no personal data: registrations and grievances per group, small groups withheld",
    **contract(
        InvalidRequest,
        public=True,
        callers="anyone.",
        notes="Read from the counters and cached for 5 minutes (`Cache-Control: public, max-age`). Per department, "
        "district or DDO and for the whole programme: registrations by state, the verified, sent-back and rejected "
        "rates of the decisions taken and the median days to a decision; grievances filed, resolved, escalated and "
        "overdue, and the median days to a resolution. A group's figures of fewer than 5 records are null "
        "(`suppression` says how many and why).",
    ),
)
def transparency_stats(by: GroupByQuery = GroupBy.DEPARTMENT) -> Response[PublicStatsResponse]:
    cached = wiring.public_stats.read(by)
    return Response(
        status_code=200,
        content_type="application/json",
        body=PublicStatsResponse.model_validate(cached.stats, from_attributes=True),
        headers={"Cache-Control": f"public, max-age={cached.fresh_for_seconds}"},
    )


@app.post(
    "/v1/admin/roll-imports",
    tags=["roll"],
    summary="Start a roll import: returns a pre-signed POST for the CSV; the upload starts the import",
    **contract(
        Forbidden,
        InvalidRequest,
        callers="`admin`.",
        changes="creates a roll import in state AWAITING_UPLOAD; the upload of the CSV starts it.",
        success=201,
    ),
)
def start_roll_import(request: Annotated[RollImportRequest, Body()]) -> RollImportStarted:
    started = wiring.imports.start(
        caller(), request.filename, max_bytes=wiring.settings.roll_import_max_bytes, language=request_language(app)
    )
    return RollImportStarted.of(started)


@app.get(
    "/v1/admin/roll-imports/<import_id>",
    tags=["roll"],
    summary="A roll import's status, progress (rows done / total), counts and the link to its report",
    **contract(
        Forbidden,
        NotFound,
        callers="`admin`.",
    ),
)
def get_roll_import(import_id: str) -> RollImportResponse:
    return RollImportResponse.of(wiring.imports.view(caller(), import_id))


@app.get(
    "/v1/admin/transparency/audits",
    tags=["transparency"],
    summary="The transparency auditor's runs, newest first: each verdict and its findings (record, event seq, "
    "what differs)",
    **contract(
        Forbidden,
        InvalidRequest,
        InvalidCursor,
        callers="`admin`.",
        notes="The auditor runs hourly and checks every event, record chain and the log's tree against the signed "
        "checkpoints.",
    ),
)
def transparency_audits(
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> AuditRunsResponse:
    page = wiring.audits.page(caller(), limit=limit, start=decode_cursor(cursor))
    return AuditRunsResponse(items=page.runs, next_cursor=encode_cursor(page.last_key) if page.last_key else None)


@observed(correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
