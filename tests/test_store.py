"""The store: SQLite settings, private files, answers with history, final records, prefixes."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safe_check.app import App
from safe_check.catalog import find
from safe_check.errors import StoreError, UsageError
from safe_check.lint import Loaded
from safe_check.record import Draft
from safe_check.store import DB_NAME, Store

INCIDENT = datetime(2026, 11, 21, 22, 10, tzinfo=UTC)
AT = "2026-11-21T22:15:00+00:00"
LATER = "2026-11-21T22:20:00+00:00"
WRITES_EACH = 250


@pytest.fixture
def app(home: Path) -> Iterator[App]:
    app = App(home)
    app.setup("T1", "PC Test", "Test Force")
    yield app
    app.store.close()


@pytest.fixture
def practice() -> Loaded:
    return find("practice-run")


@pytest.fixture
def draft(app: App, practice: Loaded) -> Draft:
    return app.start(practice, "TEST-0001", INCIDENT)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that hides nothing, so only the store's own modes protect its files."""
    old = os.umask(0)
    yield
    os.umask(old)


# -- the database ------------------------------------------------------------------------------
def test_the_database_uses_wal(home: Path) -> None:
    store = Store(home)
    store.close()
    with sqlite3.connect(home / DB_NAME) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_store_commits_with_synchronous_full(home: Path) -> None:
    store = Store(home)
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()


# -- private files ---------------------------------------------------------------------------
@pytest.mark.usefixtures("open_umask")
def test_a_new_data_directory_is_0700(tmp_path: Path) -> None:
    home = tmp_path / "new" / "data"
    Store(home).close()
    assert mode(home) == 0o700


@pytest.mark.usefixtures("open_umask")
def test_the_database_file_is_0600_before_sqlite_opens_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "data"
    seen: list[int] = []
    real_connect = sqlite3.connect

    def connect(
        path: os.PathLike[str] | str, *args: object, **kwargs: object
    ) -> sqlite3.Connection:
        seen.append(mode(Path(path)))
        return real_connect(path, *args, **kwargs)

    monkeypatch.setattr("safe_check.store.sqlite3.connect", connect)
    Store(home).close()
    assert seen and set(seen) == {0o600}
    assert mode(home / DB_NAME) == 0o600


@pytest.mark.usefixtures("open_umask")
def test_files_sqlite_adds_are_private_too(tmp_path: Path) -> None:
    home = tmp_path / "data"
    store = Store(home)
    store.write_config({"officer": {"id": "T1"}})
    extra = sorted(p.name for p in home.iterdir() if mode(p) != 0o600)
    store.close()
    assert extra == []


@pytest.mark.parametrize("loose", [0o750, 0o740, 0o705, 0o755, 0o777])
def test_a_data_directory_others_can_read_is_refused(tmp_path: Path, loose: int) -> None:
    home = tmp_path / "data"
    home.mkdir()
    home.chmod(loose)
    with pytest.raises(StoreError, match="chmod 700"):
        Store(home)
    assert not (home / DB_NAME).exists()


def test_settings_round_trip(home: Path) -> None:
    store = Store(home)
    store.write_config({"officer": {"id": "T1", "name": "PC Test", "force": "Test Force"}})
    assert store.read_config()["officer"]["name"] == "PC Test"
    store.close()


# -- answers and history ----------------------------------------------------------------------
def test_an_answer_is_saved_at_once(app: App, draft: Draft) -> None:
    app.store.save_answer(draft.id, "reason", "welfare", AT)
    other = Store(app.home)
    saved = other.draft(draft.id)
    other.close()
    assert (saved.answers, saved.stamps) == ({"reason": "welfare"}, {"reason": AT})


def test_a_changed_answer_keeps_the_earlier_one_as_history(app: App, draft: Draft) -> None:
    app.store.save_answer(draft.id, "referral_made", False, AT)
    app.store.save_answer(draft.id, "referral_made", True, LATER)
    saved = app.store.draft(draft.id)
    assert saved.answers["referral_made"] is True
    assert [(c.value, c.answered_at) for c in saved.history["referral_made"]] == [(False, AT)]


def test_roster_answers_are_saved_per_entry(app: App, draft: Draft) -> None:
    app.store.save_answer(draft.id, "children[1].seen", False, AT)
    app.store.save_answer(draft.id, "children[0].seen", True, AT)
    assert app.store.draft(draft.id).answers == {"children": [{"seen": True}, {"seen": False}]}


@pytest.mark.parametrize(("values", "closed"), [((True,), {"children"}), ((True, False), set())])
def test_closing_a_roster_is_saved(
    app: App, draft: Draft, values: tuple[bool, ...], closed: set[str]
) -> None:
    for value in values:
        app.store.save_answer(draft.id, "children#closed", value, AT)
    assert app.store.draft(draft.id).closed == closed


def test_a_final_record_refuses_new_answers(app: App, draft: Draft) -> None:
    app.finalise(draft.id)
    with pytest.raises(StoreError, match="never changed"):
        app.store.save_answer(draft.id, "reason", "other", LATER)
    assert app.store.draft(draft.id).answers == {}


def test_a_final_record_cannot_be_discarded(app: App, draft: Draft) -> None:
    app.finalise(draft.id)
    with pytest.raises(StoreError, match="never changed"):
        app.store.discard(draft.id, "2026-11-21T22:30:00+00:00", "T1")
    assert app.store.ids() == [draft.id]


def test_a_final_record_cannot_be_finalised_again(app: App, draft: Draft) -> None:
    first = app.finalise(draft.id)
    with pytest.raises(StoreError):
        app.finalise(draft.id)
    assert app.record(draft.id).finalised_at == first.finalised_at


def test_discarding_a_draft_removes_it(app: App, draft: Draft) -> None:
    app.store.save_answer(draft.id, "reason", "welfare", AT)
    app.store.discard(draft.id, "2026-11-21T22:30:00+00:00", "T1")
    assert app.store.ids() == []


# -- two writers at once ----------------------------------------------------------------------
def write_many(home: str, record_id: str, tag: str, go: multiprocessing.synchronize.Event) -> None:
    """A second process saving answers one transaction at a time."""
    store = Store(Path(home))
    go.wait()
    for n in range(WRITES_EACH):
        store.save_answer(record_id, f"{tag}_{n}", n, AT)
    store.close()


def test_two_processes_writing_at_once_lose_nothing(app: App, draft: Draft) -> None:
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    writers = [
        context.Process(target=write_many, args=(str(app.home), draft.id, tag, go))
        for tag in ("first", "second")
    ]
    for w in writers:
        w.start()
    go.set()
    for w in writers:
        w.join(timeout=300)  # a guard against a hang, not a timing check
    assert [w.exitcode for w in writers] == [0, 0]
    answers = Store(app.home).draft(draft.id).answers
    expected = {f"{tag}_{n}": n for tag in ("first", "second") for n in range(WRITES_EACH)}
    assert answers == expected
    assert app.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# -- record ids ------------------------------------------------------------------------------------
def make_draft(app: App, practice: Loaded, record_id: str) -> None:
    draft = app.new_draft(practice, None, INCIDENT)
    draft.id = record_id
    app.store.create(draft, practice.path.read_text(encoding="utf-8"))


FIRST = "abcdef01-0000-4000-8000-000000000001"
SECOND = "abcdef02-0000-4000-8000-000000000002"


@pytest.fixture
def two_ids(app: App, practice: Loaded) -> None:
    make_draft(app, practice, FIRST)
    make_draft(app, practice, SECOND)


@pytest.mark.usefixtures("two_ids")
@pytest.mark.parametrize(
    ("ref", "full"),
    [(FIRST, FIRST), ("abcdef01", FIRST), ("ABCDEF02", SECOND), ("  abcdef02-0  ", SECOND)],
)
def test_an_id_or_unique_prefix_resolves(app: App, ref: str, full: str) -> None:
    assert app.store.resolve(ref) == full


@pytest.mark.usefixtures("two_ids")
@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("abcde", "too short: give at least 6 characters"),
        ("", "too short"),
        ("abcdef", "matches more than one record"),
        ("abcdef09", "no record with id 'abcdef09'"),
    ],
)
def test_a_bad_prefix_is_a_usage_error(app: App, ref: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        app.store.resolve(ref)
