"""Configuration is plain data: frozen dataclasses built from dicts; unknown keys, missing keys and
values of the wrong type are errors that name the key and where it came from."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from passk.errors import ConfigError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def from_dict(cls: type[T], data: Mapping[str, Any], where: str = "config") -> T:
    """Build the frozen dataclass `cls` from `data`, checking keys and value types against its fields."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; known keys are {sorted(fields)}")
    missing = [name for name, f in fields.items() if name not in data and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ConfigError(f"{where}: missing key(s) {missing}")
    hints = typing.get_type_hints(cls)
    values = {key: check_type(value, hints[key], f"{where}: key {key!r}") for key, value in data.items()}
    try:
        return cls(**values)
    except ConfigError as exc:  # a __post_init__ check, named with where it came from
        raise ConfigError(f"{where}: {exc}") from None


def json_object(flag: str, text: str) -> dict:
    """A flag's JSON object ("--engine-options", '{"seed": 1}'), or a ConfigError naming the flag."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{flag}: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{flag}: must be a JSON object, got {text!r}")
    return value


def check_type(value: Any, hint: Any, where: str) -> Any:
    """`value` if it fits the annotation `hint` (lists become tuples for tuple fields), else ConfigError."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            try:
                return check_type(value, arg, where)
            except ConfigError:
                pass
        raise ConfigError(f"{where} must be {_describe(hint)}, got {value!r}")
    if hint is Any:
        return value
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, Mapping):  # a nested table
        return from_dict(hint, value, where=where.replace(": key ", ": table ").rstrip())
    if hint is type(None):
        if value is None:
            return value
    elif origin in (tuple, list) and isinstance(value, (list, tuple)):
        item = args[0] if args else Any
        items = [check_type(v, item, where) for v in value]
        return tuple(items) if origin is tuple else items
    elif origin is dict or hint is dict:
        if isinstance(value, dict):
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(hint, type) and isinstance(value, hint):
        return value
    raise ConfigError(f"{where} must be {_describe(hint)}, got {value!r}")


def _describe(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in args)
    if origin in (tuple, list):
        plural = {str: "strings", int: "integers", float: "numbers", bool: "booleans"}
        return f"a list of {plural.get(args[0], 'values') if args else 'values'}"
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false", dict: "a table",
             type(None): "absent"}
    return names.get(hint, getattr(hint, "__name__", str(hint)))

