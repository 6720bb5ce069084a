"""A commented answers file: each question, its kind, choices and when it applies."""

from __future__ import annotations

import textwrap
from typing import Any, Final

from safe_check.checklist import Checklist, Roster, choice_values, kind_of
from safe_check.conditions import describe

VALUE_HINT: Final = {
    "yes_no": "true or false",
    "yes_no_unknown": '"yes", "no" or "not_known"',
    "choice": "one of the choices",
    "multi": "a list of choices, [] for none",
    "text": "one line of text",
    "long_text": 'text; use """ for several lines',
    "number": "a whole number",
    "date": "a date, 2026-01-31",
    "datetime": "a date and time, 2026-01-31T22:10:00Z (leave the line out for now)",
    "done": 'true, or { done = false, reason = "why not" }',
}


def render_template(cl: Checklist) -> str:
    """The template text."""
    out = [
        f"# Answers for {cl.id} v{cl.version}: {cl.title}",
        "# Fill in the values, delete what does not apply, then run:",
        f"#   safe-check start {cl.id} --answers THIS_FILE",
        "# In TOML every key after a [table] header belongs to that table: keep the",
        "# answers here, before [record], and the [[roster]] tables last.",
        "",
    ]
    rosters: list[Roster] = []
    for section in cl.sections:
        out.append(f"# ---- {section.title}" + _when(section.when))
        for item in section.questions:
            if isinstance(item, Roster):
                rosters.append(item)
                out.append(f"# {item.id}: see [[{item.id}]] below")
                continue
            out += _question(item)
        out.append("")
    out += [
        "[record]",
        '# subject_ref = "TEST-0001"   # incident or reference number (optional; never a name)',
        "# incident_at = 2026-01-31T22:10:00Z   # default: now",
        "",
    ]
    for roster in rosters:
        out += [
            f"# ---- {roster.prompt}: one [[{roster.id}]] table per {roster.label.lower()}"
            f" ({roster.min} to {roster.max})" + _when(roster.when),
            f"[[{roster.id}]]",
        ]
        for q in roster.questions:
            out += _question(q)
        out.append("")
    return "\n".join(out)


def _when(cond: Any) -> str:
    return f"  (only when {describe(cond)})" if cond is not None else ""


def _question(q: Any) -> list[str]:
    kind = kind_of(q)
    need = "required" if q.required else "optional"
    lines = [f"# {line}".rstrip() for line in q.prompt.splitlines()]
    lines.append(f"#   {kind}, {need}: {VALUE_HINT[kind]}" + _when(q.when))
    values = choice_values(q)
    if values:
        lines.append("#   choices: " + ", ".join(values))
    if q.guidance:
        lines += textwrap.wrap(q.guidance, 96, initial_indent="#   why: ", subsequent_indent="#   ")
    lines.append(f"# {q.id} = ")
    return lines
