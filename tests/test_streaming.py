"""The runner's streaming loop: parts on a count or a clock, and nothing a backend returns is lost or doubled.

A scripted backend (passk's own Backend protocol, no model) makes the timing and the faults exact."""

import time

import pyarrow.parquet as pq
import pytest

from passk.data import Problem
from passk.errors import PasskError
from passk.generate.backends import Completion
from passk.generate.runner import (
    GenerateSettings,
    Job,
    generate_jobs,
    generate_samples,
    plan_requests,
    prepare_run,
    request_seed,
)
from passk.generate.sampling import SamplingConfig
from passk.rundir import RunDir

PROBLEMS = [Problem("toy", f"p{i}", f"question {i}", str(i)) for i in range(3)]
PROMPTS = {p.problem_id: p.problem for p in PROBLEMS}


class Scripted:
    """Yields the samples of every request one at a time, with a pause, then whatever `tail` says."""
    name = "scripted"

    def __init__(self, pause=0.0, tail=()):
        self.pause, self.tail, self.seen = pause, tail, []

    def stream(self, requests):
        self.calls = getattr(self, "calls", 0) + 1
        self.seen = list(requests)
        for i, r in enumerate(requests):
            for j in range(r.n):
                time.sleep(self.pause)
                yield [(i, j, Completion(f"{r.prompt} #{r.seed + j}", 2, "stop"))]
        yield from self.tail


def settings(n=4, block=4):
    return GenerateSettings("toy", "m", "f", "scripted", "raw", "{problem}", SamplingConfig(), 7, block, n,
                            tuple(PROMPTS))


def rows(run):
    return sorted((r["problem_id"], r["sample_idx"], r["seed"], r["completion"])
                  for part in run.sample_parts() for r in pq.read_table(part).to_pylist())


def start(tmp_path, s):
    run = RunDir(tmp_path / "run")
    prepare_run(run, s, PROBLEMS, PROMPTS)
    return run


def test_parts_are_written_every_so_many_samples_or_seconds(tmp_path):
    s = settings()
    run = start(tmp_path, s)
    generate_samples(run, Scripted(), s, PROBLEMS, PROMPTS, part_samples=5, progress=False)
    assert [pq.read_metadata(p).num_rows for p in run.sample_parts()] == [5, 5, 2]
    clocked = RunDir(tmp_path / "clocked")
    prepare_run(clocked, s, PROBLEMS, PROMPTS)
    generate_samples(clocked, Scripted(pause=0.03), s, PROBLEMS, PROMPTS, part_samples=1000, progress=False,
                     part_seconds=0.05)
    assert len(clocked.sample_parts()) >= 4  # the clock, not the count, cut them
    assert rows(clocked) == rows(run)


def test_sample_seeds_follow_the_block_whichever_request_asks(tmp_path):
    s = settings(n=6, block=4)
    present = {("toy", "p0", 1), ("toy", "p0", 2), ("toy", "p1", 0)}
    plan = plan_requests(PROBLEMS, PROMPTS, s, present)
    asked = {(p.problem_id, first + j): r.seed + j for p, first, r in plan for j in range(r.n)}
    assert len(asked) == 3 * 6 - 3 and not set(asked) & {(pid, i) for _, pid, i in present}
    for (pid, i), seed in asked.items():
        assert seed == request_seed(7, "toy", pid, i // 4 * 4) + i % 4
    assert [(p.problem_id, first, r.n) for p, first, r in plan][:3] == [("p0", 0, 1), ("p0", 3, 1), ("p0", 4, 2)]


def test_a_backend_that_doubles_or_drops_samples_is_caught_and_what_came_back_is_kept(tmp_path):
    s = settings()
    run = start(tmp_path, s)
    twice = Scripted(tail=[[(0, 0, Completion("again", 1, "stop"))]])
    with pytest.raises(PasskError, match="twice"):
        generate_samples(run, twice, s, PROBLEMS, PROMPTS, part_samples=1000, progress=False)
    assert len(rows(run)) == 12  # every sample before the fault was written

    class Short(Scripted):
        def stream(self, requests):
            for batch in super().stream(requests):
                yield [x for x in batch if x[:2] != (1, 3)]

    short = RunDir(tmp_path / "short")
    prepare_run(short, s, PROBLEMS, PROMPTS)
    with pytest.raises(PasskError, match="11 of 12"):
        generate_samples(short, Short(), s, PROBLEMS, PROMPTS, progress=False)
    assert len(rows(short)) == 11
    generate_samples(short, Scripted(), s, PROBLEMS, PROMPTS, progress=False)  # the rerun asks for the one missing
    assert rows(short) == rows(run)


def test_several_runs_share_one_stream_and_each_sample_lands_in_its_own_run(tmp_path):
    import json
    from dataclasses import replace

    alpha, beta = settings(), replace(settings(n=2), benchmark="beta", sampling=SamplingConfig(max_tokens=9))
    beta_problems = [replace(p, benchmark="beta") for p in PROBLEMS[:2]]
    jobs = [Job(RunDir(tmp_path / "alpha"), alpha, PROBLEMS, PROMPTS),
            Job(RunDir(tmp_path / "beta"), beta, beta_problems, PROMPTS)]
    for job in jobs:
        prepare_run(job.run, job.settings, job.problems, job.prompts)
    backend = Scripted()
    figures = generate_jobs(jobs, backend, progress=False)
    assert backend.calls == 1 and len(backend.seen) == 3 + 2  # every request of both benchmarks in flight at once
    assert {r.sampling.max_tokens for r in backend.seen} == {4096, 9}  # each with its own benchmark's sampling
    assert len(rows(jobs[0].run)) == 12 and len(rows(jobs[1].run)) == 4
    assert {r["benchmark"] for p in jobs[1].run.sample_parts() for r in pq.read_table(p).to_pylist()} == {"beta"}
    assert [f["samples"] for f in figures] == [12, 4] and figures[1]["in_flight_with"] == ["toy"]
    assert json.loads(jobs[1].run.manifest_path.read_text())["throughput"]["s0of1"]["samples"] == 4
