import importlib.util
import json
from pathlib import Path

import pytest

from passk.rundir import SAMPLE_SCHEMA, RunDir, write_part

# verl pins transformers < 5.11 and lives in its own environment (.venv-verl, see install.sh); the main suite
# does not collect its test rather than report it skipped: `.ci/run` runs it there.
collect_ignore = [] if importlib.util.find_spec("verl") else ["test_verl_plugin.py", "test_verl_e2e.py"]

MODEL_FIXTURES = {"tiny_model", "digit_model"}  # tests that build and run a model are slow; `make test-fast` skips them


def pytest_collection_modifyitems(items):
    for item in items:
        if MODEL_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def make_run(tmp_path):
    """A run directory with given golds and completions: {problem_id: (gold, [completions])}."""
    def make(problems: dict, benchmark: str = "toy", parts: int = 1, finish_reason: str = "stop") -> RunDir:
        run = RunDir(tmp_path / "run")
        run.write_problems([{"benchmark": benchmark, "problem_id": pid, "problem": f"q{pid}", "gold": gold}
                            for pid, (gold, _) in problems.items()])
        rows = [{"benchmark": benchmark, "problem_id": pid, "sample_idx": i, "completion": text,
                 "finish_reason": finish_reason, "num_tokens": len(text)}
                for pid, (_, texts) in problems.items() for i, text in enumerate(texts)]
        size = -(-len(rows) // parts)
        for p in range(parts):
            write_part(run.samples_dir / f"part-{p:05d}.parquet", rows[p * size:(p + 1) * size], SAMPLE_SCHEMA)
        return run
    return make


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


DEFAULT_CHARS = "0123456789+-*/=()[]{}\\$.,:;!? abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n"


def build_tiny_model(path: Path, chars: str = DEFAULT_CHARS, seed: int = 0) -> Path:
    """A randomly initialized Llama with a character-level tokenizer, both made here (no hub)."""
    from trainers.tiny import build_char_model

    return build_char_model(path, chars, seed=seed)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
def tiny_problems(tmp_path) -> Path:
    return write_jsonl(tmp_path / "problems.jsonl",
                       [{"id": f"q{i}", "question": f"What is {i} + {i}?", "answer": str(2 * i)} for i in range(5)])


def make_graded_run(path: Path, correct_counts, n: int, benchmark: str = "toy", settings: dict | None = None):
    """A graded run directory: problem i has correct_counts[i] correct samples of n (the completions are stand-ins)."""
    from passk.jsonl import write_json_atomic
    from passk.rundir import GRADE_SCHEMA, SAMPLE_SCHEMA

    run = RunDir(path)
    run.write_problems([{"benchmark": benchmark, "problem_id": f"p{i}", "problem": "q", "gold": "1"}
                        for i in range(len(correct_counts))])
    rows = []
    for i, c in enumerate(correct_counts):
        for j in range(n):
            ok = j < c
            rows.append({"benchmark": benchmark, "problem_id": f"p{i}", "sample_idx": j, "status": "correct" if ok else "incorrect",
                         "correct": ok, "extracted": "1" if ok else str(j), "extract_rule": "boxed", "method": "quick",
                         "answer_key": "<equivalent to gold>" if ok else f"w{j % 3}", "num_tokens": 100})
    write_part(run.grades_dir / "part.parquet", rows, GRADE_SCHEMA)
    write_part(run.samples_dir / "part.parquet", [{**r, "completion": r["extracted"], "finish_reason": "stop"}
                                                  for r in rows], SAMPLE_SCHEMA)
    full = {"benchmark": benchmark, "model": "m", "model_fingerprint": "hub:m", "backend": "hf", "template": "raw",
            "template_text": "{problem}", "sampling": {}, "seed": 0, "block_size": n, "n": n,
            "problem_ids": [f"p{i}" for i in range(len(correct_counts))], "dataset": {}}
    write_json_atomic(run.manifest_path, {"settings": {**full, **(settings or {})}})
    return run
