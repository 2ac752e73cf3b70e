import json

import numpy as np

from conftest import make_graded_run
from passk.cli import main
from passk.compare import compare_runs, load_run


def binomial_run(path, p_correct, n, seed, settings=None):
    rng = np.random.default_rng(seed)
    return make_graded_run(path, rng.binomial(n, p_correct), n, settings=settings)


def test_finds_a_known_difference(tmp_path):
    rng = np.random.default_rng(0)
    p = rng.uniform(0.0, 0.3, 60)  # per-problem solve rates
    binomial_run(tmp_path / "base", p, 16, 1)
    binomial_run(tmp_path / "better", np.minimum(p + 0.3, 1), 16, 2)
    result = compare_runs([load_run(str(tmp_path / "base")), load_run(str(tmp_path / "better"))])
    diff = result.benchmarks["toy"].differences["better - base"]
    assert diff.pass_at_k[1].value > 0.2 and diff.pass_at_k[1].excludes_zero
    assert diff.mean_at_n.excludes_zero
    assert result.benchmarks["toy"].k == (1, 2, 4, 8, 16)


def test_interval_covers_zero_without_a_difference_in_most_seeds(tmp_path):
    rng = np.random.default_rng(1)
    p = rng.uniform(0.0, 0.5, 40)
    covered = 0
    for seed in range(10):
        a = binomial_run(tmp_path / f"a{seed}", p, 8, 100 + seed)
        b = binomial_run(tmp_path / f"b{seed}", p, 8, 200 + seed)
        result = compare_runs([load_run(str(a.path), "a"), load_run(str(b.path), "b")])
        covered += not result.benchmarks["toy"].differences["b - a"].pass_at_k[1].excludes_zero
    assert covered >= 8


def test_cli_outputs_solved_sets_and_settings_that_differ(tmp_path, capsys):
    make_graded_run(tmp_path / "a", [4, 0, 2, 0], 4, settings={"n": 4, "model": "base", "sampling": {"temperature": 0.6}})
    make_graded_run(tmp_path / "b", [4, 1, 0, 0], 8, settings={"n": 8, "model": "entropy", "sampling": {"temperature": 0.6}})
    out = tmp_path / "cmp"
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--labels", "base,entropy", "--out", str(out)]) == 0
    result = json.loads((out / "compare.json").read_text())
    toy = result["benchmarks"]["toy"]
    assert toy["k"] == [1, 2, 4]  # the smallest n is 4
    solved = toy["differences"]["entropy - base"]["solved_at_largest_k"]
    assert solved["only_base"] == ["p2"] and solved["only_entropy"] == ["p1"] and solved["both"] == 1
    assert set(result["settings_differ"]) == {"model", "n"}
    assert (out / "compare.png").stat().st_size > 1000 and "compare.png" in (out / "compare.md").read_text()
    assert "settings that differ: model, n" in capsys.readouterr().out


def test_compare_needs_two_runs(tmp_path, capsys):
    make_graded_run(tmp_path / "a", [1], 2)
    assert main(["compare", str(tmp_path / "a"), "--out", str(tmp_path / "c")]) == 2
    assert "at least two runs" in capsys.readouterr().err
