"""Configuration is plain data: frozen dataclasses built from dicts, unknown keys are errors."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, TypeVar

from passk.errors import ConfigError

T = TypeVar("T")


def from_dict(cls: type[T], data: Mapping[str, Any], where: str = "config") -> T:
    """Build the frozen dataclass `cls` from `data`, refusing keys `cls` does not declare."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known keys are {sorted(known)}")
    try:
        return cls(**data)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def to_dict(obj: Any) -> dict[str, Any]:
    """The resolved configuration as JSON-ready plain data (saved with every result)."""
    return dataclasses.asdict(obj)
