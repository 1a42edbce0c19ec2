"""Settings from the environment (flags win); no global state: callers pass Settings around."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

TARGETS = ("duckdb", "postgres", "spark")
# Where the CRM data come from (dbt var crm_source, docs/sources.md).
CRM_SOURCES = ("salesmart", "salesforce", "hubspot")
BOOLEAN_WORDS = {"0": False, "false": False, "no": False, "1": True, "true": True, "yes": True}
# DuckDB's memory_limit for dbt's connection (profiles.yml, same default) and for salesmart's own: load,
# validate and publish. Beyond it DuckDB spills to disk instead of growing (its own default is 80% of RAM).
MEMORY_LIMIT_ENV = "SALESMART_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "4GB"
MEMORY_LIMIT_PATTERN = re.compile(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.IGNORECASE)


def project_root() -> Path:
    """The dbt project root (where dbt_project.yml lives)."""
    env = os.environ.get("SALESMART_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "dbt_project.yml").exists():
            return parent
    return Path.cwd()


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: Path
    target: str = "duckdb"
    as_of: str | None = None
    pii_salt: str = field(default="", repr=False)
    crm_source: str | None = None  # None: the dbt var's value (default salesmart)
    # Rep display names in `scorecard` and the dashboard, read from build.duckdb's raw users at display
    # time (names are personal data: off by default, never written into the marts).
    show_rep_names: bool = False
    memory_limit: str = DEFAULT_MEMORY_LIMIT

    @classmethod
    def from_env(cls, home: Path | None = None, landing: Path | None = None, crm_source: str | None = None) -> Settings:
        target = os.environ.get("SALESMART_TARGET", "duckdb")
        if target not in TARGETS:
            raise ValueError(f"SALESMART_TARGET must be one of {', '.join(TARGETS)}, not {target!r}")
        crm_source = crm_source or os.environ.get("SALESMART_CRM_SOURCE") or None
        if crm_source is not None and crm_source not in CRM_SOURCES:
            raise ValueError(
                f"the CRM source (--crm-source or SALESMART_CRM_SOURCE) must be one of {', '.join(CRM_SOURCES)}, "
                f"not {crm_source!r}"
            )
        root = project_root()
        show_names = os.environ.get("SALESMART_SHOW_REP_NAMES", "0").strip().lower()
        if show_names not in BOOLEAN_WORDS:
            raise ValueError(f"SALESMART_SHOW_REP_NAMES must be one of {', '.join(BOOLEAN_WORDS)}, not {show_names!r}")
        memory_limit = os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT
        if not MEMORY_LIMIT_PATTERN.fullmatch(memory_limit):
            raise ValueError(f"{MEMORY_LIMIT_ENV} must be an amount of memory such as 4GB, not {memory_limit!r}")
        return cls(
            home=Path(home or os.environ.get("SALESMART_HOME") or root / "warehouse").resolve(),
            landing=Path(landing or os.environ.get("SALESMART_LANDING") or root / "data" / "landing").resolve(),
            target=target,
            as_of=os.environ.get("SALESMART_AS_OF") or None,
            pii_salt=os.environ.get("SALESMART_PII_SALT", ""),
            crm_source=crm_source,
            show_rep_names=BOOLEAN_WORDS[show_names],
            memory_limit=memory_limit.strip(),
        )

    @property
    def build_db(self) -> Path:
        """Where raw data lands and dbt builds (the 'green' side)."""
        return self.home / "build.duckdb"

    @property
    def published_db(self) -> Path:
        """What BI reads: the last build whose tests all passed."""
        return self.home / "salesmart.duckdb"

    @property
    def runs_log(self) -> Path:
        return self.home / "runs.log"


def limit_memory(con: duckdb.DuckDBPyConnection, memory_limit: str, temp_directory: Path | None = None) -> None:
    """Cap con's DuckDB instance at memory_limit; it spills to temp_directory (default: next to the database
    file) beyond it. A SET, not a connect-time config: DuckDB refuses a second connection to an open file
    with another config, and readers in this process (tests, dbt) open the same files."""
    con.execute("set memory_limit = ?", [memory_limit])
    if temp_directory is not None:
        con.execute("set temp_directory = ?", [str(temp_directory)])
