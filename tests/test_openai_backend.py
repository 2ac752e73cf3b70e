"""The openai backend against a real vLLM OpenAI server of the embedded default, started here on loopback."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pyarrow.parquet as pq
import pytest

from passk.cli import main
from passk.rundir import SAMPLE_SCHEMA, RunDir, write_part

pytest.importorskip("vllm")
pytest.importorskip("openai")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python -m vllm.entrypoints.openai.api_server` (what `vllm serve` runs) on 127.0.0.1; yields (url, model)."""
    from passk.generate.default_model import ensure_default_model

    model = str(ensure_default_model())
    port = free_port()
    log = open(tmp_path_factory.mktemp("server") / "server.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", model,
                             "--host", "127.0.0.1", "--port", str(port), "--enforce-eager",
                             "--gpu-memory-utilization", "0.3", "--max-model-len", "2048"],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 420
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/v1/models", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"the vLLM server did not start:\n{log.read()[-3000:]}")
                time.sleep(1)
        yield f"{url}/v1", model
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def run_args(server, problems, out, *extra):
    url, model = server
    return ["run", "--data", str(problems), "--problem-field", "question", "--id-field", "id", "--model", model,
            "--backend", "openai", "--base-url", url, "--out", str(out), "--n", "4", "--max-tokens", "12",
            "--temperature", "1.0", "--block-size", "4", "--generate-only", "--quiet", *extra]


def rows_of(out):
    return sorted((r["problem_id"], r["sample_idx"], r["seed"], r["num_tokens"], r["completion"])
                  for part in RunDir(out).sample_parts() for r in pq.read_table(part).to_pylist())


@pytest.mark.slow
def test_openai_backend_fills_the_run_with_n_and_seed_per_request(server, tiny_problems, tmp_path):
    out = tmp_path / "run"
    assert main(run_args(server, tiny_problems, out, "--stop", "\n\n", "--top-k", "50",
                         "--sampling-options", '{"min_tokens": 2}')) == 0
    rows = rows_of(out)
    assert len(rows) == 20 and len({r[:2] for r in rows}) == 20  # exactly n per problem, none twice
    assert all(2 <= r[3] <= 12 for r in rows) and all("\n\n" not in r[4] for r in rows)
    by_problem = {}
    for pid, idx, seed, _, _ in rows:
        by_problem.setdefault(pid, {})[idx] = seed
    assert all(s[j] == s[0] + j for s in by_problem.values() for j in range(4))  # sample j: seed + j
    manifest = json.loads((out / "manifest.json").read_text())
    engine = manifest["engine"]["s0of1"]
    assert engine["vllm_server_version"] and engine["samples_per_request"] == "n"
    assert engine["served_model"]["id"] == server[1]
    sampling = manifest["settings"]["sampling"]
    assert sampling["stop"] == ["\n\n"] and sampling["top_k"] == 50 and sampling["options"] == {"min_tokens": 2}
    assert manifest["throughput"]["s0of1"]["samples"] == 20
    assert main(run_args(server, tiny_problems, out, "--stop", "\n\n", "--top-k", "50",
                         "--sampling-options", '{"min_tokens": 2}')) == 0
    assert rows_of(out) == rows  # nothing missing: nothing asked


@pytest.mark.slow
def test_lost_samples_are_asked_again_with_their_own_seeds_one_per_request(server, tiny_problems, tmp_path):
    out = tmp_path / "run"
    # one sample per request (any OpenAI server)
    assert main(run_args(server, tiny_problems, out, "--n-mode", "split")) == 0
    before = rows_of(out)
    assert len(before) == 20
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"]["s0of1"]["samples_per_request"] == "1"
    # lose non-consecutive samples, some inside one request: keep the others in one part
    kept = [r for part in RunDir(out).sample_parts() for r in pq.read_table(part).to_pylist()
            if (r["problem_id"], r["sample_idx"]) not in {("q0", 1), ("q0", 3), ("q2", 0), ("q4", 2)}]
    for part in RunDir(out).sample_parts():
        part.unlink()
    write_part(RunDir(out).samples_dir / "kept.parquet", kept, SAMPLE_SCHEMA)
    assert main(run_args(server, tiny_problems, out, "--n-mode", "split")) == 0
    after = rows_of(out)
    assert len(after) == 20 and {r[:3] for r in after} == {r[:3] for r in before}  # same samples, same seeds


@pytest.mark.slow
def test_misuse_is_one_line_before_anything_is_written(server, tiny_problems, tmp_path, capsys):
    url, model = server
    out = tmp_path / "run"
    assert main(run_args((url, "no-such-model"), tiny_problems, out)) == 2
    err = capsys.readouterr().err.strip()
    assert "no-such-model" in err and model in err and len(err.splitlines()) == 1
    closed = f"http://127.0.0.1:{free_port()}/v1"
    assert main(run_args((closed, model), tiny_problems, tmp_path / "closed")) == 2
    err = capsys.readouterr().err.strip()
    assert closed in err and len(err.splitlines()) == 1
    os.environ.pop("PASSK_TEST_NO_SUCH_KEY", None)
    assert main(run_args(server, tiny_problems, tmp_path / "key", "--api-key-env", "PASSK_TEST_NO_SUCH_KEY")) == 2
    assert "PASSK_TEST_NO_SUCH_KEY" in capsys.readouterr().err
    assert main(run_args(server, tiny_problems, tmp_path / "json", "--sampling-options", "{top_k: 3}")) == 2
    assert "--sampling-options" in capsys.readouterr().err
    for run in (out, tmp_path / "closed", tmp_path / "key"):
        assert not RunDir(run).sample_parts()
