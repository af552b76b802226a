"""API models of the transparency routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from core.transparency import SignedCheckpoint


class ConsistencyResponse(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    old: SignedCheckpoint = Field(description="The checkpoint at `from`")
    new: SignedCheckpoint = Field(description="The checkpoint at `to`")
    proof: list[str] = Field(description="RFC 9162 consistency proof, hex SHA-256 hashes")
