"""Grade files: a JSONL of (gold, completion) pairs, or a run directory's sample parts."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tqdm.auto import tqdm

from passk.errors import InputError
from passk.grade.engine import GradeConfig, Grader, Verdict
from passk.jsonl import read_jsonl
from passk.rundir import GRADE_SCHEMA, RunDir, read_sample_part, write_part

PAIRS_BLOCK_ROWS = 20_000  # graded and written block by block: a bad line later loses nothing before it


COMPLETION_FIELD_DEFAULTS = ("completion", "pred")  # passk's own name, then the labelled cases' name


@dataclass(frozen=True)
class PairFields:
    gold: str = "gold"
    completion: str | None = None  # None: "completion", else "pred"
    finish_reason: str = "finish_reason"

    def completion_of(self, row: dict[str, Any]) -> str | None:
        names = (self.completion,) if self.completion else COMPLETION_FIELD_DEFAULTS
        return next((name for name in names if name in row), None)


def verdict_fields(verdict: Verdict) -> dict[str, Any]:
    return {"correct": verdict.correct, "status": verdict.status, "extracted": verdict.extracted,
            "extract_rule": verdict.extract_rule, "method": verdict.method, "detail": verdict.detail}


def grade_pairs(path: str, out: TextIO, config: GradeConfig, fields: PairFields = PairFields(),
                progress: bool = True) -> list[dict[str, Any]]:
    """Grade every row of `path`, writing rows (input fields + verdict) to `out` in order.

    Returns the graded rows (for --check). Rows are read, graded and written in blocks;
    a malformed line raises InputError after every earlier block is written.
    """
    graded: list[dict[str, Any]] = []
    block: list[dict[str, Any]] = []
    with Grader(config) as grader, tqdm(desc="grading", unit="row", disable=not progress) as bar:
        def flush():
            verdicts = grader.grade([str(r[fields.completion_of(r)]) for r in block], [_gold_text(r[fields.gold]) for r in block],
                                    [r.get(fields.finish_reason) for r in block])
            for row, verdict in zip(block, verdicts):
                row.update(verdict_fields(verdict))
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            graded.extend(block)
            bar.update(len(block))
            block.clear()

        try:
            for lineno, row in read_jsonl(path):
                missing = ([fields.gold] if fields.gold not in row else []) + \
                    ([fields.completion or "completion"] if fields.completion_of(row) is None else [])
                if missing:
                    raise InputError(f"{path}:{lineno}: missing field(s) {missing} "
                                     f"(choose other names with --gold-field / --completion-field)")
                block.append(row)
                if len(block) >= PAIRS_BLOCK_ROWS:
                    flush()
        except InputError as exc:
            if graded:
                raise InputError(f"{exc} (the {len(graded)} rows before it are graded and written)") from None
            raise
        if block:
            flush()
    return graded


def _gold_text(gold: Any) -> str:
    if isinstance(gold, (list, tuple)):
        return ", ".join(map(str, gold))
    if isinstance(gold, float) and gold.is_integer():
        return str(int(gold))
    return str(gold)


@dataclass
class CheckReport:
    """Agreement of verdicts with `expected` labels, split by a grouping field."""
    groups: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(cls, rows: list[dict[str, Any]], group_by: str = "label_origin") -> "CheckReport":
        report = cls()
        for row in rows:
            if "expected" not in row:
                continue
            expected = bool(row["expected"])
            for group in ("all", str(row.get(group_by, "-"))):
                counts = report.groups[group]
                counts["rows"] += 1
                counts["agree"] += row["correct"] == expected
                counts["false_positive"] += row["correct"] and not expected
                counts["false_negative"] += expected and not row["correct"]
            if row["correct"] != expected:
                report.mismatches.append(row)
        return report

    def print(self, stream: TextIO | None = None, gold_field: str = "gold") -> None:
        stream = stream or sys.stdout
        for row in self.mismatches:
            kind = "FALSE POSITIVE" if row["correct"] else "FALSE NEGATIVE"
            print(f"{kind} id={row.get('id', '?')} status={row['status']} rule={row['extract_rule']} "
                  f"method={row['method']}\n  gold:      {str(row[gold_field])[:160]!r}\n"
                  f"  extracted: {str(row['extracted'])[:160]!r}"
                  + (f"\n  caveat:    {row['caveat']}" if row.get("caveat") else ""), file=stream)
        print(f"\n{'group':<24} {'rows':>6} {'agree':>7} {'agreement':>10} {'false+':>7} {'false-':>7}", file=stream)
        for group in sorted(self.groups, key=lambda g: (g == "all", g)):
            c = self.groups[group]
            print(f"{group:<24} {c['rows']:>6} {c['agree']:>7} {c['agree'] / c['rows']:>10.1%} "
                  f"{c['false_positive']:>7} {c['false_negative']:>7}", file=stream)


def grade_run(run: RunDir, config: GradeConfig, progress: bool = True) -> dict[str, int]:
    """Grade every sample part that has no grade part yet; returns status counts of the new grades."""
    run.require()
    golds = {key: str(row["gold"]) for key, row in run.read_problems().items()}
    todo = [p for p in run.sample_parts() if not run.grade_part_for(p).exists()]
    counts: Counter = Counter()
    with Grader(config) as grader:
        for part in tqdm(todo, desc="grading parts", unit="part", disable=not progress or len(todo) < 2):
            rows = read_sample_part(part)
            unknown = sorted({(r["benchmark"], r["problem_id"]) for r in rows} - set(golds))
            if unknown:
                raise InputError(f"{part}: samples of problems absent from {run.problems}: {unknown[:5]}")
            verdicts = grader.grade([r["completion"] for r in rows], [golds[(r["benchmark"], r["problem_id"])] for r in rows],
                                    [r["finish_reason"] for r in rows], progress=progress)
            write_part(run.grade_part_for(part), [
                {**{k: r[k] for k in ("benchmark", "problem_id", "sample_idx", "num_tokens")}, **verdict_fields(v), "answer_key": v.answer_key}
                for r, v in zip(rows, verdicts)], GRADE_SCHEMA)
            counts.update(v.status for v in verdicts)
    return dict(counts)


def open_output(path: str | None) -> TextIO:
    if path in (None, "-"):
        return sys.stdout
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w", encoding="utf-8")
