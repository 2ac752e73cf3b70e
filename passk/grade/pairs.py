"""`passk grade --pairs`: a JSONL of (gold, completion) rows graded block by block, each written back with its verdict."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from tqdm.auto import tqdm

from passk.errors import InputError
from passk.grade.engine import GradeConfig, Grader
from passk.grade.gold import gold_answer
from passk.grade.rows import judge_fields, verdict_fields
from passk.jsonl import read_jsonl

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

    def completion_in(self, row: dict[str, Any]) -> Any:
        """The completion of a row that has one (KeyError otherwise)."""
        name = self.completion_of(row)
        if name is None:
            raise KeyError(self.completion or "completion")
        return row[name]


def grade_pairs(path: str, out: TextIO, config: GradeConfig, fields: PairFields = PairFields(),
                progress: bool = True) -> list[dict[str, Any]]:
    """Grade every row of `path`, writing rows (input fields + verdict) to `out` in order.

    Returns the graded rows (for agreement.check_pairs). Rows are read, graded and written in blocks;
    a malformed line raises InputError after every earlier block is written.
    """
    graded: list[dict[str, Any]] = []
    block: list[dict[str, Any]] = []
    golds: list[str] = []  # the block's golds, each read when its line is
    with Grader(config) as grader, tqdm(desc="grading", unit="row", disable=not progress) as bar:
        def flush():
            verdicts = grader.grade([str(fields.completion_in(r)) for r in block], golds,
                                    [r.get(fields.finish_reason) for r in block])
            judge = judge_fields(grader.provenance)  # which judge read the unsure rows, where one did
            for row, verdict in zip(block, verdicts, strict=True):
                row.update(verdict_fields(verdict), **judge)
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            graded.extend(block)
            bar.update(len(block))
            block.clear()
            golds.clear()

        try:
            for lineno, row in read_jsonl(path):
                missing = ([fields.gold] if fields.gold not in row else []) + \
                    ([fields.completion or "completion"] if fields.completion_of(row) is None else [])
                if missing:
                    raise InputError(f"{path}:{lineno}: missing field(s) {missing} "
                                     f"(choose other names with --gold-field / --completion-field)")
                golds.append(gold_answer(row[fields.gold], where=f"{path}:{lineno}: field {fields.gold!r}"))
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


def open_output(path: str | None) -> TextIO:
    if path is None or path == "-":
        return sys.stdout
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return open(path, "w", encoding="utf-8")
