"""Who is calling, decided by the server: the verified `sub` looked up in the directory.

API Gateway (or the local gateway) has checked the token's signature, issuer, expiry and client.
Nothing else in the token is trusted for scope: an id token and an access token of the same person
carry different claims, and a scope written into a token stays stale for its hour. The directory
(the `directory` table) links each sub to a roll entry (an employee, linked at the first OTP
sign-in) or to an official with one role and its scope (imported by an operator). A warm Lambda
keeps what it read for at most 60 s, so a moved DDO loses the old office and a disabled official
is refused within a minute.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator

from core.auth import Principal, Role
from core.errors import AccountDisabled, SessionRevoked, Unauthenticated
from core.types import DdoCode, Email, EmployeeCode, Mobile, OfficialUsername, ShortText

PRINCIPAL_CACHE_SECONDS = 60.0
# The role an official holds and the one scope attribute that role needs.
SCOPE_OF_ROLE: dict[Role, str | None] = {
    Role.DDO: "ddo_code",
    Role.HOD: "department",
    Role.OFFICER: "unit",
    Role.ADMIN: None,
}


class IdentityLink(BaseModel):
    """What the directory says about one Cognito user (one `sub`)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    sub: str
    username: str
    role: Role
    employee_code: EmployeeCode | None = None
    ddo_code: str | None = None
    department: str | None = None
    unit: str | None = None
    active: bool = True
    # Tokens issued before this instant are refused (sign-out, an official disabled).
    tokens_valid_after: AwareDatetime | None = None

    def principal(self) -> Principal:
        return Principal(
            sub=self.sub,
            username=self.username,
            roles=frozenset({self.role}),
            employee_code=self.employee_code,
            ddo_code=self.ddo_code,
            department=self.department,
            unit=self.unit,
        )


class Official(BaseModel):
    """A DDO, HoD, grievance officer or admin as an operator imports them: one role, its one scope."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    username: OfficialUsername
    name: ShortText
    email: Email
    mobile: Mobile
    role: Role
    ddo_code: DdoCode | None = None
    department: ShortText | None = None
    unit: ShortText | None = None
    active: bool = True

    @model_validator(mode="after")
    def _one_scope_for_the_role(self) -> Official:
        if self.role == Role.EMPLOYEE:
            raise ValueError("employees are not officials: they sign in by OTP to the roll's mobile")
        needed = SCOPE_OF_ROLE[self.role]
        for scope in ("ddo_code", "department", "unit"):
            given = getattr(self, scope) is not None
            if scope == needed and not given:
                raise ValueError(f"a {self.role.value} needs {scope}")
            if scope != needed and given:
                raise ValueError(f"a {self.role.value} has no {scope}")
        return self

    @property
    def scope(self) -> dict[str, str]:
        """The role and its scope, as the audit trail records a change of them."""
        needed = SCOPE_OF_ROLE[self.role]
        return {"role": self.role.value, **({needed: str(getattr(self, needed))} if needed else {})}

    def link(self, sub: str, *, tokens_valid_after: datetime | None = None) -> IdentityLink:
        return IdentityLink(
            sub=sub,
            username=self.username,
            role=self.role,
            ddo_code=self.ddo_code,
            department=self.department,
            unit=self.unit,
            active=self.active,
            tokens_valid_after=tokens_valid_after,
        )


class LinkReader(Protocol):
    def link(self, sub: str) -> IdentityLink | None: ...


def _issued_at(claims: Mapping[str, Any]) -> float | None:
    # API Gateway hands every claim to the Lambda as a string.
    try:
        return float(claims["iat"])
    except (KeyError, TypeError, ValueError):
        return None


class Directory:
    """Principals from the directory, each kept for at most `ttl_seconds` in this warm Lambda."""

    def __init__(
        self,
        links: LinkReader,
        *,
        ttl_seconds: float = PRINCIPAL_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._links = links
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, IdentityLink | None]] = {}
        self._lock = threading.Lock()

    def _link(self, sub: str) -> IdentityLink | None:
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(sub)
        if cached is not None and cached[0] > now:
            return cached[1]
        link = self._links.link(sub)
        with self._lock:
            self._cache[sub] = (now + self._ttl, link)
        return link

    def forget(self, sub: str) -> None:
        """After this container changed the link (a sign-out): read it afresh next time."""
        with self._lock:
            self._cache.pop(sub, None)

    def principal(self, claims: Mapping[str, Any] | None) -> Principal:
        if not claims or not claims.get("sub"):
            raise Unauthenticated()
        sub = str(claims["sub"])
        link = self._link(sub)
        if link is None:
            # Signed in, but nobody the portal knows: every role-bound route answers 403.
            return Principal(sub=sub, username=sub, roles=frozenset())
        if not link.active:
            raise AccountDisabled()
        issued = _issued_at(claims)
        if link.tokens_valid_after is not None and (issued is None or issued < link.tokens_valid_after.timestamp()):
            raise SessionRevoked()
        return link.principal()
