import json
from pathlib import Path

import pytest

from passk.rundir import SAMPLE_SCHEMA, RunDir, write_part


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
