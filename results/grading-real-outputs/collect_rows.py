"""Build rows.jsonl from public evaluation outputs (issue 19, "Real outputs").

Reads the files below out of local git snapshots of the source repositories (their paths given as
REPO=GIT_DIR arguments) and samples rows deterministically (seed 19). Run once; rows.jsonl is the record.

    python collect_rows.py PRIME-RL/PRIME=/path/repo openai/grade-school-math=/path/repo microsoft/ToRA=/path/repo
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys

PRIME_COMMIT = "e787b9cefff7c43c40a98a41c2254cddd38ebd09"  # the commit that still had the outputs folder
PRIME_ROOT = "eval/scripts/eval/Qwen25-Math/evaluation/outputs/home/test/test05/whb/"
OLYMPIAD_DATA = "eval/scripts/eval/Qwen25-Math/evaluation/data/olympiadbench/test.jsonl"
PRIME_FILE = "test_qwen25-math-cot_-1_seed0_t0.0_s0_e-1.jsonl"
PRIME = [  # (folder, model, benchmark, sample size or None: every row; the olympiadbench and college_math
    # files of the SFT ablation, and every college_math file, are over 4 MiB and missing from the snapshot)
    ("models/Qwen2.5-Math-7B-Instruct/math_eval/gaokao2023en", "Qwen2.5-Math-7B-Instruct", "gaokao2023en", None),
    ("models/Qwen2.5-Math-7B-Instruct/math_eval/minerva_math", "Qwen2.5-Math-7B-Instruct", "minerva_math", None),
    ("models/Qwen2.5-Math-7B-Instruct/math_eval/olympiadbench", "Qwen2.5-Math-7B-Instruct", "olympiadbench", None),
    ("project/eval-cgq-new/o1_results_1205/Meta-Llama-3.1-8B-Instruct/qwen_math/gaokao2023en",
     "Meta-Llama-3.1-8B-Instruct", "gaokao2023en", None),
    ("project/eval-cgq-new/o1_results_1205/Meta-Llama-3.1-8B-Instruct/qwen_math/minerva_math",
     "Meta-Llama-3.1-8B-Instruct", "minerva_math", None),
    ("project/eval-cgq-new/o1_results_1205/Meta-Llama-3.1-8B-Instruct/qwen_math/olympiadbench",
     "Meta-Llama-3.1-8B-Instruct", "olympiadbench", None),
    ("project/eval-cgq-new/o1_results_1205/all_abla_numina_oly_orca/qwen_math/gaokao2023en",
     "PRIME SFT ablation all_abla_numina_oly_orca", "gaokao2023en", None),
    ("project/eval-cgq-new/o1_results_1205/all_abla_numina_oly_orca/qwen_math/minerva_math",
     "PRIME SFT ablation all_abla_numina_oly_orca", "minerva_math", None),
]
GSM_PATH = "grade_school_math/data/example_model_solutions.jsonl"
GSM_MODELS = {"6b_finetuning": "GPT-3 6B fine-tuned", "6b_verification": "GPT-3 6B fine-tuned + verifier",
              "175b_finetuning": "GPT-3 175B fine-tuned", "175b_verification": "GPT-3 175B fine-tuned + verifier"}
GSM_SAMPLE = 600
TORA = {"tora-70b-v1.0": "ToRA-70B v1.0", "tora-code-34b-v1.0": "ToRA-Code-34B v1.0"}
TORA_PATH = "src/outputs/llm-agents/{}/gsm8k/test_tora_-1_seed0_t0.0_s0_e1319.jsonl"
TORA_SAMPLE = 150


def git(git_dir: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True, text=True).stdout


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main(repos: dict[str, str], out: str) -> None:
    rng = random.Random(19)
    rows = []
    g = repos["PRIME-RL/PRIME"]
    # The outputs' "gt" went through Qwen's strip_string, which mangles some answers ("a=2" -> "=2"): the olympiadbench
    # gold is taken from the data file the run read instead (same order), gaokao's from its "answer" field.
    olympiad = jsonl(git(g, "show", f"{PRIME_COMMIT}:{OLYMPIAD_DATA}"))
    for folder, model, bench, n in PRIME:
        path = f"{PRIME_ROOT}{folder}/{PRIME_FILE}"
        data = jsonl(git(g, "show", f"{PRIME_COMMIT}:{path}"))
        for r in (data if n is None else sorted(rng.sample(data, n), key=lambda r: r["idx"])):
            if bench == "gaokao2023en":
                gold = r["answer"].replace("$", "").strip()
            elif bench == "olympiadbench":
                assert olympiad[r["idx"]]["question"].strip() == r["question"].strip()
                gold = olympiad[r["idx"]]["final_answer"][0].replace("$", "").strip()
            else:
                gold = r["gt"]  # minerva_math: the solution's boxed answer, not normalised by Qwen's pipeline
            if not gold:
                continue  # a few gaokao rows have no answer to grade against
            tag = {"Qwen2.5-Math-7B-Instruct": "qwen", "Meta-Llama-3.1-8B-Instruct": "llama"}.get(model, "sft")
            rows.append(dict(id=f"prime-{tag}-{bench}-{r['idx']}", repo="PRIME-RL/PRIME", path=path, commit=PRIME_COMMIT,
                             model=model, benchmark=bench, form="boxed", gold=gold, completion=r["code"][0],
                             problem=r["question"], source_label=bool(r["score"][0])))
    g = repos["openai/grade-school-math"]
    commit = git(g, "log", "-1", "--format=%H", "--", GSM_PATH).strip()
    data = jsonl(git(g, "show", f"{commit}:{GSM_PATH}"))
    pairs = [(i, k) for i in range(len(data)) for k in GSM_MODELS]
    for i, k in sorted(rng.sample(pairs, GSM_SAMPLE)):
        r = data[i]
        gold = re.search(r"A: (.*)$", r["ground_truth"]).group(1).strip()
        rows.append(dict(id=f"gsm-{k}-{i}", repo="openai/grade-school-math", path=GSM_PATH, commit=commit,
                         model=GSM_MODELS[k], benchmark="gsm8k", form="free", gold=gold, completion=r[k]["solution"],
                         problem=r["question"], source_label=bool(r[k]["is_correct"])))
    g = repos["microsoft/ToRA"]
    for m, model in TORA.items():
        path = TORA_PATH.format(m)
        commit = git(g, "log", "-1", "--format=%H", "--", path).strip()
        data = jsonl(git(g, "show", f"{commit}:{path}"))
        for r in sorted(rng.sample(data, TORA_SAMPLE), key=lambda r: r["idx"]):
            rows.append(dict(id=f"tora-{m.split('-v')[0]}-{r['idx']}", repo="microsoft/ToRA", path=path, commit=commit,
                             model=model, benchmark="gsm8k", form="boxed", gold=r["gt"], completion=r["code"][0],
                             problem=r["question"], source_label=None))
    assert len({r["id"] for r in rows}) == len(rows)
    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(rows), "rows ->", out)


if __name__ == "__main__":
    main(dict(a.split("=", 1) for a in sys.argv[1:]), "rows.jsonl")
