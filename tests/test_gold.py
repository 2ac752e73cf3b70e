"""One gold normalization: a benchmark's gold and a pairs file's gold become the same answer string."""

import json

import numpy as np
import pytest
from conftest import write_jsonl

from passk import data
from passk.cli import main
from passk.errors import ConfigError, InputError
from passk.grade.gold import gold_answer


@pytest.mark.parametrize("raw, gold_format, gold", [
    (27.0, "number", "27"),  # AMC's JSON floats
    ("27.0", "number", "27"),
    (2.5, "plain", "2.5"),  # a number where the format says plain (a pairs file, a custom data file)
    (["$69$,$84$", "\\(7\\)"], "list", "69, 84, 7"),  # OlympiadBench: spans inside items
    ([1, 2], "plain", "1, 2"),  # not "[1, 2]", an interval
    ("So the answer is $\\boxed{\\frac{1}{2}}$.", "boxed_solution", "\\frac{1}{2}"),  # Minerva
    (" \x0crac{1}{2} ", "plain", "\\frac{1}{2}"),  # "\frac" in a non-raw string became a form feed
    (np.int64(5), "plain", "5"),  # a parquet column of integers (a verl or TRL dataset's ground truth)
    (np.float64(2.5), "plain", "2.5"),
])
def test_gold_formats(raw, gold_format, gold):
    assert gold_answer(raw, gold_format) == gold


@pytest.mark.parametrize("raw", [None, True, np.bool_(True), {"a": 1}, [], ["1", None]])
def test_what_is_not_an_answer_is_an_input_error(raw):
    with pytest.raises(InputError, match="row 3: field 'a' is .*; a gold is a string, a number or a list"):
        gold_answer(raw, "plain", "row 3: field 'a'")


def test_format_errors():
    with pytest.raises(InputError, match="has no \\\\boxed"):
        gold_answer("no box here", "boxed_solution")
    with pytest.raises(InputError, match="not a number"):
        gold_answer("twelve", "number")
    with pytest.raises(ConfigError, match="unknown gold format"):
        gold_answer("1", "latex")


def test_loading_and_pairs_read_a_gold_the_same_way(tmp_path):
    rows = [{"q": "a", "a": 27.0}, {"q": "b", "a": [1, 2]}, {"q": "c", "a": "\x0crac{1}{2}"}]
    path = write_jsonl(tmp_path / "bench.jsonl", rows)
    problems, _ = data.load_problems(data.custom_spec(str(path), "q", "a"), data_file=str(path))
    assert [p.gold for p in problems] == [gold_answer(r["a"]) for r in rows] == ["27", "1, 2", "\\frac{1}{2}"]
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [{"gold": r["a"], "completion": f"\\boxed{{{p.gold}}}"}
                                                   for r, p in zip(rows, problems, strict=True)])
    out = tmp_path / "graded.jsonl"
    assert main(["grade", "--pairs", str(pairs), "--quiet", "--out", str(out)]) == 0
    assert [json.loads(line)["correct"] for line in out.read_text().splitlines()] == [True, True, True]


def test_a_benchmark_row_without_an_answer_names_its_row_and_field(tmp_path):
    path = write_jsonl(tmp_path / "bench.jsonl", [{"q": "a", "a": "1"}, {"q": "b", "a": None}])
    with pytest.raises(InputError, match="row 1: field 'a' is None"):
        data.load_problems(data.custom_spec(str(path), "q", "a"), data_file=str(path))
    path = write_jsonl(tmp_path / "minerva.jsonl", [{"q": "a", "s": "It is 5."}])
    with pytest.raises(InputError, match="row 0: field 's' has no"):
        data.load_problems(data.custom_spec(str(path), "q", "s", gold_format="boxed_solution"), data_file=str(path))
