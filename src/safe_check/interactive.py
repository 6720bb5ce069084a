"""The field run: walk the questions, commit every answer at once, review, finalise."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from safe_check.app import App, count_answers
from safe_check.asker import TOGGLE_GUIDANCE, Ask, Asker
from safe_check.checklist import AgeFrom, Loaded
from safe_check.console import need_terminal, note, terminal_width
from safe_check.engine import (
    RosterEnd,
    Slot,
    action_points,
    applicable_sections,
    first_slot,
    is_answered,
    next_step,
    plan,
)
from safe_check.errors import Interrupted, UsageError
from safe_check.record import Draft, Record
from safe_check.summary import PRIORITY_TITLES, notes, render_text, show_time, show_value
from safe_check.timefmt import not_future, now, parse_time, rfc3339


def screen_width() -> int:
    """Text width on screen: the terminal's, at most the 80 columns of printed notes."""
    return min(80, terminal_width() - 1)


def _asker() -> Asker:
    from safe_check.prompts import QuestionaryAsker  # questionary is slow to import

    return QuestionaryAsker()


def ask_officer(
    app: App, officer_id: str | None, name: str | None, force: str | None
) -> tuple[str, str, str]:
    """Ask for whichever of the officer's details were not given as flags."""
    asker = _asker()
    saved = app.store.read_config().get("officer") or {}
    note("Officer details: kept on this device and added to every record you make.")
    officer_id = officer_id or _required(
        asker, "officer.id", "Officer id or collar number", saved.get("id", "")
    )
    name = (
        name
        if name is not None
        else _required(
            asker, "officer.name", "Display name (e.g. PC 1234 Example)", saved.get("name", "")
        )
    )
    force = (
        force
        if force is not None
        else _required(asker, "officer.force", "Force", saved.get("force", ""))
    )
    return officer_id, name, force


def _required(asker: Asker, key: str, message: str, default: str) -> str:
    """Ask until something is typed."""
    while not (value := asker.text(key, message, default).strip()):
        asker.show("This cannot be left empty.", "bold")
    return value


def run_new(
    app: App, loaded: Loaded, subject_ref: str | None, incident_at: datetime | None
) -> Record | None:
    """Start a checklist in the terminal."""
    asker = _asker()
    app.officer()  # fail before any question if nobody is set up
    asker.show(loaded.checklist.title.upper(), "bold")
    asker.show(" ".join(loaded.checklist.description.split()), "guidance")  # reflowed to fit
    while incident_at is None:
        typed = asker.text("incident_at", "Incident time (Enter for now, or HH:MM)")
        try:
            incident_at = not_future(parse_time(typed or "now"), "the incident time")
        except ValueError as err:
            asker.show(f"{err}. Try again.", "bold")
    if subject_ref is None:
        subject_ref = asker.text(
            "subject_ref", "Incident or reference number (optional; never a name)"
        ).strip()
    draft = app.start(loaded, subject_ref, incident_at)
    note(f"Record {draft.id[:8]} started. Every answer is saved as you give it.", "dim")
    return Runner(app, loaded, draft.id, asker).run()


def resume(app: App, record_ref: str | None, asker: Asker | None = None) -> Record | None:
    """Continue a draft at its first unanswered question."""
    asker = asker or _asker()
    if record_ref is None:
        drafts = app.store.summaries("draft")
        if not drafts:
            note("There are no drafts to resume.")
            return None
        options = [(d.id, _draft_label(app, d.id)) for d in drafts] + [("back", "Back")]
        record_id = asker.choose("resume", "Which draft?", options)
        if record_id == "back":
            return None
    else:
        record_id = app.store.resolve(record_ref)
    draft = app.store.draft(record_id)
    if draft.status != "draft":
        raise UsageError(f"record {record_id[:8]} is final; a final record is never changed")
    loaded = app.checklist_of(draft)
    _show_saved(asker, loaded, draft)
    return Runner(app, loaded, record_id, asker).run()


def _draft_label(app: App, record_id: str) -> str:
    draft = app.store.draft(record_id)
    current = plan(app.checklist_of(draft).checklist, draft.answers, draft.incident_at)
    done = sum(is_answered(draft.answers, s) for s in current.slots)
    ref = draft.subject_ref or "no reference"
    started = show_time(draft.started_at)
    return (
        f"{draft.checklist.id}  {ref}  started {started}  {done} of ~{len(current.slots)} answered"
    )


def _show_saved(asker: Asker, loaded: Loaded, draft: Draft) -> None:
    """What was saved, and when: the officer sees nothing was lost."""
    current = plan(loaded.checklist, draft.answers, draft.incident_at)
    answered = [s for s in current.slots if is_answered(draft.answers, s)]
    asker.show(f"Resuming {loaded.checklist.title}: {len(answered)} answer(s) saved.", "bold")
    for slot in answered:
        value = _value_of(draft, slot)
        shown = "(skipped)" if value is None else show_value(slot.question, value)
        label = f"{_entry_label(slot)}: " if slot.roster else ""
        when = show_time(draft.stamps.get(slot.path))[:5]
        asker.show(f"  {when}  {label}{slot.question.prompt} - {shown}")


def _value_of(draft: Draft, slot: Slot) -> Any:
    if slot.roster is None:
        return draft.answers.get(slot.question.id)
    return draft.answers[slot.roster.id][slot.entry].get(slot.question.id)


def _entry_label(slot: Slot) -> str:
    return f"{slot.roster.label} {(slot.entry or 0) + 1}" if slot.roster else ""


class Runner:
    """Walks one draft to the end, saving each answer the moment it is given."""

    def __init__(self, app: App, loaded: Loaded, record_id: str, asker: Asker) -> None:
        self.app = app
        self.cl = loaded.checklist
        self.record_id = record_id
        self.asker = asker
        self.guidance = True
        self.section = ""  # the section last shown, to introduce each new one once
        self.shown = {a.text for a in self._actions(self.draft())}

    def draft(self) -> Draft:
        """The draft as stored: the one source of truth, so resume behaves the same."""
        return self.app.store.draft(self.record_id)

    def run(self) -> Record | None:
        """Ask, review and finalise; Ctrl-C offers to save, continue or discard."""
        while True:
            try:
                self.walk()
                outcome = self.review()
            except (Interrupted, KeyboardInterrupt):  # Ctrl-C in a prompt, or between two
                outcome = self.interrupted()
            if outcome == "final":
                return self.finalise()
            if outcome == "saved":
                note(f"Draft saved. Resume it with: safe-check resume {self.record_id[:8]}", "bold")
                return None
            if outcome == "discarded":
                note("Draft discarded.")
                return None

    # -- asking ---------------------------------------------------------------------
    def walk(self) -> None:
        """Ask every applicable unanswered question, in order."""
        while True:
            draft = self.draft()
            step = next_step(self.cl, draft.answers, draft.closed, draft.incident_at)
            if step is None:
                return
            if isinstance(step, RosterEnd):
                self._more(step, draft)
            else:
                self.ask(step, draft)

    def _more(self, end: RosterEnd, draft: Draft) -> None:
        label = end.roster.label.lower()
        choice = self.asker.choose(
            f"{end.roster.id}#more",
            f"{end.roster.prompt}: {end.count} so far. Add "
            f"{'another' if end.count else 'a'} {label}?",
            [
                ("yes", f"Yes, add {end.roster.label} {end.count + 1}"),
                ("no", "No, that is everyone"),
            ],
        )
        if choice == "no":
            self._save(f"{end.roster.id}#closed", True)
            return
        self.ask(
            first_slot(self.cl, draft.answers, end.section, end.roster, draft.incident_at), draft
        )

    def ask(self, slot: Slot, draft: Draft, default: Any = None) -> None:
        """Ask one question, save the answer at once, and raise any new immediate action."""
        while True:
            self._header(slot, draft)
            value = self.asker.question(Ask(slot, default))
            if value is TOGGLE_GUIDANCE:
                self.guidance = not self.guidance
                continue
            problem = _after_incident(slot, value, draft)
            if problem is None:
                break
            self.asker.show(problem, "bold")
        self._save(slot.path, value)
        self._new_actions()

    def _header(self, slot: Slot, draft: Draft) -> None:
        """Where the officer is: the section (with its introduction when it starts), the
        question's number, the roster entry, and the guidance."""
        current = plan(self.cl, draft.answers, draft.incident_at)
        sections = [s.id for s in applicable_sections(self.cl, current, draft.incident_at)]
        answered = sum(is_answered(draft.answers, s) for s in current.slots)
        position = answered + 1  # counts up as answers are given, never back
        total = max(len(current.slots), position)
        number = (
            sections.index(slot.section.id) + 1 if slot.section.id in sections else len(sections)
        )
        self.asker.show("")
        if slot.section.id != self.section:
            self.section = slot.section.id
            self.asker.show(f"{slot.section.title.upper()}", "bold")
            if slot.section.intro:
                self.asker.show(slot.section.intro)
        where = f"Section {number} of {len(sections)}: {slot.section.title}"
        self.asker.show(f"{where}  |  question {position} of about {total}", "dim")
        if slot.roster is not None:
            self.asker.show(_entry_label(slot) + _entry_name(draft, slot), "entry")
        if self.guidance and slot.question.guidance:
            self.asker.show(slot.question.guidance, "guidance")

    def _save(self, path: str, value: Any) -> None:
        self.app.store.save_answer(
            self.record_id, path, value, rfc3339(now()), self.app.officer_id()
        )

    def _actions(self, draft: Draft) -> list[Any]:
        current = plan(self.cl, draft.answers, draft.incident_at)
        return action_points(self.cl, current.answers, draft.incident_at)

    def _new_actions(self) -> None:
        for action in self._actions(self.draft()):
            if action.priority == "immediate" and action.text not in self.shown:
                self.shown.add(action.text)
                self.asker.alert("Immediate action", action.text)

    # -- review and the end ---------------------------------------------------------------
    def review(self) -> str:
        """Show every applicable answer with the action points; change, add, finalise or save."""
        while True:
            draft = self.draft()
            current = plan(self.cl, draft.answers, draft.incident_at)
            from safe_check.record import build

            record = build(self.cl, draft)
            self.asker.show("")
            self.asker.show(render_text(notes(record, self.cl), screen_width()))
            self.asker.show(_review_footer(record), "bold")
            options = [("final", "Finalise this record"), ("change", "Change an answer")]
            options += [
                (f"add:{end.roster.id}", f"Add another {end.roster.label.lower()}")
                for end in current.steps
                if isinstance(end, RosterEnd) and end.count < end.roster.max
            ]
            options += [("saved", "Save draft and exit")]
            choice = self.asker.choose("review", "Review: what next?", options)
            if choice == "final":
                if (
                    self.asker.choose(
                        "confirm",
                        "Finalise? It is then sealed: later corrections can only be added"
                        " as signed amendments (safe-check amend).",
                        [("yes", "Yes, finalise"), ("no", "No, go back")],
                    )
                    == "yes"
                ):
                    return "final"
            elif choice == "change":
                self._change(draft, current.slots)
                self.walk()
            elif choice.startswith("add:"):
                end = next(
                    e
                    for e in current.steps
                    if isinstance(e, RosterEnd) and e.roster.id == choice[4:]
                )
                self._save(f"{end.roster.id}#closed", False)
                self.ask(
                    first_slot(self.cl, draft.answers, end.section, end.roster, draft.incident_at),
                    draft,
                )
                self.walk()
            else:
                return choice

    def _change(self, draft: Draft, slots: list[Slot]) -> None:
        options = []
        for s in slots:
            value = _value_of(draft, s) if is_answered(draft.answers, s) else None
            shown = "(not answered)" if value is None else show_value(s.question, value)
            label = f"{_entry_label(s)}: " if s.roster else ""
            options.append((s.path, f"{label}{s.question.prompt} - {shown}"[:110]))
        options.append(("back", "Back to the review"))
        path = self.asker.choose("change", "Which answer?", options)
        if path == "back":
            return
        slot = next(s for s in slots if s.path == path)
        self.ask(slot, draft, _value_of(draft, slot))

    def interrupted(self) -> str:
        """After Ctrl-C: save and exit, continue, or discard (asked twice)."""
        try:
            choice = self.asker.choose(
                "interrupt",
                "Stopped. Your answers so far are saved. What now?",
                [
                    ("saved", "Save draft and exit"),
                    ("continue", "Continue"),
                    ("discard", "Discard this draft"),
                ],
            )
            if choice == "discard":
                sure = self.asker.choose(
                    "discard",
                    "Discard every answer in this draft? This cannot be undone.",
                    [("no", "No, keep it"), ("yes", "Yes, discard")],
                )
                if sure == "yes":
                    self.app.store.discard(self.record_id, rfc3339(now()), self.app.officer_id())
                    return "discarded"
                return "continue"
        except (Interrupted, KeyboardInterrupt):
            return "saved"
        return choice

    def finalise(self) -> Record:
        """Finalise, then show the summary notes and how to export them."""
        record = self.app.finalise(self.record_id)
        self.asker.show("")
        self.asker.show(render_text(notes(record, self.cl), screen_width()))
        short = record.id[:8]
        note(
            f"\nRecord {short} is final.\n"
            f"Summary notes: safe-check summary {short} --format html -o notes.html\n"
            f"Export for upload: safe-check export {short} --format json -o {short}.json",
            "bold green",
        )
        return record


def _review_footer(record: Record) -> str:
    """The line just above the review menu, so the action points never scroll out of mind."""
    counts = {p: sum(a.priority == p for a in record.actions) for p in PRIORITY_TITLES}
    raised = ", ".join(f"{n} {PRIORITY_TITLES[p].lower()}" for p, n in counts.items() if n)
    return f"Review: {count_answers(record)} answers; action points: {raised or 'none'}."


def _after_incident(slot: Slot, value: Any, draft: Draft) -> str | None:
    """A date of birth after the incident is a typo: say so rather than record an age below 0."""
    derived = slot.roster.derived if slot.roster else []
    is_birth = any(isinstance(d, AgeFrom) and d.from_ == slot.question.id for d in derived)
    if is_birth and isinstance(value, str) and value > draft.incident_at.date().isoformat():
        return (
            f"{value} is after the incident ({draft.incident_at.date()}): check the date of birth."
        )
    return None


def _entry_name(draft: Draft, slot: Slot) -> str:
    entries = draft.answers.get(slot.roster.id) if slot.roster else None
    if not entries or slot.entry is None or slot.entry >= len(entries) or not slot.roster.name_from:
        return ""
    name = entries[slot.entry].get(slot.roster.name_from)
    return f" ({name})" if name else ""


def menu(app: App) -> None:
    """The menu shown by `safe-check` with no command."""
    need_terminal("use safe-check --help for commands that need none")
    asker = _asker()
    if not (app.store.read_config().get("officer") or {}).get("id") and not app.officer_override:
        note("First, who are you? (asked once; change it later from the menu)", "bold")
        app.setup(*ask_officer(app, None, None, None))
    while True:
        choice = asker.choose(
            "menu",
            "safe-check: what would you like to do?",
            [
                ("start", "Start a checklist"),
                ("resume", "Resume a draft"),
                ("records", "View records"),
                ("setup", "Set up officer details"),
                ("quit", "Quit"),
            ],
        )
        try:
            if choice == "quit":
                return
            if choice == "start":
                options = [(c.checklist.id, c.checklist.title) for c in app.all_checklists()]
                picked = asker.choose("checklist", "Which checklist?", [*options, ("back", "Back")])
                if picked != "back":
                    run_new(app, app.checklist(picked), None, None)
            elif choice == "resume":
                resume(app, None, asker)
            elif choice == "records":
                _view_records(app, asker)
            elif choice == "setup":
                officer = app.setup(*ask_officer(app, None, None, None))
                asker.show(f"Officer set: {officer.name} ({officer.id}), {officer.force}", "bold")
        except Interrupted:
            continue


def _view_records(app: App, asker: Asker) -> None:
    rows = app.store.summaries(limit=30)
    if not rows:
        note("No records yet.")
        return
    options = [
        (
            r.id,
            f"{r.id[:8]}  {r.status:<5}  {r.checklist_id}  {r.subject_ref or '-'}"
            f"  {r.started_at[:16]}",
        )
        for r in rows
    ]
    picked = asker.choose("records", "Which record?", [*options, ("back", "Back")])
    if picked != "back":
        record = app.record(picked)
        app.consulted(record, "menu")
        loaded = app.checklist_of(app.store.draft(picked))
        asker.show(render_text(notes(record, loaded.checklist), screen_width()))
