"""What ships with passk: benchmark definitions, prompt templates, protocol presets (`passk list`)."""

from __future__ import annotations

from passk import data
from passk.preset import describe_presets
from passk.prompts import describe_templates


def benchmark_descriptions() -> dict[str, str]:
    """Each definition's opening comment line is its description."""
    out = {}
    for name in data.available_benchmarks():
        first = (data.BENCHMARKS_DIR / f"{name}.toml").read_text().splitlines()[:1]
        out[name] = first[0].lstrip("# ").strip() if first and first[0].startswith("#") else ""
    return out


def catalog() -> dict[str, dict[str, str]]:
    return {"benchmarks": benchmark_descriptions(), "templates": describe_templates(), "presets": describe_presets()}


def format_catalog(entries: dict[str, dict[str, str]]) -> str:
    lines = []
    for section, items in entries.items():
        lines.append(f"{section}:")
        width = max((len(name) for name in items), default=0)
        lines += [f"  {name:<{width}}  {text}" for name, text in items.items()]
    return "\n".join(lines)
