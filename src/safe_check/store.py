"""The store: one SQLite database in the data directory; the only module that writes to disk."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import tomllib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import msgspec

from safe_check.errors import StoreError, UsageError
from safe_check.record import Change, ChecklistRef, Draft, Officer

DB_NAME: Final = "safe-check.db"
SCHEMA_VERSION: Final = 2  # PRAGMA user_version; bump with any change to SCHEMA
CONFIG_NAME: Final = "config.toml"
MIN_PREFIX: Final = 6
PATH_RE: Final = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")
# Seals a record into the chain: (index, previous hash) -> (body, sha256, answer count, time)
Sealer = Callable[[int, str], tuple[bytes, str, int, str]]
# Makes an amendment chained to a hash: previous -> (body, sha256)
Amender = Callable[[str], tuple[bytes, str]]
LogRow = tuple[int, str, str, str, str | None, str, str, str]

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS definitions (
    sha256 TEXT PRIMARY KEY,
    checklist_id TEXT NOT NULL,
    version TEXT NOT NULL,
    text TEXT NOT NULL,
    model BLOB,
    model_version TEXT
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
    chain_index INTEGER UNIQUE,
    sha256 TEXT,
    acknowledged_at TEXT
);
CREATE INDEX IF NOT EXISTS records_started ON records (started_at DESC, id);
-- A final record's sealed bytes, kept apart so listing a year of records reads little.
CREATE TABLE IF NOT EXISTS sealed (
    record_id TEXT PRIMARY KEY REFERENCES records(id),
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL REFERENCES records(id),
    path TEXT NOT NULL,
    value TEXT NOT NULL,
    answered_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_record ON answers (record_id, path);
CREATE TABLE IF NOT EXISTS amendments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL REFERENCES records(id),
    sha256 TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS amendments_record ON amendments (record_id);
CREATE TABLE IF NOT EXISTS tombstones (
    record_id TEXT PRIMARY KEY,
    chain_index INTEGER,
    sha256 TEXT,
    erased_at TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    officer TEXT NOT NULL,
    record_id TEXT,
    detail TEXT NOT NULL,
    previous TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_record ON log (record_id);
"""


class Summary(msgspec.Struct, frozen=True):
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
            self.db.execute("PRAGMA secure_delete=ON")  # erased content is overwritten, not left
            self._ensure_schema(db)
        except sqlite3.DatabaseError as err:
            raise StoreError(f"cannot open the database {db}: {err}") from None

    def _ensure_schema(self, db: Path) -> None:
        """Create the tables in a new database; refuse one made by another schema version."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version != 0 or self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError(
                f"{db} was made by a different version of safe-check (schema {version},"
                f" this one reads {SCHEMA_VERSION}); use that version, or another --home"
            )
        with self.transaction():
            for statement in SCHEMA.split(";"):
                self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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

        self.write_private(CONFIG_NAME, tomli_w.dumps(config).encode("utf-8"))

    def write_private(self, name: str, data: bytes) -> None:
        """Write a data-directory file atomically, created 0600 before any byte is written."""
        target = self.home / name
        temp = target.with_suffix(".tmp")
        fd = os.open(temp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)

    def read_private(self, name: str) -> bytes | None:
        """A file from the data directory, or None if it is not there."""
        try:
            return (self.home / name).read_bytes()
        except FileNotFoundError:
            return None

    # -- writing ---------------------------------------------------------------
    def create(self, draft: Draft, definition: str) -> None:
        """Start a record (and keep the exact checklist text it follows)."""
        with self.transaction():
            self._insert(draft, definition)

    def _insert(self, draft: Draft, definition: str) -> None:
        ref = draft.checklist
        self.db.execute(
            "INSERT OR IGNORE INTO definitions (sha256, checklist_id, version, text)"
            " VALUES (?, ?, ?, ?)",
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

    def save_answer(
        self, record_id: str, path: str, value: Any, at: str, officer: str | None = None
    ) -> None:
        """Commit one answer the moment it is given; earlier values stay as history. The log
        names `officer`, who gave it (by default whoever started the record)."""
        with self.transaction():
            creator = self._check_draft(record_id)
            officer = officer or creator
            seen = self.db.execute(
                "SELECT 1 FROM answers WHERE record_id = ? AND path = ? LIMIT 1", (record_id, path)
            ).fetchone()
            self._answer(record_id, path, value, at)
            action = "alteration" if seen else "collection"
            self._log(at, action, officer, record_id, {"question": path})

    def _answer(self, record_id: str, path: str, value: Any, at: str) -> None:
        self.db.execute(
            "INSERT INTO answers (record_id, path, value, answered_at) VALUES (?, ?, ?, ?)",
            (record_id, path, json.dumps(value), at),
        )

    def _check_draft(self, record_id: str) -> str:
        """The draft's officer id; a final record is never changed."""
        row = self.db.execute(
            "SELECT status, officer FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        if row is None or row[0] != "draft":
            raise StoreError(f"record {record_id} is not a draft; a final record is never changed")
        return json.loads(row[1])["id"]

    def finalise(self, record_id: str, seal: Sealer) -> None:
        """Make a draft final: sealed into the chain, and never changed from then on."""
        with self.transaction():
            self._check_draft(record_id)
            self._finalise(record_id, seal)

    def _finalise(self, record_id: str, seal: Sealer) -> None:
        index, previous = self._chain_head()
        body, sha256, answer_count, at = seal(index + 1, previous)
        self.db.execute(
            "UPDATE records SET status = 'final', finalised_at = ?, answer_count = ?,"
            " chain_index = ?, sha256 = ? WHERE id = ?",
            (at, answer_count, index + 1, sha256, record_id),
        )
        self.db.execute("INSERT INTO sealed (record_id, body) VALUES (?, ?)", (record_id, body))
        officer = self.db.execute(
            "SELECT officer FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        detail = {"finalised": str(index + 1), "sha256": sha256}
        self._log(at, "collection", json.loads(officer[0])["id"], record_id, detail)

    def _chain_head(self) -> tuple[int, str]:
        """The last link of the chain, counting erased records (their hashes stay)."""
        row = self.db.execute(
            "SELECT chain_index, sha256 FROM records WHERE chain_index IS NOT NULL"
            " UNION ALL SELECT chain_index, sha256 FROM tombstones WHERE chain_index IS NOT NULL"
            " ORDER BY 1 DESC LIMIT 1"
        ).fetchone()
        return (row[0], row[1]) if row else (0, "")

    def save_final(self, draft: Draft, definition: str, seal: Sealer) -> None:
        """Store a complete record from an answers file in one transaction: all or nothing."""
        with self.transaction():
            self._insert(draft, definition)
            for path, value in flatten(draft.answers):
                at = draft.stamps.get(path, draft.started_at)
                self._answer(draft.id, path, value, at)
                self._log(at, "collection", draft.officer.id, draft.id, {"question": path})
            self._finalise(draft.id, seal)

    def discard(self, record_id: str, at: str, officer: str) -> None:
        """Delete a draft the officer chose to throw away (final records cannot be); the log
        and a tombstone say so."""
        with self.transaction():
            self._check_draft(record_id)
            self.db.execute("DELETE FROM answers WHERE record_id = ?", (record_id,))
            self.db.execute("DELETE FROM records WHERE id = ?", (record_id,))
            reason = "draft discarded by the officer"
            self.db.execute(
                "INSERT INTO tombstones VALUES (?, NULL, NULL, ?, ?)", (record_id, at, reason)
            )
            self._log(at, "erasure", officer, record_id, {"reason": reason})
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def add_amendment(self, record_id: str, officer: str, at: str, make: Amender) -> None:
        """Append a signed addendum to a final record, chained to what came before it."""
        with self.transaction():
            row = self.db.execute(
                "SELECT sha256 FROM records WHERE id = ? AND status = 'final'", (record_id,)
            ).fetchone()
            if row is None:
                raise UsageError(
                    f"record {record_id[:8]} is not final: change a draft's answers instead"
                )
            last = self.db.execute(
                "SELECT sha256 FROM amendments WHERE record_id = ? ORDER BY seq DESC LIMIT 1",
                (record_id,),
            ).fetchone()
            body, sha256 = make(last[0] if last else row[0])
            self.db.execute(
                "INSERT INTO amendments (record_id, sha256, body) VALUES (?, ?, ?)",
                (record_id, sha256, body),
            )
            self._log(at, "alteration", officer, record_id, {"amendment": sha256[:16]})
            # The back office has not seen this amendment: the record goes out again.
            self.db.execute("UPDATE records SET acknowledged_at = NULL WHERE id = ?", (record_id,))

    def sealed_bodies(self, ids: list[str]) -> Iterator[tuple[str, bytes | None, bool]]:
        """(id, sealed body or None for a draft, has amendments) for each id, a hundred to a
        query: not a query per record, and never more than a hundred bodies in memory."""
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                "SELECT id, body, EXISTS (SELECT 1 FROM amendments a WHERE a.record_id = id)"
                f" FROM records LEFT JOIN sealed ON record_id = id WHERE id IN ({marks})",
                chunk,
            )
            found = {row[0]: row for row in rows}
            for record_id in chunk:
                row = found[record_id]
                yield record_id, row[1], bool(row[2])

    def amendment_hashes(self) -> set[str]:
        """The hash of every amendment (to match against the log)."""
        return {row[0] for row in self.db.execute("SELECT sha256 FROM amendments")}

    def erased_ids(self) -> set[str]:
        """Every record erased (its tombstone)."""
        return {row[0] for row in self.db.execute("SELECT record_id FROM tombstones")}

    def amendments(self, record_id: str) -> list[bytes]:
        """A record's amendments, oldest first."""
        rows = self.db.execute(
            "SELECT body FROM amendments WHERE record_id = ? ORDER BY seq", (record_id,)
        )
        return [r[0] for r in rows]

    def log_event(
        self, at: str, action: str, officer: str, record_id: str | None, **detail: str
    ) -> None:
        """Log a consultation or disclosure; answers and amendments log themselves."""
        with self.transaction():
            self._log(at, action, officer, record_id, detail)

    def log_events(self, entries: list[tuple[str, str, str, str | None, dict]]) -> None:
        """Log many events in one transaction (an export of a year of records)."""
        with self.transaction():
            previous = None
            for entry in entries:
                previous = self._log(*entry, previous=previous)

    def _log(
        self,
        at: str,
        action: str,
        officer: str,
        record_id: str | None,
        detail: dict,
        previous: str | None = None,
    ) -> str:
        """One hash-chained processing-log entry (never any answer content); its hash."""
        if previous is None:
            row = self.db.execute("SELECT hash FROM log ORDER BY seq DESC LIMIT 1").fetchone()
            previous = row[0] if row else ""
        fields = (at, action, officer, record_id, json.dumps(detail, sort_keys=True))
        digest = log_hash(previous, *fields)
        self.db.execute(
            "INSERT INTO log (at, action, officer, record_id, detail, previous, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*fields, previous, digest),
        )
        return digest

    def log_rows(self, record_id: str | None = None) -> Iterator[LogRow]:
        """The processing log as stored, oldest first: (seq, at, action, officer, record,
        detail JSON, previous hash, hash)."""
        query = "SELECT seq, at, action, officer, record_id, detail, previous, hash FROM log"
        if record_id:
            return self.db.execute(query + " WHERE record_id = ? ORDER BY seq", (record_id,))
        return self.db.execute(query + " ORDER BY seq")

    def log_entries(self, record_id: str | None = None) -> Iterator[dict[str, Any]]:
        """The processing log, oldest first, as readable entries."""
        keys = ("seq", "at", "action", "officer", "record", "detail", "previous", "hash")
        for row in self.log_rows(record_id):
            entry = dict(zip(keys, row, strict=True))
            entry["detail"] = json.loads(entry["detail"])
            yield entry

    def acknowledge(self, record_id: str, at: str, officer: str, recipient: str) -> None:
        """Mark a record as received by the back office (and log the disclosure)."""
        with self.transaction():
            self.db.execute("UPDATE records SET acknowledged_at = ? WHERE id = ?", (at, record_id))
            self._log(at, "disclosure", officer, record_id, {"to": recipient, "reason": "upload"})

    def queued(self) -> list[tuple[str, str]]:
        """Final records the back office has not acknowledged, in chain order, each with its
        idempotency key: the record id, plus "+N" once it carries N amendments (so a record
        sent again with an amendment is a new delivery, not a duplicate)."""
        rows = self.db.execute(
            "SELECT id, (SELECT count(*) FROM amendments a WHERE a.record_id = r.id)"
            " FROM records r WHERE status = 'final' AND acknowledged_at IS NULL"
            " ORDER BY chain_index"
        )
        return [(rid, f"{rid}+{n}" if n else rid) for rid, n in rows]

    def acknowledged_before(self, cutoff: str) -> list[str]:
        """Final records acknowledged before a time (for retention)."""
        rows = self.db.execute(
            "SELECT id FROM records WHERE acknowledged_at IS NOT NULL"
            " AND julianday(acknowledged_at) < julianday(?)",  # compares instants, not text
            (cutoff,),
        )
        return [r[0] for r in rows]

    def erase(self, record_id: str, at: str, officer: str, reason: str) -> None:
        """Erase a record for good; a tombstone keeps its place in the chain and the log."""
        with self.transaction():
            row = self.db.execute(
                "SELECT chain_index, sha256 FROM records WHERE id = ?", (record_id,)
            ).fetchone()
            if row is None:
                raise UsageError(f"no record with id '{record_id}'")
            self.db.execute(
                "INSERT INTO tombstones VALUES (?, ?, ?, ?, ?)",
                (record_id, row[0], row[1], at, reason),
            )
            for table in ("answers", "amendments", "sealed"):
                self.db.execute(f"DELETE FROM {table} WHERE record_id = ?", (record_id,))
            self.db.execute("DELETE FROM records WHERE id = ?", (record_id,))
            self._log(at, "erasure", officer, record_id, {"reason": reason})
        # Move the overwritten pages out of the write-ahead log and empty it, so nothing
        # of the erased record is left in any file.
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def chain(self) -> Iterator[tuple[str, int, str, bytes | None]]:
        """Every link of the chain in order: (record id, index, sha256, body or None if erased)."""
        rows = self.db.execute(
            "SELECT id, chain_index, sha256, body FROM records JOIN sealed ON record_id = id"
            " UNION ALL SELECT record_id, chain_index, sha256, NULL FROM tombstones"
            " WHERE chain_index IS NOT NULL ORDER BY 2"
        )
        yield from rows

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

    def resolve_any(self, ref: str) -> str:
        """Like resolve, but also finds erased records (by their tombstones) for the log."""
        try:
            return self.resolve(ref)
        except UsageError:
            if len(ref.strip()) < MIN_PREFIX:
                raise
            row = self.db.execute(
                "SELECT record_id FROM tombstones WHERE record_id >= ? AND record_id < ? LIMIT 1",
                (ref.lower(), ref.lower() + "\uffff"),
            ).fetchone()
            if row is None:
                raise
            return row[0]

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
        row = self.db.execute(
            "SELECT body FROM sealed WHERE record_id = ?", (record_id,)
        ).fetchone()
        return row[0] if row else None

    def cached_model(self, sha256: str, code_version: str) -> bytes | None:
        """A checklist already checked by this version of safe-check (its model as JSON)."""
        row = self.db.execute(
            "SELECT model FROM definitions WHERE sha256 = ? AND model_version = ?",
            (sha256, code_version),
        ).fetchone()
        return row[0] if row else None

    def cache_model(self, ref: ChecklistRef, text: str, model: bytes, code_version: str) -> None:
        """Keep a checked checklist so the next start need not parse and check it again."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO definitions"
                " (sha256, checklist_id, version, text, model, model_version)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE"
                " SET model = excluded.model, model_version = excluded.model_version",
                (ref.sha256, ref.id, ref.version, text, model, code_version),
            )

    def definitions(self) -> list[tuple[str, str, bytes | None]]:
        """Every stored checklist definition: (sha256, text, cached model or None)."""
        return self.db.execute("SELECT sha256, text, model FROM definitions").fetchall()

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
            incident_at=datetime.fromisoformat(row[5]),
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


def log_hash(
    previous: str, at: str, action: str, officer: str, record: str | None, detail: str
) -> str:
    """A log entry's hash, over the previous hash and every field, so no entry can go unnoticed
    (fields joined by the ASCII unit separator, which none of them can contain)."""
    import hashlib  # here, not at the top: loading OpenSSL can wait until an answer is saved

    text = "\x1f".join((previous, at, action, officer, record or "", detail))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_id() -> str:
    """A fresh record id (UUID4)."""
    return str(uuid.uuid4())
