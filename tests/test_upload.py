"""Upload against a real HTTP server on loopback: ack, 409, 5xx, timeout, dropped connection."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from safe_check import upload as upload_module
from safe_check.answers import read_file
from safe_check.app import App
from safe_check.catalog import find
from safe_check.timefmt import parse_time

EXAMPLE = Path(__file__).parents[1] / "checklists" / "examples" / "practice-run.toml"
EXE = str(Path(sys.executable).with_name("safe-check"))


class BackOffice(ThreadingHTTPServer):
    """A back office that stores records by idempotency key and can misbehave on demand."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.received: dict[str, bytes] = {}
        self.requests: list[dict] = []
        self.script: list[str] = []  # behaviours used in turn: ok, 409, 500, slow, drop
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/records"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:
        server: BackOffice = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        key = self.headers["Idempotency-Key"]
        with server.lock:
            behaviour = server.script.pop(0) if server.script else "ok"
            server.requests.append(
                {
                    "key": key,
                    "auth": self.headers.get("Authorization"),
                    "type": self.headers["Content-Type"],
                }
            )
        if behaviour == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if behaviour == "slow":
            time.sleep(1.5)
        if behaviour == "500":
            self.send_response(500)
        elif behaviour == "302":
            self.send_response(302)
            self.send_header("Location", "/login")
        elif key in server.received or behaviour == "409":
            self.send_response(409)
        else:
            server.received[key] = body
            self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def office():
    server = BackOffice()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upload_module, "BACKOFF", 0.01)


@pytest.fixture
def app(home: Path, monkeypatch: pytest.MonkeyPatch) -> App:
    monkeypatch.setenv("SAFE_CHECK_UPLOAD_TOKEN", "test-token-not-secret")
    app = App(home)
    app.setup("T1", "PC Test", "Test Force")
    return app


def add_records(app: App, n: int) -> list[str]:
    data = read_file(EXAMPLE)
    when = parse_time("2026-11-21T22:10:00Z")
    return [app.run_answers(find("practice-run"), data, f"TEST-UP-{i}", when).id for i in range(n)]


def test_success_acknowledges_every_record(app: App, office: BackOffice) -> None:
    ids = add_records(app, 3)
    outcome = app.upload(office.url, timeout=5, retries=2)
    assert (len(outcome.sent), len(outcome.already), outcome.queued) == (3, 0, [])
    assert set(office.received) == set(ids)
    assert json.loads(office.received[ids[0]])["id"] == ids[0]
    assert {r["auth"] for r in office.requests} == {"Bearer test-token-not-secret"}
    assert app.store.queued() == []
    assert app.upload(office.url, timeout=5, retries=2).sent == []  # nothing left to send


def test_409_counts_as_already_there(app: App, office: BackOffice) -> None:
    add_records(app, 2)
    office.script = ["409"]
    outcome = app.upload(office.url, timeout=5, retries=2)
    assert (len(outcome.sent), len(outcome.already), outcome.queued) == (1, 1, [])


@pytest.mark.parametrize("failure", ["500", "slow", "drop"])
def test_transient_failures_are_retried(app: App, office: BackOffice, failure: str) -> None:
    (record_id,) = add_records(app, 1)
    office.script = [failure]
    outcome = app.upload(office.url, timeout=0.5, retries=2)
    assert outcome.sent == [record_id] or outcome.already == [record_id]
    assert app.store.queued() == []


@pytest.mark.parametrize("failure", ["500", "slow", "drop"])
def test_persistent_failures_leave_records_queued(
    app: App, office: BackOffice, failure: str
) -> None:
    ids = add_records(app, 2)
    office.script = [failure] * 20
    outcome = app.upload(office.url, timeout=0.3, retries=1)
    assert outcome.queued == ids
    assert [r for r, _ in app.store.queued()] == ids


def test_no_network_exits_3_with_everything_queued(app: App, home: Path) -> None:
    add_records(app, 2)
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, SAFE_CHECK_HOME=str(home))
    out = subprocess.run(
        [EXE, "upload", "--url", f"http://127.0.0.1:{port}/records", "--retries", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 3
    assert "0 sent, 0 already there, 2 still queued" in out.stdout
    assert "No network" in out.stderr
    assert len(App(home).store.queued()) == 2


def test_killed_part_way_then_rerun_sends_each_record_once(
    app: App, office: BackOffice, home: Path
) -> None:
    ids = add_records(app, 4)
    office.script = ["ok", "slow"]
    env = dict(os.environ, SAFE_CHECK_HOME=str(home))
    proc = subprocess.Popen(
        [EXE, "upload", "--url", office.url, "--timeout", "5"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 10
    while len(office.requests) < 2 and time.time() < deadline:
        time.sleep(0.02)
    proc.kill()  # while the back office is answering the second record
    proc.wait()
    again = subprocess.run(
        [EXE, "upload", "--url", office.url], env=env, capture_output=True, text=True, timeout=30
    )
    assert again.returncode == 0, again.stderr
    assert sorted(office.received) == sorted(ids)
    assert App(home).store.queued() == []


def test_upload_is_logged_as_a_disclosure(app: App, office: BackOffice) -> None:
    (record_id,) = add_records(app, 1)
    app.upload(office.url, timeout=5, retries=0)
    last = list(app.store.log_entries(record_id))[-1]
    assert last["action"] == "disclosure" and last["detail"]["to"] == office.url


def test_sealed_upload_sends_the_age_payload(app: App, office: BackOffice) -> None:
    pyrage = pytest.importorskip("pyrage")
    identity = pyrage.x25519.Identity.generate()
    app.config_set("recipient", str(identity.to_public()))
    (record_id,) = add_records(app, 1)
    app.upload(office.url, timeout=5, retries=0)
    assert office.requests[0]["type"] == "application/age"
    assert json.loads(pyrage.decrypt(office.received[record_id], [identity]))["id"] == record_id


def test_a_redirect_is_not_an_acknowledgement(app: App, office: BackOffice) -> None:
    (record_id,) = add_records(app, 1)
    office.script = ["302"] * 10
    outcome = app.upload(office.url, timeout=5, retries=0)
    assert outcome.queued == [record_id] and office.received == {}


def test_an_amendment_sends_the_record_again_under_a_new_key(app: App, office: BackOffice) -> None:
    (record_id,) = add_records(app, 1)
    app.upload(office.url, timeout=5, retries=0)
    app.amend(record_id, "late information", None, None, "A second child lives there part-time")
    outcome = app.upload(office.url, timeout=5, retries=0)
    assert outcome.sent == [record_id]
    assert [r["key"] for r in office.requests] == [record_id, f"{record_id}+1"]
    assert (
        json.loads(office.received[f"{record_id}+1"])["amendments"][0]["reason"]
        == "late information"
    )
