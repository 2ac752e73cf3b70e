"""`passk grade --pairs FILE --check`: verdicts against the rows' `expected` labels, beside plain Math-Verify."""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO

from passk.grade.pairs import PairFields
from passk.grade.reference import math_verify_verdicts, named_reason


@dataclass
class CheckReport:
    """Agreement of verdicts with `expected` labels, split by a grouping field, beside plain Math-Verify
    on the same rows; and every row where Math-Verify accepts and passk rejects without a named reason."""
    groups: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    below_reference: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(cls, rows: list[dict[str, Any]], group_by: str = "label_origin",
              reference: list[bool] | None = None) -> CheckReport:
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


def check_pairs(rows: list[dict[str, Any]], fields: PairFields = PairFields(), group_by: str = "label_origin") -> CheckReport:
    """The report on rows graded by pairs.grade_pairs, with plain Math-Verify judging the same pairs."""
    reference = math_verify_verdicts([str(fields.completion_in(r)) for r in rows], [str(r[fields.gold]) for r in rows])
    return CheckReport.build(rows, group_by, reference)
