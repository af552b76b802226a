"""What services need of the stores and recorders, as Protocols: a service types its dependencies with
these, so a unit test can hand it a small in-memory fake instead of moto. The classes of the per-table
modules (and core.recorder) satisfy them structurally; nothing here reads or writes DynamoDB.

Each Protocol names only the methods its services call. A store's transaction runs inside the store (a
recorded change, with its event, in the events store: EventStore.commit) and refuses with a typed domain
error (core.errors), so no service or recorder sees a DynamoDB item, a client or a ConditionFailed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # types only: importing this module costs a cold start nothing
    from core.audit import Actor, AuditEvent, LoggedEvent, StoredEvent
    from core.auth import Role
    from core.certificates import Certificate
    from core.certified_mobile import CertifiedMobile
    from core.corrections import Correction
    from core.grievance import Attachment, Grievance, GrievanceChange
    from core.identity import IdentityLink, Official
    from core.merkle import Node
    from core.notices import Contact
    from core.otp import Allowance, BurstLimit, Challenge, SendLimits
    from core.programme import Programme
    from core.registration import ContentType, Document, Registration, RegistrationStatus, StoredFile
    from core.store.directory import StoredOfficial
    from core.store.dynamo import Page, TxItem
    from core.store.grievances import ListFilter
    from core.store.job_runs import ImportRun
    from core.store.notifications import Claim, LedgerKey, PendingRequest
    from core.store.programmes import StoredProgramme
    from core.store.registrations import QueueFilter, SlotRefused, SweepPage
    from core.store.roll import Retiring, RollEntry, Upserted
    from core.store.sign_in import Slot
    from core.transparency import LogState, SignedCheckpoint, Unsequenced
    from core.transparency_audit import AuditRun
    from core.uploads import ObjectInspection, UploadGrant


# ------------------------------------------------------------------ shared reads
class Programmes(Protocol):
    def get(self, programme_id: str) -> Programme: ...


class ProgrammeReads(Protocol):
    def read(self, programme_id: str) -> StoredProgramme: ...


class ProgrammeChanges(ProgrammeReads, Protocol):
    def change(
        self, stored: StoredProgramme, programme: Programme, event: AuditEvent, *, events: EventAppends
    ) -> StoredProgramme:
        """The new programme with its event, in one transaction; VersionConflict if it changed meanwhile."""
        ...


class RollEntries(Protocol):
    def get(self, employee_code: str, programme_id: str) -> RollEntry | None: ...


class RollLinks(RollEntries, Protocol):
    def link_registration(self, employee_code: str, programme_id: str, registration_id: str) -> TxItem:
        """For the registration's first transaction, which raises RegistrationExists if the entry has one."""
        ...


class WorkSends(Protocol):
    """A work queue (core.store.work_queue.WorkQueue)."""

    def send(self, bodies: Sequence[dict[str, Any]]) -> int:
        """Each body as one message; the number sent."""
        ...


class Registrations(Protocol):
    def get(self, registration_id: str) -> Registration | None: ...


class RegistrationSlots(Registrations, Protocol):
    def add_pending_document(
        self,
        registration_id: str,
        document: Document,
        *,
        owner_sub: str,
        allowed_statuses: Sequence[RegistrationStatus],
    ) -> SlotRefused | None: ...


class RegistrationQueues(Registrations, Protocol):
    def queue(
        self, *, index: str, partition: str, where: QueueFilter, limit: int, start: dict[str, Any] | None
    ) -> Page[Registration]: ...


class RegistrationImages(Protocol):
    """What the registration recorder (core.recorder.ChangeRecorder) writes of a record."""

    def create(self, registration: Registration) -> TxItem:
        """For the change's transaction, which raises VersionConflict if the record exists."""
        ...

    def replace(self, registration: Registration, *, expected_version: int) -> TxItem:
        """For the change's transaction, which raises VersionConflict if the record moved."""
        ...

    def put_documents(self, registration_id: str, documents: Sequence[Document]) -> list[TxItem]: ...


class CounterTotals(Protocol):
    def totals(self, *, kind: str, programme_id: str, scope: str, value: str) -> dict[str, int]: ...


class Counters(CounterTotals, Protocol):
    def add(
        self, *, kind: str, programme_id: str, shard_key: str, scope: str, value: str, amounts: Mapping[str, int]
    ) -> TxItem | None:
        """For a change's transaction: one group's counters moved by `amounts` (None: nothing moves)."""
        ...


class CounterGroups(Protocol):
    def groups(self, *, kind: str, programme_id: str, scope: str, prefix: str = "") -> dict[str, dict[str, int]]:
        """Every group of a scope whose value starts with `prefix`, its shards summed."""
        ...


class NotificationRequests(Protocol):
    def request(
        self,
        *,
        entity: str,
        seq: int,
        recipient: str,
        template: str,
        data: dict[str, Any],
        at: datetime,
        index: int = 0,
        contact: Contact | None = None,
    ) -> TxItem:
        """For a change's transaction: the notice it asks for (a second one for the same change fails)."""
        ...


class RegistrationChanges(Protocol):
    """Commits a registration's change with its event and counters (core.recorder.ChangeRecorder)."""

    def record(
        self,
        *,
        before: Registration | None,
        after: Registration,
        event_type: str,
        actor: Actor,
        at: datetime,
        data: dict[str, Any] | None = None,
        reason: str | None = None,
        documents: Sequence[Document] = (),
        extra: Sequence[TxItem] = (),
        seal: Callable[[AuditEvent, Registration], Registration] | None = None,
    ) -> Registration:
        """The stored image; VersionConflict if anyone changed it meanwhile, or the refusal of an `extra`."""
        ...


class RegistrationTransitions(Protocol):
    """A deadline's change of state of a registration (core.recorder.ChangeRecorder.transition)."""

    def transition(
        self,
        registration: Registration,
        *,
        expected: RegistrationStatus,
        to: RegistrationStatus,
        event_type: str,
        actor: Actor,
        at: datetime,
        reason: str,
        extra: Sequence[TxItem] = (),
    ) -> Registration:
        """InvalidState unless the record is in `expected`; VersionConflict if it changed meanwhile."""
        ...


class CorrectionChanges(Protocol):
    """Commits a mobile-correction request's change with its event and counters (core.recorder)."""

    def record(
        self,
        *,
        before: Correction | None,
        after: Correction,
        event_type: str,
        actor: Actor,
        at: datetime,
        data: dict[str, Any] | None = None,
        reason: str | None = None,
        extra: Sequence[TxItem] = (),
    ) -> Correction:
        """The stored image; VersionConflict if the request, the employee's pending one or the roll entry moved."""
        ...


class Certificates(Protocol):
    def get(self, serial: str) -> Certificate | None: ...

    def issue(self, certificate: Certificate) -> TxItem:
        """For the registration's transaction, which raises VersionConflict if the serial is taken."""
        ...

    def replace(self, certificate: Certificate, *, expected_version: int) -> TxItem:
        """For the registration's transaction, which raises VersionConflict if the certificate moved."""
        ...


class LoggedHistories(Protocol):
    def logged_history(self, entity: str) -> list[LoggedEvent]:
        """A record's audit chain, each event with its place in the transparency log (if it has one yet)."""
        ...


class Histories(LoggedHistories, Protocol):
    """A record's audit chain, as stored and as logged."""

    def history(self, entity: str) -> list[AuditEvent]: ...


class EventAppends(Protocol):
    def append(self, event: AuditEvent, *, record: str) -> TxItem:
        """The next link of a chain, for the change's transaction, which raises VersionConflict naming
        `record` if that link exists (someone else changed the record meanwhile)."""
        ...


class EventChain(Histories, EventAppends, Protocol):
    """A chain read, and its next link written with the change that makes it."""


class EventCommits(EventAppends, Protocol):
    """What a recorder needs of the events store: the next link, and the change's one transaction."""

    def commit(self, change: Sequence[TxItem]) -> None:
        """The change's items in one transaction; a failed item raises the refusal its store gave it."""
        ...


# ------------------------------------------------------------------ files in S3 (core.uploads.ObjectStore)
class FileLinks(Protocol):
    """What a DDO's case file needs of the documents bucket: a link to a stored file."""

    def download_url_of(self, stored: StoredFile, *, now: datetime) -> tuple[str, datetime]: ...


class FileSlots(FileLinks, Protocol):
    """What the upload slots need: a pre-signed POST, a check of what arrived, and its retention."""

    def presign_post(
        self, *, key: str, content_type: ContentType, size_bytes: int, now: datetime, expires_at: datetime
    ) -> UploadGrant: ...

    def inspect(
        self, *, key: str, declared_type: ContentType, declared_size: int, max_bytes: int
    ) -> ObjectInspection: ...

    def retain(self, *, key: str, version_id: str | None, until: datetime) -> None: ...


# ------------------------------------------------------------------ grievances
class Grievances(Protocol):
    def get(self, grievance_id: str) -> Grievance | None: ...

    def page(
        self, *, index: str, partition: str, where: ListFilter, limit: int, start: dict[str, Any] | None
    ) -> Page[Grievance]: ...

    def touch_activity(self, *, username: str, role: str, scope: str, now: datetime) -> bool:
        """True if it noted the visit, False if this hour's was noted already; ActivityNotNoted if it failed."""
        ...

    def count_filing(self, *, employee_code: str, limit: int, now: datetime) -> TxItem:
        """The filing's +1 to its month, for the filing's transaction, which raises GrievanceLimit at the limit."""
        ...

    def add_attachment(self, grievance: Grievance, attachment: Attachment, *, owner_sub: str) -> None:
        """InvalidTransition if the grievance was closed since it was read."""
        ...

    def record_attachment_check(self, grievance_id: str, attachment: Attachment) -> bool:
        """False when a concurrent confirm recorded it first."""
        ...


class GrievanceImages(Protocol):
    """What the grievance recorder (core.grievance_recorder) writes of a grievance."""

    def create(self, grievance: Grievance) -> TxItem:
        """For the change's transaction, which raises VersionConflict if the grievance exists."""
        ...

    def replace(self, grievance: Grievance, *, expected_version: int) -> TxItem:
        """For the change's transaction, which raises VersionConflict if the grievance moved."""
        ...


class GrievanceChanges(Protocol):
    """Commits a grievance's change with its event, counters and notices (core.recorder.GrievanceRecorder)."""

    def record(
        self,
        *,
        before: Grievance | None,
        change: GrievanceChange,
        actor: Actor,
        at: datetime,
        extra: Sequence[TxItem] = (),
        seal: Callable[[AuditEvent, Grievance], Grievance] | None = None,
    ) -> Grievance:
        """The stored image; VersionConflict if anyone changed it meanwhile, or the refusal of an `extra`."""
        ...


class GrievanceSweepIndex(Protocol):
    def due_for_sweep(
        self, *, sweep: str, shard: int, until: datetime, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[str], dict[str, Any] | None]:
        """One page of one sweep shard: the ids whose sweep time is at or before `until`, oldest first."""
        ...


class SweptGrievances(GrievanceSweepIndex, Protocol):
    """What the grievance sweeps (core.grievance_sla) find and read."""

    def get(self, grievance_id: str) -> Grievance | None: ...


class GrievanceCounts(Protocol):
    """What the officer digest reads of the grievances: queue counts and the officers' last visits."""

    def count(
        self, *, index: str, partition: str, ranks: tuple[str, ...], overdue_at: datetime | None = None
    ) -> int: ...

    def last_seen(self, username: str) -> datetime | None: ...


# ------------------------------------------------------------------ mobile corrections (the roll function)
class RollCertifications(RollEntries, Protocol):
    def entries(self, codes: Sequence[str], programme_id: str) -> dict[str, RollEntry]: ...

    def certify_mobile(self, entry: RollEntry, certified: CertifiedMobile, *, event_head: str) -> TxItem:
        """For the change's transaction, which fails if the entry moved since it was read."""
        ...


class Corrections(Protocol):
    def get(self, correction_id: str) -> Correction | None: ...

    def pending_id(self, programme_id: str, employee_code: str) -> str | None: ...

    def queue(self, *, index: str, partition: str, limit: int, start: dict[str, Any] | None) -> Page[Correction]: ...

    def commit_direct(self, programme_id: str, employee_code: str, writes: Sequence[TxItem]) -> None:
        """A direct correction's writes in one transaction: CorrectionPending while the employee has a
        pending request, VersionConflict if the roll entry or its chain moved."""
        ...


class CounterTransitions(Protocol):
    def transition(
        self,
        *,
        kind: str,
        programme_id: str,
        shard_key: str,
        before: tuple[Mapping[str, str], Collection[str]] | None,
        after: tuple[Mapping[str, str], Collection[str]],
    ) -> list[TxItem]:
        """For a change's transaction: the counters of a record moving from `before` to `after`."""
        ...


class CorrectionImages(Protocol):
    """What the correction recorder (core.correction_recorder) writes of a request."""

    def open(self, correction: Correction) -> list[TxItem]:
        """For the change's transaction: the new request and the employee's pending marker."""
        ...

    def replace(self, correction: Correction, *, expected_version: int) -> list[TxItem]:
        """For the change's transaction, which raises VersionConflict if the request moved."""
        ...


class HelpCorrections(CorrectionImages, Protocol):
    """The employee's pending request, read by a help request (core.mobile_help) and then recorded."""

    def get(self, correction_id: str) -> Correction | None: ...

    def pending_id(self, programme_id: str, employee_code: str) -> str | None: ...


class CorrectionCounters(CounterTotals, CounterTransitions, Protocol):
    """A queue's pending total, and a change's counters."""


class ChainLinks(EventAppends, Protocol):
    """A chain as stored, and its next link written with the change that makes it."""

    def history(self, entity: str) -> list[AuditEvent]: ...


# ------------------------------------------------------------------ sign-in (the auth function)
class SignInRecords(Protocol):
    """OTP challenges and the request limits' windows (core.store.sign_in.SignInStore)."""

    def take(self, kind: str, key: str, limit: SendLimits | BurstLimit, now: datetime) -> tuple[Allowance, Slot | None]:
        """Counts the request against `limit` if it allows it: the slot taken, or None if refused."""
        ...

    def give_back(self, slot: Slot) -> bool:
        """The window as it was before `slot`, unless another request took one since (then False)."""
        ...

    def put_challenge(self, challenge: Challenge) -> None: ...

    def challenge(self, challenge_id: str) -> Challenge | None: ...

    def forget_challenge(self, challenge_id: str) -> None: ...

    def spend_attempt(self, challenge: Challenge) -> Challenge | None:
        """One wrong answer: the challenge after it; None if it was answered meanwhile."""
        ...

    def mark_answered(self, challenge: Challenge, *, proof_digest: str, username: str, at: datetime) -> bool:
        """False if the challenge changed since it was read."""
        ...

    def answer_again(self, challenge: Challenge, *, proof_digest: str, at: datetime) -> bool:
        """False if the challenge changed since it was read."""
        ...


class IdentityLinks(Protocol):
    """A signed-in user's link to the roll, and the end of their sessions (core.store.directory)."""

    def link(self, sub: str) -> IdentityLink | None: ...

    def bind_employee(self, link: IdentityLink) -> None: ...

    def end_sessions(self, sub: str, at: datetime) -> None: ...


class OfficialSaves(Protocol):
    """An official's record and sign-in link (core.officials.record, for the operator's import)."""

    def save_official(self, before: StoredOfficial | None, after: StoredOfficial, *, at: datetime) -> list[TxItem]:
        """For the change's transaction, which raises VersionConflict if the record moved."""
        ...


# ------------------------------------------------------------------ the admin function: reports, imports, audit runs
class ReportFiles(Protocol):
    def put_csv(self, key: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str: ...

    def download_url(self, key: str, now: datetime) -> tuple[str, datetime]: ...


class ImportRunReads(Protocol):
    def get(self, programme_id: str, import_id: str) -> ImportRun | None: ...


class ImportRunStarts(ImportRunReads, Protocol):
    def create(self, run: ImportRun) -> None: ...


class ImportRunSteps(ImportRunReads, Protocol):
    def advance(self, before: ImportRun, after: ImportRun) -> bool:
        """`after` stored if the run is still `before`; False if another worker moved it meanwhile."""
        ...


class ImportUploads(Protocol):
    def presign_csv_upload(self, key: str, *, max_bytes: int, now: datetime, expires_at: datetime) -> UploadGrant: ...

    def download_url(self, key: str, now: datetime) -> tuple[str, datetime]: ...


class ImportFiles(Protocol):
    def get_bytes(self, key: str, version_id: str | None = None) -> tuple[bytes, str | None]:
        """The object's content and version."""
        ...

    def put_csv(self, key: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str: ...

    def read_csv(self, key: str) -> list[list[str]]: ...


class RollUpserts(Protocol):
    def upsert_batch(
        self, entries: Sequence[RollEntry], *, superannuation_age: int, import_id: str | None = None
    ) -> dict[str, Upserted]:
        """Each entry's outcome, by employee code; an entry linked to a registration is never changed."""
        ...


class AuditRunPages(Protocol):
    def runs(self, *, limit: int, start: dict[str, Any] | None) -> tuple[list[AuditRun], dict[str, Any] | None]:
        """The auditor's runs, newest first, a page at a time."""
        ...


# ------------------------------------------------------------------ the transparency log
class SequencedEvents(Protocol):
    def unsequenced(self, limit: int) -> list[Unsequenced]: ...

    def mark_sequenced(self, event: Unsequenced, leaf_index: int) -> TxItem: ...


class LogStore(Protocol):
    def state(self) -> LogState: ...

    def put_nodes(self, nodes: Mapping[tuple[int, int], str]) -> int: ...

    def append(
        self, before: LogState, after: LogState, leaves: Sequence[tuple[Unsequenced, int]], *, events: SequencedEvents
    ) -> Unsequenced | None:
        """None when written; else the already-logged event to leave out. VersionConflict: the log moved."""
        ...

    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]: ...

    def put_checkpoint(self, signed: SignedCheckpoint) -> None: ...

    def latest_checkpoint(self) -> SignedCheckpoint | None: ...

    def checkpoint(self, tree_size: int) -> SignedCheckpoint | None: ...


class CheckpointArchiving(Protocol):
    """The locked copies of the signed checkpoints (core.store.checkpoint_archive.CheckpointArchive)."""

    def put(self, signed: SignedCheckpoint) -> str: ...

    def newest_key_at(self, tree_size: int) -> str | None: ...

    def get(self, key: str) -> SignedCheckpoint: ...


# ------------------------------------------------------------------ the transparency auditor and the jobs
class ArchivedCheckpoints(Protocol):
    def newest(self, count: int) -> list[SignedCheckpoint]:
        """The newest `count` archived checkpoints, newest first."""
        ...


class EventScan(Protocol):
    def every_event(self) -> Iterator[StoredEvent]: ...


class LogReads(Protocol):
    def latest_checkpoint(self) -> SignedCheckpoint | None: ...

    def nodes(self, wanted: Iterable[Node]) -> dict[Node, bytes]: ...


class AuditRuns(Protocol):
    def record_run(self, run: AuditRun, *, told: Collection[str]) -> None: ...

    def sample_cursor(self) -> str | None: ...

    def move_sample_cursor(self, after: str, at: datetime) -> None: ...

    def notified(self, keys: Collection[str]) -> set[str]: ...


class Members(Protocol):
    def members(self, role: Role) -> list[Official]: ...


class JobNotices(Protocol):
    def request_for_job(
        self,
        *,
        job_run: str,
        recipient: str,
        template: str,
        data: dict[str, Any],
        at: datetime,
        contact: Contact | None = None,
    ) -> bool:
        """Writes the request once per run of the job: False when this run already made it."""
        ...


# ------------------------------------------------------------------ the job planners (the reminders function)
class RegistrationSweeps(Protocol):
    def sweep(
        self, *, programme_id: str, status: RegistrationStatus, shard: int, start: dict[str, Any] | None = None
    ) -> SweepPage:
        """One page of one shard of the sparse sweep index: only the records a deadline acts on."""
        ...


class JobRuns(Protocol):
    def get(self, job: str, programme_id: str, deadline: datetime) -> dict[str, Any] | None: ...

    def claim(self, job: str, programme_id: str, deadline: datetime, record: dict[str, Any]) -> bool:
        """True for the first run after a deadline that records itself."""
        ...


class JobReports(Protocol):
    @property
    def bucket(self) -> str: ...

    def put_csv(self, key: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str: ...


class RollUnregistered(Protocol):
    def unregistered(
        self, *, programme_id: str, shard: int, start: dict[str, Any] | None = None
    ) -> tuple[list[str], dict[str, Any] | None]:
        """One page of one shard: employee codes on the roll with no registration yet."""
        ...


class RollRetiring(Protocol):
    def retiring(self, *, programme_id: str, month: date) -> list[Retiring]: ...


class PendingNotices(Protocol):
    def pending(
        self, *, shard: int, limit: int, start: dict[str, Any] | None
    ) -> tuple[list[PendingRequest], dict[str, Any] | None]:
        """One page of one shard of the outbox's undelivered requests, oldest first."""
        ...


# ------------------------------------------------------------------ the job workers (the reminders function)
class DeadlineNotices(Protocol):
    def deadline_notice(self, registration: Registration, template: str, *, deadline: datetime, at: datetime) -> TxItem:
        """For the deadline's change of the registration: the notice to its employee, once per change."""
        ...


class NoticeOutbox(Protocol):
    def get_request(self, pk: str, sk: str) -> PendingRequest | None:
        """The request if it is still undelivered."""
        ...

    def mark_delivered(self, pk: str, sk: str, *, at: datetime, outcome: str) -> None: ...


# ------------------------------------------------------------------ delivery (core.delivery)
class NoticeLedger(Protocol):
    """The ledger of sends (recipient, campaign, channel, day): claimed before a send, confirmed after it."""

    def claim(self, key: LedgerKey, *, at: datetime, record: dict[str, Any]) -> Claim: ...

    def release(self, key: LedgerKey, *, claimed_at: datetime) -> None: ...

    def confirm(self, key: LedgerKey, *, at: datetime, message_id: str) -> None: ...
