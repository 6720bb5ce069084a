"""The command line: listing, showing and exporting records, answers files, lint, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from safe_check import __version__
from safe_check.catalog import shipped_files
from safe_check.paths import shipped_checklists
from safe_check.schemas import schema_text

Run = Callable[..., Result]
RunMain = Callable[..., subprocess.CompletedProcess[str]]
Start = Callable[[str], str]

EXAMPLES = shipped_checklists() / "examples"
SHIPPED_IDS = [p.stem for p in shipped_files()]
DISCLOSURE = ("--to", "Back office (fictional)", "--reason", "Test export (fictional)")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def stdout_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- checklists ---------------------------------------------------------------------------------
def test_checklists_json_lists_every_shipped_checklist(run: Run) -> None:
    rows = stdout_json(run("checklists", "--json"))
    assert sorted(r["id"] for r in rows) == sorted(SHIPPED_IDS)
    assert all(isinstance(r["questions"], int) and r["questions"] > 0 for r in rows)
    assert set(rows[0]) == {"id", "title", "version", "questions", "summary"}


def test_checklists_table_names_every_checklist(run: Run) -> None:
    result = run("checklists")
    assert result.exit_code == 0
    assert all(cid in result.stdout for cid in SHIPPED_IDS)


# -- start --answers ------------------------------------------------------------------------------
@pytest.mark.usefixtures("officer")
def test_start_with_answers_prints_the_id_as_the_last_stdout_line(run: Run) -> None:
    result = run("start", "practice-run", "--answers", EXAMPLES / "practice-run.toml")
    assert result.exit_code == 0
    record_id = result.stdout.splitlines()[-1]
    assert UUID.match(record_id)
    assert [r["id"] for r in stdout_json(run("records", "--json"))] == [record_id]


@pytest.mark.usefixtures("officer")
def test_start_with_answers_reports_on_stderr(run: Run) -> None:
    result = run("start", "practice-run", "--answers", EXAMPLES / "practice-run.toml")
    assert "Finalised practice-run record with 3 action point(s)." in result.stderr
    assert "Finalised" not in result.stdout


@pytest.mark.usefixtures("officer")
def test_ref_and_incident_at_options_win_over_the_file(run: Run) -> None:
    result = run(
        "start", "practice-run", "--answers", EXAMPLES / "practice-run.toml",
        "--ref", "TEST-0002", "--incident-at", "2026-11-21T23:00:00+00:00",
    )  # fmt: skip
    doc = stdout_json(run("show", result.stdout.splitlines()[-1], "--json"))
    assert (doc["subject_ref"], doc["incident_at"]) == ("TEST-0002", "2026-11-21T23:00:00+00:00")


@pytest.mark.usefixtures("officer")
def test_json_answers_file_works(run: Run) -> None:
    data = tomllib.loads((EXAMPLES / "practice-run.toml").read_text())
    path = Path("answers.json")
    path.write_text(json.dumps(data, default=lambda v: v.isoformat()))
    result = run("start", "practice-run", "--answers", path)
    assert result.exit_code == 0, result.output
    assert UUID.match(result.stdout.splitlines()[-1])


BAD_ANSWERS = """\
reason = "sightseeing"
arrived_at = "late"
concerns = []
referral_made = "perhaps"
previous_visits = 2

[record]
subject_ref = "TEST-0001"

[[children]]
name_or_ref = "Child A (fictional)"
seen = true
spoken_alone = false
"""


def test_a_bad_answers_file_exits_2_listing_every_problem(
    run_main: RunMain, officer: Result
) -> None:
    path = Path("bad.toml")
    path.write_text(BAD_ANSWERS)
    result = run_main("start", "practice-run", "--answers", path)
    assert result.returncode == 2
    assert "bad.toml: " in result.stderr and "nothing was finalised" in result.stderr
    for problem in [
        "'reason': 'sightseeing' is not one of the choices",
        "'arrived_at': expected a time such as 22:10",
        "'referral_made': expected yes or no",
        "Child 1 (children[0]): 'spoken_alone': \"not done\" needs a reason",
        "Child 1 (Child A (fictional)) (children[0]): 'estimated_age': required, not answered",
    ]:
        assert problem in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_answers_file_finalises_nothing(run_main: RunMain, run: Run, officer: Result) -> None:
    path = Path("bad.toml")
    path.write_text(BAD_ANSWERS)
    run_main("start", "practice-run", "--answers", path)
    assert stdout_json(run("records", "--json")) == []


def test_bad_record_table_exits_2(run_main: RunMain, officer: Result) -> None:
    path = Path("bad.toml")
    path.write_text('reason = "welfare"\n\n[record]\nofficer = "T1"\n')
    result = run_main("start", "practice-run", "--answers", path)
    assert result.returncode == 2
    assert "[record]: unknown key 'officer'" in result.stderr


def test_start_without_a_terminal_or_answers_exits_2_mentioning_answers(
    run_main: RunMain, officer: Result
) -> None:
    result = run_main("start", "practice-run")
    assert result.returncode == 2
    assert "--answers" in result.stderr
    assert result.stdout == ""


def test_start_before_setup_says_to_run_setup(run_main: RunMain) -> None:
    result = run_main("start", "practice-run", "--answers", EXAMPLES / "practice-run.toml")
    assert result.returncode == 2
    assert "run 'safe-check setup' first" in result.stderr


# -- records, show, export -------------------------------------------------------------------------
def test_records_json_lists_summaries(run: Run, start_example: Start) -> None:
    first, second = start_example("practice-run"), start_example("disclosure")
    rows = stdout_json(run("records", "--json"))
    assert sorted(r["id"] for r in rows) == sorted([first, second])
    assert {r["status"] for r in rows} == {"final"}
    assert set(rows[0]) >= {"id", "status", "checklist_id", "subject_ref", "started_at", "answers"}


@pytest.mark.parametrize(("status", "count"), [("final", 1), ("draft", 0)])
def test_records_can_be_filtered_by_status(
    run: Run, start_example: Start, status: str, count: int
) -> None:
    start_example("practice-run")
    assert len(stdout_json(run("records", "--status", status, "--json"))) == count


def test_records_with_none_says_so_on_stderr(run: Run) -> None:
    result = run("records")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "No records yet." in result.stderr


def test_records_table_shows_readable_times_at_80_columns(run: Run, start_example: Start) -> None:
    start_example("practice-run")
    result = run("records")
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", result.stdout), result.stdout


def test_show_json_is_the_record(run: Run, start_example: Start) -> None:
    record_id = start_example("practice-run")
    doc = stdout_json(run("show", record_id[:8], "--json"))
    assert (doc["id"], doc["status"], doc["checklist"]["id"]) == (
        record_id,
        "final",
        "practice-run",
    )


def test_show_prints_summary_notes(run: Run, start_example: Start) -> None:
    record_id = start_example("practice-run")
    result = run("show", record_id)
    assert result.exit_code == 0
    assert result.stdout.startswith("PRACTICE RUN (TRAINING ONLY): SUMMARY NOTES\n")
    assert f"(full id {record_id})" in result.stdout


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_export_one_record_to_stdout(run: Run, start_example: Start, fmt: str) -> None:
    record_id = start_example("practice-run")
    result = run("export", record_id, "--format", fmt, *DISCLOSURE)
    assert result.exit_code == 0
    doc = json.loads(result.stdout) if fmt == "json" else tomllib.loads(result.stdout)
    assert doc["id"] == record_id


def test_export_matches_show_json(run: Run, start_example: Start) -> None:
    record_id = start_example("practice-run")
    assert run("export", record_id, *DISCLOSURE).stdout == run("show", record_id, "--json").stdout


def test_export_all_to_stdout_is_one_json_array(run: Run, start_example: Start) -> None:
    ids = {start_example("practice-run"), start_example("disclosure")}
    docs = stdout_json(run("export", "--all", *DISCLOSURE))
    assert {d["id"] for d in docs} == ids


def test_export_all_as_toml_to_stdout_is_one_toml_document(run: Run, start_example: Start) -> None:
    start_example("practice-run")
    start_example("disclosure")
    result = run("export", "--all", "--format", "toml", *DISCLOSURE)
    tomllib.loads(result.stdout)


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_export_one_record_to_a_file(run: Run, start_example: Start, fmt: str) -> None:
    record_id = start_example("practice-run")
    result = run("export", record_id, "--format", fmt, "-o", f"out.{fmt}", *DISCLOSURE)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "Exported 1 record(s) to out." in result.stderr
    text = Path(f"out.{fmt}").read_text()
    doc = json.loads(text) if fmt == "json" else tomllib.loads(text)
    assert doc["id"] == record_id


def test_export_all_to_a_directory_writes_one_file_each(run: Run, start_example: Start) -> None:
    ids = {start_example("practice-run"), start_example("disclosure")}
    result = run("export", "--all", "-o", "exports", *DISCLOSURE)
    assert result.exit_code == 0
    files = {p.name for p in Path("exports").iterdir()}
    assert files == {f"{i}.json" for i in ids}
    assert {json.loads((Path("exports") / f).read_text())["id"] for f in files} == ids


def test_export_one_record_into_an_existing_directory(run: Run, start_example: Start) -> None:
    record_id = start_example("practice-run")
    Path("exports").mkdir()
    assert run("export", record_id, "--format", "toml", "-o", "exports", *DISCLOSURE).exit_code == 0
    assert [p.name for p in Path("exports").iterdir()] == [f"{record_id}.toml"]


def test_export_of_several_records_to_an_existing_file_is_a_user_error(
    run_main: RunMain, start_example: Start
) -> None:
    start_example("practice-run")
    start_example("disclosure")
    Path("existing.json").write_text("")
    result = run_main("export", "--all", "-o", "existing.json", *DISCLOSURE)
    assert result.returncode == 2
    assert "existing.json" in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_summary_to_a_file(run: Run, start_example: Start, fmt: str) -> None:
    record_id = start_example("practice-run")
    result = run("summary", record_id, "--format", fmt, "-o", "notes.out")
    assert result.exit_code == 0
    assert "Child A (fictional)" in Path("notes.out").read_text()


@pytest.mark.parametrize("which", ["checklist", "record"])
def test_schema_prints_the_shipped_schema(run: Run, which: str) -> None:
    assert run("schema", which).stdout == schema_text(which)


# -- lint ------------------------------------------------------------------------------------------
def test_lint_shipped_checklists_exits_0(run_main: RunMain) -> None:
    result = run_main("lint")
    assert result.returncode == 0
    assert f"{len(SHIPPED_IDS)} file(s) checked, 0 problem(s)" in result.stderr


def test_lint_a_bad_file_exits_1_with_file_and_line(
    run_main: RunMain, checklist_text: Callable[[str], str]
) -> None:
    path = Path("bad.toml")
    path.write_text(
        checklist_text(
            '[[sections]]\nid = "main"\ntitle = "Main"\n\n'
            '[[sections.questions]]\nkind = "yes_no"\nid = "a"\nprompt = "A?"\nguidence = "x"\n'
        )
    )
    line = path.read_text().splitlines().index('guidence = "x"') + 1
    result = run_main("lint", path)
    assert result.returncode == 1
    assert result.stdout == f"bad.toml:{line}: 'a': unknown key `guidence`\n"
    assert "1 file(s) checked, 1 problem(s)" in result.stderr


def test_lint_a_directory_checks_every_file_in_it(run_main: RunMain) -> None:
    result = run_main("lint", shipped_checklists())
    assert result.returncode == 0
    assert f"{len(SHIPPED_IDS)} file(s) checked" in result.stderr


# -- template ------------------------------------------------------------------------------------
def toml_value(value: Any) -> str:
    """A value as inline TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def fill_template(template: str, example: dict[str, Any]) -> str:
    """Fill a template the way an officer would: uncomment and answer from the example."""
    blank = re.compile(r"^# (\w+) = $")
    rosters = {
        k: v for k, v in example.items() if isinstance(v, list) and v and isinstance(v[0], dict)
    }
    out: list[str] = []
    table: str | None = None
    block: list[str] = []

    def flush() -> None:
        for entry in example.get(table, []) if table in rosters else []:
            out.append(f"[[{table}]]")
            for line in block:
                m = blank.match(line)
                out.append(f"{m[1]} = {toml_value(entry[m[1]])}" if m and m[1] in entry else line)

    for line in template.splitlines():
        header = re.match(r"^\[\[(\w+)\]\]$", line)
        if header or (table and not line.strip()):
            if table:
                flush()
            table, block = (header[1], []) if header else (None, [])
            continue
        if table:
            block.append(line)
            continue
        m = blank.match(line)
        if m and m[1] in example and m[1] not in rosters:
            line = f"{m[1]} = {toml_value(example[m[1]])}"
        meta = re.match(r"^# (subject_ref|incident_at) = ", line)
        if meta and meta[1] in example.get("record", {}):
            line = f"{meta[1]} = {toml_value(example['record'][meta[1]])}"
        out.append(line)
    if table:
        flush()
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("checklist_id", SHIPPED_IDS)
def test_template_filled_in_from_the_example_is_valid_toml(run: Run, checklist_id: str) -> None:
    result = run("template", checklist_id)
    assert result.exit_code == 0
    example = tomllib.loads((EXAMPLES / f"{checklist_id}.toml").read_text())
    assert tomllib.loads(fill_template(result.stdout, example)) == example


@pytest.mark.parametrize("checklist_id", SHIPPED_IDS)
def test_an_unfilled_template_is_valid_toml(run: Run, checklist_id: str) -> None:
    tomllib.loads(run("template", checklist_id).stdout)


def test_a_template_for_a_multi_line_prompt_is_valid_toml(
    run: Run, checklist_text: Callable[[str], str]
) -> None:
    Path("mine.toml").write_text(
        checklist_text(
            '[[sections]]\nid = "main"\ntitle = "Main"\n\n'
            '[[sections.questions]]\nkind = "yes_no"\nid = "a"\n'
            'prompt = """Were any children present,\nincluding any asleep upstairs?"""\n'
        )
    )
    result = run("template", "mine.toml")
    assert result.exit_code == 0
    tomllib.loads(result.stdout)


# -- the program itself ----------------------------------------------------------------------------
def test_version(run: Run) -> None:
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"safe-check, version {__version__}\n")


def test_python_dash_m_runs_the_program(run_main: RunMain) -> None:
    result = run_main("--version")
    assert (result.returncode, result.stdout) == (0, f"safe-check, version {__version__}\n")


def test_help_lists_the_commands(run: Run) -> None:
    out = run("--help").stdout
    for command in ["checklists", "start", "records", "show", "export", "lint", "template"]:
        assert f"  {command} " in out


def test_the_resume_command_named_in_the_saved_draft_hint_exists(run: Run) -> None:
    assert run("resume", "--help").exit_code == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["start", "no-such-list", "--answers", "x.toml"], 2, "no checklist 'no-such-list'"),
        (["template", "no-such-list"], 2, "no checklist 'no-such-list'"),
        (["show", "abc"], 2, "too short"),
        (["show", "0123456789"], 2, "no record with id '0123456789'"),
        (["export"], 2, "give one or more record ids, or --all"),
        (["export", "--all", "01234567"], 2, "give record ids or --all, not both"),
        (["start", "practice-run", "--incident-at", "teatime", "--answers", "x.toml"], 2,
         "--incident-at: expected a time such as 22:10"),
        (["start", "practice-run", "--answers", "absent.toml"], 2, "cannot read"),
        (["records", "--status", "bogus"], 2, "Invalid value for '--status'"),
        (["frobnicate"], 2, "No such command 'frobnicate'"),
        (["setup", "--id", " ", "--name", "PC Test", "--force", "Test Force"], 2,
         "officer id (or collar number) cannot be empty"),
    ],
)  # fmt: skip
def test_user_errors_exit_with_a_message_and_no_traceback(
    run_main: RunMain, args: list[str], code: int, message: str
) -> None:
    result = run_main(*args)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_data_directory_others_can_read_is_refused_with_exit_2(
    run_main: RunMain, home: Path
) -> None:
    home.chmod(0o755)
    result = run_main("records")
    assert result.returncode == 2
    assert "chmod 700" in result.stderr
    assert "Traceback" not in result.stderr


def test_nothing_is_written_outside_the_data_directory(
    run_main: RunMain, home: Path, user_home: Path
) -> None:
    work = Path.cwd()
    assert (
        run_main("setup", "--id", "T1", "--name", "PC Test", "--force", "Test Force").returncode
        == 0
    )
    started = run_main("start", "practice-run", "--answers", EXAMPLES / "practice-run.toml")
    record_id = started.stdout.splitlines()[-1]
    for args in (["records"], ["show", record_id], ["export", "--all", *DISCLOSURE],
                 ["summary", record_id],
                 ["checklists"], ["template", "practice-run"], ["lint"]):  # fmt: skip
        assert run_main(*args).returncode == 0
    assert list(user_home.iterdir()) == []
    assert list(work.iterdir()) == []
    assert any(home.iterdir())


LIGHT = [["--help"], ["--version"], ["checklists"], ["records"], ["export", "--all", *DISCLOSURE]]


@pytest.mark.parametrize("args", LIGHT, ids=[a[0] for a in LIGHT])
def test_light_commands_do_not_import_questionary(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from safe_check.cli import cli\n"
        "try:\n"
        f"    cli.main({args!r}, prog_name='safe-check', standalone_mode=False)\n"
        "finally:\n"
        "    print('QUESTIONARY', 'questionary' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "QUESTIONARY False"
