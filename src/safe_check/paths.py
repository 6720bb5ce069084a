"""Where safe-check keeps its data: one directory, chosen once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

APP: Final = "safe-check"
HOME_ENV: Final = "SAFE_CHECK_HOME"


def data_dir(override: str | None = None) -> Path:
    """The data directory: --home, then $SAFE_CHECK_HOME, then the platform's user data dir."""
    chosen = override or os.environ.get(HOME_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    import platformdirs  # only needed when no override is given

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def shipped_checklists() -> Path:
    """The checklists shipped inside the package (or the repository's, in a source checkout)."""
    packaged = Path(__file__).parent / "checklists"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "checklists"
