"""The officials (grievance officers, HoDs, DDOs) as the user pool knows them: who holds which unit,
department or DDO code. Read by the daily digest; O(officials), from Cognito's group listing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Official:
    username: str
    unit: str | None = None
    department: str | None = None
    ddo_code: str | None = None


class OfficialDirectory:
    def __init__(self, cognito: Any, user_pool_id: str) -> None:
        self._cognito = cognito
        self._pool = user_pool_id

    def members(self, group: str) -> list[Official]:
        found: list[Official] = []
        request: dict[str, Any] = {"UserPoolId": self._pool, "GroupName": group, "Limit": 60}
        while True:
            page = self._cognito.list_users_in_group(**request)
            for user in page.get("Users", []):
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                found.append(
                    Official(
                        username=user["Username"],
                        unit=attributes.get("custom:unit"),
                        department=attributes.get("custom:department"),
                        ddo_code=attributes.get("custom:ddo_code"),
                    )
                )
            if not page.get("NextToken"):
                return found
            request["NextToken"] = page["NextToken"]
