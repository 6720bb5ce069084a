"""The store: one SQLite database in the data directory; the only module that writes to disk."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import msgspec

from safe_check.errors import StoreError, UsageError
from safe_check.record import Change, ChecklistRef, Draft, Officer
from safe_check.timefmt import parse_time

DB_NAME: Final = "safe-check.db"
CONFIG_NAME: Final = "config.toml"
MIN_PREFIX: Final = 6
PATH_RE: Final = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS definitions (
    sha256 TEXT PRIMARY KEY,
    checklist_id TEXT NOT NULL,
    version TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('draft', 'final')),
    checklist_id TEXT NOT NULL,
    checklist_version TEXT NOT NULL,
    checklist_sha256 TEXT NOT NULL REFERENCES definitions(sha256),
    officer TEXT NOT NULL,
    subject_ref TEXT,
    incident_at TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finalised_at TEXT,
    answer_count INTEGER,
    body BLOB
);
CREATE INDEX IF NOT EXISTS records_started ON records (started_at DESC);
CREATE TABLE IF NOT EXISTS answers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL REFERENCES records(id),
    path TEXT NOT NULL,
    value TEXT NOT NULL,
    answered_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_record ON answers (record_id, path);
"""


@dataclass(frozen=True)
class Summary:
    """A line of the records list."""

    id: str
    status: str
    checklist_id: str
    subject_ref: str | None
    started_at: str
    finalised_at: str | None
    answers: int


def ensure_private_dir(path: Path) -> None:
    """Create the data directory 0700, or refuse one that others can read or that is not ours."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
    except OSError as err:
        raise StoreError(f"cannot use data directory {path}: {err.strerror}") from None
    if info.st_uid != os.getuid():
        raise StoreError(f"data directory {path} belongs to another user; refusing to use it")
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise StoreError(
            f"data directory {path} can be read by other users; fix it with: chmod 700 {path}"
        )


def _create_private(path: Path) -> None:
    """Make an empty file readable by its owner only, before anything is written to it."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


class Store:
    """Records, their answers and the officer's settings, in the data directory."""

    def __init__(self, home: Path) -> None:
        self.home = home
        ensure_private_dir(home)
        db = home / DB_NAME
        _create_private(db)
        try:
            self.db = sqlite3.connect(db, timeout=15, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            if self._needs_schema():
                with self.transaction():
                    for statement in SCHEMA.split(";"):
                        self.db.execute(statement)
        except sqlite3.DatabaseError as err:
            raise StoreError(f"cannot open the database {db}: {err}") from None

    def _needs_schema(self) -> bool:
        row = self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'answers'").fetchone()
        return row is None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so concurrent writers queue, not fail."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # -- settings -------------------------------------------------------------
    def read_config(self) -> dict[str, Any]:
        """The settings file, or an empty table if there is none yet."""
        try:
            return tomllib.loads((self.home / CONFIG_NAME).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise StoreError(f"cannot read {self.home / CONFIG_NAME}: {err}") from None

    def write_config(self, config: dict[str, Any]) -> None:
        """Replace the settings file atomically, readable by the owner only."""
        import tomli_w

        target = self.home / CONFIG_NAME
        temp = target.with_suffix(".tmp")
        fd = os.open(temp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(tomli_w.dumps(config))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)

    # -- writing ---------------------------------------------------------------
    def create(self, draft: Draft, definition: str) -> None:
        """Start a record (and keep the exact checklist text it follows)."""
        with self.transaction():
            self._insert(draft, definition)

    def _insert(self, draft: Draft, definition: str) -> None:
        ref = draft.checklist
        self.db.execute(
            "INSERT OR IGNORE INTO definitions VALUES (?, ?, ?, ?)",
            (ref.sha256, ref.id, ref.version, definition),
        )
        self.db.execute(
            "INSERT INTO records (id, status, checklist_id, checklist_version, checklist_sha256,"
            " officer, subject_ref, incident_at, started_at)"
            " VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?)",
            (
                draft.id,
                ref.id,
                ref.version,
                ref.sha256,
                msgspec.json.encode(draft.officer).decode(),
                draft.subject_ref,
                draft.incident_at.isoformat(),
                draft.started_at,
            ),
        )

    def save_answer(self, record_id: str, path: str, value: Any, at: str) -> None:
        """Commit one answer the moment it is given; earlier values stay as history."""
        with self.transaction():
            self._check_draft(record_id)
            self._answer(record_id, path, value, at)

    def _answer(self, record_id: str, path: str, value: Any, at: str) -> None:
        self.db.execute(
            "INSERT INTO answers (record_id, path, value, answered_at) VALUES (?, ?, ?, ?)",
            (record_id, path, json.dumps(value), at),
        )

    def _check_draft(self, record_id: str) -> None:
        row = self.db.execute("SELECT status FROM records WHERE id = ?", (record_id,)).fetchone()
        if row is None or row[0] != "draft":
            raise StoreError(f"record {record_id} is not a draft; a final record is never changed")

    def finalise(self, record_id: str, finalised_at: str, body: bytes, answer_count: int) -> None:
        """Make a draft final, with its exported body; from now on it never changes."""
        with self.transaction():
            self._check_draft(record_id)
            self._finalise(record_id, finalised_at, body, answer_count)

    def _finalise(self, record_id: str, finalised_at: str, body: bytes, answer_count: int) -> None:
        self.db.execute(
            "UPDATE records SET status = 'final', finalised_at = ?, body = ?, answer_count = ?"
            " WHERE id = ?",
            (finalised_at, body, answer_count, record_id),
        )

    def save_final(
        self, draft: Draft, definition: str, finalised_at: str, body: bytes, answer_count: int
    ) -> None:
        """Store a complete record from an answers file in one transaction: all or nothing."""
        with self.transaction():
            self._insert(draft, definition)
            for path, value in flatten(draft.answers):
                self._answer(draft.id, path, value, draft.stamps.get(path, draft.started_at))
            self._finalise(draft.id, finalised_at, body, answer_count)

    def discard(self, record_id: str) -> None:
        """Delete a draft the officer chose to throw away (final records cannot be)."""
        with self.transaction():
            self._check_draft(record_id)
            self.db.execute("DELETE FROM answers WHERE record_id = ?", (record_id,))
            self.db.execute("DELETE FROM records WHERE id = ?", (record_id,))

    # -- reading ---------------------------------------------------------------
    def resolve(self, ref: str) -> str:
        """The full id for an id or a unique prefix of at least six characters."""
        ref = ref.strip().lower()
        if len(ref) < MIN_PREFIX:
            raise UsageError(
                f"record id '{ref}' is too short: give at least {MIN_PREFIX} characters"
            )
        rows = self.db.execute(
            "SELECT id FROM records WHERE id >= ? AND id < ? LIMIT 2", (ref, ref + "\uffff")
        ).fetchall()
        if not rows:
            raise UsageError(f"no record with id '{ref}' (see: safe-check records)")
        if len(rows) > 1:
            raise UsageError(f"'{ref}' matches more than one record; give more characters")
        return rows[0][0]

    def ids(self, status: str | None = None) -> list[str]:
        """Every record id, newest first."""
        query = "SELECT id FROM records" + (" WHERE status = ?" if status else "")
        rows = self.db.execute(query + " ORDER BY started_at DESC, id", (status,) if status else ())
        return [r[0] for r in rows]

    def summaries(self, status: str | None = None, limit: int | None = None) -> list[Summary]:
        """Records for listing, newest first."""
        query = (
            "SELECT id, status, checklist_id, subject_ref, started_at, finalised_at,"
            " COALESCE(answer_count, (SELECT count(DISTINCT path) FROM answers a"
            "  WHERE a.record_id = r.id AND a.path NOT LIKE '%#%')) FROM records r"
        )
        args: list[Any] = []
        if status:
            query += " WHERE status = ?"
            args.append(status)
        query += " ORDER BY started_at DESC, id"
        if limit:
            query += " LIMIT ?"
            args.append(limit)
        return [Summary(*row) for row in self.db.execute(query, args)]

    def body(self, record_id: str) -> bytes | None:
        """The stored JSON of a final record (None for a draft)."""
        row = self.db.execute("SELECT body FROM records WHERE id = ?", (record_id,)).fetchone()
        return row[0] if row else None

    def definition(self, sha256: str) -> str:
        """The exact checklist text a record was made with."""
        row = self.db.execute("SELECT text FROM definitions WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None:
            raise StoreError(f"checklist definition {sha256[:12]} is missing from the store")
        return row[0]

    def draft(self, record_id: str) -> Draft:
        """A record's state from its answers, the latest value of each, with history."""
        row = self.db.execute(
            "SELECT checklist_id, checklist_version, checklist_sha256, officer, subject_ref,"
            " incident_at, started_at, status, finalised_at FROM records WHERE id = ?",
            (record_id,),
        ).fetchone()
        if row is None:
            raise UsageError(f"no record with id '{record_id}'")
        draft = Draft(
            id=record_id,
            checklist=ChecklistRef(id=row[0], version=row[1], sha256=row[2]),
            officer=Officer(**json.loads(row[3])),
            subject_ref=row[4],
            incident_at=parse_time(row[5]),
            started_at=row[6],
            status=row[7],
            finalised_at=row[8],
        )
        events = self.db.execute(
            "SELECT path, value, answered_at FROM answers WHERE record_id = ? ORDER BY seq",
            (record_id,),
        )
        for path, value, at in events:
            _apply(draft, path, json.loads(value), at)
        return draft

    def latest_answer_at(self, record_id: str) -> str | None:
        """When the last answer was saved."""
        row = self.db.execute(
            "SELECT max(answered_at) FROM answers WHERE record_id = ?", (record_id,)
        ).fetchone()
        return row[0] if row else None


def _apply(draft: Draft, path: str, value: Any, at: str) -> None:
    """Fold one saved answer into a draft, keeping the value it replaces as history."""
    if path.endswith("#closed"):
        roster = path.removesuffix("#closed")
        if value:
            draft.closed.add(roster)
        else:
            draft.closed.discard(roster)
        return
    if path in draft.stamps:
        previous = _get(draft.answers, path)
        draft.history.setdefault(path, []).append(
            Change(value=previous, answered_at=draft.stamps[path])
        )
    draft.stamps[path] = at
    _set(draft.answers, path, value)


def _set(answers: dict[str, Any], path: str, value: Any) -> None:
    m = PATH_RE.match(path)
    if not m:
        answers[path] = value
        return
    roster, index, question = m.group(1), int(m.group(2)), m.group(3)
    entries = answers.setdefault(roster, [])
    while len(entries) <= index:
        entries.append({})
    entries[index][question] = value


def _get(answers: dict[str, Any], path: str) -> Any:
    m = PATH_RE.match(path)
    if not m:
        return answers.get(path)
    entries = answers.get(m.group(1)) or []
    index = int(m.group(2))
    return entries[index].get(m.group(3)) if index < len(entries) else None


def flatten(answers: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Answers as (path, value) pairs, rosters as `roster[i].question`."""
    for key, value in answers.items():
        if isinstance(value, list) and value and all(isinstance(e, dict) for e in value):
            for index, entry in enumerate(value):
                for question, inner in entry.items():
                    yield f"{key}[{index}].{question}", inner
        else:
            yield key, value


def new_id() -> str:
    """A fresh record id (UUID4)."""
    return str(uuid.uuid4())
