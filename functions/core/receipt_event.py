"""Where a signed receipt's act sits: in the record's chain and in the transparency log. What the
receipt routes answer beside the receipt; apart from the offline check (core.receipts), which loads
every receipt model, so that a function loads only the receipts it gives."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from core.audit import LoggedEvent
from core.signing import ReceiptKind, SignedBase


class ReceiptEvent(BaseModel):
    """Where the receipt's act sits in the record's chain and in the transparency log."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    event_recorded: bool  # the chain holds the event the receipt names (a decision: the event holding it)
    event_hash: str | None
    leaf_index: int | None  # None until the sequencer has logged the event


def receipt_event(logged: Sequence[LoggedEvent], signed: SignedBase) -> ReceiptEvent:
    """The event a receipt belongs to, read from the record's logged history: the one at seq `version`.
    A submission or filing receipt names that event's hash; a decision's receipt is inside its event."""
    receipt = signed.receipt.model_dump(mode="json")
    found = next((e for e in logged if e.event.seq == receipt["version"]), None)
    if found is None:
        return ReceiptEvent(event_recorded=False, event_hash=None, leaf_index=None)
    event = found.event
    if receipt["kind"] == ReceiptKind.DECISION:
        recorded = event.data.get("signed_receipt") == signed.model_dump(mode="json")
    else:
        recorded = event.hash == receipt["event_hash"]
    recorded = recorded and event.computed_hash() == event.hash
    return ReceiptEvent(
        event_recorded=recorded, event_hash=event.hash, leaf_index=found.leaf_index if recorded else None
    )
