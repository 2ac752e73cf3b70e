import time

import pytest

from passk.errors import ConfigError
from passk.grade import STATUSES, GradeConfig, Grader

SLOW = "slowpoke"  # an answer whose comparison spins until its CPU time runs out (patched in below)


@pytest.fixture(scope="module", autouse=True)
def a_comparison_that_never_ends():
    """How long sympy takes on a real expression varies from run to run; this one is certain to need more CPU
    than any limit. Workers are forked after the patch, so they inherit it."""
    from passk.grade import engine

    original = engine.symbolic_verdict

    def verdict(pred, gold, policy="strict"):
        while pred == SLOW:
            pass
        return original(pred, gold, policy)

    patch = pytest.MonkeyPatch()
    patch.setattr(engine, "symbolic_verdict", verdict)
    yield
    patch.undo()


@pytest.fixture(scope="module")
def grader():
    with Grader(GradeConfig(workers=2, timeout_s=1.0)) as g:
        yield g


def test_every_status_and_order(grader):
    completions = [r"\boxed{4}", r"\boxed{5}", "no answer here", r"\boxed{4}. Next, the", rf"\boxed{{{SLOW}}}",
                   r"\boxed{" + "9^{" * 3 + "9" + "}" * 3 + "}"]
    golds = ["4", "4", "4", "4", "1", "7"]
    finish = ["stop", "stop", "stop", "length", "stop", "stop"]
    verdicts = grader.grade(completions, golds, finish)
    assert [v.status for v in verdicts] == ["correct", "incorrect", "no_answer", "truncated", "timeout", "error"]
    assert verdicts[0].correct and not verdicts[3].correct  # truncated never counts, whatever its text
    assert verdicts[3].extracted == "4"
    assert verdicts[5].method == "refused"
    assert {v.status for v in verdicts} <= set(STATUSES)


def test_memoization_pays_once_per_distinct_answer(grader):
    before = dict(grader.counters)
    grader.grade([r"\boxed{\sqrt{2}/2}"] * 500 + [r"\boxed{\frac{\sqrt 2}{2}}"] * 500, [r"\frac{\sqrt{2}}{2}"] * 1000)
    assert grader.counters["symbolic"] - before["symbolic"] == 2


def test_hostile_inputs_all_get_a_status_quickly():
    hostile = ["2^" * 50 + "2", "9" * 1_000_000, "{" * 5000 + "1" + "}" * 5000, r"\frac{1}{0}", "1\x00 2",
               r"10^{10^{10^{10}}}", "(" * 3000, r"\sqrt{" * 2000, "x" * 100_000, r"\boxed{", "$" * 1000]
    completions = [rf"\boxed{{{h}}}" for h in hostile] * 10
    start = time.monotonic()
    with Grader(GradeConfig(workers=2, timeout_s=2.0)) as g:
        verdicts = g.grade(completions, ["1"] * len(completions))
    assert len(verdicts) == len(completions)
    assert all(v.status in STATUSES and not v.correct for v in verdicts)
    assert time.monotonic() - start < 60


def test_disk_cache_survives_between_graders(tmp_path):
    cache = str(tmp_path / "verdicts.sqlite")
    with Grader(GradeConfig(workers=1, cache_path=cache)) as g:
        first = g.grade([r"\boxed{\sqrt{8}}"], [r"2\sqrt{2}"])
        assert g.counters["symbolic"] == 1
    with Grader(GradeConfig(workers=1, cache_path=cache)) as g:
        second = g.grade([r"\boxed{\sqrt{8}}"], [r"2\sqrt{2}"])
        assert g.counters["cache_hits"] == 1 and g.counters["symbolic"] == 0
    assert first == second and first[0].correct


def test_bad_config_is_refused():
    with pytest.raises(ConfigError, match="timeout_s"):
        GradeConfig(timeout_s=0)
    with pytest.raises(ConfigError, match="policy"):
        GradeConfig(policy="generous")


def test_timeout_is_cpu_time_so_load_does_not_decide(tmp_path):
    """A comparison that needs more CPU than allowed times out on an idle and on a loaded machine alike,
    and one that needs less never times out because of load (the wall-clock backstop is generous)."""
    import multiprocessing

    slow = (rf"\boxed{{{SLOW}}}", "1")
    quick = (r"\boxed{\frac{\sqrt{8}}{2}}", r"\sqrt{2}")
    burners = [multiprocessing.Process(target=_burn, args=(8.0,)) for _ in range(4)]
    for b in burners:
        b.start()
    try:
        with Grader(GradeConfig(workers=2, timeout_s=1.0)) as g:
            loaded = g.grade([slow[0], quick[0]], [slow[1], quick[1]])
    finally:
        for b in burners:
            b.terminate()
    assert [v.status for v in loaded] == ["timeout", "correct"]
    assert "CPU" in loaded[0].detail


def _burn(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
