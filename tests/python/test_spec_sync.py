"""The vendored spec files must equal the shared spec they were copied from."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENDORED = REPO / "scripts" / "salesmart" / "spec"
SHARED = REPO.parent / "shared" / "spec"


@pytest.mark.parametrize("name", ["raw_contract.yml", "metrics.yml"])
def test_vendored_spec_matches_shared(name: str) -> None:
    if not (SHARED / name).exists():
        pytest.skip(f"no shared spec at {SHARED} to compare with (only present beside a workspace checkout)")
    assert (VENDORED / name).read_bytes() == (SHARED / name).read_bytes()


def test_contract_has_31_tables() -> None:
    from salesmart.contract import contract_tables

    assert len(contract_tables()) == 31
