"""`passk seeds`: the mean over seeds with a t interval, against a direct computation."""

import json
import math

import numpy as np
import pytest
from conftest import make_graded_run
from scipy import stats

from passk.cli import main
from passk.errors import ConfigError
from passk.seeds import parse_arms


def test_mean_over_seeds_and_welch_difference_match_a_direct_computation(tmp_path):
    counts = {"base": [[4, 0, 2], [3, 1, 1]], "rl": [[4, 2, 4], [4, 3, 3], [4, 4, 1]]}
    dirs = {arm: [make_graded_run(tmp_path / f"{arm}{i}", c, 4).path for i, c in enumerate(runs)]
            for arm, runs in counts.items()}
    out = tmp_path / "seeds"
    args = ["seeds", "--arm", f"base={','.join(map(str, dirs['base']))}", "--arm", f"rl={','.join(map(str, dirs['rl']))}",
            "--k", "1,4", "--out", str(out)]
    assert main(args) == 0
    result = json.loads((out / "seeds.json").read_text())["benchmarks"]["toy"]
    pass1 = {arm: [np.mean(c) / 4 for c in runs] for arm, runs in counts.items()}  # pass@1 = mean c/n per run
    for arm, values in pass1.items():
        block = result["arms"][arm]["pass@k"]["1"]
        half = stats.t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1) / math.sqrt(len(values))
        assert block["mean"] == pytest.approx(np.mean(values))
        assert block["ci95"] == pytest.approx([max(np.mean(values) - half, 0), min(np.mean(values) + half, 1)])
        assert block["per_run"] == pytest.approx(values)
    diff = result["differences"]["rl - base"]["pass@k"]["1"]
    welch = stats.ttest_ind(pass1["rl"], pass1["base"], equal_var=False).confidence_interval(0.95)
    assert diff["mean"] == pytest.approx(np.mean(pass1["rl"]) - np.mean(pass1["base"]))
    assert diff["ci95"] == pytest.approx([max(welch.low, -1), min(welch.high, 1)])
    md = (out / "seeds.md").read_text()
    assert "### maj@k (cons@k)" in md and "| K | base | rl | rl − base |" in md
    assert (out / "seeds.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from passk.seeds import aggregate, curves, load_arms  # the figure draws what seeds.json holds
    panel = curves(aggregate(load_arms(args[2:5:2])))["toy (3 shared problems)"]
    assert [c.label for c in panel] == ["base (2 runs)", "rl (3 runs)"]
    assert panel[1].values[0] == pytest.approx(np.mean(pass1["rl"]))
    assert panel[1].band[0][0] == pytest.approx(result["arms"]["rl"]["pass@k"]["1"]["ci95"][0])


def test_arm_flags_are_checked():
    with pytest.raises(ConfigError, match="NAME=DIR"):
        parse_arms(["base"])
    with pytest.raises(ConfigError, match="given twice"):
        parse_arms(["a=x", "a=y"])


def test_against_a_single_run_the_interval_is_the_other_arms():
    from passk.seeds import over_seeds, welch

    start, arm = over_seeds([0.2]), over_seeds([0.5, 0.6, 0.7])
    d = welch(start, arm)
    half = stats.t.ppf(0.975, 2) * np.std([0.5, 0.6, 0.7], ddof=1) / math.sqrt(3)
    assert d.mean == pytest.approx(0.4) and d.low == pytest.approx(0.4 - half) and d.high == pytest.approx(0.4 + half)
    assert start.low is None and welch(start, over_seeds([0.3])).low is None
    assert over_seeds([0.0, 0.9]).low == 0.0  # clipped to the metric's range
