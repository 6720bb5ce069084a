"""What the commands do, without the terminal: officer, runs, records. Click-free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from safe_check.catalog import from_text
from safe_check.errors import AnswersError, UsageError
from safe_check.lint import Loaded
from safe_check.record import ChecklistRef, Draft, Officer, Record, build, from_json, to_json
from safe_check.store import Store, flatten, new_id
from safe_check.timefmt import now, rfc3339


@dataclass
class App:
    """One invocation's context: where the data lives and who the officer is."""

    home: Path
    officer_override: str | None = None

    @cached_property
    def store(self) -> Store:
        """The store, opened on first use so --help never touches the disk."""
        return Store(self.home)

    def officer(self) -> Officer:
        """The officer for this command: --officer, else the one set up."""
        saved = self.store.read_config().get("officer") or {}
        if self.officer_override:
            same = saved.get("id") == self.officer_override
            return Officer(
                id=self.officer_override,
                name=saved.get("name", "") if same else "",
                force=saved.get("force", ""),
            )
        if not saved.get("id"):
            raise UsageError(
                "no officer is set up: run 'safe-check setup' first (or pass --officer ID)"
            )
        return Officer(id=saved["id"], name=saved.get("name", ""), force=saved.get("force", ""))

    def setup(self, officer_id: str, name: str, force: str) -> Officer:
        """Save the officer's identity."""
        if not officer_id.strip():
            raise UsageError("officer id (or collar number) cannot be empty")
        config = self.store.read_config()
        config["officer"] = {"id": officer_id.strip(), "name": name.strip(), "force": force.strip()}
        self.store.write_config(config)
        return Officer(**config["officer"])

    def new_draft(self, loaded: Loaded, subject_ref: str | None, incident_at: datetime) -> Draft:
        """A draft record for a checklist, not yet stored."""
        cl = loaded.checklist
        return Draft(
            id=new_id(),
            checklist=ChecklistRef(id=cl.id, version=cl.version, sha256=loaded.sha256),
            officer=self.officer(),
            subject_ref=subject_ref or None,
            incident_at=incident_at,
            started_at=rfc3339(now()),
        )

    def start(self, loaded: Loaded, subject_ref: str | None, incident_at: datetime) -> Draft:
        """Store a new draft so that every answer can be committed as it is given."""
        draft = self.new_draft(loaded, subject_ref, incident_at)
        self.store.create(draft, loaded.path.read_text(encoding="utf-8"))
        return draft

    def run_answers(
        self, loaded: Loaded, data: dict[str, Any], subject_ref: str | None, incident_at: datetime
    ) -> Record:
        """Check a whole answers file and store the final record, or raise listing every problem."""
        from safe_check.answers import check_answers

        answers, problems = check_answers(loaded.checklist, data, incident_at)
        if problems:
            raise AnswersError(problems)
        draft = self.new_draft(loaded, subject_ref, incident_at)
        draft.answers = answers
        draft.status, draft.finalised_at = "final", rfc3339(now())
        draft.stamps = {path: draft.finalised_at for path, _ in flatten(answers)}
        record = build(loaded.checklist, draft)
        self.store.save_final(
            draft,
            loaded.path.read_text(encoding="utf-8"),
            draft.finalised_at,
            to_json(record),
            count_answers(record),
        )
        return record

    def checklist_of(self, draft: Draft) -> Loaded:
        """The exact checklist definition a record was made with."""
        ref = draft.checklist
        return from_text(self.store.definition(ref.sha256), f"{ref.id}.toml", ref.sha256)

    def finalise(self, record_id: str) -> Record:
        """Make a draft final: build its record once and keep it unchanged from then on."""
        draft = self.store.draft(record_id)
        draft.status, draft.finalised_at = "final", rfc3339(now())
        record = build(self.checklist_of(draft).checklist, draft)
        self.store.finalise(record_id, draft.finalised_at, to_json(record), count_answers(record))
        return record

    def record(self, ref: str) -> Record:
        """A record by id or prefix: a final one as stored, a draft as it stands."""
        record_id = self.store.resolve(ref)
        body = self.store.body(record_id)
        if body is not None:
            return from_json(body)
        draft = self.store.draft(record_id)
        return build(self.checklist_of(draft).checklist, draft)

    def records(self, refs: tuple[str, ...], every: bool) -> list[Record]:
        """Records named by id or prefix, or every record with --all (oldest first)."""
        if every and refs:
            raise UsageError("give record ids or --all, not both")
        if not every and not refs:
            raise UsageError("give one or more record ids, or --all")
        ids = list(reversed(self.store.ids())) if every else [self.store.resolve(r) for r in refs]
        return [self.record(i) for i in ids]


def count_answers(record: Record) -> int:
    """How many answers a record holds, roster answers included."""
    return sum(sum(len(e.answers) for e in a.entries) if a.entries else 1 for a in record.answers)
