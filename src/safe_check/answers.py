"""Answer values: turning what an officer or a file gives into checked, stored values."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from safe_check.checklist import (
    AgeFrom,
    Checklist,
    Date,
    DateTime,
    Done,
    Leaf,
    LongText,
    MultiChoice,
    Number,
    Roster,
    ShortText,
    SingleChoice,
    YesNo,
    YesNoUnknown,
    choice_values,
)
from safe_check.conditions import describe
from safe_check.engine import Answers, Slot, entry_name, plan
from safe_check.errors import AnswersError
from safe_check.timefmt import not_future, now, parse_time, rfc3339

TRI_WORDS: Final = {"yes": "yes", "no": "no", "not_known": "not_known", "not known": "not_known"}
RESERVED: Final = "record"
INVALID: Final = object()  # stands in for a value already reported as wrong


def coerce(q: Leaf, raw: Any) -> Any:
    """The stored value for an answer to `q`, or ValueError saying what is wrong."""
    if isinstance(q, YesNo):
        return _yes_no(raw)
    if isinstance(q, YesNoUnknown):
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        if isinstance(raw, str) and raw.strip().lower() in TRI_WORDS:
            return TRI_WORDS[raw.strip().lower()]
        raise ValueError(f"expected yes, no or not_known, got {raw!r}")
    if isinstance(q, SingleChoice):
        return _choice(q, raw)
    if isinstance(q, MultiChoice):
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list):
            raise ValueError(f"expected a list of choices, got {raw!r}")
        chosen = list(dict.fromkeys(_choice(q, v) for v in items))
        alone = [c.label for c in q.choices if c.exclusive and c.value in chosen]
        if alone and len(chosen) > 1:
            raise ValueError(f"'{alone[0]}' cannot be ticked with other answers")
        if not chosen and q.required and any(c.exclusive for c in q.choices):
            only = next(c.label for c in q.choices if c.exclusive)
            raise ValueError(f"tick at least one (tick '{only}' if that is the answer)")
        return chosen
    if isinstance(q, ShortText | LongText):
        return _text(q, raw)
    if isinstance(q, Number):
        return _number(q, raw)
    if isinstance(q, Date):
        return _date(raw)
    if isinstance(q, DateTime):
        return rfc3339(not_future(parse_time(raw), "the time"))
    if isinstance(q, Done):
        return _done(raw)
    raise ValueError(f"unknown question kind for {q.id}")


def _yes_no(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("yes", "no"):
        return raw.strip().lower() == "yes"
    raise ValueError(f"expected yes or no (true or false), got {raw!r}")


def _choice(q: SingleChoice | MultiChoice, raw: Any) -> str:
    allowed = choice_values(q)
    if raw not in allowed:
        raise ValueError(f"{raw!r} is not one of the choices ({', '.join(allowed)})")
    return raw


def _text(q: ShortText | LongText, raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"expected text, got {raw!r}")
    text = raw.strip()
    if isinstance(q, ShortText):
        if "\n" in text:
            raise ValueError("expected one line of text")
        if len(text) > q.max_length:
            raise ValueError(f"at most {q.max_length} characters (got {len(text)})")
    if not text:
        raise ValueError("is empty")
    return text


def _number(q: Number, raw: Any) -> int:
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError(f"expected a whole number, got {raw!r}")
    if q.min is not None and raw < q.min:
        raise ValueError(f"must be at least {q.min} (got {raw})")
    if q.max is not None and raw > q.max:
        raise ValueError(f"must be at most {q.max} (got {raw})")
    return raw


def _date(raw: Any) -> str:
    if isinstance(raw, datetime):
        raise ValueError(f"expected a date without a time, got {raw!r}")
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, str):
        return parse_date(raw)
    raise ValueError(f"expected a date as YYYY-MM-DD, got {raw!r}")


def parse_date(text: str) -> str:
    """A date typed as YYYY-MM-DD or, as UK officers write it, DD/MM/YYYY."""
    text = text.strip()
    try:
        if "/" in text:
            return datetime.strptime(text, "%d/%m/%Y").date().isoformat()
        return date.fromisoformat(text).isoformat()
    except ValueError:
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}", text):
            raise ValueError(f"{text} is not a real date") from None
        raise ValueError(f"expected a date as DD/MM/YYYY or YYYY-MM-DD, got {text!r}") from None


def _done(raw: Any) -> dict[str, Any]:
    if raw is True or (isinstance(raw, str) and raw.strip().lower() == "done"):
        return {"done": True}
    if (
        isinstance(raw, dict)
        and set(raw) <= {"done", "reason"}
        and isinstance(raw.get("done"), bool)
    ):
        if raw["done"]:
            return {"done": True}
        reason = raw.get("reason")
        if isinstance(reason, str) and reason.strip():
            return {"done": False, "reason": reason.strip()}
    raise ValueError('"not done" needs a reason: use { done = false, reason = "..." }, or true')


def read_file(path: Path) -> dict[str, Any]:
    """Read an answers file, TOML or JSON (chosen by extension, TOML otherwise)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise AnswersError([f"cannot read: {err.strerror}"], str(path)) from None
    except UnicodeDecodeError:
        raise AnswersError(["not UTF-8 text (save it as UTF-8)"], str(path)) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except RecursionError:
        raise AnswersError(["nested too deeply to be an answers file"], str(path)) from None
    except (ValueError, tomllib.TOMLDecodeError) as err:
        raise AnswersError(
            [f"not valid {path.suffix.lstrip('.') or 'TOML'}: {err}"], str(path)
        ) from None
    if not isinstance(data, dict):
        raise AnswersError(["expected a table of question ids and answers"], str(path))
    return data


def record_meta(data: dict[str, Any]) -> tuple[str | None, datetime | None, list[str]]:
    """The `[record]` table of an answers file: subject reference and incident time."""
    meta = data.get(RESERVED) or {}
    problems = []
    if not isinstance(meta, dict):
        return None, None, ["[record] must be a table"]
    for key in set(meta) - {"subject_ref", "incident_at"}:
        problems.append(f"[record]: unknown key '{key}' (use subject_ref, incident_at)")
    ref = meta.get("subject_ref")
    if ref is not None and not isinstance(ref, str):
        problems.append("[record]: subject_ref must be text")
        ref = None
    when = None
    if "incident_at" in meta:
        try:
            when = not_future(parse_time(meta["incident_at"]), "the incident time")
        except ValueError as err:
            problems.append(f"[record]: incident_at: {err}")
    return ref, when, problems


def check_answers(
    cl: Checklist, data: dict[str, Any], incident_at: datetime
) -> tuple[Answers, list[str]]:
    """Turn a whole answers file into stored values, listing every problem found."""
    problems: list[str] = []
    items = {item.id: item for _, item in cl.items()}
    answers: Answers = {}
    for key, raw in data.items():
        if key == RESERVED:
            continue
        item = items.get(key)
        if item is None:
            problems.append(f"'{key}': no such question in {cl.id}")
        elif isinstance(item, Roster):
            answers[key] = _roster(item, raw, problems)
        else:
            _put(answers, item, raw, f"'{item.id}'", problems)
    return answers, problems + _completeness(cl, answers, incident_at)


def _put(into: Answers, q: Leaf, raw: Any, where: str, problems: list[str]) -> None:
    try:
        into[q.id] = coerce(q, raw)
    except ValueError as err:
        problems.append(f"{where}: {err}")
        into[q.id] = INVALID  # reported once, here: not again as "required, not answered"


def _roster(r: Roster, raw: Any, problems: list[str]) -> list[Answers]:
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        problems.append(f"'{r.id}': expected a list of entries ([[{r.id}]] tables)")
        return []
    inner = {q.id: q for q in r.questions}
    entries = []
    for index, given in enumerate(raw):
        entry: Answers = {}
        label = f"{r.label} {index + 1} ({r.id}[{index}])"
        for key, value in given.items():
            if key not in inner:
                problems.append(f"{label}: '{key}': no such question in {r.id}")
            else:
                _put(entry, inner[key], value, f"{label}: '{key}'", problems)
        entries.append(entry)
    return entries


def _completeness(cl: Checklist, answers: Answers, incident_at: datetime) -> list[str]:
    """Required answers missing, answers to questions that do not apply, roster sizes, ages."""
    current = plan(cl, answers, incident_at)
    problems = []
    for slot in current.slots:
        value = _lookup(answers, slot)
        if value is None and isinstance(slot.question, DateTime):
            _fill(answers, current.answers, slot, rfc3339(now()))
        elif value is None and slot.question.required:
            problems.append(f"{_where(slot, answers)}: required, not answered")
        elif (
            isinstance(value, str)
            and _is_age_source(slot)
            and value > incident_at.date().isoformat()
        ):
            problems.append(f"{_where(slot, answers)}: {value} is after the incident")
    problems += _not_applicable(cl, answers, current.answers)
    for _, item in cl.items():
        if isinstance(item, Roster) and item.id in current.answers:
            count = len(answers.get(item.id) or [])
            if count < item.min:
                problems.append(f"'{item.id}': needs at least {item.min} entries, got {count}")
            if count > item.max:
                problems.append(f"'{item.id}': at most {item.max} entries, got {count}")
    return problems


def _is_age_source(slot: Slot) -> bool:
    derived = slot.roster.derived if slot.roster else []
    return any(isinstance(d, AgeFrom) and d.from_ == slot.question.id for d in derived)


def _lookup(answers: Answers, slot: Slot) -> Any:
    if slot.roster is None:
        return answers.get(slot.question.id)
    return answers[slot.roster.id][slot.entry].get(slot.question.id)


def _fill(answers: Answers, kept: Answers, slot: Slot, value: Any) -> None:
    for target in (answers, kept):
        if slot.roster is None:
            target[slot.question.id] = value
        else:
            target[slot.roster.id][slot.entry][slot.question.id] = value


def _where(slot: Slot, answers: Answers) -> str:
    if slot.roster is None:
        return f"'{slot.question.id}'"
    entry = answers[slot.roster.id][slot.entry]
    name = entry_name(slot.roster, slot.entry or 0, entry)
    return f"{name} ({slot.roster.id}[{slot.entry}]): '{slot.question.id}'"


def _not_applicable(cl: Checklist, given: Answers, kept: Answers) -> list[str]:
    """Answers the file gives for questions that do not apply to its other answers."""
    problems = []
    for section, item in cl.items():
        cond = item.when or section.when
        if item.id in given and item.id not in kept:
            problems.append(
                f"'{item.id}': answered, but it does not apply (asked only when {describe(cond)})"
            )
        if not isinstance(item, Roster) or item.id not in kept:
            continue
        inner = {q.id: q for q in item.questions}
        pairs = zip(given.get(item.id) or [], kept[item.id], strict=False)
        for index, (entry, entry_kept) in enumerate(pairs):
            for key in set(entry) - set(entry_kept):
                name = entry_name(item, index, entry)
                problems.append(
                    f"{name} ({item.id}[{index}]): '{key}': answered, but it does not apply "
                    f"(asked only when {describe(inner[key].when)})"
                )
    return problems
