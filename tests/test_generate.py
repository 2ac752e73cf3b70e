"""Generation through the hf backend on a tiny model made here; resume, refusal, shards, locks."""

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from passk.cli import main
from passk.errors import RunLocked
from passk.generate.runner import Shard
from passk.rundir import RunDir


def run_args(model, problems, out, *extra):
    """A small hf run; a flag in `extra` replaces the same flag here (a flag given twice is an error)."""
    base = {"--data": str(problems), "--problem-field": "question", "--id-field": "id", "--model": str(model),
            "--backend": "hf", "--out": str(out), "--n": "4", "--max-tokens": "6", "--temperature": "1.0",
            "--block-size": "2", "--batch-samples": "2"}
    return ["run", *(a for flag, value in base.items() if flag not in extra for a in (flag, value)), "--quiet",
            *extra]


def samples_of(out):
    rows = []
    for part in RunDir(out).sample_parts():
        rows.extend(pq.read_table(part).to_pylist())
    return sorted((r["problem_id"], r["sample_idx"], r["completion"], r["seed"]) for r in rows)


def test_run_end_to_end_with_the_hf_backend(tiny_model, tiny_problems, tmp_path):
    out = tmp_path / "run"
    assert main(run_args(tiny_model, tiny_problems, out)) == 0
    rows = samples_of(out)
    assert len(rows) == 5 * 4 and len({(r[0], r[1]) for r in rows}) == 20
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["backend"] == "hf"
    assert "{problem}" in manifest["settings"]["template_text"]
    assert manifest["history"][0]["versions"]["torch"]
    assert manifest["throughput"]["s0of1"]["samples"] == 20
    assert manifest["run_config"]["definition"]["problem_field"] == "question"
    assert json.dumps(manifest).count('"temperature"') == 1  # each value written once: in settings.sampling
    assert manifest["grading"]["timeout_s"] == 5.0
    scores = json.loads((out / "scores.json").read_text())
    assert scores["benchmarks"]["problems"]["n_problems"] == 5
    assert (out / "report.md").read_text().startswith("# passk report")
    # the same command again generates nothing and keeps every sample
    assert main(run_args(tiny_model, tiny_problems, out)) == 0
    assert samples_of(out) == rows


def test_sigkill_mid_run_then_resume_gives_exactly_the_uninterrupted_samples(tiny_model, tiny_problems, tmp_path):
    reference = tmp_path / "reference"
    assert main(run_args(tiny_model, tiny_problems, reference, "--generate-only")) == 0
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "passk.cli", *run_args(tiny_model, tiny_problems, out, "--generate-only")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "samples").glob("*.parquet"))) < 3:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    parts_before = len(list((out / "samples").glob("*.parquet")))
    assert 3 <= parts_before < 10, "the run should have been killed part-way"
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only")) == 0
    rows = samples_of(out)
    assert len(rows) == 20 and len({(r[0], r[1]) for r in rows}) == 20  # exactly n per problem, none twice
    assert rows == samples_of(reference)  # deterministic backend: identical to the uninterrupted run


def test_changed_setting_is_refused_with_the_keys_and_force_starts_afresh(tiny_model, tiny_problems, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only")) == 0
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only", "--temperature", "0.7")) == 2
    err = capsys.readouterr().err
    assert "sampling.temperature: run has 1.0, asked 0.7" in err and "--force" in err  # the key, both values
    assert len(samples_of(out)) == 20  # nothing lost
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only", "--temperature", "0.7", "--force")) == 0
    assert len(samples_of(out)) == 20


def test_n_may_grow_on_resume_and_keeps_the_first_samples(tiny_model, tiny_problems, tmp_path):
    out = tmp_path / "run"
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only")) == 0
    first = samples_of(out)
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only", "--n", "6")) == 0
    grown = samples_of(out)
    assert len(grown) == 30 and set(first) <= set(grown)


def test_shards_fill_one_run_and_merge_equals_the_unsharded_run(tiny_model, tiny_problems, tmp_path):
    whole = tmp_path / "whole"
    assert main(run_args(tiny_model, tiny_problems, whole, "--generate-only")) == 0
    for i in range(2):
        assert main(run_args(tiny_model, tiny_problems, tmp_path / f"shard{i}", "--generate-only", "--shard", f"{i}/2")) == 0
    assert len(samples_of(tmp_path / "shard0")) == 12 and len(samples_of(tmp_path / "shard1")) == 8
    merged = tmp_path / "merged"
    assert main(["merge", str(merged), str(tmp_path / "shard0"), str(tmp_path / "shard1")]) == 0
    assert samples_of(merged) == samples_of(whole)
    assert main(["grade", str(merged), "--quiet"]) == 0 and main(["score", str(merged)]) == 0


def test_a_second_writer_of_the_same_shard_is_refused(tmp_path):
    run = RunDir(tmp_path)
    with run.writer_lock(0, 1):
        with pytest.raises(RunLocked, match="another process"):
            with run.writer_lock(0, 1):
                pass


def test_bad_shard_spec():
    from passk.errors import ConfigError

    with pytest.raises(ConfigError, match="i/N"):
        Shard.parse("2")
    with pytest.raises(ConfigError, match="0 <= i < N"):
        Shard.parse("3/2")
