"""Evidential integrity and data protection: seals, chain, amendments, log, at rest, purge."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from safe_check.answers import read_file
from safe_check.app import App
from safe_check.catalog import find
from safe_check.errors import StoreError
from safe_check.timefmt import parse_time

EXAMPLE = Path(__file__).parents[1] / "checklists" / "examples" / "practice-run.toml"
CANARY = "Zebedee Quartermaine-Fictional"
EXE = str(Path(sys.executable).with_name("safe-check"))


def make_app(home: Path) -> App:
    app = App(home)
    app.setup("T1", "PC Test", "Test Force")
    return app


def add_record(app: App, name: str = "Child A (fictional)") -> str:
    data = read_file(EXAMPLE)
    data["children"][0]["name_or_ref"] = name
    return app.run_answers(
        find("practice-run"), data, "TEST-INT", parse_time("2026-11-21T22:10:00Z")
    ).id


def cli(home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, SAFE_CHECK_HOME=str(home))
    return subprocess.run(
        [EXE, *args], env=env, capture_output=True, input=input, text=True, timeout=30
    )


@pytest.fixture
def app(home: Path) -> App:
    return make_app(home)


def body_of(app: App, record_id: str) -> bytes:
    return app.store.db.execute(
        "SELECT body FROM sealed WHERE record_id = ?", (record_id,)
    ).fetchone()[0]


def tamper_delete(app: App, record_id: str) -> None:
    """Remove a record behind the tool's back, as someone editing the database would."""
    app.store.db.execute("PRAGMA foreign_keys=OFF")
    app.store.db.execute("DELETE FROM records WHERE id = ?", (record_id,))


def put_body(app: App, record_id: str, body: bytes) -> None:
    app.store.db.execute("UPDATE sealed SET body = ? WHERE record_id = ?", (body, record_id))


# -- sealing and verify ------------------------------------------------------------------
def test_fresh_records_verify_and_are_chained(app: App) -> None:
    first, second = add_record(app), add_record(app)
    a, b = app.record(first), app.record(second)
    assert (a.chain.index, b.chain.index) == (1, 2)
    assert b.chain.previous == a.seal.sha256
    assert app.verify(()) == (2, [])


@pytest.mark.parametrize("position", [0, 7, 100, 555, 2000, -40, -2])
def test_flipping_any_byte_of_a_stored_record_fails_verify(app: App, position: int) -> None:
    record_id = add_record(app)
    body = bytearray(body_of(app, record_id))
    body[position] ^= 0x01
    put_body(app, record_id, bytes(body))
    _, failures = app.verify(())
    assert failures and all(record_id[:8] in f for f in failures if f.startswith("record"))


def test_every_single_byte_flip_of_an_export_fails(app: App, tmp_path: Path) -> None:
    record_id = add_record(app)
    key = tmp_path / "pub.pem"
    key.write_bytes(app.device_key().public_pem())
    original = body_of(app, record_id)
    export = tmp_path / "r.json"
    step = max(1, len(original) // 300)  # a spread of ~300 positions across the whole file
    for position in range(0, len(original), step):
        flipped = bytearray(original)
        flipped[position] ^= 0x20
        export.write_bytes(bytes(flipped))
        _, failures = app.verify_file(export, key)
        assert failures, f"flip at byte {position} went unnoticed"
    export.write_bytes(original)
    assert app.verify_file(export, key) == (1, [])


def test_removing_a_record_from_the_chain_is_detected(app: App) -> None:
    ids = [add_record(app) for _ in range(3)]
    tamper_delete(app, ids[1])
    _, failures = app.verify(())
    assert any("missing" in f for f in failures)


def test_removing_the_newest_record_is_detected_through_the_log(app: App) -> None:
    ids = [add_record(app) for _ in range(2)]
    tamper_delete(app, ids[1])
    _, failures = app.verify(())
    assert any("link #2" in f for f in failures)


def test_a_record_signed_with_another_key_fails(app: App, home: Path) -> None:
    record_id = add_record(app)
    (home / "device-key").unlink()
    app.device_key(create=True)  # a new key, as on another device
    _, failures = app.verify((record_id[:8],))
    assert any("signature does not verify" in f for f in failures)


def test_export_verifies_elsewhere_with_only_the_public_key(home: Path, tmp_path: Path) -> None:
    app = make_app(home)
    record_id = add_record(app)
    assert cli(home, "keys", "--export", str(tmp_path / "pub.pem")).returncode == 0
    out = cli(
        home,
        "export",
        record_id,
        "--to",
        "Test CSC",
        "--reason",
        "referral",
        "-o",
        str(tmp_path / "r.json"),
    )
    assert out.returncode == 0, out.stderr
    elsewhere = tmp_path / "other-machine"
    elsewhere.mkdir(mode=0o700)
    result = cli(
        elsewhere, "verify", "--file", str(tmp_path / "r.json"), "--key", str(tmp_path / "pub.pem")
    )
    assert result.returncode == 0, result.stdout + result.stderr
    other_key = tmp_path / "other.pem"
    cli(elsewhere, "setup", "--id", "T2", "--name", "PC Other", "--force", "Test Force")
    cli(elsewhere, "keys", "--export", str(other_key))
    wrong = cli(elsewhere, "verify", "--file", str(tmp_path / "r.json"), "--key", str(other_key))
    assert wrong.returncode == 1 and "signature does not verify" in wrong.stdout


def test_summary_prints_short_hash_and_chain_position(app: App, home: Path) -> None:
    record_id = add_record(app)
    sha = app.record(record_id).seal.sha256
    out = cli(home, "summary", record_id[:8]).stdout
    assert f"Seal:      {sha[:16]} (chain #1)" in out


# -- amendments -----------------------------------------------------------------------------
def test_amendment_is_signed_shown_after_original_and_exported(app: App, home: Path) -> None:
    record_id = add_record(app)
    before = body_of(app, record_id)
    out = cli(
        home,
        "amend",
        record_id[:8],
        "--reason",
        "Officer misheard",
        "--question",
        "previous_visits",
        "--value",
        "4",
    )
    assert out.returncode == 0, out.stderr
    assert body_of(app, record_id) == before  # the sealed record itself never changes
    record = app.record(record_id)
    (amendment,) = record.amendments
    assert (amendment.question, amendment.value, amendment.reason) == (
        "previous_visits",
        4,
        "Officer misheard",
    )
    summary = cli(home, "summary", record_id[:8]).stdout
    assert (
        summary.index("ANSWERS") < summary.index("AMENDMENTS")
        and "previous_visits changed to 4" in summary
    )
    exported = json.loads(cli(home, "export", record_id, "--to", "x", "--reason", "y").stdout)
    assert exported["amendments"][0]["value"] == 4
    assert app.verify(()) == (1, [])


def test_amendment_value_is_checked_against_its_question(app: App, home: Path) -> None:
    record_id = add_record(app)
    out = cli(
        home,
        "amend",
        record_id[:8],
        "--reason",
        "r",
        "--question",
        "previous_visits",
        "--value",
        "lots",
    )
    assert out.returncode == 2 and "previous_visits" in out.stderr


def test_altered_amendment_fails_verify(app: App) -> None:
    record_id = add_record(app)
    app.amend(record_id, "late information", None, None, "Grandmother also lives there")
    blob = app.store.db.execute("SELECT body FROM amendments").fetchone()[0]
    app.store.db.execute(
        "UPDATE amendments SET body = ?", (blob.replace(b"Grandmother", b"Grandfather"),)
    )
    _, failures = app.verify(())
    assert any("amendment 1" in f for f in failures)


# -- processing log ----------------------------------------------------------------------------
def test_each_operation_is_logged_without_answer_content(app: App, home: Path) -> None:
    record_id = add_record(app, name=CANARY)
    cli(home, "show", record_id[:8])
    cli(home, "summary", record_id[:8])
    cli(home, "export", record_id[:8], "--to", "Test CSC", "--reason", "referral")
    app.amend(record_id, "late information", None, None, f"{CANARY} has a sibling")
    entries = list(app.store.log_entries(record_id))
    actions = [e["action"] for e in entries]
    assert actions.count("collection") >= 10  # one per answer, and the finalisation
    assert {"consultation", "disclosure", "alteration"} <= set(actions)
    disclosure = next(e for e in entries if e["action"] == "disclosure")
    assert disclosure["detail"]["to"] == "Test CSC" and disclosure["detail"]["reason"] == "referral"
    printed = cli(home, "log", "--json").stdout
    assert CANARY not in printed and "Zebedee" not in printed
    assert all(e["officer"] == "T1" for e in entries)


def test_altered_log_fails_verify(app: App) -> None:
    add_record(app)
    app.store.db.execute("UPDATE log SET action = 'consultation' WHERE seq = 3")
    _, failures = app.verify(())
    assert any("log entry 3" in f for f in failures)


def test_export_without_terminal_requires_recipient_and_reason(app: App, home: Path) -> None:
    record_id = add_record(app)
    out = cli(home, "export", record_id[:8])
    assert out.returncode == 2 and "--to" in out.stderr


# -- at rest -------------------------------------------------------------------------------------
def test_permissions_are_private_from_creation(tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    cli(home, "setup", "--id", "T1", "--name", "PC Test", "--force", "Test Force")
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for path in home.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_a_world_readable_data_directory_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "open"
    home.mkdir()
    home.chmod(0o755)
    with pytest.raises(StoreError, match="chmod 700"):
        App(home).store  # noqa: B018
    out = cli(home, "records")
    assert out.returncode == 2 and "can be read by other users" in out.stderr


@pytest.fixture
def back_office(tmp_path: Path):
    pyrage = pytest.importorskip("pyrage")
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "back-office.key"
    key_file.write_text(str(identity) + "\n")
    return identity, str(identity.to_public()), key_file


def test_sealed_export_decrypts_only_with_the_back_office_key(
    app: App, home: Path, tmp_path: Path, back_office
) -> None:
    import pyrage

    identity, public, _ = back_office
    assert cli(home, "config", "set", "recipient", public).returncode == 0
    record_id = add_record(app)
    out = tmp_path / "sealed.json.age"
    result = cli(
        home, "export", record_id, "--to", "Back office", "--reason", "upload", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    sealed = out.read_bytes()
    assert b"Child A" not in sealed and sealed.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    assert json.loads(pyrage.decrypt(sealed, [identity]))["id"] == record_id
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(sealed, [pyrage.x25519.Identity.generate()])


@pytest.mark.skipif(shutil.which("age") is None, reason="the reference age tool is not installed")
def test_reference_age_tool_decrypts_our_export(
    app: App, home: Path, tmp_path: Path, back_office
) -> None:
    _, public, key_file = back_office
    cli(home, "config", "set", "recipient", public)
    record_id = add_record(app)
    out = tmp_path / "sealed.json.age"
    cli(home, "export", record_id, "--to", "Back office", "--reason", "upload", "-o", str(out))
    plain = subprocess.run(
        ["age", "-d", "-i", str(key_file), str(out)], capture_output=True, check=True
    )
    assert json.loads(plain.stdout)["id"] == record_id


def test_plain_export_needs_flag_and_is_logged(app: App, home: Path, back_office) -> None:
    cli(home, "config", "set", "recipient", back_office[1])
    record_id = add_record(app)
    out = cli(home, "export", record_id, "--to", "Duty inspector", "--reason", "review", "--plain")
    assert json.loads(out.stdout)["id"] == record_id
    last = list(app.store.log_entries(record_id))[-1]
    assert last["detail"]["encrypted"] == "no (--plain)"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("recipient", "not-a-key", "age public key"),
        ("retention.days", "soon", "whole number"),
        ("colour", "red", "unknown setting"),
    ],
)
def test_config_set_rejects_bad_values(home: Path, key: str, value: str, message: str) -> None:
    make_app(home)
    out = cli(home, "config", "set", key, value)
    assert out.returncode == 2 and message in out.stderr


def test_config_show_prints_settings(home: Path) -> None:
    make_app(home)
    cli(home, "config", "set", "retention.days", "14")
    cli(home, "config", "set", "upload.url", "http://127.0.0.1:9/records")
    out = cli(home, "config", "show").stdout
    assert "days = 14" in out and 'url = "http://127.0.0.1:9/records"' in out


# -- retention and erasure ------------------------------------------------------------------------
def files_contain(home: Path, text: str) -> list[str]:
    return [p.name for p in home.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_purge_on_request_leaves_no_trace_and_verify_passes(app: App, home: Path) -> None:
    keep = add_record(app)
    gone = add_record(app, name=CANARY)
    after = add_record(app)
    app.amend(gone, "late information", None, None, f"note about {CANARY}")
    assert files_contain(home, CANARY)
    out = cli(home, "purge", gone[:8], "--reason", "Subject access erasure request", "--yes")
    assert out.returncode == 0, out.stderr
    app.store.close()
    assert files_contain(home, CANARY) == []
    fresh = App(home)
    assert fresh.verify(()) == (2, [])
    tombstone = [e for e in fresh.store.log_entries(gone) if e["action"] == "erasure"]
    assert tombstone and tombstone[0]["detail"]["reason"] == "Subject access erasure request"
    assert {keep, after} == set(fresh.store.ids())


def test_purge_by_retention_erases_only_old_acknowledged_records(app: App) -> None:
    old, recent, unsent = add_record(app), add_record(app), add_record(app)
    app.store.db.execute(
        "UPDATE records SET acknowledged_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (old,)
    )
    app.store.acknowledge(recent, "2999-01-01T00:00:00+00:00", "T1", "test")
    assert app.purge(None, None) == [old]
    assert set(app.store.ids()) == {recent, unsent}
    assert app.verify(())[1] == []


def test_canonical_form_is_what_any_json_library_gives(app: App) -> None:
    from safe_check.integrity import canonical
    from safe_check.record import sealed_content

    doc = sealed_content(app.record(add_record(app, name="Chïld Ä \u2028 “quoted”")))
    expected = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical(doc) == expected.encode("utf-8")


def test_a_missing_key_is_reported_not_replaced(app: App, home: Path) -> None:
    add_record(app)
    (home / "device-key").unlink()
    out = cli(home, "verify")
    assert out.returncode == 2 and "no signing key" in out.stderr
    assert not (home / "device-key").exists()


def test_an_edited_stored_checklist_is_refused(app: App, home: Path) -> None:
    record_id = add_record(app)
    app.store.db.execute(
        "UPDATE definitions SET text = replace(text, 'Welfare check', 'Routine visit')"
    )
    out = cli(home, "summary", record_id[:8])
    assert out.returncode == 2 and "does not match its hash" in out.stderr


def test_verify_file_refuses_added_fields_and_empty_files(
    app: App, home: Path, tmp_path: Path
) -> None:
    record_id = add_record(app)
    key = tmp_path / "pub.pem"
    key.write_bytes(app.device_key().public_pem())
    toml = tmp_path / "r.toml"
    toml.write_text(
        cli(home, "export", record_id, "--format", "toml", "--to", "x", "--reason", "y").stdout
    )
    assert app.verify_file(toml, key) == (1, [])
    toml.write_text('officer_assessment = "added later"\n' + toml.read_text())
    assert app.verify_file(toml, key)[1]
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    assert app.verify_file(empty, key) == (0, ["the file holds no records"])


def test_an_edited_cached_checklist_fails_verify(app: App) -> None:
    app.checklist("practice-run")  # caches the checked model
    add_record(app)
    app.store.db.execute(
        "UPDATE definitions SET model = replace(model, 'Welfare check', 'Routine visit')"
    )
    _, failures = app.verify(())
    assert any("cached copy differs" in f for f in failures)
