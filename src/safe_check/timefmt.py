"""Times: RFC 3339 with the UTC offset, to the second, in the officer's local zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

FUTURE_SLACK: Final = timedelta(minutes=5)  # clocks differ; more than this ahead is a mistake


def now() -> datetime:
    """The current local time, with its offset, to the second."""
    return datetime.now().astimezone().replace(microsecond=0)


def rfc3339(moment: datetime) -> str:
    """A time as RFC 3339 text with offset, to the second."""
    return moment.replace(microsecond=0).isoformat()


def parse_time(raw: object) -> datetime:
    """A date-time from TOML or text, in the officer's local zone (so the incident's date,
    and with it every age, is the local date). A time without an offset is local time.

    Text may be RFC 3339, "YYYY-MM-DD HH:MM", "DD/MM/YYYY HH:MM", "HH:MM" (the latest such
    time: at 09:00, "22:10" is last night) or "now".
    """
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, str):
        moment = _parse_text(raw.strip())
    elif isinstance(raw, date):
        raise ValueError(f"expected a date and time, got only a date ({raw})")
    else:
        raise ValueError(f"expected a date and time, got {raw!r}")
    return moment.astimezone().replace(microsecond=0)


def not_future(moment: datetime, what: str) -> datetime:
    """The time itself, or ValueError when it is later than now (a typo, or a wrong clock)."""
    if moment > now() + FUTURE_SLACK:
        raise ValueError(f"{what} {rfc3339(moment)} is in the future")
    return moment


def _parse_text(text: str) -> datetime:
    if text.lower() == "now":
        return now()
    try:
        if len(text) <= 5 and ":" in text:
            clock = datetime.strptime(text, "%H:%M").time()
            moment = datetime.combine(now().date(), clock).astimezone()
            return moment - timedelta(days=1) if moment > now() + FUTURE_SLACK else moment
        if "/" in text:
            return datetime.strptime(text, "%d/%m/%Y %H:%M")
        text = text.replace(" ", "T", 1)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"expected a time such as 22:10, 21/11/2026 22:10 or 2026-11-21T22:10, got {text!r}"
        ) from None
