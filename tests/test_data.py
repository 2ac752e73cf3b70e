import json
from pathlib import Path

import pytest
from conftest import write_jsonl

from passk import data
from passk.errors import ConfigError, InputError
from passk.prompts import BOXED_INSTRUCTION, get_template

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
EXPECTED = {"math500": 500, "aime24": 30, "aime25": 30, "amc23": 40, "amc22_23": 83, "math": 5000, "minerva": 272,
            "olympiadbench": 675}


@pytest.mark.skipif(not MIRROR.is_dir(), reason="no local benchmark mirror")
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_benchmark_loads_from_the_mirror(name):
    problems, source = data.load_problems(data.get_spec(name), MIRROR)
    assert len(problems) == EXPECTED[name]
    assert all(p.problem and p.gold for p in problems)
    assert source["sha256"]


@pytest.mark.skipif(not MIRROR.is_dir(), reason="no local benchmark mirror")
def test_gold_normalization_per_benchmark():
    amc, _ = data.load_problems(data.get_spec("amc23"), MIRROR)
    assert amc[0].gold == "27"  # JSON 27.0
    olympiad, _ = data.load_problems(data.get_spec("olympiadbench"), MIRROR)
    assert all("$" not in p.gold for p in olympiad[:50])
    math, _ = data.load_problems(data.get_spec("math"), MIRROR)
    assert not math[0].problem.endswith("\\boxed{}.")  # verl's instruction suffix is stripped
    aime25, _ = data.load_problems(data.get_spec("aime25"), MIRROR)
    assert [p.problem_id for p in aime25[:2]] == ["0", "1"]


def test_sha256_mismatch_is_a_clear_error(tmp_path):
    (tmp_path / "toy").mkdir()
    write_jsonl(tmp_path / "toy" / "test.jsonl", [{"problem": "1+1", "answer": "2"}])
    (tmp_path / "MANIFEST.json").write_text(json.dumps({"math500": {"file": "toy/test.jsonl", "sha256": "0" * 64}}))
    with pytest.raises(InputError, match="does not match"):
        data.load_problems(data.get_spec("math500"), tmp_path)


def test_custom_data_file_and_missing_field(tmp_path):
    path = write_jsonl(tmp_path / "mine.jsonl", [{"q": "1+1?", "a": 2}, {"q": "2+2?", "a": 4}])
    problems, _ = data.load_problems(data.custom_spec(str(path), "q", "a"), data_file=str(path))
    assert [(p.problem_id, p.gold) for p in problems] == [("0", "2"), ("1", "4")]
    with pytest.raises(InputError, match="no field 'answer'"):
        data.load_problems(data.custom_spec(str(path), "q", "answer"), data_file=str(path))


def test_unknown_benchmark_and_unknown_key(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="unknown benchmark 'nope'"):
        data.get_spec("nope")
    monkeypatch.setattr(data, "BENCHMARKS_DIR", tmp_path)
    (tmp_path / "bad.toml").write_text('name = "bad"\nproblem_field = "p"\nanswer_field = "a"\ntemprature = 0.6\n')
    with pytest.raises(ConfigError, match="unknown key.*temprature"):
        data.get_spec("bad")


def test_select_limit_and_ids():
    problems = [data.Problem("b", str(i), "q", "1") for i in range(5)]
    assert [p.problem_id for p in data.select(problems, limit=2)] == ["0", "1"]
    assert [p.problem_id for p in data.select(problems, ids=["3", "1"])] == ["3", "1"]
    with pytest.raises(ConfigError, match="unknown id"):
        data.select(problems, ids=["9"])


def test_templates(tiny_model, tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    boxed = get_template("qwen-boxed").render("What is 1+1?", tokenizer)
    assert boxed.startswith("<|user|>What is 1+1?") and BOXED_INSTRUCTION in boxed and boxed.endswith("<|assistant|>")
    assert get_template("raw").render("Q", None) == "Q\n" + BOXED_INSTRUCTION + "\n"
    assert "Answer: $Answer" in get_template("dapo").render("Q", tokenizer)
    custom = tmp_path / "t.txt"
    custom.write_text("Solve: {problem}")
    assert "Solve: Q" in get_template(str(custom)).render("Q", tokenizer)
    custom.write_text("no placeholder")
    with pytest.raises(ConfigError, match="placeholder"):
        get_template(str(custom))
