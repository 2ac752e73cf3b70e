"""Presets and the dry run, on a tiny model made here and benchmarks in a local mirror made here."""

import hashlib
import json
import re

import pytest

from passk import data, preset
from passk.cli import main
from passk.errors import ConfigError

PRESET = """description = "a tiny protocol"
source = "this test"
template = "plain"
temperature = 1.0
top_p = 1.0
max_tokens = 5
table_k = [1, 2, 4]

[[benchmarks]]
name = "toy_a"
label = "Toy A"
n = 4

[[benchmarks]]
name = "toy_b"
label = "Toy B"
n = 2
"""


@pytest.fixture
def tiny_registry(tmp_path, monkeypatch):
    """Two benchmark definitions, a preset over them, and a sha256-checked mirror with their problems."""
    definitions, presets, mirror = tmp_path / "benchmarks", tmp_path / "presets", tmp_path / "mirror"
    for folder in (definitions, presets, mirror):
        folder.mkdir()
    manifest = {}
    for name, count in (("toy_a", 3), ("toy_b", 2)):
        (definitions / f"{name}.toml").write_text(
            f'# {name}: sums\nname = "{name}"\nid_field = "id"\nproblem_field = "question"\nanswer_field = "answer"\n')
        rows = "".join(json.dumps({"id": f"{name}-{i}", "question": f"{i}+{i}=", "answer": str(2 * i)}) + "\n"
                       for i in range(count))
        (mirror / f"{name}.jsonl").write_text(rows)
        manifest[name] = {"file": f"{name}.jsonl", "sha256": hashlib.sha256(rows.encode()).hexdigest()}
    (mirror / "MANIFEST.json").write_text(json.dumps(manifest))
    (presets / "tiny.toml").write_text(PRESET)
    monkeypatch.setattr(data, "BENCHMARKS_DIR", definitions)
    monkeypatch.setattr(preset, "PRESETS_DIR", presets)
    return mirror


@pytest.mark.slow
def test_preset_runs_every_benchmark_and_writes_one_table(tiny_registry, tiny_model, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["run", "--preset", "tiny", "--model", str(tiny_model), "--backend", "hf", "--data-dir", str(tiny_registry),
            "--quiet"]
    assert main(args + ["--out", str(out)]) == 0
    for name, n, problems in (("toy_a", 4, 3), ("toy_b", 2, 2)):
        settings = json.loads((out / name / "manifest.json").read_text())["settings"]
        sampling = {k: settings["sampling"][k] for k in ("temperature", "top_p", "max_tokens")}
        assert settings["n"] == n and sampling == {"temperature": 1.0, "top_p": 1.0, "max_tokens": 5}
        assert settings["template"] == "plain" and len(settings["problem_ids"]) == problems
    report = (out / "report.md").read_text()
    assert report.startswith(f"# passk preset `tiny`: {tiny_model}\n")  # the model, from the run's manifest
    assert "| Pass@K (%) | Toy A | Toy B |" in report
    assert "| K = 4 |" in report and report.split("| K = 4 |")[1].split("\n")[0].strip().endswith("| - |")
    k1 = report.split("| K = 1 |")[1].split("\n")[0]  # each cell: the estimate and its interval, in percent
    assert all(re.fullmatch(r"\d+\.\d \[\d+\.\d, \d+\.\d\]", cell.strip()) for cell in k1.strip(" |").split("|"))
    assert "| problems x n | 3 x 4 | 2 x 2 |" in report and "Changed from the preset on the command line: nothing" in report
    summary = json.loads((out / "preset.json").read_text())
    assert set(summary["benchmarks"]) == {"toy_a", "toy_b"} and summary["preset"]["name"] == "tiny"
    # command-line changes are applied to every benchmark and listed; a resume generates nothing new
    assert main(args + ["--limit", "1", "--n", "2", "--out", str(tmp_path / "small")]) == 0
    small = (tmp_path / "small" / "report.md").read_text()
    assert "n = 2" in small and "limit = 1" in small and "| problems x n | 1 x 2 | 1 x 2 |" in small


def test_dry_run_prints_prompts_loads_no_model_and_refuses_past_the_context(tiny_registry, tiny_model, tmp_path,
                                                                               capsys, monkeypatch):
    import passk.pipeline

    monkeypatch.setattr(passk.pipeline, "make_backend", lambda *a, **k: pytest.fail("the dry run loaded a model"))
    out = tmp_path / "dry"
    args = ["run", "--benchmark", "toy_a", "--model", str(tiny_model), "--data-dir", str(tiny_registry),
            "--out", str(out), "--template", "plain", "--chat", "--dry-run"]
    assert main(args + ["--max-tokens", "500"]) == 0
    captured = capsys.readouterr()
    assert "----- toy_a problem toy_a-0 (gold '0')" in captured.out
    assert "<|user|>0+0=<|end|><|assistant|>" in captured.out and "3 problems x n 16" in captured.out
    assert "DOES NOT FIT" not in captured.out and not captured.err
    # past the context: the plan is printed, and the dry run refuses as the real run would (exit 2, one line)
    assert main(args + ["--max-tokens", "510"]) == 2
    captured = capsys.readouterr()
    assert "DOES NOT FIT" in captured.out
    assert captured.err.count("\n") == 1 and "exceeds the model's context of 512 tokens" in captured.err
    assert "lower --max-tokens to 505" in captured.err and "max_position_embeddings" in captured.err
    assert not out.exists()  # nothing written


def test_preset_dry_run_checks_every_benchmark_before_running(tiny_registry, tiny_model, tmp_path, capsys):
    import passk

    plans = passk.run(preset="tiny", out=str(tmp_path / "p"), model=str(tiny_model), data_dir=str(tiny_registry),
                      dry_run=True, progress=False)
    assert list(plans) == ["toy_a", "toy_b"] and all(p["fits"] and p["context"] == 512 for p in plans.values())
    with pytest.raises(ConfigError, match="toy_a: --max-tokens 1000 leaves no room.*; toy_b: --max-tokens 1000"):
        passk.run(preset="tiny", out=str(tmp_path / "p"), model=str(tiny_model), data_dir=str(tiny_registry),
                  max_tokens=1000, dry_run=True)
    assert not (tmp_path / "p").exists()


def test_preset_errors_name_the_file_and_key(tiny_registry, tmp_path):
    with pytest.raises(ConfigError, match="unknown preset 'nope'; available: tiny"):
        preset.get_preset("nope")
    (preset.PRESETS_DIR / "bad.toml").write_text(PRESET.replace('label = "Toy B"', 'label = "Toy B"\nk = [1]'))
    with pytest.raises(ConfigError, match=r"bad.toml \[\[benchmarks\]\] #2: unknown key\(s\) \['k'\]"):
        preset.get_preset("bad")
    (preset.PRESETS_DIR / "bad.toml").write_text(PRESET.replace('"toy_b"', '"toy_c"'))
    with pytest.raises(ConfigError, match="unknown benchmark 'toy_c'"):
        preset.get_preset("bad")
    assert main(["run", "--preset", "tiny", "--benchmark", "toy_a"]) == 2


def test_shipped_presets_load_and_name_real_benchmarks():
    for name in preset.available_presets():
        p = preset.get_preset(name)
        assert p.source and p.description and p.benchmarks
    entropy = preset.get_preset("entropy-adv")
    assert [(b.name, b.n) for b in entropy.benchmarks] == [("aime24", 256), ("aime25", 256), ("amc22_23", 128),
                                                          ("math500", 16)]
    assert (entropy.temperature, entropy.top_p) == (0.6, 0.95)


@pytest.mark.slow
def test_sharded_preset_then_one_report(tiny_registry, tiny_model, tmp_path, monkeypatch):
    out = tmp_path / "sharded"
    args = ["run", "--preset", "tiny", "--model", str(tiny_model), "--backend", "hf", "--data-dir", str(tiny_registry),
            "--out", str(out), "--quiet"]
    for shard in ("0/2", "1/2"):
        assert main(args + ["--shard", shard, "--generate-only"]) == 0
    assert not (out / "report.md").exists()
    import passk.pipeline

    monkeypatch.setattr(passk.pipeline, "make_backend", lambda *a, **k: pytest.fail("every sample was already there"))
    assert main(args) == 0
    assert "| problems x n | 3 x 4 | 2 x 2 |" in (out / "report.md").read_text()
