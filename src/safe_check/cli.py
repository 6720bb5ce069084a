"""The command line: parse arguments, call the core, render, and map errors to exit codes.

Heavy modules (rich, questionary, the engine) are imported inside the commands that need
them, so `--help` and `--version` start in a few tens of milliseconds.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import click

from safe_check import __version__
from safe_check.console import need_terminal
from safe_check.errors import ExitCode, SafeCheckError, UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from safe_check.app import App

FORMATS = click.Choice(["json", "toml"])


def _complete_records(ctx: click.Context, incomplete: str) -> list[str]:
    """Shell completion of record ids (newest first)."""
    try:
        from safe_check.paths import data_dir
        from safe_check.store import Store

        store = Store(data_dir(ctx.find_root().params.get("home")))
        return [i for i in store.ids() if i.startswith(incomplete)][:50]
    except Exception:  # completion must never print a traceback into the shell
        return []


def _complete_checklists(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of shipped checklist ids."""
    from safe_check.paths import shipped_checklists

    return sorted(
        p.stem for p in shipped_checklists().glob("*.toml") if p.stem.startswith(incomplete)
    )


RECORD_ID = {"shell_complete": lambda ctx, param, incomplete: _complete_records(ctx, incomplete)}


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="safe-check")
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    help="Data directory (default: per user; or SAFE_CHECK_HOME).",
)
@click.option("--officer", "officer_id", metavar="ID", help="Officer id for this command only.")
@click.option("--debug", is_flag=True, help="Show a traceback for unexpected errors.")
@click.option(
    "--plain",
    "plain",
    is_flag=True,
    help="Plain output for screen readers: no colour, boxes or panels.",
)
@click.pass_context
def cli(
    ctx: click.Context, home: str | None, officer_id: str | None, debug: bool, plain: bool
) -> None:
    """Checklists for police officers at incidents where children are involved.

    Run with no command in a terminal for the menu.
    """
    from safe_check.app import App
    from safe_check.paths import data_dir

    if plain:
        os.environ["SAFE_CHECK_PLAIN"] = "1"  # read by the console and the prompts
    if os.environ.get("SAFE_CHECK_PLAIN"):
        os.environ["NO_COLOR"] = "1"  # prompt_toolkit drops colour too
    ctx.obj = App(data_dir(home), officer_id)
    if ctx.invoked_subcommand is None:
        from safe_check.interactive import menu

        menu(ctx.obj)


def pass_app(f: Any) -> Any:
    """Hand the command the App built by the group."""
    return click.pass_obj(f)


@cli.command()
@click.option("--id", "officer_id", help="Officer id or collar number.")
@click.option("--name", help="Display name, e.g. PC 1234 Example.")
@click.option("--force", help="Police force.")
@pass_app
def setup(app: App, officer_id: str | None, name: str | None, force: str | None) -> None:
    """Set the officer's id, name and force (asked for when not given)."""
    if officer_id is None or name is None or force is None:
        need_terminal("give --id, --name and --force")
        from safe_check.interactive import ask_officer

        officer_id, name, force = ask_officer(app, officer_id, name, force)
    officer = app.setup(officer_id, name, force)
    click.echo(f"Officer set: {officer.name or officer.id} ({officer.id}), {officer.force or '-'}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def checklists(app: App, as_json: bool) -> None:
    """List the checklists: id, title, version and question count."""
    rows = [
        {
            "id": c.checklist.id,
            "title": c.checklist.title,
            "version": c.checklist.version,
            "questions": c.checklist.leaf_count(),
            "summary": c.checklist.summary,
        }
        for c in app.all_checklists()
    ]
    if as_json:
        _print_json(rows)
        return
    from safe_check.console import table

    table(
        ["id", "title", "version", "questions"],
        [[r["id"], r["title"], r["version"], r["questions"]] for r in rows],
    )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
def lint(paths: tuple[Path, ...]) -> None:
    """Check checklist files (default: the shipped ones); every problem, with file and line."""
    paths = tuple(_path(p) for p in paths)
    from safe_check.catalog import shipped_files
    from safe_check.lint import check_file

    files = [f for p in paths for f in (sorted(p.glob("*.toml")) if p.is_dir() else [p])]
    files = files or shipped_files()
    problems = [p for f in files for p in check_file(f)[1]]
    for p in problems:
        click.echo(str(p))
    click.echo(f"{len(files)} file(s) checked, {len(problems)} problem(s)", err=True)
    if problems:
        sys.exit(ExitCode.PROBLEMS_FOUND)


@cli.command()
@click.argument("checklist", shell_complete=_complete_checklists)
def template(checklist: str) -> None:
    """Print a commented answers file to fill in for CHECKLIST."""
    from safe_check.catalog import find
    from safe_check.template import render_template

    click.echo(render_template(find(checklist).checklist))


@cli.command()
@click.argument("checklist", shell_complete=_complete_checklists)
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(dir_okay=False),
    help="Answer every question from a TOML or JSON file, then finalise.",
)
@click.option("--ref", "subject_ref", help="Incident or reference number (never a name).")
@click.option("--incident-at", help="Incident time, e.g. 2026-11-21T22:10 (default: now).")
@pass_app
def start(
    app: App,
    checklist: str,
    answers_file: Path | None,
    subject_ref: str | None,
    incident_at: str | None,
) -> None:
    """Start CHECKLIST: interactively, or from an answers file with --answers."""
    answers_file = _path(answers_file)
    loaded = app.checklist(checklist)
    when = _time_option(incident_at)
    if answers_file is None:
        need_terminal("use --answers FILE to run without a terminal (see: safe-check template)")
        from safe_check.interactive import run_new

        run_new(app, loaded, subject_ref, when)
        return
    from safe_check.answers import read_file, record_meta
    from safe_check.errors import AnswersError

    data = read_file(answers_file)
    file_ref, file_when, problems = record_meta(data)
    if problems:
        raise AnswersError(problems, str(answers_file))
    from safe_check.timefmt import now

    try:
        record = app.run_answers(loaded, data, subject_ref or file_ref, when or file_when or now())
    except AnswersError as err:
        raise AnswersError(err.problems, str(answers_file)) from None
    click.echo(
        f"Finalised {loaded.checklist.id} record with {len(record.actions)} action point(s).",
        err=True,
    )
    click.echo(record.id)


@cli.command()
@click.argument("record_id", required=False, **RECORD_ID)
@pass_app
def resume(app: App, record_id: str | None) -> None:
    """Continue a draft where it stopped (choose from a list when no ID is given)."""
    need_terminal("a draft can only be resumed in a terminal")
    from safe_check.interactive import resume as resume_draft

    resume_draft(app, record_id)


@cli.command()
@click.option(
    "--status", type=click.Choice(["draft", "final"]), help="Only drafts or only final records."
)
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=100000),
    default=50,
    show_default=True,
    help="How many to list.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def records(app: App, status: str | None, limit: int, as_json: bool) -> None:
    """List records, newest first."""
    rows = app.store.summaries(status, limit)
    if as_json:
        import msgspec

        _print_json([msgspec.structs.asdict(r) for r in rows])
        return
    if not rows:
        click.echo("No records yet.", err=True)
        return
    from safe_check.console import table

    table(
        ["id", "status", "checklist", "reference", "started", "answers"],
        [
            [
                r.id[:8],
                r.status,
                r.checklist_id,
                r.subject_ref,
                _short(r.started_at),
                r.answers,
            ]
            for r in rows
        ],
    )


@cli.command()
@click.argument("record_id", **RECORD_ID)
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@pass_app
def show(app: App, record_id: str, as_json: bool) -> None:
    """Show one record (id or a unique prefix of 6+ characters)."""
    record = app.record(record_id)
    app.consulted(record, "show")
    if as_json:
        from safe_check.record import to_json

        sys.stdout.buffer.write(to_json(record))
        return
    click.echo(_summary_text(app, record, "text"), nl=False)


@cli.command()
@click.argument("record_id", **RECORD_ID)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html", "pdf"]),
    default="text",
    show_default=True,
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write to a file (needed for pdf)."
)
@click.option(
    "--print", "to_printer", is_flag=True, help="Send the text summary to the printer (lp)."
)
@pass_app
def summary(app: App, record_id: str, fmt: str, output: str | None, to_printer: bool) -> None:
    """Print summary notes for a record: for a notebook, a referral or a handover."""
    record = app.record(record_id)
    if to_printer:
        _print_summary(app, record)
        return
    if fmt == "pdf" and output is None:
        raise UsageError("a PDF needs a file: add -o FILE.pdf")
    app.consulted(record, f"summary {fmt}")
    if fmt == "pdf":
        from safe_check.pdf import render_pdf
        from safe_check.summary import notes

        data = render_pdf(notes(record, app.checklist_of(app.store.draft(record.id)).checklist))
    else:
        data = _summary_text(app, record, fmt).encode("utf-8")
    if output is None:
        sys.stdout.buffer.write(data)
        return
    _write(_path(output), data)
    click.echo(f"Wrote {output}", err=True)


def _print_summary(app: App, record: Any) -> None:
    """Send the text summary to the system printer; printing is a disclosure, so it is logged."""
    import shutil
    import subprocess

    lp = shutil.which("lp")
    if lp is None:
        raise UsageError(
            "no printer: 'lp' is not available on this machine. "
            "Save the notes with -o notes.pdf --format pdf and print them elsewhere."
        )
    text = _summary_text(app, record, "text")
    result = subprocess.run(
        [lp, "-t", f"safe-check {record.id[:8]}"], input=text.encode("utf-8"), capture_output=True
    )
    if result.returncode != 0:
        message = (
            result.stderr.decode("utf-8", "replace").strip() or f"lp exited {result.returncode}"
        )
        raise UsageError(f"printing failed: {message}")
    app.disclosed([record.id], "printer", "printed summary notes", how="lp")
    click.echo(f"Sent to the printer: {result.stdout.decode('utf-8', 'replace').strip()}", err=True)


@cli.command()
@click.argument("record_ids", nargs=-1, **RECORD_ID)
@click.option("--all", "every", is_flag=True, help="Export every record.")
@click.option("--format", "fmt", type=FORMATS, default="json", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    help="A file for one record, a directory for several.",
)
@click.option("--to", "recipient", help="Who receives it (logged as a disclosure).")
@click.option("--reason", help="Why it is disclosed (logged).")
@click.option(
    "--plain", is_flag=True, help="Do not encrypt, even though a recipient key is set (logged)."
)
@pass_app
def export(
    app: App,
    record_ids: tuple[str, ...],
    every: bool,
    fmt: str,
    output: Path | None,
    recipient: str | None,
    reason: str | None,
    plain: bool,
) -> None:
    """Write records as JSON or TOML (stdout by default); encrypted when a recipient is set."""
    output = _path(output)
    ids = app.record_ids(record_ids, every)
    recipient, reason = _disclosure(recipient, reason)
    encrypt = app.encrypter(plain)
    encrypted = app.setting("recipient") is not None and not plain
    # Logged before a byte leaves: an export cut short is still a disclosure.
    app.disclosed(
        ids,
        recipient,
        reason,
        format=fmt,
        encrypted="yes" if encrypted else "no (--plain)" if plain else "no",
    )
    if output is not None and (len(ids) > 1 or output.is_dir()):
        if output.exists() and not output.is_dir():
            raise UsageError(f"{output} is a file: -o must be a directory for several records")
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise UsageError(f"cannot make directory {output}: {err.strerror}") from None
        suffix = f".{fmt}.age" if encrypted else f".{fmt}"
        for record_id, data in app.exported(ids, fmt):
            _write(output / f"{record_id}{suffix}", encrypt(data))
    else:
        chunks = _export_chunks(app, ids, fmt)
        if encrypted:
            chunks = iter([encrypt(b"".join(chunks))])
        _stream(output, chunks)
    where = output or "standard output"
    click.echo(
        f"Exported {len(ids)} record(s) to {where}{' (encrypted)' if encrypted else ''}", err=True
    )


def _export_chunks(app: App, ids: list[str], fmt: str) -> Any:
    """The export's bytes piece by piece, so a year of records never sits in memory at once."""
    if len(ids) == 1:
        yield next(app.exported(ids, fmt))[1]
        return
    if fmt == "toml":  # one TOML document: [[records]], each the same tables as a single export
        import msgspec
        import tomli_w

        records = [msgspec.to_builtins(r) for r in app.iter_records(ids)]
        yield tomli_w.dumps({"records": records}).encode("utf-8")
        return
    yield b"[\n"
    for n, (_, data) in enumerate(app.exported(ids, fmt)):
        yield (b",\n" if n else b"") + data.rstrip()
    yield b"\n]\n"


def _stream(output: Path | None, chunks: Any) -> None:
    try:
        target = sys.stdout.buffer if output is None else output.open("wb")
    except OSError as err:
        raise UsageError(f"cannot write {output}: {err.strerror}") from None
    try:
        for chunk in chunks:
            target.write(chunk)
    finally:
        if output is not None:
            target.close()


def _disclosure(recipient: str | None, reason: str | None) -> tuple[str, str]:
    """Who gets it and why: asked in a terminal when missing, required without one."""
    if recipient and reason:
        return recipient, reason
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise UsageError("an export is a disclosure: give --to RECIPIENT and --reason TEXT")
    recipient = recipient or click.prompt("Who is this going to (recipient)", err=True)
    reason = reason or click.prompt("Why (reason for disclosure)", err=True)
    return recipient, reason


@cli.command()
@click.argument("record_ids", nargs=-1, **RECORD_ID)
@click.option(
    "--file",
    "export_file",
    type=click.Path(dir_okay=False),
    help="Check an exported record file instead.",
)
@click.option(
    "--key",
    "key_file",
    type=click.Path(dir_okay=False),
    help="Public key to check --file with.",
)
@pass_app
def verify(
    app: App, record_ids: tuple[str, ...], export_file: Path | None, key_file: Path | None
) -> None:
    """Check hashes, signatures, the chain and the processing log; exit 1 on any failure."""
    export_file, key_file = _path(export_file), _path(key_file)
    if export_file is not None:
        if key_file is None:
            raise UsageError("--file needs --key PUBLIC_KEY_FILE (see: safe-check keys --export)")
        checked, failures = app.verify_file(export_file, key_file)
    else:
        checked, failures = app.verify(record_ids)
    for failure in failures:
        click.echo(f"FAIL {failure}")
    click.echo(f"{checked} record(s) checked, {len(failures)} failure(s)", err=True)
    if failures:
        sys.exit(ExitCode.PROBLEMS_FOUND)


@cli.command()
@click.option(
    "--export",
    "export_to",
    type=click.Path(dir_okay=False),
    help="Write the public key (PEM) to a file.",
)
@pass_app
def keys(app: App, export_to: Path | None) -> None:
    """Show this device's public signing key and its fingerprint."""
    export_to = _path(export_to)
    from safe_check.integrity import fingerprint

    key = app.device_key()
    if export_to is not None:
        _write(export_to, key.public_pem())
        click.echo(f"Wrote the public key to {export_to}", err=True)
    click.echo(f"Fingerprint: {fingerprint(key.public_raw)}")
    click.echo(key.public_pem().decode("ascii"), nl=False)


@cli.command()
@click.argument("record_id", **RECORD_ID)
@click.option("--reason", required=True, help="Why the record is amended.")
@click.option("--question", help="The question id (roster answers: children[0].seen) to correct.")
@click.option(
    "--value", help="The corrected value (as in an answers file; JSON for lists and tables)."
)
@click.option("--note", help="A free-text note instead of a corrected answer.")
@pass_app
def amend(
    app: App, record_id: str, reason: str, question: str | None, value: str | None, note: str | None
) -> None:
    """Add a signed, timestamped addendum to a final record (a final record is never edited)."""
    if (question is None) == (note is None):
        raise UsageError("give either --question with --value, or --note")
    if question is not None and value is None:
        raise UsageError("--question needs --value")
    amendment = app.amend(record_id, reason, question, _parse_value(value), note)
    click.echo(
        f"Amendment {amendment.sha256[:12]} added to record {app.store.resolve(record_id)[:8]}."
    )


def _parse_value(text: str | None) -> Any:
    """A value from the command line: JSON when it parses (true, 3, ["a"]), else the text."""
    import json

    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@cli.command(name="log")
@click.option("--record", "record_id", help="Only entries about this record.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def log_command(app: App, record_id: str | None, as_json: bool) -> None:
    """Print the processing log: every collection, alteration, consultation, disclosure, erasure."""
    target = app.store.resolve_any(record_id) if record_id else None
    entries = list(app.store.log_entries(target))
    if as_json:
        _print_json(entries)
        return
    for e in entries:
        detail = ", ".join(f"{k}={v}" for k, v in sorted(e["detail"].items()))
        record = (e["record"] or "-")[:8]
        click.echo(
            f"{e['seq']:>6}  {_short(e['at'])}  {e['action']:<12} {e['officer']:<10} {record:<8}"
            f"  {detail}"
        )


@cli.group()
def config() -> None:
    """Show or change settings: recipient, upload.url, retention.days."""


@config.command(name="show")
@pass_app
def config_show(app: App) -> None:
    """Print the configuration."""
    text = (
        (app.home / "config.toml").read_text(encoding="utf-8")
        if (app.home / "config.toml").exists()
        else ""
    )
    click.echo(f"# {app.home / 'config.toml'}")
    click.echo(text or "# (nothing set yet: run safe-check setup)", nl=not text)


@config.command(name="set")
@click.argument("key")
@click.argument("value")
@pass_app
def config_set(app: App, key: str, value: str) -> None:
    """Set KEY to VALUE (recipient: the back office's age public key)."""
    app.config_set(key, value)
    click.echo(f"{key} set.", err=True)


@cli.command()
@click.argument("record_id", required=False, **RECORD_ID)
@click.option("--reason", help="Why this record is erased (required with an ID).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_app
def purge(app: App, record_id: str | None, reason: str | None, yes: bool) -> None:
    """Erase records acknowledged longer ago than retention.days, or one record on request."""
    if record_id is not None and not yes:
        need_terminal("add --yes to erase without confirmation")
        click.confirm(
            f"Erase record {record_id} for good? This cannot be undone", abort=True, err=True
        )
    erased = app.purge(record_id, reason)
    click.echo(f"Erased {len(erased)} record(s).", err=True)


@cli.command()
@click.option("--url", help="Endpoint (default: the upload.url setting).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds to wait for each answer.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Retries per record.",
)
@pass_app
def upload(app: App, url: str | None, timeout: float, retries: int) -> None:
    """Send final records not yet acknowledged (bearer token from SAFE_CHECK_UPLOAD_TOKEN)."""
    outcome = app.upload(url, timeout, retries)
    for error in outcome.errors:
        click.echo(error, err=True)
    click.echo(
        f"{len(outcome.sent)} sent, {len(outcome.already)} already there,"
        f" {len(outcome.queued)} still queued"
    )
    if outcome.offline:
        click.echo(
            "No network: the endpoint could not be reached. Everything unsent stays queued.",
            err=True,
        )
    if outcome.queued:
        sys.exit(ExitCode.OFFLINE)


@cli.command()
@click.argument("which", type=click.Choice(["checklist", "record"]))
def schema(which: str) -> None:
    """Print the JSON Schema of the checklist format or the record format."""
    from safe_check.schemas import schema_text

    click.echo(schema_text(which), nl=False)


# -- helpers ------------------------------------------------------------------------------
def _short(stamp: str | None) -> str | None:
    """A stored time as 2026-11-21 22:10, for tables."""
    return stamp[:16].replace("T", " ") if stamp else None


def _summary_text(app: App, record: Any, fmt: str) -> str:
    from safe_check.summary import RENDERERS, notes

    loaded = app.checklist_of(app.store.draft(record.id))
    return RENDERERS[fmt](notes(record, loaded.checklist))


def _print_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _path(value: str | None) -> Path | None:
    """A path argument as a Path (pathlib is imported only by commands that take one)."""
    from pathlib import Path

    return None if value is None else Path(value)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror}") from None


def _time_option(text: str | None) -> Any:
    if text is None:
        return None
    from safe_check.timefmt import not_future, parse_time

    try:
        return not_future(parse_time(text), "the incident time")
    except ValueError as err:
        raise UsageError(f"--incident-at: {err}") from None


def main() -> None:
    """Entry point: run the CLI and turn errors into short messages and exit codes."""
    os.umask(0o077)  # every file we create is private, from the start
    debug = "--debug" in sys.argv or bool(os.environ.get("SAFE_CHECK_DEBUG"))
    try:
        code = cli.main(prog_name="safe-check", standalone_mode=False)
    except SafeCheckError as err:
        from safe_check.console import error

        error(str(err))
        sys.exit(err.exit_code)
    except click.exceptions.Abort:
        click.echo("\nStopped.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except click.ClickException as err:
        err.show()
        sys.exit(ExitCode.BAD_INPUT if err.exit_code == 2 else err.exit_code)
    except KeyboardInterrupt:
        click.echo("\nStopped.", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as err:  # an unexpected error must never show a user a traceback
        if debug:
            raise
        click.echo(f"safe-check: internal error: {type(err).__name__}: {err}", err=True)
        click.echo(
            "Nothing you entered has been lost. Run again with --debug for details.", err=True
        )
        sys.exit(70)
    sys.exit(code if isinstance(code, int) else 0)
