"""Summary notes: what an officer copies into a notebook, a referral or a handover."""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from typing import Any, Final

import msgspec

from safe_check.checklist import PRIORITIES, Checklist, Roster, choice_values
from safe_check.record import Answer, Record

WIDTH: Final = 80
PRIORITY_TITLES: Final = {
    "immediate": "Immediate",
    "before-end-of-duty": "Before end of duty",
    "routine": "Routine",
}
TRI: Final = {"yes": "Yes", "no": "No", "not_known": "Not known"}


class Line(msgspec.Struct):
    """One answer as a reader sees it."""

    prompt: str
    value: str
    quote: bool = False


class Block(msgspec.Struct):
    """A titled group of lines: a section, or one roster entry."""

    title: str
    lines: list[Line] = msgspec.field(default_factory=list)
    level: int = 2
    keep: bool = False


class Notes(msgspec.Struct):
    """Everything a summary shows, before it is laid out as text, markdown or HTML."""

    title: str
    header: list[tuple[str, str]]
    actions: dict[str, list[str]]
    blocks: list[Block]
    not_done: list[str]
    quotes: list[str]
    statements: list[str]
    amendments: list[str] = msgspec.field(default_factory=list)


def show_time(stamp: str | None) -> str:
    """A time as a clock time and date a reader cannot misread: 22:10 Sat 21 Nov 2026 (+00:00)."""
    if not stamp:
        return "-"
    moment = datetime.fromisoformat(stamp)
    offset = moment.strftime("%z")
    return f"{moment:%H:%M %a %d %b %Y} ({offset[:3]}:{offset[3:]})"


def show_value(q: Any, value: Any) -> str:
    """An answer in words, using the checklist's own labels."""
    if value is None:
        return "(left unanswered)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict) and "done" in value:
        return "Done" if value["done"] else f"Not done: {value.get('reason', '')}"
    labels = {c.value: c.label for c in getattr(q, "choices", [])}
    if isinstance(value, list):
        return "; ".join(labels.get(v, v) for v in value) or "None of these"
    if isinstance(value, str) and q is not None and value in choice_values(q):
        return labels[value]
    if value in TRI and type(q).__name__ == "YesNoUnknown":
        return TRI[value]
    if type(q).__name__ == "Date":
        return f"{date.fromisoformat(value):%d %b %Y}"
    if type(q).__name__ == "DateTime":
        return show_time(value)
    return str(value)


def notes(record: Record, cl: Checklist) -> Notes:
    """Gather what the summary shows from a record and its checklist."""
    questions: dict[str, Any] = {}
    section_of: dict[str, str] = {}
    for section, item in cl.items():
        section_of[item.id] = section.title
        questions[item.id] = item
        if isinstance(item, Roster):
            questions.update({q.id: q for q in item.questions})
    blocks: list[Block] = []
    not_done: list[str] = []
    quotes: list[str] = []

    def add(answer: Answer, block: Block, who: str) -> None:
        q = questions.get(answer.question)
        line = Line(answer.prompt, show_value(q, answer.value), answer.voice == "quote")
        block.lines.append(line)
        if isinstance(answer.value, dict) and answer.value.get("done") is False:
            not_done.append(f"{who}{answer.prompt} {answer.value.get('reason', '')}")
        if line.quote:
            quotes.append(f"{who or answer.prompt + ' '}\u201c{answer.value}\u201d")

    for answer in record.answers:
        title = section_of.get(answer.question, "")
        if not blocks or blocks[-1].title != title:
            blocks.append(Block(title))
        if not answer.entries:
            add(answer, blocks[-1], "")
            continue
        blocks[-1].keep = True  # the section's heading stays above its roster entries
        for entry in answer.entries:
            block = Block(_entry_title(entry.label, entry.derived), level=3)
            blocks.append(block)
            for inner in entry.answers:
                add(inner, block, f"{entry.label}: ")
        blocks.append(Block(title))
    actions = {p: [] for p in PRIORITIES}
    for a in record.actions:
        actions[a.priority].append(a.text + (f" (by {show_time(a.due)})" if a.due else ""))
    return Notes(
        title=f"{cl.title}: summary notes",
        header=_header(record, cl),
        actions={p: items for p, items in actions.items() if items},
        blocks=[b for b in blocks if b.lines or b.keep],
        not_done=not_done,
        quotes=quotes,
        statements=record.statements,
        amendments=_amendments(record),
    )


def _entry_title(label: str, derived: dict[str, Any]) -> str:
    age = derived.get("age")
    return f"{label}, aged {age} at the incident" if age is not None else label


def _header(record: Record, cl: Checklist) -> list[tuple[str, str]]:
    o = record.officer
    officer = ", ".join(x for x in (f"{o.name} ({o.id})" if o.name else o.id, o.force) if x)
    rows = [
        ("Record", f"{record.id[:8]}  (full id {record.id})"),
        ("Status", "final" if record.status == "final" else "DRAFT - not finalised"),
        ("Officer", officer),
        ("Checklist", f"{cl.title} ({record.checklist.id} v{record.checklist.version})"),
        ("Reference", record.subject_ref or "-"),
        ("Incident", show_time(record.incident_at)),
        ("Started", show_time(record.started_at)),
        ("Finalised", show_time(record.finalised_at)),
    ]
    if record.seal and record.chain:
        rows.append(("Seal", f"{record.seal.sha256[:16]} (chain #{record.chain.index})"))
    return rows


def _amendments(record: Record) -> list[str]:
    """Each amendment in words, after the original."""
    out = []
    for a in record.amendments:
        who = a.officer.name or a.officer.id
        what = (
            f"{a.question} changed to {show_value(None, a.value)}"
            if a.question
            else f"note: {a.note}"
        )
        out.append(f"{show_time(a.at)} by {who}: {what} (reason: {a.reason}; {a.sha256[:12]})")
    return out


def _wrap(text: str, indent: str, later: str | None = None, width: int = WIDTH) -> list[str]:
    later = indent if later is None else later
    out: list[str] = []
    for para in text.splitlines() or [""]:
        out += textwrap.wrap(
            para,
            width,
            initial_indent=indent,
            subsequent_indent=later,
            break_on_hyphens=False,
            break_long_words=False,
        ) or [indent.rstrip()]
        indent = later
    return out


def render_text(n: Notes, width: int = WIDTH) -> str:
    """Plain text, at most 80 columns (or `width`), for a notebook or a handover."""

    def wrap(text: str, indent: str, later: str | None = None) -> list[str]:
        return _wrap(text, indent, later, width)

    out = [*wrap(n.title.upper(), ""), "=" * min(width, len(n.title))]
    for key, value in n.header:
        out += wrap(f"{key + ':':<11}{value}", "", " " * 11)
    out += ["", "ACTION POINTS"]
    for priority, items in n.actions.items() or [("", ["None raised by these answers."])]:
        if priority:
            out.append(f"{PRIORITY_TITLES[priority]}:")
        for item in items:
            out += wrap(item, "  - ", "    ")
    if n.not_done:
        out += ["", "NOT DONE, AND WHY"]
        for item in n.not_done:
            out += wrap(item, "  - ", "    ")
    if n.quotes:
        out += ["", "IN THEIR OWN WORDS"]
        for item in n.quotes:
            out += wrap(item, "  ", "  ")
    out += ["", "ANSWERS"]
    for block in n.blocks:
        pad = "  " if block.level == 3 else ""
        out += ["", pad + block.title] if block.title else [""]
        for line in block.lines:
            value = f"\u201c{line.value}\u201d" if line.quote else line.value
            out += wrap(f"{line.prompt} - {value}", pad + "  ", pad + "    ")
    if n.amendments:
        out += ["", "AMENDMENTS (ADDED AFTER FINALISING; THE ORIGINAL ABOVE IS UNCHANGED)"]
        for item in n.amendments:
            out += wrap(item, "  - ", "    ")
    if n.statements:
        out += ["", "FOR PARTNER AGENCIES"]
        for s in n.statements:
            out += wrap(s, "  - ", "    ")
    return "\n".join(line.rstrip() for line in out) + "\n"


def _md(text: str) -> str:
    """Escape the characters markdown would otherwise read as formatting."""
    for ch in "\\`*_[]<>#|":
        text = text.replace(ch, "\\" + ch)
    return text


def render_markdown(n: Notes) -> str:
    """Markdown, for pasting into a referral or an email."""
    out = [f"# {_md(n.title)}", ""]
    out += [f"- **{k}:** {_md(v)}" for k, v in n.header]
    out += ["", "## Action points", ""]
    for priority, items in n.actions.items():
        out += [f"### {PRIORITY_TITLES[priority]}", ""] + [f"- {_md(i)}" for i in items] + [""]
    if not n.actions:
        out += ["None raised by these answers.", ""]
    if n.not_done:
        out += ["## Not done, and why", ""] + [f"- {_md(i)}" for i in n.not_done] + [""]
    if n.quotes:
        out += ["## In their own words", ""] + [f"> {_md(q)}" for q in n.quotes] + [""]
    out += ["## Answers", ""]
    for block in n.blocks:
        if block.title:
            out += [f"{'#' * (block.level + 1)} {_md(block.title)}", ""]
        for line in block.lines:
            value = f"\u201c{_md(line.value)}\u201d" if line.quote else _md(line.value)
            out.append(f"- {_md(line.prompt)} \u2014 **{value}**")
        out.append("")
    if n.amendments:
        out += ["## Amendments (added after finalising)", ""]
        out += [f"- {_md(a)}" for a in n.amendments] + [""]
    if n.statements:
        out += ["## For partner agencies", ""] + [f"- {_md(s)}" for s in n.statements] + [""]
    return "\n".join(out).rstrip() + "\n"


CSS: Final = """
body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; color: #000;
       max-width: 48em; margin: 1em auto; }
h1 { font-size: 16pt; }
h2 { font-size: 13pt; border-bottom: 1px solid #444; }
h3, h4 { font-size: 11pt; }
table.header td { padding: 0 1em 0 0; vertical-align: top; }
blockquote { margin: 0.3em 0 0.3em 1em; padding-left: 0.6em; border-left: 3px solid #444; }
.immediate { font-weight: bold; }
@page { size: A4; margin: 18mm 16mm; }
@media print {
  body { margin: 0; max-width: none; }
  h2, h3 { break-after: avoid; }
  li, tr { break-inside: avoid; }
}
"""


def render_html(n: Notes) -> str:
    """One self-contained HTML page, with a print stylesheet for A4."""
    import html

    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(n.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{e(n.title)}</h1>",
        '<table class="header">',
    ]
    out += [f"<tr><td><b>{e(k)}</b></td><td>{e(v)}</td></tr>" for k, v in n.header]
    out += ["</table>", "<h2>Action points</h2>"]
    for priority, items in n.actions.items():
        out.append(f'<h3>{e(PRIORITY_TITLES[priority])}</h3><ul class="{priority}">')
        out += [f"<li>{e(i)}</li>" for i in items] + ["</ul>"]
    if not n.actions:
        out.append("<p>None raised by these answers.</p>")
    if n.not_done:
        out += (
            ["<h2>Not done, and why</h2><ul>"]
            + [f"<li>{e(i)}</li>" for i in n.not_done]
            + ["</ul>"]
        )
    if n.quotes:
        out += ["<h2>In their own words</h2>"] + [
            f"<blockquote>{e(q)}</blockquote>" for q in n.quotes
        ]
    out.append("<h2>Answers</h2>")
    for block in n.blocks:
        if block.title:
            out.append(f"<h{block.level + 1}>{e(block.title)}</h{block.level + 1}>")
        out.append("<ul>")
        for line in block.lines:
            value = f"\u201c{e(line.value)}\u201d" if line.quote else e(line.value)
            out.append(f"<li>{e(line.prompt)} &mdash; <b>{value}</b></li>")
        out.append("</ul>")
    if n.amendments:
        out += ["<h2>Amendments (added after finalising)</h2><ul>"]
        out += [f"<li>{e(a)}</li>" for a in n.amendments] + ["</ul>"]
    if n.statements:
        out += (
            ["<h2>For partner agencies</h2><ul>"]
            + [f"<li>{e(s)}</li>" for s in n.statements]
            + ["</ul>"]
        )
    out.append("</body></html>")
    return "\n".join(out) + "\n"


RENDERERS: Final = {"text": render_text, "markdown": render_markdown, "html": render_html}
