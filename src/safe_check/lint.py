"""Checking checklist files: every problem at once, each with file, line and place."""

from __future__ import annotations

import hashlib
import itertools
import re
import tomllib
from pathlib import Path
from typing import Any, Final

import msgspec

from safe_check.checklist import (
    NUMERIC,
    AgeFrom,
    Checklist,
    Condition,
    Date,
    Done,
    Loaded,
    MultiChoice,
    Number,
    Roster,
    SingleChoice,
    Under18,
    YesNo,
    YesNoUnknown,
    choice_values,
)
from safe_check.conditions import comparable, evaluate, names, walk

MAX_CASES: Final = 20000  # combinations tried when proving a condition can never hold
MISSING: Final = None
TRI: Final = ("yes", "no", "not_known")
LAST: Final = "#last"  # a line-finder key: the last item with this id (a duplicate)


class Problem(msgspec.Struct, frozen=True):
    """One thing wrong with a checklist file."""

    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"
        )


def check_file(path: Path) -> tuple[Loaded | None, list[Problem]]:
    """Read and check one checklist file; the checklist is None when there are problems."""
    try:
        data = path.read_bytes()
    except OSError as err:
        return None, [Problem(str(path), None, "", f"cannot read: {err.strerror}")]
    checklist, problems = check_text(data.decode("utf-8", "replace"), str(path))
    if checklist is None or problems:
        return None, problems
    return Loaded(checklist, path, hashlib.sha256(data).hexdigest()), []


def check_text(text: str, file: str) -> tuple[Checklist | None, list[Problem]]:
    """Parse, decode and check checklist text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line = getattr(err, "lineno", None) or _line_from_message(str(err))
        return None, [Problem(file, line, "", f"TOML syntax error: {_strip_position(str(err))}")]
    finder = _LineFinder(text)
    checklist, problems, broken = _decode_all(raw, file, finder)
    if checklist is not None:
        problems += [
            Problem(file, finder.line(item_id, key), _where(item_id), msg)
            for item_id, key, msg in _Semantics(checklist, broken).run()
        ]
    return checklist, problems


def _where(item_id: str) -> str:
    return f"'{item_id}'" if item_id else ""


def _line_from_message(msg: str) -> int | None:
    m = re.search(r"line (\d+)", msg)
    return int(m.group(1)) if m else None


def _strip_position(msg: str) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)


class _LineFinder:
    """Finds the line of an item (by its `id = "..."`) and of a key inside it."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def line(self, item_id: str | None, key: str | None = None) -> int | None:
        """The line of `key` inside the item with this id (any occurrence), else the item's."""
        starts = self._id_lines(item_id) if item_id else []
        if key == LAST:
            return starts[-1] if starts else None
        if not starts:
            return self._key_line(key, 0) if key else None
        if key:
            found = (self._key_line(key, start - 1) for start in starts)
            return next((n for n in found if n), starts[0])
        return starts[0]

    def _id_lines(self, item_id: str) -> list[int]:
        # `id = "x"` on a line of its own, or inside an inline table: { kind = "age", id = "x" }
        pattern = re.compile(rf"""(^|[{{,])\s*id\s*=\s*["']{re.escape(item_id)}["']""")
        return [n for n, s in enumerate(self.lines, 1) if pattern.search(s)]

    def _key_line(self, key: str, start: int) -> int | None:
        """The key's line in the table holding line `start` (0-based), before or after it."""
        pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=|[{{,]\s*{re.escape(key)}\s*=")
        if start < len(self.lines) and pattern.search(self.lines[start]):
            return start + 1
        top = start
        while top > 0 and not self.lines[top].lstrip().startswith("["):
            top -= 1
        for n in range(top, len(self.lines)):
            if n > start and self.lines[n].lstrip().startswith("["):
                return None
            if pattern.search(self.lines[n]):
                return n + 1
        return None


_PATH_TOKEN = re.compile(r"\.([A-Za-z_]\w*)|\[(\d+)\]")


def _decode_all(
    raw: dict, file: str, finder: _LineFinder
) -> tuple[Checklist | None, list[Problem], set[str]]:
    """Decode with msgspec; on each error, note it, drop the broken part and try again.

    msgspec stops at the first error, so to report every problem at once we remove the
    offending key (unknown keys) or list element (anything else) and decode again.
    """
    problems: list[Problem] = []
    broken: set[str] = set()
    emptied: set[int] = set()  # lists our own dropping left empty: not the author's problem
    for _ in range(500):
        try:
            return msgspec.convert(raw, Checklist), problems, broken
        except msgspec.ValidationError as err:
            message, _, path = str(err).partition(" - at `")
            steps = [(k, int(i) if i else None) for k, i in _PATH_TOKEN.findall(path.rstrip("`"))]
            if not (id(_walk(raw, steps)[-1]) in emptied and "length >=" in message):
                item_id, key = _locate(raw, steps, message)
                line = finder.line(item_id, key)
                problems.append(Problem(file, line, _where(item_id), _say(message, steps)))
            if not _drop(raw, steps, message, broken, emptied):
                return None, problems, broken
    return None, problems, broken


def _say(message: str, steps: list[tuple[str, int | None]]) -> str:
    keys = [k for k, i in steps if k]
    where = f" (in `{keys[-1]}`)" if keys and "unknown field" not in message else ""
    return (
        message.replace("Object contains unknown field", "unknown key").replace(
            "Object missing required field", "missing required key"
        )
        + where
    )


def _walk(raw: Any, steps: list[tuple[str, int | None]]) -> list[Any]:
    """The chain of containers a msgspec error path passes through."""
    chain, node = [raw], raw
    for key, index in steps:
        try:
            node = node[key] if key else node[index]
        except (KeyError, IndexError, TypeError):
            break
        chain.append(node)
    return chain


def _locate(
    raw: dict, steps: list[tuple[str, int | None]], message: str
) -> tuple[str | None, str | None]:
    """The id of the innermost item with one, and the key named last, for line lookup."""
    chain = _walk(raw, steps)
    item_id = next(
        (
            n.get("id")
            for n in reversed(chain)
            if isinstance(n, dict) and isinstance(n.get("id"), str)
        ),
        None,
    )
    key = next((k for k, i in reversed(steps) if k and i is None), None)
    unknown = re.search(r"unknown field `([^`]+)`", message)
    return item_id, unknown.group(1) if unknown else key


def _drop(
    raw: dict,
    steps: list[tuple[str, int | None]],
    message: str,
    broken: set[str],
    emptied: set[int],
) -> bool:
    """Remove what an error points at so decoding can go on; False when nothing can go."""
    chain = _walk(raw, steps)
    unknown = re.search(r"unknown field `([^`]+)`", message)
    if unknown and isinstance(chain[-1], dict) and unknown.group(1) in chain[-1]:
        del chain[-1][unknown.group(1)]
        return True
    for depth in range(len(steps) - 1, -1, -1):
        index = steps[depth][1]
        if index is not None and depth < len(chain) - 1 and isinstance(chain[depth], list):
            gone = chain[depth].pop(index)
            if not chain[depth]:
                emptied.add(id(chain[depth]))
            if isinstance(gone, dict) and isinstance(gone.get("id"), str):
                broken.add(gone["id"])
                broken.update(q.get("id") for q in gone.get("questions", []) if isinstance(q, dict))
            return True
    return False


class _Name(msgspec.Struct):
    """What a name in a condition stands for."""

    obj: Any
    roster: str | None
    position: float
    domain: list[Any] = msgspec.field(default_factory=list)


class _Semantics:
    """Checks that need the whole checklist: ids, references, choices, reachability."""

    def __init__(self, cl: Checklist, broken: set[str]) -> None:
        self.cl = cl
        self.broken = broken
        self.out: list[tuple[str, str | None, str]] = []
        self.names: dict[str, _Name] = {}
        self.never: set[str] = set()

    def run(self) -> list[tuple[str, str | None, str]]:
        self._declare()
        self._check_order()
        self._check_rules()
        return self.out

    def _problem(self, item_id: str, key: str | None, msg: str) -> None:
        self.out.append((item_id, key, msg))

    # -- declarations -------------------------------------------------------
    def _declare(self) -> None:
        """Give every question, roster and derived value its position, and catch duplicates."""
        position = itertools.count()
        seen_sections: set[str] = set()
        for section in self.cl.sections:
            if section.id in seen_sections:
                self._problem(section.id, LAST, f"duplicate section id '{section.id}'")
            seen_sections.add(section.id)
            for item in section.questions:
                self._add(item.id, item, None, next(position))
                if isinstance(item, Roster):
                    for q in item.questions:
                        self._add(q.id, q, item.id, next(position))
                    for d in item.derived:
                        self._add(d.id, d, item.id, next(position))
        for d in self.cl.derived:
            self._add(d.id, d, None, next(position))
        self._place_derived()
        for kind, rules in (("action", self.cl.actions), ("statement", self.cl.statements)):
            ids = [r.id for r in rules]
            for dup in {i for i in ids if ids.count(i) > 1}:
                self._problem(dup, LAST, f"duplicate {kind} id '{dup}'")

    def _place_derived(self) -> None:
        """A derived value is known as soon as the questions it comes from are answered."""
        for info in list(self.names.values()):
            if isinstance(info.obj, AgeFrom | Under18):
                sources = [info.obj.from_, getattr(info.obj, "fallback", None)]
                found = [self.names[s].position for s in sources if s in self.names]
                if found and all(p < info.position for p in found):
                    info.position = max(found) + 0.001

    def _add(self, name: str, obj: Any, roster: str | None, position: float) -> None:
        if name in self.names:
            self._problem(
                name, LAST, f"duplicate id '{name}' (ids must be unique in the checklist)"
            )
            return
        self.names[name] = _Name(obj, roster, position)
        if hasattr(obj, "choices"):
            values = choice_values(obj)
            for dup in {v for v in values if values.count(v) > 1}:
                self._problem(name, "choices", f"duplicate choice value '{dup}'")

    # -- conditions in question order --------------------------------------
    def _check_order(self) -> None:
        for section in self.cl.sections:
            first = section.questions[0].id
            self._check_condition(section.when, section.id, None, self.names[first].position)
            section_never = section.when is not None and self._never(section.when, None)
            for item in section.questions:
                self._check_item(item, None, section_never)
                if isinstance(item, Roster):
                    item_never = item.id in self.never
                    self._check_roster(item)
                    for q in item.questions:
                        self._check_item(q, item.id, item_never)
        for d in self.cl.derived:
            self._check_derived(d, None)

    def _check_item(self, item: Any, roster: str | None, parent_never: bool) -> None:
        pos = self.names[item.id].position if item.id in self.names else 0
        ok = self._check_condition(item.when, item.id, roster, pos)
        never = parent_never or (ok and item.when is not None and self._never(item.when, roster))
        if never:
            self.never.add(item.id)
            if not parent_never:
                self._problem(
                    item.id,
                    "when",
                    "can never apply: no combination of earlier answers satisfies its condition",
                )
        self._fill_domain(item)

    def _check_roster(self, r: Roster) -> None:
        if r.min > r.max:
            self._problem(r.id, "min", f"min ({r.min}) is more than max ({r.max})")
        inner = {q.id: q for q in r.questions}
        if r.name_from and r.name_from not in inner:
            self._problem(
                r.id, "name_from", f"name_from '{r.name_from}' is not a question of this roster"
            )
        for d in r.derived:
            self._check_derived(d, r.id)

    def _check_derived(self, d: Any, roster: str | None) -> None:
        wanted: list[tuple[str | None, tuple[type, ...], str]] = []
        if isinstance(d, AgeFrom):
            wanted = [
                (d.from_, (Date,), "a date question"),
                (d.fallback, (Number,), "a number question"),
            ]
        elif isinstance(d, Under18):
            wanted = [(d.from_, (Number, AgeFrom), "an age or a number question")]
        for ref, types, what in wanted:
            if ref is None:
                continue
            info = self.names.get(ref)
            if info is None or (info.roster not in (None, roster)):
                self._problem(d.id, "from", f"refers to unknown question '{ref}'")
            elif info.position > self.names[d.id].position:
                self._problem(d.id, "from", f"refers to '{ref}', which comes later")
            elif not isinstance(info.obj, types):
                self._problem(d.id, "from", f"'{ref}' must be {what}")
        self._fill_domain(d)

    def _check_rules(self) -> None:
        end = len(self.names) + 1
        rosters = {i.id for _, i in self.cl.items() if isinstance(i, Roster)}
        for rule in self.cl.actions:
            if rule.roster and rule.roster not in rosters:
                self._problem(rule.id, "roster", f"unknown roster '{rule.roster}'")
                continue
            ok = self._check_condition(rule.when, rule.id, rule.roster, end)
            if ok and self._never(rule.when, rule.roster):
                self._problem(
                    rule.id,
                    "when",
                    "can never fire: no combination of answers satisfies its condition",
                )
            for ref in rule.because:
                if self._resolve(ref, rule.roster) is None:
                    self._problem(rule.id, "because", f"refers to unknown question '{ref}'")
        for st in self.cl.statements:
            self._check_condition(st.when, st.id, None, end)

    # -- references -------------------------------------------------------------
    def _resolve(self, name: str, roster: str | None) -> _Name | None:
        """What a name means where it is used: the current entry first, then top level."""
        if "." in name:
            roster_id, _, inner = name.partition(".")
            info = self.names.get(inner)
            return info if info and info.roster == roster_id and roster is None else None
        info = self.names.get(name)
        if info is None or info.roster not in (None, roster):
            return None
        return info

    def _check_condition(
        self, cond: Condition | None, item_id: str, roster: str | None, pos: int
    ) -> bool:
        """Check one condition's shape, names and values; True when it can be evaluated."""
        if cond is None:
            return True
        ok = True
        for node in self._nodes(cond):
            ok &= self._check_node(node, item_id, roster, pos)
        return ok

    def _nodes(self, cond: Condition) -> list[Condition]:
        out = [cond]
        for group in (cond.all, cond.any, [cond.not_] if cond.not_ else None):
            for c in group or []:
                out += self._nodes(c)
        return out

    def _check_node(self, c: Condition, item_id: str, roster: str | None, pos: int) -> bool:
        ops = [
            k
            for k in ("equals", "not_equals", "one_of", "includes", "answered", *NUMERIC)
            if getattr(c, k) is not None
        ]
        groups = [k for k in ("all", "any", "not_") if getattr(c, k) is not None]
        if c.question is None:
            if len(groups) != 1 or ops:
                self._problem(
                    item_id,
                    "when",
                    "a condition needs `question` with one comparison, or one of all / any / not",
                )
                return False
            return True
        if len(ops) != 1 or groups:
            self._problem(
                item_id,
                "when",
                f"condition on '{c.question}' needs exactly one comparison",
            )
            return False
        if c.question in self.broken or c.question.partition(".")[2] in self.broken:
            return False
        info = self._resolve(c.question, roster)
        if info is None:
            self._problem(item_id, "when", f"refers to unknown question '{c.question}'")
            return False
        if info.position >= pos:
            self._problem(item_id, "when", f"refers to '{c.question}', which is asked later")
            return False
        return self._check_values(c, info, item_id, ops[0])

    def _check_values(self, c: Condition, info: _Name, item_id: str, op: str) -> bool:
        """Values compared must be ones the question can take."""
        q = info.obj
        values: list[Any] = [c.equals, c.not_equals, *(c.one_of or [])]
        values = [v for v in values if v is not None]
        bad: list[Any] = []
        if isinstance(q, SingleChoice | MultiChoice):
            allowed = choice_values(q)
            bad = [v for v in [*values, c.includes] if v is not None and v not in allowed]
            if op in NUMERIC or (op == "includes" and not isinstance(q, MultiChoice)):
                return self._wrong_op(item_id, c.question, op)
        elif isinstance(q, YesNo | Done | Under18):
            bad = [v for v in values if not isinstance(v, bool)]
            if op in (*NUMERIC, "includes"):
                return self._wrong_op(item_id, c.question, op)
        elif isinstance(q, YesNoUnknown):
            bad = [v for v in values if v not in TRI]
            if op in (*NUMERIC, "includes"):
                return self._wrong_op(item_id, c.question, op)
        elif isinstance(q, Number | AgeFrom):
            bad = [v for v in values if not isinstance(v, int) or isinstance(v, bool)]
        elif op in NUMERIC or op == "includes":
            return self._wrong_op(item_id, c.question, op)
        for v in bad:
            self._problem(item_id, "when", f"'{c.question}' has no value {v!r}" + _allowed(q))
        return not bad

    def _wrong_op(self, item_id: str, name: str, op: str) -> bool:
        self._problem(item_id, "when", f"'{op}' cannot be used on '{name}'")
        return False

    # -- reachability -------------------------------------------------------------
    def _fill_domain(self, obj: Any) -> None:
        """Values a name can take, for the never-applies proof (None: unanswered)."""
        info = self.names.get(obj.id)
        if info is None:
            return
        if obj.id in self.never:
            info.domain = [MISSING]
        elif isinstance(obj, YesNo | Done | Under18):
            info.domain = [True, False, MISSING]
        elif isinstance(obj, YesNoUnknown):
            info.domain = [*TRI, MISSING]
        elif isinstance(obj, SingleChoice):
            info.domain = [*choice_values(obj), MISSING]
        elif isinstance(obj, MultiChoice):
            info.domain = [[], *([v] for v in choice_values(obj)), MISSING]
        else:
            info.domain = ["", MISSING]

    def _never(self, cond: Condition, roster: str | None) -> bool:
        """True when no combination of answers to the names it uses makes it hold."""
        refs = names(cond)
        domains = []
        for ref in refs:
            info = self._resolve(ref, roster)
            if info is None:
                return False
            domain = list(info.domain) or [MISSING]
            if isinstance(info.obj, Number | AgeFrom):
                domain = [*_number_domain(cond, ref), MISSING]
            domains.append(domain)
        total = 1
        for d in domains:
            total *= len(d)
        if total > MAX_CASES:
            return False
        for combo in itertools.product(*domains):
            values = dict(zip(refs, combo, strict=True))
            if evaluate(cond, lambda n, v=values: [comparable(v.get(n))]):
                return False
        return True


def _number_domain(cond: Condition, name: str) -> list[Any]:
    """The numbers worth trying: each bound used on this name, and one either side."""
    bounds = {0}
    for c in walk(cond):
        if c.question == name:
            for v in (c.lt, c.le, c.gt, c.ge, c.equals, c.not_equals, *(c.one_of or [])):
                if isinstance(v, int | float) and not isinstance(v, bool):
                    bounds.update({v - 1, v, v + 1})
    return sorted(bounds)


def _allowed(q: Any) -> str:
    if isinstance(q, SingleChoice | MultiChoice):
        return f" (choices: {', '.join(choice_values(q))})"
    if isinstance(q, YesNoUnknown):
        return " (use yes, no or not_known)"
    if isinstance(q, YesNo | Done | Under18):
        return " (use true or false)"
    return ""
