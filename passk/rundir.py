"""The run directory: one place that knows its layout and the samples schema.

    RUN_DIR/
      manifest.json          settings, versions, prompts, seeds, command line (generation)
      problems.jsonl         one row per problem: benchmark, problem_id, problem, gold, prompt (as rendered)
      samples/*.parquet      append-only parts of samples (schema below); *.jsonl is read too
      grades/*.parquet       one grade part per sample part, same name
      scores.json, scores.csv, passk.png, report.md

Samples schema (one row per sample; parts are never rewritten once renamed into place):
    benchmark str, problem_id str, sample_idx int, completion str,
    finish_reason str ("stop", "length", ...), num_tokens int, seed int (optional)

A part is written to a temporary name and renamed, so a crash leaves either the
whole part or nothing. Samples from elsewhere can be dropped in as JSONL parts with
the same fields, next to a problems.jsonl that holds the golds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from passk.errors import InputError
from passk.jsonl import read_jsonl, write_jsonl_atomic

SAMPLE_FIELDS = ("benchmark", "problem_id", "sample_idx", "completion", "finish_reason", "num_tokens")
SAMPLE_SCHEMA = pa.schema([
    ("benchmark", pa.string()), ("problem_id", pa.string()), ("sample_idx", pa.int64()),
    ("completion", pa.string()), ("finish_reason", pa.string()), ("num_tokens", pa.int64()), ("seed", pa.int64()),
])
GRADE_SCHEMA = pa.schema([
    ("benchmark", pa.string()), ("problem_id", pa.string()), ("sample_idx", pa.int64()),
    ("status", pa.string()), ("correct", pa.bool_()), ("extracted", pa.string()), ("extract_rule", pa.string()),
    ("method", pa.string()), ("answer_key", pa.string()), ("num_tokens", pa.int64()),
    ("detail", pa.string()), ("grader", pa.string()), ("policy", pa.string()),  # why; what graded it
])
PROBLEM_FIELDS = ("benchmark", "problem_id", "gold")


class RunDir:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    manifest = property(lambda self: self.path / "manifest.json")
    problems = property(lambda self: self.path / "problems.jsonl")
    samples_dir = property(lambda self: self.path / "samples")
    grades_dir = property(lambda self: self.path / "grades")
    scores_json = property(lambda self: self.path / "scores.json")
    scores_csv = property(lambda self: self.path / "scores.csv")
    plot_png = property(lambda self: self.path / "passk.png")
    report_md = property(lambda self: self.path / "report.md")

    def require(self) -> "RunDir":
        if not self.path.is_dir():
            raise InputError(f"{self.path}: not a run directory (it does not exist)")
        if not self.problems.is_file():
            raise InputError(f"{self.path}: no problems.jsonl (the golds); is this a passk run directory?")
        return self

    def read_manifest(self) -> dict[str, Any]:
        return json.loads(self.manifest.read_text()) if self.manifest.is_file() else {}

    def sample_parts(self) -> list[Path]:
        if not self.samples_dir.is_dir():
            return []
        return sorted(p for p in self.samples_dir.iterdir()
                      if p.suffix in (".parquet", ".jsonl") and not p.name.startswith("."))

    def grade_part_for(self, sample_part: Path) -> Path:
        return self.grades_dir / (sample_part.stem + ".parquet")

    def read_problems(self) -> dict[tuple[str, str], dict[str, Any]]:
        problems = {}
        for lineno, row in read_jsonl(self.problems):
            missing = [f for f in PROBLEM_FIELDS if f not in row]
            if missing:
                raise InputError(f"{self.problems}:{lineno}: missing field(s) {missing}")
            problems[(row["benchmark"], str(row["problem_id"]))] = row
        return problems

    def write_problems(self, rows: list[dict[str, Any]]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        write_jsonl_atomic(self.problems, rows)


def read_sample_part(path: Path) -> list[dict[str, Any]]:
    """All rows of one part, checked against the samples schema."""
    if path.suffix == ".parquet":
        try:
            rows = pq.read_table(path).to_pylist()
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"{path}: unreadable parquet part ({exc})") from None
        numbered: Iterator[tuple[int, dict]] = enumerate(rows, start=1)
    else:
        numbered = read_jsonl(path)
    out = []
    for lineno, row in numbered:
        missing = [f for f in SAMPLE_FIELDS if f not in row]
        if missing:
            raise InputError(f"{path}:{lineno}: sample row missing field(s) {missing}")
        row["problem_id"] = str(row["problem_id"])
        out.append(row)
    return out


def write_part(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    """Write a parquet part atomically: a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([{name: row.get(name) for name in schema.names} for row in rows], schema=schema)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_grades(run: RunDir) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if run.grades_dir.is_dir():
        for part in sorted(run.grades_dir.glob("*.parquet")):
            rows.extend(pq.read_table(part).to_pylist())
    return rows
