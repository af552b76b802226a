"""The reader's language (Hindi or English) and how values read in it: dates and times for people,
in IST, with Hindi month names in Hindi. Pure: no I/O."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any

from core.clock import IST


class Language(StrEnum):
    EN = "en"
    HI = "hi"


DEFAULT_LANGUAGE = Language.EN

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTHS_HI = (
    "जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून",
    "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर",
)  # fmt: skip


def preferred_language(accept_language: str | None) -> Language:
    """RFC 9110 Accept-Language, reduced to the two languages we write: the supported language with
    the highest q (the first listed on a tie); region tags count (`hi-IN` is Hindi); `*` and anything
    else fall back to English. A malformed header is read as far as it makes sense, never refused."""
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        try:
            language = Language(primary)
        except ValueError:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        if best is None or quality > best[0]:
            best = (quality, position, language)
    return best[2] if best else DEFAULT_LANGUAGE


def day_for_people(day: date, language: Language) -> str:
    """31 January 2026 / 31 जनवरी 2026."""
    months = _MONTHS_HI if language == Language.HI else _MONTHS_EN
    return f"{day.day} {months[day.month - 1]} {day.year}"


def _hour_12(at: datetime) -> str:
    return f"{(at.hour % 12) or 12}:{at.minute:02d}"


def _part_of_day_hi(hour: int) -> str:
    if 4 <= hour < 12:
        return "सुबह"
    if 12 <= hour < 16:
        return "दोपहर"
    if 16 <= hour < 20:
        return "शाम"
    return "रात"


def instant_for_people(at: datetime, language: Language) -> str:
    """31 January 2026 at 11:59 pm IST / 31 जनवरी 2026, रात 11:59 बजे (IST). Always in IST."""
    local = at.astimezone(IST) if at.tzinfo else at.replace(tzinfo=IST)
    day = day_for_people(local.date(), language)
    if language == Language.HI:
        return f"{day}, {_part_of_day_hi(local.hour)} {_hour_12(local)} बजे (IST)"
    return f"{day} at {_hour_12(local)} {'am' if local.hour < 12 else 'pm'} IST"


def for_people(value: Any, language: Language) -> str:
    """A placeholder's value as a person reads it."""
    if isinstance(value, datetime):
        return instant_for_people(value, language)
    if isinstance(value, date):
        return day_for_people(value, language)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(for_people(v, language) for v in value)
    return "" if value is None else str(value)
