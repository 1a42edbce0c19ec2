"""Helpers shared by the test modules (plain functions, not fixtures)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def salesmart_command() -> list[str]:
    """The installed `salesmart` console script of the running environment."""
    script = Path(sys.executable).parent / "salesmart"
    return [str(script)] if script.exists() else [shutil.which("salesmart") or "salesmart"]
