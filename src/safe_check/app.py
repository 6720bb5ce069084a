"""What the commands do, without the terminal: officer, runs, records, integrity. Click-free."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Final

import msgspec

from safe_check.checklist import Loaded
from safe_check.errors import AnswersError, UsageError
from safe_check.record import (
    Amendment,
    Chain,
    ChecklistRef,
    Draft,
    Officer,
    Record,
    Seal,
    amendment_content,
    build,
    from_json,
    sealed_content,
    to_json,
)
from safe_check.store import Sealer, Store, flatten, new_id
from safe_check.timefmt import now, rfc3339

KEY_FILE: Final = "device-key"
CONFIG_KEYS: Final = ("recipient", "upload.url", "retention.days")
DEFAULT_RETENTION_DAYS: Final = 31


class App:
    """One invocation's context: where the data lives and who the officer is."""

    def __init__(self, home: Path, officer_override: str | None = None) -> None:
        self.home = home
        self.officer_override = officer_override

    def __repr__(self) -> str:
        return f"App(home={self.home!r})"

    @cached_property
    def store(self) -> Store:
        """The store, opened on first use so --help never touches the disk."""
        return Store(self.home)

    # -- the officer and the device ---------------------------------------------------
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

    def officer_id(self) -> str:
        """Who to name in the processing log, even before anyone is set up."""
        try:
            return self.officer().id
        except UsageError:
            return "(not set up)"

    def setup(self, officer_id: str, name: str, force: str) -> Officer:
        """Save the officer's identity, and make this device's signing key if it has none."""
        if not officer_id.strip():
            raise UsageError("officer id (or collar number) cannot be empty")
        config = self.store.read_config()
        config["officer"] = {"id": officer_id.strip(), "name": name.strip(), "force": force.strip()}
        self.store.write_config(config)
        self.device_key(create=True)
        return Officer(**config["officer"])

    def device_key(self, create: bool = False) -> Any:
        """This device's Ed25519 key. Only set-up makes one: a key that has gone missing must
        be noticed, never quietly replaced."""
        from safe_check.errors import StoreError
        from safe_check.integrity import load_key, new_key

        data = self.store.read_private(KEY_FILE)
        if data is None and create:
            data = new_key()
            self.store.write_private(KEY_FILE, data)
        if data is None:
            raise StoreError(
                f"no signing key in {self.home}: run 'safe-check setup' on this device first"
            )
        try:
            return load_key(data)
        except ValueError:
            raise StoreError(f"the signing key {self.home / KEY_FILE} is damaged") from None

    def verifier(self, key_file: Path | None = None) -> Any:
        """Checks signatures: with an exported public key, or this device's own."""
        from safe_check.integrity import Verifier

        if key_file is None:
            return Verifier(self.device_key().private.public_key())
        try:
            return Verifier.from_pem(key_file.read_bytes())
        except (OSError, ValueError) as err:
            raise UsageError(f"{key_file}: not a usable public key ({err})") from None

    # -- checklists -------------------------------------------------------------------------
    def checklist(self, ref: str) -> Loaded:
        """A checklist by id or path; one this version of safe-check already checked is reused."""
        import hashlib

        from safe_check.catalog import locate

        path = locate(ref)
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except OSError as err:
            raise UsageError(f"cannot read {path}: {err.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{path} is not UTF-8 text") from None
        return self._loaded(text, path, hashlib.sha256(data).hexdigest())

    def all_checklists(self) -> list[Loaded]:
        """Every shipped checklist."""
        from safe_check.catalog import shipped_files

        return [self.checklist(str(p)) for p in shipped_files()]

    def _loaded(self, text: str, path: Path, sha256: str) -> Loaded:
        from safe_check import __version__
        from safe_check.catalog import from_text
        from safe_check.checklist import Checklist

        cached = self.store.cached_model(sha256, __version__)
        if cached is not None:
            return Loaded(msgspec.json.decode(cached, type=Checklist), path, sha256)
        loaded = from_text(text, str(path), sha256)
        cl = loaded.checklist
        ref = ChecklistRef(id=cl.id, version=cl.version, sha256=sha256)
        self.store.cache_model(ref, text, msgspec.json.encode(cl), __version__)
        return loaded

    # -- making records -------------------------------------------------------------------
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
        self.store.create(draft, self._definition(loaded))
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
        stamp = rfc3339(now())
        draft.stamps = {path: stamp for path, _ in flatten(answers)}
        sealed: list[Record] = []
        self.store.save_final(
            draft, loaded.path.read_text(encoding="utf-8"), self._sealer(loaded, draft, sealed)
        )
        return sealed[0]

    def _definition(self, loaded: Loaded) -> str:
        """The checklist's exact text: kept in the store, or read from its file."""
        from safe_check.errors import StoreError

        try:
            return self.store.definition(loaded.sha256)
        except StoreError:
            return loaded.path.read_bytes().decode("utf-8")

    def checklist_of(self, draft: Draft) -> Loaded:
        """The exact checklist definition a record was made with, checked against its hash
        and read from its text (not from the cache), so an edited copy cannot relabel it."""
        import hashlib

        from safe_check.catalog import from_text
        from safe_check.errors import StoreError

        ref = draft.checklist
        text = self.store.definition(ref.sha256)
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != ref.sha256:
            raise StoreError(f"the stored {ref.id} checklist does not match its hash (altered)")
        return from_text(text, f"{ref.id}.toml", ref.sha256)

    def finalise(self, record_id: str) -> Record:
        """Make a draft final: sealed, signed, chained, and unchanged from then on."""
        loaded = self.checklist_of(self.store.draft(record_id))
        sealed: list[Record] = []
        # The draft is read again inside the store's transaction, so an answer another
        # terminal saved a moment ago is in the seal, not lost beside it.
        self.store.finalise(
            record_id, self._sealer(loaded, None, sealed, lambda: self.store.draft(record_id))
        )
        return sealed[0]

    def _sealer(
        self,
        loaded: Loaded,
        given: Draft | None,
        out: list[Record],
        reload: Callable[[], Draft] | None = None,
    ) -> Sealer:
        """Builds, hashes and signs the record once the store knows its place in the chain."""
        key = self.device_key()
        from safe_check.integrity import digest, fingerprint

        def seal(index: int, previous: str) -> tuple[bytes, str, int, str]:
            draft = reload() if reload else given
            draft.status, draft.finalised_at = "final", rfc3339(now())
            record = build(loaded.checklist, draft)
            record.chain = Chain(index=index, previous=previous)
            sha256 = digest(sealed_content(record))
            record.seal = Seal(
                sha256=sha256, signature=key.sign(sha256), key=fingerprint(key.public_raw)
            )
            out.append(record)
            return to_json(record), sha256, count_answers(record), draft.finalised_at

        return seal

    # -- reading --------------------------------------------------------------------------
    def record(self, ref: str) -> Record:
        """A record by id or prefix: a final one as sealed, with amendments; a draft as it is."""
        from safe_check.verify import decode_amendments

        record_id = self.store.resolve(ref)
        body = self.store.body(record_id)
        if body is not None:
            record = from_json(body)
            record.amendments = decode_amendments(self.store.amendments(record_id))
            return record
        draft = self.store.draft(record_id)
        return build(self.checklist_of(draft).checklist, draft)

    def record_ids(self, refs: tuple[str, ...], every: bool) -> list[str]:
        """Record ids named by id or prefix, or every record with --all (oldest first)."""
        if every and refs:
            raise UsageError("give record ids or --all, not both")
        if not every and not refs:
            raise UsageError("give one or more record ids, or --all")
        return list(reversed(self.store.ids())) if every else [self.store.resolve(r) for r in refs]

    def exported(self, ids: list[str], fmt: str) -> Iterator[tuple[str, bytes]]:
        """(id, export) for each record: a final record without amendments is its sealed bytes
        exactly as stored, with no decoding at all."""
        from safe_check.record import to_toml

        for record_id, body, amended in self.store.sealed_bodies(ids):
            if fmt == "json":
                yield (
                    record_id,
                    body if body is not None and not amended else to_json(self.record(record_id)),
                )
            else:
                yield record_id, to_toml(self.record(record_id)).encode("utf-8")

    def iter_records(self, ids: list[str]) -> Iterator[Record]:
        """Records one at a time."""
        for record_id in ids:
            yield self.record(record_id)

    def consulted(self, record: Record, how: str) -> None:
        """Log that a record was read (show, summary)."""
        self.store.log_event(rfc3339(now()), "consultation", self.officer_id(), record.id, how=how)

    def disclosed(self, ids: list[str], recipient: str, reason: str, **detail: str) -> None:
        """Log that records left the device (export, upload, print): one entry each."""
        at, officer = rfc3339(now()), self.officer_id()
        entries = [
            (at, "disclosure", officer, i, {"to": recipient, "reason": reason, **detail})
            for i in ids
        ]
        self.store.log_events(entries)

    # -- amendments -----------------------------------------------------------------------
    def amend(
        self, ref: str, reason: str, question: str | None, value: Any, note: str | None
    ) -> Amendment:
        """A signed, timestamped addendum to a final record: a corrected answer or a note."""
        if not reason.strip():
            raise UsageError("an amendment needs a reason (--reason)")
        if question is None and not (note or "").strip():
            raise UsageError("give --question with --value, or a --note that says something")
        record_id = self.store.resolve(ref)
        if question is not None:
            value = self._amended_value(record_id, question, value)
        from safe_check.integrity import digest, fingerprint

        key, officer, at = self.device_key(), self.officer(), rfc3339(now())
        made: list[Amendment] = []

        def make(previous: str) -> tuple[bytes, str]:
            amendment = Amendment(
                id=new_id(),
                at=at,
                officer=officer,
                reason=reason.strip(),
                question=question,
                value=value,
                note=note,
                previous=previous,
            )
            sha256 = digest(amendment_content(amendment))
            signed = msgspec.structs.replace(
                amendment,
                sha256=sha256,
                signature=key.sign(sha256),
                key=fingerprint(key.public_raw),
            )
            made.append(signed)
            return msgspec.json.encode(signed), sha256

        self.store.add_amendment(record_id, officer.id, at, make)
        return made[0]

    def _amended_value(self, record_id: str, question: str, value: Any) -> Any:
        """Check a corrected value against the question it answers: `q` at the top level, or
        `roster[i].q` for an entry the record has."""
        from safe_check.answers import coerce
        from safe_check.checklist import Roster
        from safe_check.store import PATH_RE

        draft = self.store.draft(record_id)
        cl = self.checklist_of(draft).checklist
        items = {item.id: item for _, item in cl.items()}
        entry = PATH_RE.match(question)
        if entry:
            roster = items.get(entry.group(1))
            count = len(draft.answers.get(entry.group(1)) or [])
            if not isinstance(roster, Roster) or int(entry.group(2)) >= count:
                raise UsageError(f"record has no entry '{entry.group(1)}[{entry.group(2)}]'")
            target = next((q for q in roster.questions if q.id == entry.group(3)), None)
        else:
            target = items.get(question)
        if target is None or isinstance(target, Roster):
            hint = " (a roster answer is roster[index].question, e.g. children[0].seen)"
            raise UsageError(f"no question '{question}' in {cl.id}{hint}")
        try:
            return coerce(target, value)
        except ValueError as err:
            raise UsageError(f"--value for {question}: {err}") from None

    # -- verification ---------------------------------------------------------------------
    def verify(self, refs: tuple[str, ...]) -> tuple[int, list[str]]:
        """Check final records (all, or those named), the chain and the log: (checked, failures)."""
        from safe_check.verify import check_chain, check_log

        only = {self.store.resolve(r) for r in refs} if refs else None
        verifier = self.verifier()
        links: dict[int, str] = {}
        failures: list[str] = []
        checked = 0

        def counted() -> Any:
            nonlocal checked
            for link in self.store.chain():
                links[link[1]] = link[2]
                checked += link[3] is not None and (only is None or link[0] in only)
                yield link

        for record_id, problem in check_chain(counted(), self.store.amendments, verifier, only):
            failures.append(f"record {record_id[:8]}: {problem}")
        if only is None:
            amendments, erased = self.store.amendment_hashes(), self.store.erased_ids()
            failures += check_log(self.store.log_rows(), links, amendments, erased)
            failures += self._check_definitions()
        self.store.log_event(rfc3339(now()), "consultation", self.officer_id(), None, how="verify")
        return checked, failures

    def _check_definitions(self) -> list[str]:
        """Every stored checklist matches its hash, and its cached model matches its text
        (starts read the cache, so an edited cache would change the questions asked)."""
        import hashlib

        from safe_check.lint import check_text

        problems = []
        for sha256, text, model in self.store.definitions():
            name = f"checklist {sha256[:12]}"
            if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha256:
                problems.append(f"{name}: its text does not match its hash (altered)")
                continue
            checklist, _ = check_text(text, name)
            if (
                model is not None
                and checklist is not None
                and msgspec.json.encode(checklist) != model
            ):
                problems.append(f"{name}: the cached copy differs from its text (altered)")
        return problems

    def verify_file(self, path: Path, key_file: Path) -> tuple[int, list[str]]:
        """Check an exported record file (JSON or TOML) with only the public key."""
        from safe_check.verify import check_record

        verifier = self.verifier(key_file)
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise UsageError(f"cannot read {path}: {err.strerror}") from None
        records, problems = _decode_export(raw, path.suffix.lower())
        for n, record in enumerate(records, 1):
            where = f"record {record.id[:8]}" if record.id else f"record {n}"
            problems += [f"{where}: {p}" for p in check_record(record, verifier)]
        return len(records), problems

    # -- configuration ----------------------------------------------------------------------
    def config_set(self, key: str, value: str) -> None:
        """Set one of the configuration keys, checked before it is saved."""
        if key not in CONFIG_KEYS:
            raise UsageError(f"unknown setting '{key}' (known: {', '.join(CONFIG_KEYS)})")
        if key == "recipient":
            import pyrage

            try:
                pyrage.x25519.Recipient.from_str(value.strip())
            except Exception:
                raise UsageError("recipient must be an age public key (age1...)") from None
        parsed: Any = value.strip()
        if key == "retention.days":
            if not value.strip().isdigit() or int(value) < 1:
                raise UsageError("retention.days must be a whole number of days, at least 1")
            parsed = int(value)
        if key == "upload.url":
            check_url(value)
        config = self.store.read_config()
        section, _, name = key.rpartition(".")
        target = config.setdefault(section, {}) if section else config
        target[name] = parsed
        self.store.write_config(config)

    def setting(self, key: str, default: Any = None) -> Any:
        """A configuration value by its dotted key."""
        section, _, name = key.rpartition(".")
        config = self.store.read_config()
        return (config.get(section, {}) if section else config).get(name, default)

    def encrypter(self, plain: bool) -> Callable[[bytes], bytes]:
        """Encrypts exports to the back office's age key when one is set (unless --plain)."""
        recipient = self.setting("recipient")
        if plain or not recipient:
            return lambda data: data
        import pyrage

        target = pyrage.x25519.Recipient.from_str(recipient)
        return lambda data: pyrage.encrypt(data, [target], armored=True)

    # -- upload ------------------------------------------------------------------------------
    def upload(self, url: str | None, timeout: float, retries: int) -> Any:
        """Send every final record the back office has not acknowledged."""
        from safe_check.record import to_json
        from safe_check.upload import upload_all

        url = url or self.setting("upload.url")
        if not url:
            raise UsageError(
                "no endpoint: give --url or run 'safe-check config set upload.url URL'"
            )
        check_url(url)
        encrypt = self.encrypter(plain=False)
        officer = self.officer_id()

        def acknowledge(record_id: str) -> None:
            self.store.acknowledge(record_id, rfc3339(now()), officer, url)

        return upload_all(
            self.store.queued(),
            lambda record_id: encrypt(to_json(self.record(record_id))),
            acknowledge,
            url,
            encrypted=bool(self.setting("recipient")),
            timeout=timeout,
            retries=retries,
        )

    # -- retention ---------------------------------------------------------------------------
    def purge(self, ref: str | None, reason: str | None) -> list[str]:
        """Erase one record on request, or every record acknowledged longer ago than retention."""
        at = rfc3339(now())
        if ref is not None:
            if not reason or not reason.strip():
                raise UsageError("erasing a record on request needs --reason")
            ids = [self.store.resolve(ref)]
        else:
            days = int(self.setting("retention.days", DEFAULT_RETENTION_DAYS))
            ids = self.store.acknowledged_before(rfc3339(now() - timedelta(days=days)))
            reason = f"retention: acknowledged more than {days} days ago"
        for record_id in ids:
            self.store.erase(record_id, at, self.officer_id(), reason)
        return ids


def _decode_export(raw: bytes, suffix: str) -> tuple[list[Record], list[str]]:
    """Records from an export file: one record or several ([...] in JSON, [[records]] in TOML)."""
    import tomllib

    try:
        if suffix == ".toml":
            data = tomllib.loads(raw.decode("utf-8"))
            items = data["records"] if set(data) == {"records"} else [data]
        else:
            data = msgspec.json.decode(raw)
            items = data if isinstance(data, list) else [data]
        records = [msgspec.convert(item, Record) for item in items]
    except (ValueError, TypeError, msgspec.DecodeError, msgspec.ValidationError) as err:
        return [], [f"cannot be read (damaged or altered): {err}"]
    if not records:
        return [], ["the file holds no records"]
    if suffix != ".toml" and not isinstance(data, list) and to_json(records[0]) != raw:
        return records, [
            f"record {records[0].id[:8]}: file bytes differ from the sealed form (altered)"
        ]
    return records, []


def check_url(url: str) -> None:
    """An upload endpoint must be a well-formed http(s) URL with a host."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError as err:
        raise UsageError(f"not a usable URL: {url} ({err})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"not a usable URL: {url} (use http:// or https:// and a host)")


def count_answers(record: Record) -> int:
    """How many answers a record holds, roster answers included."""
    return sum(sum(len(e.answers) for e in a.entries) if a.entries else 1 for a in record.answers)
