"""`passk run --ray` and `passk grade --ray` on a local Ray cluster started here: the guarantees of one process.

The cluster (2 CPUs) is started once for the module and always shut down; engine actors are the hf backend on
the tiny model, half a CPU each (the machine's cores are shared).
"""

import os
import signal
import subprocess
import sys
import time
from collections import deque

import pyarrow.parquet as pq
import pytest
from conftest import write_jsonl

from passk.cli import main
from passk.generate.ray_pool import chunk_size, take_chunk, unfinished
from passk.generate.requests import Request
from passk.generate.sampling import SamplingConfig
from passk.integrity import check_run
from passk.rundir import RunDir

ray = pytest.importorskip("ray")


def run_args(model, problems, out, *extra):
    return ["run", "--data", str(problems), "--problem-field", "question", "--id-field", "id", "--model", str(model),
            "--backend", "hf", "--out", str(out), "--n", "6", "--max-tokens", "6", "--temperature", "1.0",
            "--block-size", "2", "--batch-samples", "2", "--generate-only", "--quiet", *extra]


def ray_args(address):
    return ["--ray", address, "--ray-actors", "2", "--ray-cpus-per-actor", "0.5", "--ray-chunk-samples", "4"]


def samples_of(out):
    rows = [r for part in RunDir(out).sample_parts() for r in pq.read_table(part).to_pylist()]
    return sorted((r["problem_id"], r["sample_idx"], r["completion"], r["finish_reason"], r["num_tokens"], r["seed"])
                  for r in rows)


@pytest.fixture(scope="module")
def cluster():
    """A local Ray cluster of 2 CPUs on this machine; its address, for drivers in other processes."""
    context = ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", logging_level="ERROR",
                       log_to_driver=False)
    try:
        yield context.address_info["gcs_address"]
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def reference(tiny_model, tmp_path_factory):
    """The one-process run every Ray run must equal: 5 problems x 6 samples."""
    folder = tmp_path_factory.mktemp("reference")
    problems = write_jsonl(folder / "problems.jsonl", [{"id": f"q{i}", "question": f"What is {i} + {i}?",
                                                        "answer": str(2 * i)} for i in range(5)])
    assert main(run_args(tiny_model, problems, folder / "run")) == 0
    return problems, samples_of(folder / "run")


# ---- the queue, without a cluster --------------------------------------------------------------------------------

def _request(n, seed=100):
    return Request("p", n, seed, SamplingConfig())


def test_chunks_are_whole_blocks_and_shrink_as_the_queue_drains():
    assert chunk_size(10_000, 4, 1024) == 1024  # a long queue: the most
    assert chunk_size(800, 4, 1024) == 100  # near the end: a share, so actors finish together
    assert chunk_size(3, 8, 1024) == 1
    queue = deque((i, 0, _request(4)) for i in range(5))
    chunk = take_chunk(queue, 10)
    assert [b[0] for b in chunk] == [0, 1] and len(queue) == 3
    assert [b[0] for b in take_chunk(queue, 1)] == [2]  # at least one block, even above the size


def test_a_dead_actors_unreturned_samples_keep_their_seeds():
    block = (7, 4, _request(6, seed=100))  # request 7's samples 4..9, seeds 100..105
    lost = unfinished(block, {0, 3, 4})
    assert [(i, off, r.n, r.seed) for i, off, r in lost] == [(7, 5, 2, 101), (7, 9, 1, 105)]
    assert unfinished(block, set(range(6))) == []


def test_ray_flags_that_cannot_work_together_are_one_line_errors(tiny_model, tiny_problems, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(run_args(tiny_model, tiny_problems, out, "--ray", "--data-parallel", "2")) == 2
    assert main(run_args(tiny_model, tiny_problems, out, "--ray", "--ray-actors", "0")) == 2
    assert main(["grade", "--pairs", str(tiny_problems), "--ray"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and "--data-parallel" in errors[0] and "--ray-actors" in errors[1]
    assert not out.exists()  # refused before anything was written


# ---- on the cluster ---------------------------------------------------------------------------------------------

@pytest.fixture
def both_actors_ready(monkeypatch):
    """Generation starts when both engines have loaded (else the first could finish this tiny work alone)."""
    from passk.generate.ray_pool import RayPool

    describe = RayPool.describe
    monkeypatch.setattr(RayPool, "describe", lambda self: (self.wait_ready(every=True), describe(self))[1])


def test_two_actors_give_the_samples_of_one_process(cluster, tiny_model, reference, both_actors_ready, tmp_path):
    problems, expected = reference
    out = tmp_path / "run"
    assert main(run_args(tiny_model, problems, out, *ray_args(cluster))) == 0
    assert samples_of(out) == expected
    health = RunDir(out).read_manifest().throughput["ray"]
    assert health["samples"] == 30 and sorted(a["state"] for a in health["actors"]) == ["alive", "alive"]
    assert all(a["samples"] > 0 for a in health["actors"])  # both took blocks from the queue
    assert check_run(RunDir(out)).ok


def test_an_actor_killed_mid_run_has_its_blocks_redone_elsewhere(cluster, tiny_model, reference, tmp_path):
    """One actor is killed after the first samples come back; the run ends with exactly n per problem."""
    import passk.generate.ray_pool as ray_pool

    problems, expected = reference
    killed = []
    original = ray_pool.RayPool.stream

    def stream_then_kill(self, requests):
        for batch in original(self, requests):
            victim = next((a for a in self.actors if a.chunks and a.state == "alive"), None)
            if batch and victim and not killed:  # samples came back, and this actor holds more
                ray.kill(victim.handle)
                killed.append(victim.number)
            yield batch

    ray_pool.RayPool.stream = stream_then_kill
    try:
        out = tmp_path / "run"
        assert main(run_args(tiny_model, problems, out, *ray_args(cluster))) == 0
    finally:
        ray_pool.RayPool.stream = original
    assert killed
    assert samples_of(out) == expected  # exactly n per problem, nothing doubled, the same seeds and samples
    health = RunDir(out).read_manifest().throughput["ray"]
    states = [a["state"] for a in health["actors"]]
    assert states.count("dead") == 1 and len(states) == 3  # the dead one, its replacement, the other
    assert health["resubmitted_samples"] > 0
    assert check_run(RunDir(out)).ok


def test_driver_sigkilled_then_rerun_ends_with_exactly_n_and_no_duplicates(cluster, tiny_model, reference, tmp_path):
    problems, expected = reference
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "passk.cli", *run_args(tiny_model, problems, out, *ray_args(cluster))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and len(RunDir(out).sample_parts()) < 2:
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # still running: killed mid-run
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = samples_of(out)
    assert 0 < len(written) < len(expected)
    assert main(run_args(tiny_model, problems, out, *ray_args(cluster))) == 0
    assert samples_of(out) == expected
    assert check_run(RunDir(out)).ok


def test_grading_on_the_cluster_gives_the_verdicts_of_one_machine(cluster, make_run, tmp_path):
    golds_and_texts = {
        "a": ("\\frac{1}{2}", ["so \\boxed{0.5}", "\\boxed{1/2}", "\\boxed{\\frac12}", "no answer here"]),
        "b": ("3", ["\\boxed{3}", "x = 3 or x = 5 \\boxed{3 or 5}", "\\boxed{2+1}", "\\boxed{4}"]),
        "c": ("x^2", ["\\boxed{x\\cdot x}", "\\boxed{x^{2}}", "\\boxed{2x}", "\\boxed{"]),
    }
    run = make_run(golds_and_texts, parts=3)
    assert main(["grade", str(run.path), "--quiet"]) == 0
    local = grades_of(run)
    assert main(["grade", str(run.path), "--regrade", "--ray", cluster, "--quiet"]) == 0
    remote = grades_of(run)
    assert remote == local and len(remote) == 12
    assert {r["status"] for r in remote.values()} >= {"correct", "incorrect", "no_answer"}


def grades_of(run):
    return {(r["problem_id"], r["sample_idx"]): r for p in run.grade_parts() for r in pq.read_table(p).to_pylist()}
