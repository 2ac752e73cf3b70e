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
from passk.grade.normalize import normalize_gold
from passk.grade.reference import named_reason
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
            golds = [normalize_gold(r[fields.gold], "list" if isinstance(r[fields.gold], list) else "plain") for r in block]
            verdicts = grader.grade([str(r[fields.completion_of(r)]) for r in block], golds,
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
                if not _is_gold(row[fields.gold]):
                    raise InputError(f"{path}:{lineno}: field {fields.gold!r} is {row[fields.gold]!r}; a gold is a "
                                     f"string, a number or a list of them")
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


def _is_gold(gold: Any) -> bool:
    """None, true/false and objects are not answers: never compare them as the text 'None'."""
    if isinstance(gold, (list, tuple)):
        return bool(gold) and all(_is_gold(g) for g in gold)
    return isinstance(gold, str) or isinstance(gold, (int, float)) and not isinstance(gold, bool)


@dataclass
class CheckReport:
    """Agreement of verdicts with `expected` labels, split by a grouping field, beside plain Math-Verify
    on the same rows; and every row where Math-Verify accepts and passk rejects without a named reason."""
    groups: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    below_reference: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(cls, rows: list[dict[str, Any]], group_by: str = "label_origin",
              reference: list[bool] | None = None) -> "CheckReport":
        report = cls()
        for i, row in enumerate(rows):
            if "expected" not in row:
                continue
            expected = bool(row["expected"])
            mv = reference[i] if reference is not None else None
            for group in ("all", str(row.get(group_by, "-"))):
                counts = report.groups[group]
                counts["rows"] += 1
                counts["agree"] += row["correct"] == expected
                counts["false_positive"] += row["correct"] and not expected
                counts["false_negative"] += expected and not row["correct"]
                if mv is not None:
                    counts["mv_agree"] += mv == expected
                    counts["mv_false_positive"] += mv and not expected
            if row["correct"] != expected:
                report.mismatches.append(row)
            # below Math-Verify: it accepts a row labelled right, and passk rejects it without saying why
            if mv and expected and not row["correct"] and named_reason(row["status"], row["detail"], row["method"]) is None:
                report.below_reference.append(row)
        return report

    def print(self, stream: TextIO | None = None, gold_field: str = "gold") -> None:
        stream = stream or sys.stdout
        for row in self.mismatches:
            kind = "FALSE POSITIVE" if row["correct"] else "FALSE NEGATIVE"
            print(f"{kind} id={row.get('id', '?')} status={row['status']} rule={row['extract_rule']} "
                  f"method={row['method']}" + (f" detail={row['detail']!r}" if row["detail"] else "")
                  + f"\n  gold:      {str(row[gold_field])[:160]!r}\n  extracted: {str(row['extracted'])[:160]!r}"
                  + (f"\n  caveat:    {row['caveat']}" if row.get("caveat") else ""), file=stream)
        for row in self.below_reference:
            print(f"BELOW MATH-VERIFY id={row.get('id', '?')} (labelled right; it accepts; passk rejects with no named reason) "
                  f"status={row['status']} extracted={str(row['extracted'])[:80]!r}", file=stream)
        with_mv = any("mv_agree" in c for c in self.groups.values())
        header = f"\n{'group':<24} {'rows':>6} {'agreement':>10} {'false+':>7} {'false-':>7}"
        print(header + (f" {'math-verify':>12} {'its false+':>11}" if with_mv else ""), file=stream)
        for group in sorted(self.groups, key=lambda g: (g == "all", g)):
            c = self.groups[group]
            line = (f"{group:<24} {c['rows']:>6} {c['agree'] / c['rows']:>10.1%} "
                    f"{c['false_positive']:>7} {c['false_negative']:>7}")
            if with_mv:
                line += f" {c['mv_agree'] / c['rows']:>12.1%} {c['mv_false_positive']:>11}"
            print(line, file=stream)
        if with_mv:
            print(f"rows labelled right where math-verify accepts and passk rejects without a named reason: "
                  f"{len(self.below_reference)}", file=stream)


def grade_run(run: RunDir, config: GradeConfig, progress: bool = True, regrade: bool = False) -> dict[str, int]:
    """Grade every sample part that has no grade part yet (every part with `regrade`, each grade part
    replaced atomically); returns status counts of the new grades. Each grade row records the grader's
    fingerprint and policy."""
    run.require()
    golds = {key: str(row["gold"]) for key, row in run.read_problems().items()}
    todo = [p for p in run.sample_parts() if regrade or not run.grade_part_for(p).exists()]
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
                {**{k: r[k] for k in ("benchmark", "problem_id", "sample_idx", "num_tokens")}, **verdict_fields(v),
                 "answer_key": v.answer_key, **grader.provenance}
                for r, v in zip(rows, verdicts)], GRADE_SCHEMA)
            counts.update(v.status for v in verdicts)
    return dict(counts)


def grading_provenance(grades: list[dict[str, Any]]) -> list[str]:
    """Every distinct grader and policy that made these grades ("unrecorded" for grades made before both
    were recorded), sorted: more than one means the run mixes verdicts of different graders."""
    return sorted({f"{g.get('grader') or 'unrecorded'}/{g.get('policy') or 'unrecorded'}" for g in grades})


def open_output(path: str | None) -> TextIO:
    if path in (None, "-"):
        return sys.stdout
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w", encoding="utf-8")
