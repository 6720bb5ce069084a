"""The command line: parse arguments, call the core, render, and map errors to exit codes.

Heavy modules (rich, questionary, the engine) are imported inside the commands that need
them, so `--help` and `--version` start in a few tens of milliseconds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from safe_check import __version__
from safe_check.errors import ExitCode, SafeCheckError, UsageError

if TYPE_CHECKING:
    from safe_check.app import App

FORMATS = click.Choice(["json", "toml"])


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="safe-check")
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    help="Data directory (default: per user; or SAFE_CHECK_HOME).",
)
@click.option("--officer", "officer_id", metavar="ID", help="Officer id for this command only.")
@click.option("--debug", is_flag=True, help="Show a traceback for unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, home: str | None, officer_id: str | None, debug: bool) -> None:
    """Checklists for police officers at incidents where children are involved.

    Run with no command in a terminal for the menu.
    """
    from safe_check.app import App
    from safe_check.paths import data_dir

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
        _need_terminal("give --id, --name and --force")
        from safe_check.interactive import ask_officer

        officer_id, name, force = ask_officer(app, officer_id, name, force)
    officer = app.setup(officer_id, name, force)
    click.echo(f"Officer set: {officer.name or officer.id} ({officer.id}), {officer.force or '-'}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def checklists(as_json: bool) -> None:
    """List the checklists: id, title, version and question count."""
    from safe_check.catalog import all_loaded

    rows = [
        {
            "id": c.checklist.id,
            "title": c.checklist.title,
            "version": c.checklist.version,
            "questions": c.checklist.leaf_count(),
            "summary": c.checklist.summary,
        }
        for c in all_loaded()
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
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def lint(paths: tuple[Path, ...]) -> None:
    """Check checklist files (default: the shipped ones); every problem, with file and line."""
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
@click.argument("checklist")
def template(checklist: str) -> None:
    """Print a commented answers file to fill in for CHECKLIST."""
    from safe_check.catalog import find
    from safe_check.template import render_template

    click.echo(render_template(find(checklist).checklist))


@cli.command()
@click.argument("checklist")
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(dir_okay=False, path_type=Path),
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
    from safe_check.catalog import find

    loaded = find(checklist)
    when = _time_option(incident_at)
    if answers_file is None:
        _need_terminal("use --answers FILE to run without a terminal (see: safe-check template)")
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
@click.argument("record_id", required=False)
@pass_app
def resume(app: App, record_id: str | None) -> None:
    """Continue a draft where it stopped (choose from a list when no ID is given)."""
    _need_terminal("a draft can only be resumed in a terminal")
    from safe_check.interactive import resume as resume_draft

    resume_draft(app, record_id)


@cli.command()
@click.option(
    "--status", type=click.Choice(["draft", "final"]), help="Only drafts or only final records."
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=50, show_default=True, help="How many to list."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def records(app: App, status: str | None, limit: int, as_json: bool) -> None:
    """List records, newest first."""
    rows = app.store.summaries(status, limit)
    if as_json:
        _print_json([r.__dict__ for r in rows])
        return
    if not rows:
        click.echo("No records yet.", err=True)
        return
    from safe_check.console import table

    table(
        ["id", "status", "checklist", "reference", "started", "finalised", "answers"],
        [
            [
                r.id[:8],
                r.status,
                r.checklist_id,
                r.subject_ref,
                r.started_at,
                r.finalised_at,
                r.answers,
            ]
            for r in rows
        ],
    )


@cli.command()
@click.argument("record_id")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@pass_app
def show(app: App, record_id: str, as_json: bool) -> None:
    """Show one record (id or a unique prefix of 6+ characters)."""
    record = app.record(record_id)
    if as_json:
        from safe_check.record import to_json

        sys.stdout.buffer.write(to_json(record))
        return
    click.echo(_summary_text(app, record, "text"), nl=False)


@cli.command()
@click.argument("record_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html"]),
    default="text",
    show_default=True,
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file."
)
@pass_app
def summary(app: App, record_id: str, fmt: str, output: Path | None) -> None:
    """Print summary notes for a record: for a notebook, a referral or a handover."""
    text = _summary_text(app, app.record(record_id), fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    _write(output, text.encode("utf-8"))
    click.echo(f"Wrote {output}", err=True)


@cli.command()
@click.argument("record_ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Export every record.")
@click.option("--format", "fmt", type=FORMATS, default="json", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="A file for one record, a directory for several.",
)
@pass_app
def export(
    app: App, record_ids: tuple[str, ...], every: bool, fmt: str, output: Path | None
) -> None:
    """Write records as JSON or TOML (stdout by default)."""
    from safe_check.record import to_json, to_toml

    chosen = app.records(record_ids, every)
    texts = [(r.id, to_json(r) if fmt == "json" else to_toml(r).encode("utf-8")) for r in chosen]
    if output is None:
        if fmt == "json" and len(texts) > 1:
            sys.stdout.buffer.write(b"[\n" + b",\n".join(t.rstrip() for _, t in texts) + b"\n]\n")
        else:
            sys.stdout.buffer.write(b"\n".join(t for _, t in texts))
        return
    if len(texts) == 1 and not output.is_dir():
        _write(output, texts[0][1])
    else:
        output.mkdir(parents=True, exist_ok=True)
        for record_id, text in texts:
            _write(output / f"{record_id}.{fmt}", text)
    click.echo(f"Exported {len(texts)} record(s) to {output}", err=True)


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


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as err:
        raise UsageError(f"cannot write {path}: {err.strerror}") from None


def _time_option(text: str | None) -> Any:
    if text is None:
        return None
    from safe_check.timefmt import parse_time

    try:
        return parse_time(text)
    except ValueError as err:
        raise UsageError(f"--incident-at: {err}") from None


def _need_terminal(hint: str) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(f"no terminal to ask questions in: {hint}")


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
