"""Conditions as data: evaluate them against answers, list what they name, say them in words."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from safe_check.checklist import Condition

# A resolver maps a name to the candidate values it stands for: one value for a plain
# question, one per entry for `roster.question` (which matches when any entry matches).
Resolver = Callable[[str], list[Any]]


def comparable(value: Any) -> Any:
    """The value a condition compares: a done answer compares as done (true) or not (false)."""
    if isinstance(value, dict) and "done" in value:
        return value["done"]
    return value


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python; an answer of yes must never equal the number one.
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _compare(cond: Condition, v: Any) -> bool:
    """One comparison against one candidate value (None means unanswered)."""
    if cond.answered is not None:
        return (v is not None) == cond.answered
    if v is None:
        return False
    if cond.equals is not None:
        return _same(v, cond.equals)
    if cond.not_equals is not None:
        return not _same(v, cond.not_equals)
    if cond.one_of is not None:
        return any(_same(v, o) for o in cond.one_of)
    if cond.includes is not None:
        return isinstance(v, list) and cond.includes in v
    checks = (
        (cond.lt, float.__lt__),
        (cond.le, float.__le__),
        (cond.gt, float.__gt__),
        (cond.ge, float.__ge__),
    )
    for bound, op in checks:
        if bound is not None:
            return _number(v) and op(float(v), float(bound))
    return False


def evaluate(cond: Condition | None, resolve: Resolver) -> bool:
    """Whether a condition holds; no condition always holds."""
    if cond is None:
        return True
    if cond.all is not None:
        return all(evaluate(c, resolve) for c in cond.all)
    if cond.any is not None:
        return any(evaluate(c, resolve) for c in cond.any)
    if cond.not_ is not None:
        return not evaluate(cond.not_, resolve)
    if cond.question is None:
        return False
    return any(_compare(cond, comparable(v)) for v in resolve(cond.question))


def walk(cond: Condition | None) -> Iterator[Condition]:
    """Every comparison (leaf) inside a condition."""
    if cond is None:
        return
    for group in (cond.all, cond.any, [cond.not_] if cond.not_ else None):
        if group is not None:
            for c in group:
                yield from walk(c)
    if cond.question is not None:
        yield cond


def names(cond: Condition | None) -> list[str]:
    """The question and derived names a condition refers to, in order, without repeats."""
    return list(dict.fromkeys(c.question for c in walk(cond) if c.question))


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # bounds are decoded as floats; 18.0 reads as 18
    return str(v)  # the value as written in an answers file, so it can be copied


def describe(cond: Condition | None) -> str:
    """A condition in plain words, for templates and error messages."""
    if cond is None:
        return "always"
    if cond.all is not None:
        return " and ".join(_wrap(c) for c in cond.all)
    if cond.any is not None:
        return " or ".join(_wrap(c) for c in cond.any)
    if cond.not_ is not None:
        return f"not ({describe(cond.not_)})"
    q = cond.question
    if cond.answered is not None:
        return f"{q} is {'answered' if cond.answered else 'not answered'}"
    if cond.equals is not None:
        return f"{q} is {_show(cond.equals)}"
    if cond.not_equals is not None:
        return f"{q} is not {_show(cond.not_equals)}"
    if cond.one_of is not None:
        return f"{q} is one of {', '.join(_show(o) for o in cond.one_of)}"
    if cond.includes is not None:
        return f"{q} includes {_show(cond.includes)}"
    words = {"lt": "under", "le": "at most", "gt": "over", "ge": "at least"}
    for key, word in words.items():
        if getattr(cond, key) is not None:
            return f"{q} is {word} {_show(getattr(cond, key))}"
    return "never"


def _wrap(c: Condition) -> str:
    text = describe(c)
    return f"({text})" if c.all is not None or c.any is not None else text
