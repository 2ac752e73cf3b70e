"""`passk view RUN [RUN ...]`: a static sample browser, one HTML page and one small data file per problem.

    OUT/index.html, viewer.js, viewer.css   the page (package data in passk/viewer/), the same for every run
    OUT/data/index.js                       window.PASSK_INDEX: the runs and one row per problem (pass rate,
                                            majority answer, truncation and no-answer shares, audit flags)
    OUT/data/rR/P.js                        passkSamples("rR/P", {...}): run R's samples of problem P, their answer
                                            classes, flags and where the extracted answer sits in each completion

The page loads a problem's samples only when it is opened, through a <script> tag: browsers refuse fetch()
of file:// URLs, a script tag they allow, so the same folder works opened from disk and behind
`python -m http.server`. The page itself stays small at 500 problems x 1,024 samples; the samples are on
disk beside it, one file per problem and run.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from importlib.resources import files
from pathlib import Path
from typing import Any

from passk.audit import FLAGS, answer_span, context, flag_sample, load_problems, run_grading
from passk.errors import ConfigError
from passk.grade.engine import CORRECT_CLASS
from passk.jsonl import atomic_path, write_text_atomic
from passk.rundir import RunDir

ASSETS = ("index.html", "viewer.js", "viewer.css")
MAIN_STATUSES = ("correct", "incorrect", "no_answer", "truncated")


def _js(call: str, *args: Any) -> str:
    # JSON is a subset of JavaScript (ES2019): the data file is a call with JSON arguments
    return f"{call}({', '.join(json.dumps(a, ensure_ascii=False, separators=(',', ':')) for a in args)});\n"


def answer_classes(samples: list[dict]) -> tuple[list[dict], list[int]]:
    """The samples' answers grouped by the grade rows' answer_key (equivalence classes, the gold's first), then
    one group per status for samples that cast no vote; with each sample's group index."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(samples):
        key = ("vote", s["answer_key"]) if s.get("answer_key") is not None else ("none", s["status"])
        groups.setdefault(key, []).append(i)
    order = sorted(groups, key=lambda g: (g[0] != "vote", g[1] != CORRECT_CLASS, -len(groups[g]), g[1]))
    classes, membership = [], [0] * len(samples)
    for index, g in enumerate(order):
        members = groups[g]
        for i in members:
            membership[i] = index
        shown = Counter(samples[i]["extracted"] for i in members if samples[i]["extracted"]).most_common(1)
        classes.append({"answer": shown[0][0] if shown else None, "count": len(members),
                        "correct": g[1] == CORRECT_CLASS, "vote": g[0] == "vote",
                        "label": g[1] if g[0] == "none" else None})
    return classes, membership


def problem_view(problem: dict, grading: tuple) -> tuple[dict, dict]:
    """(the problem's row in the index for this run, the content of its samples file); `grading` as
    `passk.audit.run_grading` gives it."""
    samples = problem["samples"]
    ctx = context(problem, *grading)
    classes, membership = answer_classes(samples)
    rows: list[dict[str, Any]] = []
    statuses: Counter[str] = Counter()
    flagged = 0
    for s, k in zip(samples, membership, strict=True):
        flags = flag_sample(s, ctx)
        flagged += bool(flags)
        statuses[s["status"]] += 1
        rows.append({"i": s["sample_idx"], "s": s["status"], "x": s["extracted"], "r": s["extract_rule"],
                     "m": s["method"], "d": s["detail"], "k": k, "f": s["finish_reason"], "t": s.get("num_tokens"),
                     "fl": flags, "a": answer_span(s["completion"], s["extracted"]), "c": s["completion"]})
    n = len(samples)
    votes = [c for c in classes if c["vote"]]
    top = max(votes, key=lambda c: c["count"]) if votes else None
    stats = {"n": n, "c": statuses["correct"], "rate": statuses["correct"] / n,
             "maj": top["answer"] if top else None, "majShare": top["count"] / n if top else 0.0,
             "majCorrect": bool(top and top["correct"]), "trunc": sum(s["finish_reason"] == "length" or s["status"] == "truncated" for s in samples) / n,
             "noans": statuses["no_answer"] / n, "flagged": flagged, "distinct": len(votes)}
    return stats, {"stats": stats, "classes": classes, "samples": rows}


def write_view(run_dirs: list[str], out: Path, labels: list[str | None] | None = None) -> Path:
    """Write the browser for these runs into `out`; returns the page's path."""
    if not run_dirs:
        raise ConfigError("passk view needs at least one run directory")
    labels = labels or [None] * len(run_dirs)
    runs_meta, per_run = [], []
    for path, label in zip(run_dirs, labels, strict=True):
        run = RunDir(path)
        per_run.append((load_problems(run), run_grading(run)))
        runs_meta.append({"label": label or run.path.resolve().name, "path": str(path)})
    keys = sorted({key for problems, _ in per_run for key in problems})
    index_rows = []
    for pi, key in enumerate(keys):
        first = next(problems[key] for problems, _ in per_run if key in problems)
        row: dict[str, Any] = {"b": key[0], "id": key[1], "problem": first.get("problem") or "",
                               "gold": str(first.get("gold")), "runs": []}
        for ri, (problems, grading) in enumerate(per_run):
            if key not in problems:
                row["runs"].append(None)
                continue
            stats, content = problem_view(problems[key], grading)
            write_text_atomic(out / "data" / f"r{ri}" / f"{pi}.js", _js("passkSamples", f"r{ri}/{pi}", content))
            row["runs"].append(stats)
        index_rows.append(row)
    flags = {name: desc for name, (desc, _) in FLAGS.items()}
    write_text_atomic(out / "data" / "index.js", "window.PASSK_INDEX = " + json.dumps(
        {"runs": runs_meta, "problems": index_rows, "flags": flags}, ensure_ascii=False, separators=(",", ":")) + ";\n")
    assets = files("passk") / "viewer"
    for name in ASSETS:
        with atomic_path(out / name) as tmp, (assets / name).open("rb") as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return out / "index.html"


def serve(folder: Path, port: int) -> None:
    """Serve the page on 127.0.0.1 until Ctrl-C (the page also works opened from disk)."""
    import functools
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {folder} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
