"""The sample browser at 500 problems x 1,024 samples: time to write it, its size on disk, and how long the first
problem takes to open in headless chromium (Debian's chromium and chromium-driver, driven by selenium).

    python bench/bench_view.py [--problems 500] [--n 1024] [--chars 1200] [--out /tmp/passk-bench-view]

The run is synthetic (completions of about --chars characters, graded rows written directly: grading speed is
bench_grading.py's figure); a tenth of the problems are rare successes (1 to 3 correct), a tenth truncate often.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from passk.grade.engine import CORRECT_CLASS  # noqa: E402
from passk.jsonl import write_json_atomic  # noqa: E402
from passk.rundir import GRADE_SCHEMA, SAMPLE_SCHEMA, RunDir, write_part  # noqa: E402

WORDS = ("we", "add", "the", "terms", "so", "then", "multiply", "both", "sides", "by", "and", "get", "check", "that")


def completion(rng: random.Random, chars: int, answer: str | None) -> str:
    parts, size = [], 0
    while size < chars:
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        piece = f"{' '.join(rng.choices(WORDS, k=8))}: ${a} + {b} = {a + b}$. "
        parts.append(piece)
        size += len(piece)
    return "".join(parts) + (f"So the answer is $\\boxed{{{answer}}}$." if answer is not None else "")


def build(path: Path, problems: int, n: int, chars: int, seed: int = 0) -> RunDir:
    rng = random.Random(seed)
    run = RunDir(path)
    run.write_problems([{"benchmark": "synthetic", "problem_id": f"p{i:03d}", "gold": str(i + 10),
                         "problem": f"Problem {i}: what is {i} + 10? " + "Some context. " * 10} for i in range(problems)])
    for i in range(problems):
        gold = str(i + 10)
        kind = i % 10
        p_correct = {0: 0.002, 1: 0.0}.get(kind, rng.random())
        p_trunc = 0.4 if kind == 2 else 0.05
        samples, grades = [], []
        for j in range(n):
            r = rng.random()
            if r < p_trunc:
                status, answer, finish = "truncated", None, "length"
            elif rng.random() < p_correct or (kind == 0 and j == 0):
                status, answer, finish = "correct", gold, "stop"
            elif rng.random() < 0.1:
                status, answer, finish = "no_answer", None, "stop"
            else:
                status, answer, finish = "incorrect", str(rng.choice([1, 2, 3, 5, 8]) * (i + 1)), "stop"
            text = completion(rng, chars, answer)
            key = {"benchmark": "synthetic", "problem_id": f"p{i:03d}", "sample_idx": j}
            samples.append({**key, "completion": text, "finish_reason": finish, "num_tokens": len(text) // 4, "seed": j})
            grades.append({**key, "status": status, "correct": status == "correct", "extracted": answer,
                           "extract_rule": "boxed" if answer else "none", "method": "quick" if answer else "",
                           "answer_key": CORRECT_CLASS if status == "correct" else answer if answer else None,
                           "num_tokens": len(text) // 4, "detail": "", "grader": "synthetic", "policy": "strict"})
        write_part(run.samples_dir / f"part-{i:05d}.parquet", samples, SAMPLE_SCHEMA)
        write_part(run.grades_dir / f"part-{i:05d}.parquet", grades, GRADE_SCHEMA)
    write_json_atomic(run.manifest_path, {"settings": {
        "benchmark": "synthetic", "model": "m", "model_fingerprint": "hub:m", "backend": "hf", "template": "qwen-boxed",
        "template_text": "{problem}", "sampling": {"max_tokens": 4096}, "seed": 0, "block_size": 16, "n": n,
        "problem_ids": [f"p{i:03d}" for i in range(problems)], "dataset": {}}})
    return run


def du(path: Path) -> int:
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True).stdout.split()[0])


def open_first_problem(page: Path, profile: Path) -> dict[str, float]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.test_view_browser import chromium

    with chromium(profile) as driver:
        started = time.perf_counter()
        driver.get(page.as_uri())
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#problem-table tbody tr"))
        table_s = time.perf_counter() - started
        rows = driver.find_elements(By.CSS_SELECTOR, "#problem-table tbody tr")
        started = time.perf_counter()
        rows[0].click()
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#columns .sample"))
        click_s = time.perf_counter() - started
        in_page_ms = driver.execute_script("return window.passkTimings[0].ms")
        return {"rows": len(rows), "table_s": table_s, "open_s": click_s, "open_in_page_ms": in_page_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=500)
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--chars", type=int, default=1200, help="characters per completion (about)")
    parser.add_argument("--out", help="work folder (default: a temporary one, deleted afterwards)")
    args = parser.parse_args()
    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="passk-bench-view-"))
    try:
        started = time.perf_counter()
        run = build(work / "run", args.problems, args.n, args.chars)
        print(f"built a synthetic run of {args.problems} x {args.n} samples in {time.perf_counter() - started:.1f} s "
              f"({du(run.path) / 1e6:.0f} MB of parquet)")
        from passk.view import write_view

        started, cpu = time.perf_counter(), time.process_time()
        page = write_view([str(run.path)], work / "view")
        write_s, write_cpu = time.perf_counter() - started, time.process_time() - cpu
        view = page.parent
        print(f"passk view: {write_s:.1f} s to write ({write_cpu:.1f} s of CPU; the rest waits on disk and other load); {du(view) / 1e6:.0f} MB on disk in "
              f"{sum(1 for _ in (view / 'data').rglob('*.js'))} files; the page itself (index.html, viewer.js, "
              f"viewer.css, data/index.js) {sum(du(view / f) for f in ('index.html', 'viewer.js', 'viewer.css', 'data/index.js')) / 1e3:.0f} kB; "
              f"largest problem file {max(p.stat().st_size for p in (view / 'data' / 'r0').iterdir()) / 1e6:.1f} MB")
        from passk.audit import audit_run

        started, cpu = time.perf_counter(), time.process_time()
        audit = audit_run(run)  # what report.md's audit section costs
        print(f"passk audit (report.md's section): {time.perf_counter() - started:.1f} s "
              f"({time.process_time() - cpu:.1f} s of CPU), {len(audit.benchmarks['synthetic'].problems)} problems audited")
        timing = open_first_problem(page, work / "profile")
        print(f"headless chromium: the table of {timing['rows']} problems in {timing['table_s']:.2f} s (page load); "
              f"first problem's samples on screen {timing['open_s'] * 1000:.0f} ms after the click "
              f"({timing['open_in_page_ms']:.0f} ms measured in the page)")
    finally:
        if not args.out:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
