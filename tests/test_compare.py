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


def test_partial_comparison_warns_on_stderr_and_in_the_report_and_strict_refuses(tmp_path, capsys):
    make_graded_run(tmp_path / "a", [4, 0, 2, 0, 1], 4)
    make_graded_run(tmp_path / "b", [4, 1, 0], 8)  # p3, p4 are not in b
    out = tmp_path / "cmp"
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--k", "1,2,4,8", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "a has 2 problems not in every run; compared on the 3 shared" in err
    assert "K 8 exceed the smallest number of samples per problem (4)" in err
    md = (out / "compare.md").read_text()
    assert "## Warnings" in md and "compared on the 3 shared" in md
    assert json.loads((out / "compare.json").read_text())["warnings"]
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--strict", "--out", str(tmp_path / "c2")]) == 2
    assert "the comparison is partial (--strict)" in capsys.readouterr().err
    assert not (tmp_path / "c2").exists()


def test_report_has_full_labels_every_metric_difference_latex_and_frontier(tmp_path):
    rng = np.random.default_rng(5)
    p = rng.uniform(0, 0.5, 12)
    binomial_run(tmp_path / "a", p, 8, 1)
    binomial_run(tmp_path / "b", np.minimum(p + 0.3, 1), 8, 2)
    out = tmp_path / "cmp"
    labels = "grpo-baseline-seed0-with-a-long-name,grpo-baseline-seed1-with-a-long-name"
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--labels", labels, "--out", str(out)]) == 0
    md = (out / "compare.md").read_text()
    first, other = labels.split(",")
    assert f"| K | {first} | {other} | {other} − {first} |" in md  # full labels, a markdown table
    assert "```" not in md and max(len(line) for line in md.splitlines() if line.startswith("|")) < 300
    for title in ("pass@k", "maj@k (cons@k)", "pass^k", "G-Pass@k τ=0.25", "G-Pass@k τ=1.0", "mG-Pass@k"):
        assert f"### {title}" in md
    assert "truncated (hit the token budget)" in md and "## Answer" in md and "does not overtake it up to K = 8" in md
    compared = json.loads((out / "compare.json").read_text())["benchmarks"]["toy"]
    diff = compared["differences"][f"{other} - {first}"]["metrics"]
    assert set(diff) == {"pass@k", "maj@k", "pass^k", "g-pass@k_0.25", "g-pass@k_0.5", "g-pass@k_0.75",
                         "g-pass@k_1.0", "mg-pass@k"}
    starred = [d for by_k in diff.values() for d in by_k.values() if d["excludes_zero"]]
    assert ("†" in md) == bool(starred)  # the footnote's mark is used when, and only when, something is marked
    tex = (out / "compare.tex").read_text()
    assert tex.count("\\toprule") == 8 and "\\bottomrule" in tex and "grpo-baseline-seed1-with-a-long-name" in tex
    rows = [json.loads(line) for line in (out / "frontier.jsonl").read_text().splitlines()]
    rates = compared["problems"]["pass_rate"]
    for row in rows:
        i = compared["problems"]["ids"].index(row["problem_id"])
        assert row["pass_rate"] == {first: rates[first][i], other: rates[other][i]}
        assert any(0 < r < 1 for r in row["pass_rate"].values()) or row["solved_only_by"]
    expected = sum(any(0 < rates[label][i] < 1 for label in rates) or ((rates[first][i] > 0) != (rates[other][i] > 0))
                   for i in range(12))
    assert len(rows) == expected
    assert (out / f"coverage-toy-{other}.png").stat().st_size > 1000


def test_coverage_categories_and_crossing_point_against_a_direct_computation(tmp_path):
    from fractions import Fraction
    from math import comb

    # the base solves many problems rarely; the trained run solves few problems often: it leads at K = 1
    # and the base overtakes it at some K
    base_c = [2] * 8 + [0] * 4
    trained_c = [16] * 3 + [0] * 9
    make_graded_run(tmp_path / "base", base_c, 16)
    make_graded_run(tmp_path / "rl", trained_c, 16)
    result = compare_runs([load_run(str(tmp_path / "base")), load_run(str(tmp_path / "rl"))])
    d = result.benchmarks["toy"].differences["rl - base"]

    def curve(cs, k):
        return sum(1 - Fraction(comb(16 - c, k), comb(16, k)) for c in cs) / len(cs)
    first = next(k for k in range(1, 17) if curve(trained_c, k) < curve(base_c, k))
    assert curve(trained_c, 1) > curve(base_c, 1)
    assert d.crossing.k == first and d.crossing.leads_at_1
    assert d.crossing.low <= first and (d.crossing.high is None or d.crossing.high >= first)
    s = d.solved_at_largest_k  # at K = 16: some sample correct
    assert (s.both, len(s.only_first), len(s.only_other), s.neither) == (3, 5, 0, 4)
