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


def panel(text: str, title: str, style: str = "bold yellow") -> None:
    """A highlighted box (a plain heading and lines in plain mode)."""
    if plain_mode():
        console().print(f"{title.upper()}\n{text}\n")
        return
    from rich.panel import Panel
    from rich.text import Text

    console().print(Panel(Text(text), title=title, border_style=style, expand=False))


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
        import shutil
        import textwrap

        width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
        message = "\n".join(
            "\n".join(textwrap.wrap(p, width, break_long_words=False) or [""])
            for p in message.splitlines()
        )
    bold, dim = "bold" in style, "dim" in style
    click.echo(click.style(message, bold=bold and color, dim=dim and color), err=True)
