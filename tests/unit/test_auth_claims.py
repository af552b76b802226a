"""The principal built from API Gateway's claims."""

from __future__ import annotations

import pytest

from core.auth import Role, principal_from_claims
from core.errors import Forbidden, Unauthenticated


@pytest.mark.parametrize("groups", ["[ddo hod]", ["ddo", "hod"], "[ddo,hod]"])
def test_groups_are_read_in_every_shape_api_gateway_sends(groups: object) -> None:
    principal = principal_from_claims({"sub": "s", "cognito:username": "u", "cognito:groups": groups})
    assert principal.roles == {Role.DDO, Role.HOD}


def test_unknown_groups_give_no_role() -> None:
    principal = principal_from_claims({"sub": "s", "cognito:groups": "[superuser]"})
    assert principal.roles == frozenset()
    with pytest.raises(Forbidden):
        principal.require(Role.ADMIN)


def test_custom_attributes_bind_the_caller() -> None:
    principal = principal_from_claims(
        {"sub": "s", "cognito:username": "ddo1", "cognito:groups": "[ddo]", "custom:ddo_code": "DDO-PKL-001"}
    )
    assert principal.ddo_code == "DDO-PKL-001"
    assert principal.actor_id == "user:ddo1"


@pytest.mark.parametrize("claims", [None, {}, {"cognito:username": "no-sub"}])
def test_missing_identity_is_unauthenticated(claims: dict | None) -> None:
    with pytest.raises(Unauthenticated):
        principal_from_claims(claims)
