"""Terminal output through rich: tables and panels, markup off so checklist text stays text."""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def plain_mode() -> bool:
    """Plain output for screen readers and poor terminals: SAFE_CHECK_PLAIN or --plain."""
    return bool(os.environ.get("SAFE_CHECK_PLAIN"))


@cache
def console(stderr: bool = False) -> Console:
    """The shared rich console (NO_COLOR and plain mode respected; no markup or highlighting)."""
    from rich.console import Console

    return Console(
        stderr=stderr,
        highlight=False,
        markup=False,
        emoji=False,
        no_color=plain_mode() or None,
        soft_wrap=stderr,  # messages stay one line in logs; screen text wraps at words
    )


def table(columns: list[str], rows: list[list[Any]]) -> None:
    """Print rows as a table: rich in a terminal; plain aligned columns when piped or plain."""
    cells = [["-" if v is None else str(v) for v in r] for r in rows]
    if plain_mode() or not sys.stdout.isatty():
        # Plain text is also the fast path: no rich import for scripts and pipes.
        widths = [max(len(x) for x in col) for col in zip(columns, *cells, strict=True)]
        for line in [columns, *cells]:
            print("  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)).rstrip())
        return
    from rich import box
    from rich.table import Table

    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for c in columns:
        t.add_column(c, overflow="fold", no_wrap=c in ("id", "started"))
    for r in cells:
        t.add_row(*r)
    console().print(t)


def terminal_width() -> int:
    """The terminal's real width (a stale COLUMNS in the environment must not win)."""
    import shutil

    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError):
        return shutil.get_terminal_size((80, 24)).columns


def need_terminal(hint: str) -> None:
    """Refuse at once, rather than hang, when there is no one at a terminal to answer."""
    from safe_check.errors import UsageError

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(f"no terminal to ask questions in: {hint}")


def error(message: str) -> None:
    """An error message on stderr (red in a colour terminal; no rich import needed)."""
    import click

    color = sys.stderr.isatty() and not os.environ.get("NO_COLOR") and not plain_mode()
    click.echo(click.style(f"safe-check: {message}", fg="red" if color else None), err=True)


def note(message: str, style: str = "") -> None:
    """An informational line on stderr, so stdout stays clean for data."""
    import click

    tty = sys.stderr.isatty()
    color = tty and not os.environ.get("NO_COLOR") and not plain_mode()
    if tty:  # wrap at words for the screen; logs keep one line per message
        import textwrap

        width = max(20, terminal_width() - 1)
        message = "\n".join(
            "\n".join(textwrap.wrap(p, width, break_long_words=False) or [""])
            for p in message.splitlines()
        )
    bold, dim = "bold" in style, "dim" in style
    click.echo(click.style(message, bold=bold and color, dim=dim and color), err=True)
