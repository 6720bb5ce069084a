"""The checklist model: typed msgspec structs, decoded once from a TOML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final, Literal

import msgspec

ID_PATTERN: Final = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, msgspec.Meta(pattern=ID_PATTERN)]
ChecklistId = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9-]*$")]
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
Priority = Literal["immediate", "before-end-of-duty", "routine"]
PRIORITIES: Final = ("immediate", "before-end-of-duty", "routine")
Voice = Literal["observation", "quote"]
Scalar = bool | int | float | str


class Model(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
):
    """Base for every checklist struct: immutable, and unknown keys are errors."""


class Condition(Model):
    """When something applies: one comparison on a question, or all / any / not of conditions.

    `question` names an earlier question or derived value; inside a roster the current
    entry's own questions come first.  Outside a roster, `roster.question` matches when
    any entry of that roster matches.
    """

    question: str | None = None
    equals: Scalar | None = None
    not_equals: Scalar | None = None
    one_of: list[Scalar] | None = None
    includes: str | None = None
    answered: bool | None = None
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = msgspec.field(default=None, name="not")


NUMERIC: Final = ("lt", "le", "gt", "ge")


class Choice(Model):
    """One option of a choice question, with optional help shown beside it."""

    value: Id
    label: NonEmpty
    help: str = ""
    exclusive: bool = False  # "None seen", "Not known": never ticked with another choice


class QuestionBase(Model, tag_field="kind"):
    """Fields every question has."""

    id: Id
    prompt: NonEmpty
    guidance: str = ""
    sources: list[str] = []
    required: bool = True
    voice: Voice = "observation"
    when: Condition | None = None


class YesNo(QuestionBase, tag="yes_no"):
    """Yes or no."""


class YesNoUnknown(QuestionBase, tag="yes_no_unknown"):
    """Yes, no or not known: officers are never forced into a yes or no."""


class SingleChoice(QuestionBase, tag="choice", kw_only=True):
    """One of a fixed list."""

    choices: Annotated[list[Choice], msgspec.Meta(min_length=2)]


class MultiChoice(QuestionBase, tag="multi", kw_only=True):
    """Any number of a fixed list (an empty answer means none apply)."""

    choices: Annotated[list[Choice], msgspec.Meta(min_length=1)]


class ShortText(QuestionBase, tag="text"):
    """One line of text."""

    max_length: int = 200


class LongText(QuestionBase, tag="long_text"):
    """Several lines of text."""


class Number(QuestionBase, tag="number"):
    """A whole number, optionally bounded."""

    min: int | None = None
    max: int | None = None


class Date(QuestionBase, tag="date"):
    """A calendar date (YYYY-MM-DD)."""


class DateTime(QuestionBase, tag="datetime"):
    """A date and time; when left blank it defaults to now."""


class Done(QuestionBase, tag="done"):
    """Done, or not done with a reason that must be given."""


Leaf = (
    YesNo
    | YesNoUnknown
    | SingleChoice
    | MultiChoice
    | ShortText
    | LongText
    | Number
    | Date
    | DateTime
    | Done
)


class AgeFrom(Model, tag_field="kind", tag="age"):
    """Age in whole years at the incident time, from a date of birth or an estimate."""

    id: Id
    from_: Id = msgspec.field(name="from")
    fallback: Id | None = None


class Under18(Model, tag_field="kind", tag="under_18"):
    """True when an age (question or derived) is below 18: 17-year-olds are children."""

    id: Id
    from_: Id = msgspec.field(name="from")


Derived = AgeFrom | Under18


class Roster(Model, tag_field="kind", tag="roster"):
    """A block of questions asked once per person (one entry each)."""

    id: Id
    prompt: NonEmpty
    label: NonEmpty
    questions: Annotated[list[Leaf], msgspec.Meta(min_length=1)]
    name_from: Id | None = None
    min: Annotated[int, msgspec.Meta(ge=0)] = 0
    max: Annotated[int, msgspec.Meta(ge=1)] = 20
    guidance: str = ""
    sources: list[str] = []
    derived: list[Derived] = []
    when: Condition | None = None


Item = (
    YesNo
    | YesNoUnknown
    | SingleChoice
    | MultiChoice
    | ShortText
    | LongText
    | Number
    | Date
    | DateTime
    | Done
    | Roster
)


class Section(Model):
    """A titled run of questions."""

    id: Id
    title: NonEmpty
    questions: Annotated[list[Item], msgspec.Meta(min_length=1)]
    intro: str = ""
    when: Condition | None = None


class ActionRule(Model):
    """Adds an action point when its condition holds; per entry when `roster` is set."""

    id: Id
    text: NonEmpty
    priority: Priority
    when: Condition
    roster: Id | None = None
    due_hours: Annotated[int, msgspec.Meta(ge=0)] | None = None
    because: list[str] = []
    sources: list[str] = []


class Statement(Model):
    """Fixed text carried by every summary and export, for partner agencies."""

    id: Id
    text: NonEmpty
    sources: list[str] = []
    when: Condition | None = None


class Checklist(Model):
    """A whole checklist definition."""

    id: ChecklistId
    title: NonEmpty
    version: Annotated[str, msgspec.Meta(pattern=r"^\d+\.\d+(\.\d+)?$")]
    summary: NonEmpty
    description: NonEmpty
    sections: Annotated[list[Section], msgspec.Meta(min_length=1)]
    derived: list[Derived] = []
    actions: list[ActionRule] = []
    statements: list[Statement] = []

    def items(self) -> list[tuple[Section, Item]]:
        """Every top-level question and roster with its section, in the order asked."""
        return [(s, q) for s in self.sections for q in s.questions]

    def leaf_count(self) -> int:
        """How many questions the checklist defines (roster questions counted once)."""
        return sum(len(q.questions) if isinstance(q, Roster) else 1 for _, q in self.items())


def choice_values(q: Any) -> list[str]:
    """The stored values of a question's choices (empty for non-choice kinds)."""
    return [c.value for c in getattr(q, "choices", [])]


def kind_of(q: Any) -> str:
    """The `kind` tag of a question or roster."""
    return type(q).__struct_config__.tag


class Loaded(msgspec.Struct):
    """A checklist that passed every check, with the hash of its file exactly as shipped."""

    checklist: Checklist
    path: Path
    sha256: str
