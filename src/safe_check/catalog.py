"""Finding checklists: the shipped ones by id, or any file by path."""

from __future__ import annotations

from pathlib import Path

from safe_check.checklist import Loaded
from safe_check.errors import ChecklistError, UsageError
from safe_check.paths import shipped_checklists


def shipped_files() -> list[Path]:
    """The shipped checklist files, sorted by name."""
    return sorted(shipped_checklists().glob("*.toml"))


def load(path: Path) -> Loaded:
    """Load and check one checklist file; any problem is an error listing all of them."""
    from safe_check.lint import check_file

    loaded, problems = check_file(path)
    if loaded is None:
        lines = "\n".join(f"  {p}" for p in problems)
        raise ChecklistError(f"checklist {path.name} has problems (run safe-check lint):\n{lines}")
    return loaded


def locate(checklist_id: str) -> Path:
    """The file of a shipped checklist by id, or a checklist file given by path."""
    candidate = Path(checklist_id)
    if candidate.suffix == ".toml" and candidate.exists():
        return candidate
    path = shipped_checklists() / f"{checklist_id}.toml"
    if not path.is_file():
        known = ", ".join(p.stem for p in shipped_files())
        raise UsageError(f"no checklist '{checklist_id}' (known: {known})")
    return path


def find(checklist_id: str) -> Loaded:
    """A shipped checklist by id, or a checklist file given by path, checked."""
    return load(locate(checklist_id))


def all_loaded() -> list[Loaded]:
    """Every shipped checklist."""
    return [load(p) for p in shipped_files()]


def from_text(text: str, name: str, sha256: str) -> Loaded:
    """A checklist from stored text (the exact definition a record was made with)."""
    from safe_check.lint import check_text

    checklist, problems = check_text(text, name)
    if checklist is None or problems:
        raise ChecklistError(f"stored checklist {name} no longer loads: {problems[0]}")
    return Loaded(checklist, Path(name), sha256)
