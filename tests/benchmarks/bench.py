"""Speed benchmark: whole-process medians against the budgets, and a year of records.

Run:  .venv/bin/python tests/benchmarks/bench.py [--records 10000] [--repeat 15]
Prints a markdown table (the README's figures come from it). Not part of the test run: making
10,000 signed records through the core API takes a few minutes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[2]
EXE = str(Path(sys.executable).with_name("safe-check"))
LARGEST = max((ROOT / "checklists" / "examples").glob("*.toml"), key=lambda p: p.stat().st_size)


def timed(
    cmd: list[str], env: dict[str, str], repeat: int, out: Path | None = None
) -> tuple[float, float]:
    """Median wall time in ms of a whole process (stdout to `out`), and its peak RSS in MB."""
    times, peak = [], 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        sink = out.open("wb") if out else subprocess.DEVNULL
        proc = subprocess.Popen(cmd, env=env, stdout=sink, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append((time.perf_counter() - start) * 1000)
        if out:
            sink.close()
        peak = max(peak, usage.ru_maxrss / 1024)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}")
    return statistics.median(times), peak


def first_question(env: dict[str, str], repeat: int) -> float:
    """Median ms from launching `start` in a pseudo-terminal to the first question on screen."""
    import pexpect

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        child = pexpect.spawn(
            EXE,
            ["start", "practice-run", "--ref", "BENCH", "--incident-at", "21:00"],
            env={**env, "PROMPT_TOOLKIT_NO_CPR": "1"},
            dimensions=(24, 80),
        )
        child.expect("press a key", timeout=10)
        times.append((time.perf_counter() - start) * 1000)
        child.terminate(force=True)
    return statistics.median(times)


def autosave(home: Path, repeat: int) -> float:
    """Median ms to commit one answer (the autosave), in-process."""
    sys.path.insert(0, str(ROOT / "src"))
    from safe_check.app import App
    from safe_check.catalog import find
    from safe_check.timefmt import now, rfc3339

    app = App(home)
    draft = app.start(find("practice-run"), "BENCH", now())
    times = []
    for n in range(repeat):
        start = time.perf_counter()
        app.store.save_answer(draft.id, "previous_visits", n, rfc3339(now()))
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def make_records(home: Path, count: int) -> None:
    """`count` final, signed records through the core API (each its own transaction)."""
    from safe_check.answers import read_file
    from safe_check.app import App
    from safe_check.catalog import find
    from safe_check.timefmt import parse_time

    app = App(home)
    loaded, data = find(LARGEST.stem), read_file(LARGEST)
    when = parse_time("2026-11-21T22:10:00Z")
    have = len(app.store.ids("final"))
    for n in range(have, count):
        app.run_answers(loaded, data, f"BENCH-{n:05d}", when)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--home", type=Path, help="reuse a data directory (records are kept)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="safe-check-bench-"))
    home.mkdir(mode=0o700, exist_ok=True)
    env = dict(os.environ, SAFE_CHECK_HOME=str(home), NO_COLOR="1")
    subprocess.run(
        [EXE, "setup", "--id", "B1", "--name", "PC Bench", "--force", "Bench Force"],
        env=env,
        check=True,
        capture_output=True,
    )
    rows: list[tuple[str, str, str]] = []

    def row(what: str, ms: float, budget: str) -> None:
        rows.append((what, f"{ms:.0f} ms", budget))
        print(f"{what}: {ms:.0f} ms", file=sys.stderr)

    row(
        "python -c pass (for comparison)",
        timed([sys.executable, "-c", "pass"], env, args.repeat)[0],
        "",
    )
    row("safe-check --version", timed([EXE, "--version"], env, args.repeat)[0], "80 ms")
    row("safe-check --help", timed([EXE, "--help"], env, args.repeat)[0], "80 ms")
    row(
        "start to first question on screen", first_question(env, max(5, args.repeat // 2)), "300 ms"
    )
    start = [EXE, "start", LARGEST.stem, "--answers", str(LARGEST)]
    row(
        f"start --answers ({LARGEST.stem}), finalised and signed",
        timed(start, env, args.repeat)[0],
        "200 ms",
    )
    row("saving one answer (autosave commit)", autosave(home, 200), "20 ms")
    t0 = time.perf_counter()
    make_records(home, args.records)
    print(f"made {args.records} records in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    peak = 0.0
    export = [EXE, "export", "--all", "--to", "bench", "--reason", "bench"]
    n = args.records
    for label, cmd, budget, repeat, out in (
        ("records (newest 50)", [EXE, "records"], "200 ms", args.repeat, None),
        (f"export --all, one JSON document ({n} records)", export, "5 s", 3, home / "all.json"),
        (
            f"export --all -o DIR, a file each ({n})",
            [*export, "-o", str(home / "all")],
            "5 s",
            3,
            None,
        ),
        (f"verify ({n} records, chain and log)", [EXE, "verify"], "10 s", 3, None),
    ):
        ms, rss = timed(cmd, env, repeat, out)
        peak = max(peak, rss)
        row(label, ms, budget)
    rows.append(("peak memory of those commands", f"{peak:.0f} MB", "100 MB"))
    print("\n| measure (median) | here | budget |\n|---|---|---|")
    for what, value, budget in rows:
        print(f"| {what} | {value} | {budget} |")


if __name__ == "__main__":
    main()
