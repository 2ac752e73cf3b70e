"""Grade a labelled set with passk (each row in its `form`, boxed or free) and with plain Math-Verify; write every
mismatch and the agreement table by category to REPORT.

    PYTHONPATH=. python experiments/grading_heldout.py results/grading-heldout-round2/setB/cases.jsonl REPORT.txt

Rows: id, category, form, gold, completion, expected (bool), why, and optionally finish_reason and caveat.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict

from passk.grade import GradeConfig, Grader, extract_config
from passk.grade.gold import gold_answer
from passk.grade.reference import math_verify_verdicts


def main(cases: str, report: str) -> None:
    rows = [json.loads(line) for line in open(cases, encoding="utf-8") if line.strip()]
    verdicts = {}
    for form in ("boxed", "free"):
        index = [i for i, r in enumerate(rows) if r.get("form", "free") == form]
        with Grader(GradeConfig(extract=extract_config(form), workers=1)) as grader:
            graded = grader.grade([rows[i]["completion"] for i in index], [gold_answer(str(rows[i]["gold"])) for i in index],
                                  [rows[i].get("finish_reason") for i in index])
        verdicts.update(zip(index, graded, strict=True))
    reference = math_verify_verdicts([r["completion"] for r in rows], [str(r["gold"]) for r in rows])
    groups: dict[str, Counter] = defaultdict(Counter)
    with open(report, "w", encoding="utf-8") as out:
        for i, row in enumerate(rows):
            verdict, expected, mv = verdicts[i], bool(row["expected"]), reference[i]
            correct = verdict.status == "correct"
            for group in ("all", "form:" + row.get("form", "free"), row["category"]):
                c = groups[group]
                c["rows"] += 1
                c["agree"] += correct == expected
                c["fp"] += correct and not expected
                c["fn"] += expected and not correct
                c["mv_agree"] += mv == expected
                c["mv_fp"] += mv and not expected
                c["mv_fn"] += expected and not mv
            if correct != expected:
                print(f"{'FP' if correct else 'FN'} {row['id']} [{row['category']}] form={row.get('form')} "
                      f"status={verdict.status} extracted={verdict.extracted!r} detail={verdict.detail!r}\n"
                      f"  gold={row['gold']!r}\n  why={row.get('why')}", file=out)
        header = f"{'group':<28}{'rows':>5}{'passk':>8}{'FP':>4}{'FN':>4}{'MV':>8}{'FP':>4}{'FN':>4}"
        lines = [header]
        for group in sorted(groups, key=lambda g: (g != "all", not g.startswith("form"), g)):
            c = groups[group]
            lines.append(f"{group[:28]:<28}{c['rows']:>5}{c['agree'] / c['rows']:>8.1%}{c['fp']:>4}{c['fn']:>4}"
                         f"{c['mv_agree'] / c['rows']:>8.1%}{c['mv_fp']:>4}{c['mv_fn']:>4}")
        print("\n".join(lines), file=out)
    print("\n".join(lines[:4]))


if __name__ == "__main__":
    main(*sys.argv[1:3])
