"""The questionary adapter: the only module that imports questionary (imported lazily)."""

from __future__ import annotations

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
from safe_check.errors import Interrupted
from safe_check.timefmt import now, parse_time, rfc3339

SKIP: Final = "__skip__"
STYLE: Final = Style([("qmark", "bold"), ("question", "bold"), ("instruction", "italic")])
KEYS_HINT: Final = "(press a key; Ctrl-G guidance)"


class QuestionaryAsker:
    """Asks through questionary: one key press for yes/no and choices, Ctrl-G toggles guidance."""

    def __init__(self, input: Any = None, output: Any = None) -> None:
        # input/output are prompt_toolkit pipe input and DummyOutput in tests.
        self.io = {"input": input, "output": output} if input is not None else {}

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
            options = [(_key(i), _label(c.label, c.help), c.value) for i, c in enumerate(q.choices)]
            return self._keys(q.prompt, options, q.required, ask.default)
        if isinstance(q, MultiChoice):
            return self._multi(q, ask.default)
        if isinstance(q, Done):
            return self._done(q, ask.default)
        return self._typed(q, ask.default)

    def choose(self, key: str, message: str, options: list[tuple[str, str]]) -> str:
        keyed = [(_key(i), label, value) for i, (value, label) in enumerate(options)]
        result = self._keys(message, keyed, True, None, guidance_key=False)
        return result

    def text(self, key: str, message: str, default: str = "") -> str:
        return self._run(questionary.text(message, default=default, style=STYLE, **self.io))

    # -- kinds ----------------------------------------------------------------------
    def _keys(
        self,
        message: str,
        options: list[tuple[str, str, Any]],
        required: bool,
        default: Any,
        guidance_key: bool = True,
    ) -> Any:
        """A list answered by one key press (or arrows and Enter)."""
        if not required:
            options = [*options, ("s", "Skip (leave unanswered)", SKIP)]
        choices = [Choice(label, value=value, shortcut_key=k) for k, label, value in options]
        picked = next((c for c in choices if c.value == default), None)
        prompt = questionary.select(
            message,
            choices=choices,
            default=picked,
            use_shortcuts=len(choices) <= 36,
            use_jk_keys=False,  # k means "not known"
            instruction=KEYS_HINT if guidance_key else "(press a key)",
            style=STYLE,
            **self.io,
        )
        instant = KeyBindings()
        for index, (k, _, value) in enumerate(options):
            instant.add(k, eager=True)(lambda event, i=index, v=value: _pick(event, i, v))
        result = self._run(prompt, instant)
        return None if result == SKIP else result

    def _multi(self, q: MultiChoice, default: Any) -> Any:
        chosen = set(default or [])
        choices = [
            Choice(_label(c.label, c.help), value=c.value, checked=c.value in chosen)
            for c in q.choices
        ]
        prompt = questionary.checkbox(
            q.prompt,
            choices=choices,
            instruction="(Space to tick, Enter when done; none ticked means none apply)",
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
            )
        )
        return coerce(q, {"done": False, "reason": reason})

    def _typed(self, q: Any, default: Any) -> Any:
        """Text, long text, numbers, dates and date-times, checked as they are typed."""
        start = "" if default is None else str(default)
        hint = None
        if isinstance(q, Date):
            hint = "(DD/MM/YYYY or YYYY-MM-DD)"
        elif isinstance(q, DateTime):
            start = start or f"{now():%Y-%m-%d %H:%M}"
            hint = "(Enter for now, or HH:MM)"
        elif isinstance(q, LongText):
            hint = "(several lines: Esc then Enter to finish)"
        elif isinstance(q, Number):
            hint = "(a whole number)"
        if not q.required and not isinstance(q, DateTime):
            hint = f"{hint or ''} (blank to skip)".strip()

        def check(text: str) -> bool | str:
            if not text.strip():
                return True if not q.required else "An answer is needed here"
            try:
                convert(q, text)
            except ValueError as err:
                return str(err)
            return True

        message, multiline = q.prompt, isinstance(q, LongText)
        if multiline:
            # prompt_toolkit draws nothing when a multiline prompt's first line is wider than
            # the terminal, so the question goes above it and the input line stays short.
            _print_above(f"? {q.prompt} {hint}")
            message, hint = "", None
        text = self._run(
            questionary.text(
                message,
                default=start,
                validate=check,
                multiline=multiline,
                instruction=hint,
                qmark=">" if multiline else "?",
                style=STYLE,
                **self.io,
            )
        )
        if text is TOGGLE_GUIDANCE:
            return text
        return convert(q, text) if text.strip() else None

    # -- running a prompt -----------------------------------------------------------
    def _run(self, prompt: Any, extra: KeyBindings | None = None) -> Any:
        """Ask, with Ctrl-G for guidance; Ctrl-C and end of input become Interrupted."""
        bindings = KeyBindings()
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
        return rfc3339(parse_time(text))
    if isinstance(q, ShortText | LongText):
        return coerce(q, text)
    raise ValueError(f"cannot type an answer to {q.id}")


def _print_above(text: str) -> None:
    from safe_check.console import console

    console().print(text, style="bold")


def _pick(event: Any, index: int, value: Any) -> None:
    """Answer a list at one key press, showing the answer as questionary does after Enter."""
    control = event.app.layout.current_control
    if hasattr(control, "is_answered"):
        control.pointed_at = index
        control.is_answered = True
    event.app.exit(result=value)


def _key(index: int) -> str:
    return "123456789abcdefghijlmopqrtuvwxz"[index] if index < 31 else ""


def _label(label: str, help_text: str) -> str:
    return f"{label} - {help_text}" if help_text else label
