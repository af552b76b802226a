"""The verify function: the DDO's queue and decisions, signed receipts, the HoD's escalated items."""
