"""Several benchmarks on one engine load, and --data-parallel, through the hf backend on the tiny model."""

import json
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import write_jsonl

from passk import pipeline as run_module
from passk.cli import main
from passk.errors import ConfigError
from passk.resolve import resolve_run
from passk.rundir import RunDir

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


def samples_of(out):
    return sorted((r["benchmark"], r["problem_id"], r["sample_idx"], r["completion"], r["seed"])
                  for part in RunDir(out).sample_parts() for r in pq.read_table(part).to_pylist())


@pytest.fixture
def count_engine_loads(monkeypatch):
    loads = []
    real = run_module.make_backend

    def counting(*args, **kwargs):
        loads.append(args[:2])
        return real(*args, **kwargs)

    monkeypatch.setattr(run_module, "make_backend", counting)
    return loads


def test_run_benchmarks_loads_the_engine_once_for_all(tiny_model, tmp_path, count_engine_loads):
    files = [write_jsonl(tmp_path / f"{name}.jsonl", [{"question": f"{name} {i}?", "answer": str(i)} for i in range(k)])
             for name, k in (("alpha", 3), ("beta", 2))]
    configs = [resolve_run(dict(data=str(f), out=str(tmp_path / "runs" / f.stem), problem_field="question",
                                model=str(tiny_model), backend="hf", n=3, max_tokens=5, temperature=1.0, block_size=2,
                                template="raw")).configs[0] for f in files]
    results = run_module.run_benchmarks(configs, progress=False, summary_dir=str(tmp_path / "runs"))
    assert len(count_engine_loads) == 1
    assert [list(r.benchmarks) for r in results] == [["alpha"], ["beta"]]
    assert len(samples_of(tmp_path / "runs" / "alpha")) == 9 and len(samples_of(tmp_path / "runs" / "beta")) == 6
    report = (tmp_path / "runs" / "report.md").read_text()
    assert "## alpha" in report and "## beta" in report and (tmp_path / "runs" / "passk.png").is_file()
    # everything there: no engine at all the second time
    run_module.run_benchmarks(configs, progress=False)
    assert len(count_engine_loads) == 1
    with pytest.raises(ConfigError, match="share"):
        run_module.run_benchmarks([configs[0], replace(configs[1], seed=1, backend="vllm")])


@pytest.mark.skipif(not MIRROR.is_dir(), reason="no local benchmark mirror")
def test_benchmark_list_on_the_command_line(tiny_model, tmp_path, count_engine_loads):
    out = tmp_path / "protocol"
    # problems short enough for the tiny model's 512 positions (longer prompts are refused before generating)
    assert main(["run", "--benchmark", "math500,math500_level1", "--data-dir", str(MIRROR), "--problems",
                 "test/prealgebra/1747.json,test/algebra/722.json", "--n", "2",
                 "--max-tokens", "4", "--template", "raw", "--model", str(tiny_model), "--backend", "hf",
                 "--out", str(out), "--quiet"]) == 0
    assert len(count_engine_loads) == 1
    for name in ("math500", "math500_level1"):
        assert {r[0] for r in samples_of(out / name)} == {name} and len(samples_of(out / name)) == 4
        assert json.loads((out / name / "scores.json").read_text())["benchmarks"][name]["n_problems"] == 2
    assert "## math500" in (out / "report.md").read_text()


def test_data_parallel_fills_one_run_like_a_single_process(tiny_model, tiny_problems, tmp_path):
    args = ["run", "--data", str(tiny_problems), "--problem-field", "question", "--id-field", "id", "--model",
            str(tiny_model), "--backend", "hf", "--n", "4", "--max-tokens", "6", "--temperature", "1.0",
            "--block-size", "2", "--template", "raw", "--generate-only", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--out", str(tmp_path / "dp"), "--data-parallel", "2"]) == 0
    assert samples_of(tmp_path / "dp") == samples_of(tmp_path / "one")  # same samples, same seeds, none twice
    manifest = json.loads((tmp_path / "dp" / "manifest.json").read_text())
    assert manifest["throughput"]["s0of2"]["samples"] == 12 and manifest["throughput"]["s1of2"]["samples"] == 8
    assert main([*args, "--out", str(tmp_path / "dp"), "--data-parallel", "2", "--shard", "0/2"]) == 2
