"""The principal the server builds from the verified sub and the directory; never from token claims."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from core.auth import Role
from core.errors import AccountDisabled, SessionRevoked, Unauthenticated
from core.identity import Directory, IdentityLink, Official


class Links:
    """A directory in memory that counts its reads."""

    def __init__(self, *links: IdentityLink) -> None:
        self.by_sub = {link.sub: link for link in links}
        self.reads = 0

    def link(self, sub: str) -> IdentityLink | None:
        self.reads += 1
        return self.by_sub.get(sub)


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


DDO = IdentityLink(sub="s-ddo", username="ddo1", role=Role.DDO, ddo_code="DDO-PKL-001")
EMPLOYEE = IdentityLink(sub="s-emp", username="emp:EMP-0001", role=Role.EMPLOYEE, employee_code="EMP-0001")
ID_TOKEN = {"sub": "s-ddo", "token_use": "id", "cognito:username": "ddo1", "iat": "1767225600"}
ACCESS_TOKEN = {"sub": "s-ddo", "token_use": "access", "username": "ddo1", "iat": "1767225600"}


def test_id_and_access_tokens_of_one_person_give_the_same_principal() -> None:
    directory = Directory(Links(DDO))
    assert directory.principal(ID_TOKEN) == directory.principal(ACCESS_TOKEN)
    assert directory.principal(ACCESS_TOKEN).ddo_code == "DDO-PKL-001"


def test_scope_claims_in_a_token_are_ignored() -> None:
    # Given a token that claims another office and the admin group
    forged = {**ACCESS_TOKEN, "custom:ddo_code": "DDO-HSR-001", "cognito:groups": "[admin]"}
    # Then the directory decides: still a DDO of DDO-PKL-001
    principal = Directory(Links(DDO)).principal(forged)
    assert principal.roles == {Role.DDO}
    assert principal.ddo_code == "DDO-PKL-001"


def test_an_employee_is_their_roll_entry() -> None:
    principal = Directory(Links(EMPLOYEE)).principal({"sub": "s-emp", "iat": "1767225600"})
    assert principal.roles == {Role.EMPLOYEE}
    assert principal.employee_code == "EMP-0001"
    assert principal.actor_id == "user:emp:EMP-0001"


def test_a_sub_the_directory_does_not_know_has_no_role() -> None:
    principal = Directory(Links()).principal({"sub": "stranger"})
    assert principal.roles == frozenset()


def test_a_scope_change_is_seen_after_the_cache_minute_and_not_before() -> None:
    # Given a warm directory that has read the DDO once
    links, ticks = Links(DDO), Ticks()
    directory = Directory(links, monotonic=ticks)
    directory.principal(ID_TOKEN)
    # When an operator moves the DDO to Hisar
    links.by_sub["s-ddo"] = DDO.model_copy(update={"ddo_code": "DDO-HSR-001"})
    # Then within the minute the cached scope holds (one read in all) ...
    ticks.now += 59
    assert directory.principal(ID_TOKEN).ddo_code == "DDO-PKL-001"
    assert links.reads == 1
    # ... and after it the new office applies
    ticks.now += 2
    assert directory.principal(ID_TOKEN).ddo_code == "DDO-HSR-001"
    assert links.reads == 2


def test_a_disabled_official_is_refused_even_with_an_unexpired_token() -> None:
    links = Links(DDO.model_copy(update={"active": False}))
    with pytest.raises(AccountDisabled):
        Directory(links).principal(ID_TOKEN)


def test_tokens_issued_before_a_sign_out_are_refused_and_later_ones_accepted() -> None:
    signed_out = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)  # one second after ID_TOKEN's iat
    directory = Directory(Links(DDO.model_copy(update={"tokens_valid_after": signed_out})))
    with pytest.raises(SessionRevoked):
        directory.principal(ID_TOKEN)
    assert directory.principal({**ID_TOKEN, "iat": "1767225602"}).roles == {Role.DDO}


def test_forget_reads_the_link_afresh() -> None:
    links = Links(DDO)
    directory = Directory(links)
    directory.principal(ID_TOKEN)
    directory.forget("s-ddo")
    directory.principal(ID_TOKEN)
    assert links.reads == 2


@pytest.mark.parametrize("claims", [None, {}, {"cognito:username": "no-sub"}, {"sub": ""}])
def test_missing_identity_is_unauthenticated(claims: dict[str, str] | None) -> None:
    with pytest.raises(Unauthenticated):
        Directory(Links()).principal(claims)


def official(**fields: object) -> Official:
    base: dict[str, object] = {"username": "ddo.pkl1", "name": "R. K. Sharma", "email": "ddo@hr.gov.in"}
    return Official.model_validate({**base, "mobile": "9876512345", **fields})


def test_an_official_has_exactly_the_scope_of_the_role() -> None:
    assert official(role="ddo", ddo_code="DDO-PKL-001").scope == {"role": "ddo", "ddo_code": "DDO-PKL-001"}
    assert official(role="admin").scope == {"role": "admin"}
    for wrong in (
        {"role": "ddo"},  # no DDO code
        {"role": "hod", "department": "Health", "unit": "GRV-PKL-L1"},  # a scope the role has not
        {"role": "employee"},  # employees sign in by OTP
        {"role": "admin", "username": "EMP-0001"},  # looks like an employee code
    ):
        with pytest.raises(ValidationError):
            official(**wrong)
