"""Times: RFC 3339 with the UTC offset, to the second, in the officer's local zone."""

from __future__ import annotations

from datetime import date, datetime


def now() -> datetime:
    """The current local time, with its offset, to the second."""
    return datetime.now().astimezone().replace(microsecond=0)


def rfc3339(moment: datetime) -> str:
    """A time as RFC 3339 text with offset, to the second."""
    return moment.replace(microsecond=0).isoformat()


def parse_time(raw: object) -> datetime:
    """A date-time from TOML or text; a time without an offset is taken as local time.

    Text may be RFC 3339, "YYYY-MM-DD HH:MM", "DD/MM/YYYY HH:MM", "HH:MM" (today) or "now".
    """
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, str):
        moment = _parse_text(raw.strip())
    elif isinstance(raw, date):
        raise ValueError(f"expected a date and time, got only a date ({raw})")
    else:
        raise ValueError(f"expected a date and time, got {raw!r}")
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.replace(microsecond=0)


def _parse_text(text: str) -> datetime:
    if text.lower() == "now":
        return now()
    try:
        if len(text) <= 5 and ":" in text:
            clock = datetime.strptime(text, "%H:%M").time()
            return datetime.combine(now().date(), clock)
        if "/" in text:
            return datetime.strptime(text, "%d/%m/%Y %H:%M")
        text = text.replace(" ", "T", 1)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"expected a date and time such as 21/11/2026 22:10 or 2026-11-21T22:10, got {text!r}"
        ) from None
