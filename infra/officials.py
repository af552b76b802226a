"""`anubandh officials import`: DDOs, HoDs, grievance officers and admins from a CSV, into Cognito and
the directory, with the operator's AWS credentials.

Per line, in this order (so a run that stops half-way is finished by running it again):

1. Cognito: a new official is created (`AdminCreateUser`; Cognito e-mails the invitation with a
   temporary password) in their role's group; a changed role moves them between groups; changed
   details update their attributes; a disabled official is disabled (`AdminDisableUser`) and signed
   out everywhere (`AdminUserGlobalSignOut`: their refresh tokens die); an enabled one is enabled.
2. The directory: one TransactWriteItems with the official's record, the `sub#` link every request
   reads, and the next event of the official's own hash chain (`core.officials`). A disabled
   official's link gets `tokens_valid_after`, so even an unexpired token is refused within the
   server's 60 s cache.

An unchanged line writes nothing. With `disable_missing`, the file is the complete list: every active
official it does not name is disabled the same way (only when no line had a problem).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from core.audit import Actor
from core.auth import Role
from core.errors import VersionConflict
from core.identity import Official
from core.officials import ChangeKind, NothingToDisable, OfficialChange, disabling, plan, record
from core.store.directory import DirectoryStore, StoredOfficial
from core.store.events import EventStore
from infra.deployment import aws_problem
from infra.officials_csv import LineProblem, OfficialsFile

COUNT_NAMES = ("created", "updated", "enabled", "disabled", "unchanged", "errors")
REPORT_HEADER = ("line", "username", "outcome", "column", "message")
OFFICIAL_ROLES = (Role.DDO, Role.HOD, Role.OFFICER, Role.ADMIN)
# Errors no later line can escape: the run stops (exit 1) rather than fail every line alike.
_FATAL = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "ResourceNotFoundException",
        "UnrecognizedClientException",
    }
)
_HINTS = {
    "LimitExceededException": "Cognito's e-mail allowance is used up for today (50 a day without SES): "
    "run the same import again tomorrow; lines already imported stay unchanged",
}


class LineFailed(Exception):
    """This line could not be carried out; the others go on."""


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    problems: list[LineProblem] = field(default_factory=list)
    changes: list[tuple[int | None, OfficialChange]] = field(default_factory=list)  # (line, change)
    missing_kept: str | None = None  # why officials missing from the file were not disabled

    @property
    def disabled_missing(self) -> list[str]:
        return [change.username for line, change in self.changes if line is None]


def cognito_failure(error: ClientError, doing: str) -> Exception:
    code = error.response.get("Error", {}).get("Code", "?")
    if code in _FATAL:
        return aws_problem(error, doing)
    message = error.response.get("Error", {}).get("Message", "")
    hint = f" ({_HINTS[code]})" if code in _HINTS else ""
    return LineFailed(f"Cognito refused to {doing}: {code}: {message}{hint}")


class Provisioner:
    """Carries out one planned change: Cognito first, then the directory transaction."""

    def __init__(
        self,
        *,
        cognito: Any,
        directory: DirectoryStore,
        events: EventStore,
        user_pool_id: str,
        actor: Actor,
        reason: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._cognito = cognito
        self._directory = directory
        self._events = events
        self._pool = user_pool_id
        self._actor = actor
        self._reason = reason
        self._now = now

    def apply(self, change: OfficialChange) -> StoredOfficial:
        sub = self._cognito_side(change)
        items, stored = record(
            change,
            sub=sub,
            at=self._now(),
            actor=self._actor,
            reason=self._reason,
            directory=self._directory,
            events=self._events,
        )
        try:
            self._events.commit(items)
        except VersionConflict as conflict:
            raise LineFailed("changed by someone else meanwhile: run the import again") from conflict
        return stored

    def _call(self, doing: str, operation: str, **request: Any) -> dict[str, Any]:
        try:
            reply: dict[str, Any] = getattr(self._cognito, operation)(UserPoolId=self._pool, **request)
        except ClientError as error:
            raise cognito_failure(error, doing) from error
        return reply

    def _cognito_side(self, change: OfficialChange) -> str:
        """The official's Cognito user as the change wants it; returns its sub."""
        after, before = change.after, change.before
        username = after.username
        if before is None:
            sub = self._create_user(after)
        else:
            sub = before.sub
            if "details" in change.data:
                self._update_attributes(after)
        old_role = before.official.role if before else None
        if old_role != after.role:
            if old_role is not None:
                self._call("leave the old group", "admin_remove_user_from_group", Username=username, GroupName=old_role)
            self._call("join the role's group", "admin_add_user_to_group", Username=username, GroupName=after.role)
        if change.kind == ChangeKind.DISABLED:
            self._call("disable the user", "admin_disable_user", Username=username)
            self._call("sign the user out", "admin_user_global_sign_out", Username=username)
        elif change.kind == ChangeKind.ENABLED:
            self._call("enable the user", "admin_enable_user", Username=username)
        return sub

    def _create_user(self, official: Official) -> str:
        """A new user with Cognito's invitation; a user left by an earlier, unfinished run is taken over."""
        username = official.username
        try:
            user = self._cognito.admin_create_user(
                UserPoolId=self._pool,
                Username=username,
                UserAttributes=_attributes(official),
                DesiredDeliveryMediums=["EMAIL"],
            )["User"]
            return _sub(user["Attributes"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "UsernameExistsException":
                raise cognito_failure(error, "create the user") from error
        found = self._call("read the existing user", "admin_get_user", Username=username)
        sub = _sub(found["UserAttributes"])
        link = self._directory.link(sub)
        if link is not None and (link.role == Role.EMPLOYEE or link.username != username):
            raise LineFailed(f"the username {username} belongs to another account ({link.role.value}): choose another")
        self._update_attributes(official)
        if found.get("UserStatus") == "FORCE_CHANGE_PASSWORD":  # the first invitation may have lapsed
            self._call(
                "send the invitation again",
                "admin_create_user",
                Username=username,
                MessageAction="RESEND",
                DesiredDeliveryMediums=["EMAIL"],
            )
        return sub

    def _update_attributes(self, official: Official) -> None:
        self._call(
            "update the user's details",
            "admin_update_user_attributes",
            Username=official.username,
            UserAttributes=_attributes(official),
        )


def _attributes(official: Official) -> list[dict[str, str]]:
    # The operator vouches for the e-mail: verified, so the official can reset a forgotten password.
    return [
        {"Name": "email", "Value": official.email},
        {"Name": "email_verified", "Value": "true"},
        {"Name": "name", "Value": official.name},
    ]


def _sub(attributes: list[Mapping[str, str]]) -> str:
    return next(a["Value"] for a in attributes if a["Name"] == "sub")


Progress = Callable[[int, int, Mapping[str, int]], None]


def import_officials(
    parsed: OfficialsFile,
    *,
    directory: DirectoryStore,
    provisioner: Provisioner | None,
    disable_missing: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Every line in file order, then (with `disable_missing`) the officials the file leaves out.
    `provisioner=None` is a dry run: the same plan, nothing written."""
    result = ImportResult()
    total = len(parsed.lines)

    def carry_out(line: int | None, change: OfficialChange) -> None:
        if change.kind != ChangeKind.UNCHANGED and provisioner is not None:
            provisioner.apply(change)
        result.counts[change.kind.value] += 1
        if change.kind != ChangeKind.UNCHANGED:
            result.changes.append((line, change))

    for done, line in enumerate(parsed.lines, start=1):
        problems = list(line.problems)
        if line.official is not None:
            try:
                carry_out(line.number, plan(directory.official(line.username), line.official))
            except NothingToDisable as nobody:
                problems.append(LineProblem(line.number, line.username, "status", f"{nobody}: check the username"))
            except LineFailed as failed:
                problems.append(LineProblem(line.number, line.username, "", str(failed)))
        if problems:
            result.problems.extend(problems)
            result.counts["errors"] += 1
        if progress is not None:
            progress(done, total, result.counts)
    if disable_missing:
        if result.counts["errors"]:
            result.missing_kept = (
                f"{result.counts['errors']} line(s) had problems, so nobody missing from the file was disabled: "
                "fix them and run the import again"
            )
            return result
        for official in _active_officials(directory):
            if official.username not in parsed.usernames:
                stored = directory.official(official.username)
                if stored is not None and stored.official.active:
                    try:
                        carry_out(None, disabling(stored))
                    except LineFailed as failed:
                        result.problems.append(LineProblem(0, official.username, "", f"not disabled: {failed}"))
                        result.counts["errors"] += 1
    return result


def _active_officials(directory: DirectoryStore) -> list[Official]:
    """Every active official: one Query of the sparse by_role index per role, never a Scan."""
    return [official for role in OFFICIAL_ROLES for official in directory.members(role)]


def report_rows(result: ImportResult) -> list[tuple[object, ...]]:
    """`line, username, outcome, column, message`: the totals, the lines not imported, then whoever was
    disabled for being missing from a complete list."""
    rows: list[tuple[object, ...]] = [("", "", f"total_{name}", "", count) for name, count in result.counts.items()]
    rows += [(p.line or "", p.username, "error", p.column, p.message) for p in result.problems]
    rows += [("", name, "disabled", "", "not in the file (--disable-missing)") for name in result.disabled_missing]
    return rows
