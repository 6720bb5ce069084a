"""The questionary adapter: the only module that imports questionary (imported lazily)."""

from __future__ import annotations

import os
import textwrap
from typing import Any, Final

import questionary
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from questionary import Choice, Style

from safe_check.answers import coerce, parse_date
from safe_check.asker import TOGGLE_GUIDANCE, Ask
from safe_check.checklist import (
    Date,
    DateTime,
    Done,
    LongText,
    MultiChoice,
    Number,
    ShortText,
    SingleChoice,
    YesNo,
    YesNoUnknown,
)
from safe_check.console import terminal_width
from safe_check.errors import Interrupted

SKIP: Final = "__skip__"
STYLE: Final = Style([("qmark", "bold"), ("question", "bold"), ("instruction", "italic")])
MAX_KEYS: Final = 31  # one-key answers: 1-9 and the letters not taken by y, n, k, s


class QuestionaryAsker:
    """Asks through questionary: one key press for yes/no and choices, Ctrl-G toggles guidance."""

    def __init__(self, input: Any = None, output: Any = None) -> None:
        # input/output are prompt_toolkit pipe input and DummyOutput in tests.
        self.io = {"input": input, "output": output} if input is not None else {}
        self.partial: dict[str, str] = {}  # typed, not yet entered: kept across Ctrl-G, Ctrl-C

    # -- the Asker protocol ---------------------------------------------------------
    def question(self, ask: Ask) -> Any:
        q = ask.slot.question
        if isinstance(q, YesNo):
            options = [("y", "Yes", True), ("n", "No", False)]
            return self._keys(q.prompt, options, q.required, ask.default)
        if isinstance(q, YesNoUnknown):
            options = [("y", "Yes", "yes"), ("n", "No", "no"), ("k", "Not known", "not_known")]
            return self._keys(q.prompt, options, q.required, ask.default)
        if isinstance(q, SingleChoice):
            options = [(_key(i), c.label, c.value) for i, c in enumerate(q.choices)]
            helps = {c.value: c.help for c in q.choices if c.help}
            return self._keys(q.prompt, options, q.required, ask.default, helps=helps)
        if isinstance(q, MultiChoice):
            return self._multi(q, ask.default)
        if isinstance(q, Done):
            return self._done(q, ask.default)
        return self._typed(q, ask.default, ask.slot.path)

    def choose(self, key: str, message: str, options: list[tuple[str, str]]) -> str:
        keyed = [(_key(i), label, value) for i, (value, label) in enumerate(options)]
        result = self._keys(message, keyed, True, None, guidance_key=False)
        return result

    def text(self, key: str, message: str, default: str = "") -> str:
        prompt = questionary.text(message, default=default, style=STYLE, **self.io)
        return self._run(prompt, guidance=False)

    def show(self, text: str, style: str = "") -> None:
        width = _width()
        lines = [w for para in text.splitlines() or [""] for w in _wrap(para, width)]
        _print("\n".join(lines), "" if _plain() else STYLES.get(style, ""))

    def alert(self, title: str, text: str) -> None:
        if _plain():
            self.show(f"{title.upper()}: {text}")
            return
        width = min(_width(), 78)
        body = [w for para in text.splitlines() for w in _wrap(para, width - 4)]
        inner = max(len(title) + 2, *(len(b) for b in body))
        top = f"\u250c\u2500 {title} " + "\u2500" * (inner - len(title) - 1) + "\u2510"
        rows = [f"\u2502 {b.ljust(inner)} \u2502" for b in body]
        bottom = "\u2514" + "\u2500" * (inner + 2) + "\u2518"
        _print("\n".join([top, *rows, bottom]), "bold fg:ansiyellow")

    # -- kinds ----------------------------------------------------------------------
    def _keys(
        self,
        message: str,
        options: list[tuple[str, str, Any]],
        required: bool,
        default: Any,
        guidance_key: bool = True,
        helps: dict[Any, str] | None = None,
    ) -> Any:
        """A list answered by one key press; a long list (the answers at review) is searched
        by typing instead, with arrows and Enter. A checklist question never takes a bare
        Enter as an answer: the officer presses a key or moves to an answer first."""
        if not required:
            options = [*options, ("s", "Skip (leave unanswered)", SKIP)]
        keyed = len(options) <= MAX_KEYS
        choices = [
            Choice(
                label,
                value=value,
                shortcut_key=k if keyed else None,
                description=(helps or {}).get(value),
            )
            for k, label, value in options
        ]
        picked = next((c for c in choices if c.value == default), None)
        hint = "(press a key" if keyed else "(type to search, arrows and Enter to pick"
        hint += "; Ctrl-G guidance)" if guidance_key else ")"
        message, hint, qmark = _fit(message, hint)
        prompt = questionary.select(
            message,
            choices=choices,
            default=picked,
            use_shortcuts=keyed,
            use_search_filter=not keyed,
            use_jk_keys=False,  # k means "not known"; j and k are search letters too
            instruction=hint,
            qmark=qmark,
            style=STYLE,
            **self.io,
        )
        instant = KeyBindings()
        if keyed:
            for index, (k, _, value) in enumerate(options):
                instant.add(k, eager=True)(lambda event, i=index, v=value: _pick(event, i, v))
        if guidance_key and picked is None:
            instant.add("enter", eager=True)(_enter_after_a_move)
        result = self._run(prompt, instant, guidance=guidance_key)
        return None if result == SKIP else result

    def _multi(self, q: MultiChoice, default: Any) -> Any:
        chosen = set(default or [])
        choices = [
            Choice(c.label, value=c.value, checked=c.value in chosen, description=c.help or None)
            for c in q.choices
        ]
        message, hint, qmark = _fit(
            q.prompt, "(Space ticks, Enter when done; none ticked: none apply)"
        )

        prompt = questionary.checkbox(
            message,
            choices=choices,
            instruction=hint,
            qmark=qmark,
            validate=_checker(lambda values: coerce(q, values)),
            style=STYLE,
            **self.io,
        )
        return self._run(prompt)

    def _done(self, q: Done, default: Any) -> Any:
        current = None if default is None else default.get("done")
        options = [("d", "Done", True), ("n", "Not done (give the reason)", False)]
        done = self._keys(q.prompt, options, q.required, current)
        if done is None or done is TOGGLE_GUIDANCE:
            return done
        if done:
            return {"done": True}
        previous = (default or {}).get("reason", "")
        reason = self._run(
            questionary.text(
                "Why not? (required)",
                default=previous,
                validate=lambda t: bool(t.strip()) or "A reason is required when it was not done",
                style=STYLE,
                **self.io,
            ),
            guidance=False,
        )
        return coerce(q, {"done": False, "reason": reason})

    def _typed(self, q: Any, default: Any, path: str) -> Any:
        """Text, long text, numbers, dates and date-times, checked as they are typed. Text
        typed but not yet entered survives Ctrl-G and Ctrl-C (then Continue)."""
        start = self.partial.pop(path, "") if default is None else str(default)
        placeholder, hint = None, None
        if isinstance(q, Date):
            hint = "(DD/MM/YYYY or YYYY-MM-DD)"
        elif isinstance(q, DateTime):
            placeholder, hint = "now", "(Enter for now, or type HH:MM or DD/MM/YYYY HH:MM)"
        elif isinstance(q, LongText):
            hint = "(several lines: Esc then Enter to finish)"
        elif isinstance(q, Number):
            hint = "(a whole number)"
        if not q.required and not isinstance(q, DateTime):
            hint = f"{hint or ''} (blank to skip)".strip()

        def check(text: str) -> bool | str:
            if not text.strip():
                needed = q.required and not isinstance(q, DateTime)
                return "An answer is needed here" if needed else True
            return _checker(lambda t: convert(q, t))(text)

        multiline = isinstance(q, LongText)
        # prompt_toolkit draws nothing when a multiline prompt's first line is wider than the
        # terminal, so for long text the question always goes above the input.
        message, hint, qmark = _fit(q.prompt, hint, above=multiline)
        prompt = questionary.text(
            message,
            default=start,
            validate=check,
            multiline=multiline,
            instruction=hint,
            qmark=qmark,
            style=STYLE,
            placeholder=placeholder,
            **self.io,
        )
        try:
            text = self._run(prompt)
        except Interrupted:
            self.partial[path] = prompt.application.current_buffer.text
            raise
        if text is TOGGLE_GUIDANCE:
            self.partial[path] = prompt.application.current_buffer.text
            return text
        if not text.strip():
            return convert(q, "now") if isinstance(q, DateTime) else None
        return convert(q, text)

    # -- running a prompt -----------------------------------------------------------
    def _run(self, prompt: Any, extra: KeyBindings | None = None, guidance: bool = True) -> Any:
        """Ask; Ctrl-G toggles guidance (checklist questions only); Ctrl-C and end of input
        become Interrupted."""
        bindings = KeyBindings()
        if guidance:
            bindings.add("c-g", eager=True)(lambda event: event.app.exit(result=TOGGLE_GUIDANCE))
        app = prompt.application
        app.key_bindings = merge_key_bindings([app.key_bindings, extra or KeyBindings(), bindings])
        try:
            return prompt.unsafe_ask()
        except (KeyboardInterrupt, EOFError):
            raise Interrupted("interrupted") from None


def convert(q: Any, text: str) -> Any:
    """A typed answer as a stored value (ValueError with a short reason if it is wrong)."""
    if isinstance(q, Number):
        return coerce(q, text.strip())
    if isinstance(q, Date):
        return parse_date(text)
    if isinstance(q, DateTime):
        return coerce(q, text)
    if isinstance(q, ShortText | LongText):
        return coerce(q, text)
    raise ValueError(f"cannot type an answer to {q.id}")


STYLES: Final = {
    "dim": "fg:ansibrightblack",
    "guidance": "italic fg:ansibrightblack",
    "bold": "bold",
    "entry": "bold fg:ansicyan",
}


def _plain() -> bool:
    return bool(os.environ.get("SAFE_CHECK_PLAIN"))


def _width() -> int:
    return max(20, terminal_width() - 1)


def _wrap(text: str, width: int) -> list[str]:
    """Wrap at word boundaries only, so a 60-column terminal never splits a word."""
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _print(text: str, style: str) -> None:
    """Print through prompt_toolkit (already loaded for the prompts; NO_COLOR respected)."""
    from prompt_toolkit import print_formatted_text
    from prompt_toolkit.formatted_text import FormattedText

    print_formatted_text(FormattedText([(style, text)]))


def _fit(message: str, hint: str | None, above: bool = False) -> tuple[str, str | None, str]:
    """(message, hint, qmark) for a prompt: a question too wide for the terminal is printed
    above it, wrapped at words, because prompt_toolkit would break it mid-word."""
    line = f"? {message} {hint or ''}".rstrip()
    if not above and len(line) <= _width():
        return message, hint, "?"
    _print("\n".join(_wrap(line, _width())), "bold")
    return "", None, ">"


def _checker(convert_fn: Any) -> Any:
    """A prompt validator: True, or why the value cannot be taken."""

    def check(value: Any) -> bool | str:
        try:
            convert_fn(value)
        except ValueError as err:
            return str(err)
        return True

    return check


def _enter_after_a_move(event: Any) -> None:
    """Enter answers only once the officer has moved to an answer (or pressed its key)."""
    for window in event.app.layout.find_all_windows():
        control = window.content
        # The pointer starts on the first answer: until it moves, Enter is not an answer.
        if hasattr(control, "is_answered") and getattr(control, "pointed_at", 0) != 0:
            _pick(event, control.pointed_at, control.get_pointed_at().value)


def _pick(event: Any, index: int, value: Any) -> None:
    """Answer a list at one key press, showing the answer as questionary does after Enter."""
    for window in event.app.layout.find_all_windows():
        control = window.content
        if hasattr(control, "is_answered") and hasattr(control, "pointed_at"):
            control.pointed_at = index
            control.is_answered = True
    event.app.exit(result=value)


def _key(index: int) -> str:
    return "123456789abcdefghijlmopqrtuvwxz"[index] if index < 31 else ""
