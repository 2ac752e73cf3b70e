"""Grade real model completions with three graders and score each against the adjudicated truth (issue 19).

    PYTHONPATH=. python experiments/grading_real_outputs.py results/grading-real-outputs/rows.jsonl \
        results/grading-real-outputs/adjudicated.jsonl [--report REPORT.txt] [--verdicts VERDICTS.jsonl]

The graders: passk's (each row in its `form`, boxed or free), plain Math-Verify (passk.grade.reference), and
Qwen2.5-Math's `math_equal` with its own answer extraction (`extract_answer` from its evaluation/parser.py, the gold
normalised as its `parse_ground_truth` does). That code is not part of passk: it is imported at run time from a
checkout of QwenLM/Qwen2.5-Math's evaluation/ folder (--qwen-eval, or $QWEN_EVAL) and run by a Python that has its
requirements (sympy 1.12, antlr4-python3-runtime 4.11.1, regex, word2number; --qwen-python, or $QWEN_PYTHON), with
its latex2sympy/ folder on the path. Without them the math_equal columns read "n/a" (and "split" then means passk and
Math-Verify disagree).

The truth of a row: its adjudication (adjudicated.jsonl, by id: truth, why, caveat) where there is one, else the
shared verdict where all three graders agree. A row where they disagree and that has no adjudication is listed as
unadjudicated and left out of the agreement figures, so the script can be rerun against a changed grader.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

GRADERS = ("passk", "mv", "qwen")
NAMES = {"passk": "passk", "mv": "Math-Verify", "qwen": "math_equal"}
QWEN_DATA = {"gsm8k", "math", "minerva_math", "olympiadbench", "gaokao2023en", "aime24", "amc23"}

# Run under the Qwen venv: reads [completion, gold, data_name] lines on stdin, writes [pred, gold, verdict] lines.
QWEN_WORKER = r"""
import json, signal, sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/latex2sympy"]
sys.setrecursionlimit(10000)
from grader import math_equal
from parser import STRIP_EXCEPTIONS, extract_answer, strip_string

class Timeout(Exception):
    pass

def alarm(*_):
    raise Timeout()

signal.signal(signal.SIGALRM, alarm)
for line in sys.stdin:
    completion, gold, data = json.loads(line)
    pred, gt, ok = "", gold, False
    signal.alarm(3)  # Qwen's evaluate.py gives each comparison 3 s in a process pool; a timeout is a rejection
    try:
        gt = (gold.replace("\\neq", "\\ne").replace("\\leq", "\\le").replace("\\geq", "\\ge")
              if data in STRIP_EXCEPTIONS else strip_string(gold))
        pred = extract_answer(completion, data)
        ok = bool(math_equal(pred, gt))
    except BaseException:
        ok = False
    finally:
        signal.alarm(0)
    print(json.dumps([pred, gt, ok]), flush=True)
"""


def passk_verdicts(rows: list[dict]) -> list[dict]:
    from passk.grade import GradeConfig, Grader, extract_config
    from passk.grade.gold import gold_answer

    out: dict[int, dict] = {}
    for form in sorted({r.get("form", "free") for r in rows}):
        index = [i for i, r in enumerate(rows) if r.get("form", "free") == form]
        with Grader(GradeConfig(extract=extract_config(form), workers=1)) as grader:
            graded = grader.grade([rows[i]["completion"] for i in index],
                                  [gold_answer(str(rows[i]["gold"])) for i in index],
                                  [rows[i].get("finish_reason") for i in index])
        for i, v in zip(index, graded, strict=True):
            out[i] = {"ok": v.status == "correct", "status": v.status, "extracted": v.extracted,
                      "rule": v.extract_rule, "detail": v.detail}
    return [out[i] for i in range(len(rows))]


def mv_verdicts(rows: list[dict]) -> list[dict]:
    from passk.grade.reference import math_verify_verdicts

    return [{"ok": ok} for ok in math_verify_verdicts([r["completion"] for r in rows], [str(r["gold"]) for r in rows])]


def qwen_verdicts(rows: list[dict], qwen_eval: str, qwen_python: str) -> list[dict] | None:
    if not (os.path.isfile(os.path.join(qwen_eval, "grader.py")) and os.path.isfile(qwen_python)):
        print(f"math_equal not run: no {qwen_eval}/grader.py or no {qwen_python}", file=sys.stderr)
        return None
    todo = [json.dumps([r["completion"], str(r["gold"]), r["benchmark"] if r["benchmark"] in QWEN_DATA else "math"])
            for r in rows]
    answers: list = []
    while len(answers) < len(rows):  # a comparison stuck in C code ignores the alarm: kill, count it false, go on
        with tempfile.TemporaryFile("w+", encoding="utf-8") as feed, tempfile.TemporaryFile("w+") as errors:
            feed.write("\n".join(todo[len(answers):]) + "\n")
            feed.seek(0)
            worker = subprocess.Popen([qwen_python, "-c", QWEN_WORKER, qwen_eval], stdin=feed, stdout=subprocess.PIPE,
                                      stderr=errors, text=True, cwd=qwen_eval)
            start = len(answers)
            while len(answers) < len(rows):
                ready, _, _ = select.select([worker.stdout], [], [], 30)
                line = worker.stdout.readline() if ready else None
                if not line:
                    break
                if line.startswith("["):
                    answers.append(json.loads(line))
            worker.kill()
            worker.communicate()
            errors.seek(0)
            err = errors.read()
            if len(answers) < len(rows):
                if len(answers) == start and line == "":  # the worker died at once: no usable Qwen code
                    print(f"math_equal worker failed:\n{err[-3000:]}", file=sys.stderr)
                    return None
                answers.append(["", "", False])  # timed out in C code: a rejection, as Qwen's pool counts it
    return [{"ok": ok, "extracted": pred, "gold_normalised": gt} for pred, gt, ok in answers]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows")
    ap.add_argument("adjudicated")
    ap.add_argument("--report", help="write every grader error and every unadjudicated disagreement here")
    ap.add_argument("--verdicts", help="write each row's three verdicts here (JSONL)")
    ap.add_argument("--qwen-eval", default=os.environ.get("QWEN_EVAL", "/tmp/qwen-eval/evaluation"))
    ap.add_argument("--qwen-python", default=os.environ.get("QWEN_PYTHON", "/tmp/qwen-venv/bin/python"))
    args = ap.parse_args()

    rows = [json.loads(line) for line in open(args.rows, encoding="utf-8") if line.strip()]
    adjudicated = {}
    if os.path.exists(args.adjudicated):
        adjudicated = {a["id"]: a for a in (json.loads(line) for line in open(args.adjudicated, encoding="utf-8")
                                            if line.strip())}
    verdicts = {"passk": passk_verdicts(rows), "mv": mv_verdicts(rows),
                "qwen": qwen_verdicts(rows, args.qwen_eval, args.qwen_python)}
    graders = [g for g in GRADERS if verdicts[g] is not None]

    groups: dict[str, Counter] = defaultdict(Counter)
    errors, unadjudicated = [], []
    dump = []
    for i, row in enumerate(rows):
        said = {g: verdicts[g][i]["ok"] for g in graders}
        split = len(set(said.values())) > 1
        adj = adjudicated.get(row["id"])
        truth = bool(adj["truth"]) if adj else (None if split else next(iter(said.values())))
        dump.append({"id": row["id"], "truth": truth, **{g: verdicts[g][i] for g in graders}})
        if truth is None:
            unadjudicated.append(row["id"])
        elif not split and said[graders[0]] != truth:
            groups["all"]["all_wrong"] += 1  # the three agree, and the adjudication says they are all wrong
        for group in ("all", row["repo"], f"{row['repo'].split('/')[-1]} {row['benchmark']} {row['model']}"):
            c = groups[group]
            c["rows"] += 1
            c["split"] += split
            c["unadj"] += truth is None
            if truth is None:
                continue
            c["judged"] += 1
            c["true"] += truth
            c["split_judged"] += split
            for g in graders:
                right = said[g] == truth
                c[g] += right
                c[g + "_split"] += right and split
                c[g + "_fp"] += said[g] and not truth
                c[g + "_fn"] += truth and not said[g]
        if truth is not None:
            for g in graders:
                if said[g] != truth:
                    errors.append((g, row, verdicts[g][i], truth, adj))

    def pct(a: int, b: int) -> str:
        return f"{a / b:.1%}" if b else "-"

    head = f"{'source':<58}{'rows':>5}{'split':>6}{'unadj':>6}"
    for g in GRADERS:
        head += f"{NAMES[g][:11]:>12}{'on split':>9}{'FP':>4}{'FN':>4}"
    lines = [head]
    for group in sorted(groups, key=lambda k: (k != "all", "/" not in k, k)):
        c = groups[group]
        line = f"{group[:58]:<58}{c['rows']:>5}{c['split']:>6}{c['unadj']:>6}"
        for g in GRADERS:
            if g in graders:
                line += f"{pct(c[g], c['judged']):>12}{pct(c[g + '_split'], c['split_judged']):>9}"
                line += f"{c[g + '_fp']:>4}{c[g + '_fn']:>4}"
            else:
                line += f"{'n/a':>12}{'n/a':>9}{'':>4}{'':>4}"
        lines.append(line)
    c = groups["all"]
    lines.append(f"\n{c['judged']} rows with a truth ({c['true']} correct), {c['split']} where the graders split, "
                 f"{len(unadjudicated)} of those unadjudicated; {c['all_wrong']} where all graders agree and all are wrong; "
                 f"{len(adjudicated)} adjudications on file.")
    table = "\n".join(lines)
    print(table)
    if unadjudicated:
        print("unadjudicated:", " ".join(unadjudicated))
    if args.report:
        with open(args.report, "w", encoding="utf-8") as out:
            print(table + "\n", file=out)
            for g, row, v, truth, adj in sorted(errors, key=lambda e: (GRADERS.index(e[0]), e[1]["id"])):
                print(f"{NAMES[g]} {'FP' if not truth else 'FN'} {row['id']} ({row['model']}, {row['benchmark']})\n"
                      f"  gold={row['gold']!r} extracted={v.get('extracted')!r} "
                      f"{('status=' + v['status'] + ' detail=' + repr(v['detail'])) if g == 'passk' else ''}\n"
                      f"  why={(adj or {}).get('why', 'all three graders agree')}", file=out)
            if unadjudicated:
                print("\nunadjudicated disagreements:", file=out)
                for i, row in enumerate(rows):
                    if row["id"] in unadjudicated:
                        said = " ".join(f"{NAMES[g]}={verdicts[g][i]['ok']}" for g in graders)
                        print(f"  {row['id']} gold={row['gold']!r} {said} "
                              f"passk_extracted={verdicts['passk'][i]['extracted']!r}", file=out)
    if args.verdicts:
        with open(args.verdicts, "w", encoding="utf-8") as out:
            for d in dump:
                out.write(json.dumps(d, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
