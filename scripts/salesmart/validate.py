"""Data-quality gate between load and build (placeholder until the Great Expectations suites land)."""

from __future__ import annotations

from dataclasses import dataclass, field

from salesmart.config import Settings

PLACEHOLDER_MESSAGE = "validate: Great Expectations suites not implemented yet (see issue: data quality)"


@dataclass(frozen=True)
class ValidationResult:
    """ok is False when a batch breaks an expectation; the run then stops before build."""

    ok: bool
    messages: list[str] = field(default_factory=list)


def validate(settings: Settings) -> ValidationResult:
    """Placeholder: passes every batch and says so."""
    return ValidationResult(ok=True, messages=[PLACEHOLDER_MESSAGE])
