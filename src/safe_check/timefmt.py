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
    """A date-time from TOML or text; a time without an offset is taken as local time."""
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, str):
        text = raw.strip().replace(" ", "T", 1)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"expected a date and time such as 2026-11-21T22:10, got {raw!r}"
            ) from None
    elif isinstance(raw, date):
        raise ValueError(f"expected a date and time, got only a date ({raw})")
    else:
        raise ValueError(f"expected a date and time, got {raw!r}")
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.replace(microsecond=0)
