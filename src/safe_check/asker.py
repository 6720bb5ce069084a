"""The seam between the run and the terminal: an Asker asks, the runner decides what to ask."""

from __future__ import annotations

from typing import Any, Final, Protocol

import msgspec

from safe_check.engine import Slot
from safe_check.errors import Interrupted

TOGGLE_GUIDANCE: Final = object()  # returned by an Asker when the officer toggles guidance


class Ask(msgspec.Struct, frozen=True):
    """One question as the runner hands it to an Asker."""

    slot: Slot
    default: Any = None  # the current answer, when changing it at review


class Asker(Protocol):
    """Asks the officer: `prompts.QuestionaryAsker` in a terminal, `ScriptedAsker` in tests."""

    def question(self, ask: Ask) -> Any:
        """An answer to a checklist question: a stored value, None to skip, or TOGGLE_GUIDANCE."""
        ...

    def choose(self, key: str, message: str, options: list[tuple[str, str]]) -> str:
        """One of `options` (value, label); `key` names the decision for scripts."""
        ...

    def text(self, key: str, message: str, default: str = "") -> str:
        """A line of text."""
        ...

    def show(self, text: str, style: str = "") -> None:
        """Print text for the officer (styles: "", "dim", "guidance", "bold", "entry")."""
        ...

    def alert(self, title: str, text: str) -> None:
        """Print something that must not be missed, in a highlighted box."""
        ...


class ScriptedAsker:
    """Answers from a script: path or decision key to a value, or to a list used in turn.

    Raises Interrupted when the script runs out, as if the officer pressed Ctrl-C.
    """

    def __init__(self, script: dict[str, Any]) -> None:
        self.script = {k: list(v) if _is_queue(v) else [v] for k, v in script.items()}
        self.asked: list[str] = []
        self.shown: list[str] = []

    def _next(self, key: str) -> Any:
        self.asked.append(key)
        queue = self.script.get(key)
        if not queue:
            raise Interrupted(f"script has no answer for {key}")
        value = queue.pop(0)
        if isinstance(value, BaseException):
            raise value
        return value

    def question(self, ask: Ask) -> Any:
        from safe_check.answers import coerce

        value = self._next(ask.slot.path)
        return None if value is None else coerce(ask.slot.question, value)

    def choose(self, key: str, message: str, options: list[tuple[str, str]]) -> str:
        value = self._next(key)
        if value not in [v for v, _ in options]:
            raise ValueError(f"scripted {key}: {value!r} is not an option")
        return value

    def text(self, key: str, message: str, default: str = "") -> str:
        return self._next(key)

    def show(self, text: str, style: str = "") -> None:
        self.shown.append(text)
        print(text)

    def alert(self, title: str, text: str) -> None:
        self.shown.append(f"{title}: {text}")
        print(f"{title}: {text}")


def _is_queue(value: Any) -> bool:
    # A list is a queue of answers unless it is itself a multi-choice answer (strings).
    return isinstance(value, tuple)
