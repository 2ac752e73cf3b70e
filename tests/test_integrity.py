"""Run-directory integrity: one writer per problem, every part format counted, merges that never mix,
scores that refuse doubled or orphan samples, and `passk check` that finds and repairs."""

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_jsonl
from test_generate import run_args, samples_of

from passk.cli import main
from passk.errors import RunLocked
from passk.jsonl import write_json_atomic
from passk.rundir import SAMPLE_SCHEMA, RunDir, write_part

REPO = Path(__file__).resolve().parents[1]


def fake_run(path: Path, parts: dict[str, list[tuple[str, int]]], temperature: float = 1.0, n: int = 4,
             problems: int = 3) -> RunDir:
    """A run directory made by hand: parts {name: [(problem_id, sample_idx), ...]}, every completion correct."""
    run = RunDir(path)
    ids = [f"p{i}" for i in range(problems)]
    run.write_problems([{"benchmark": "toy", "problem_id": pid, "problem": "q", "gold": "1"} for pid in ids])
    settings = {"benchmark": "toy", "model": "m", "model_fingerprint": "hub:m", "backend": "hf", "template": "raw",
                "template_text": "{problem}", "sampling": {"temperature": temperature, "top_p": 1.0, "max_tokens": 8},
                "seed": 0, "block_size": n, "n": n, "problem_ids": ids, "dataset": {}}
    write_json_atomic(run.manifest_path, {"settings": settings})
    for name, keys in parts.items():
        write_part(run.samples_dir / name, [
            {"benchmark": "toy", "problem_id": pid, "sample_idx": i, "completion": r"\boxed{1}", "finish_reason": "stop",
             "num_tokens": 3, "seed": 0} for pid, i in keys], SAMPLE_SCHEMA)
    return run


def keys(problems, indices):
    return [(p, i) for p in problems for i in indices]


def read_only(path: Path):
    """Make a directory unwritable, for root too (chattr +i); returns the undo."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)
    path.chmod(0o555)
    return lambda: path.chmod(0o755)


# ---- one writer per problem ----------------------------------------------------------------------------------

def test_a_different_shard_count_or_the_same_shard_is_refused_while_a_writer_runs(tmp_path):
    run = RunDir(tmp_path)
    with run.writer_lock(0, 2):
        with run.writer_lock(1, 2):  # shards of the same count split the problems: both may write
            with pytest.raises(RunLocked, match=r"--shard i/2.*same N"):
                with run.writer_lock(0, 1):
                    pass
            with pytest.raises(RunLocked, match="shard 0/2 is being written"):
                with run.writer_lock(0, 2):
                    pass
            with pytest.raises(RunLocked, match="--shard i/2"):
                with run.exclusive_lock("passk merge"):
                    pass
    with run.exclusive_lock("passk merge"):
        with pytest.raises(RunLocked, match="exclusively"):
            with run.writer_lock(0, 1):
                pass
    with run.writer_lock(0, 1):  # everything released
        pass


# Each writer is a process that imports everything first, then runs `passk run` once per round when the
# test says go, so the two start within milliseconds of each other (not seconds of import time apart).
WRITER = """
import contextlib, io, json, sys, time
from pathlib import Path
import passk.pipeline, passk.generate.backends, torch, transformers
from passk.cli import main
sync, name, rounds = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
for r, args in enumerate(rounds):
    (sync / f"ready-{r}-{name}").touch()
    while not (sync / f"go-{r}").exists():
        time.sleep(0.001)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(args)
    # written then renamed: the test polls for the name, so it must never see the file half written
    (sync / f"done-{r}-{name}.tmp").write_text(json.dumps([code, err.getvalue()]))
    (sync / f"done-{r}-{name}.tmp").rename(sync / f"done-{r}-{name}")
"""


@pytest.mark.slow
def test_concurrent_overlapping_shards_never_double_a_sample(tiny_model, tiny_problems, tmp_path):
    rounds = 5
    common = ["--generate-only", "--n", "8", "--max-tokens", "12"]
    plans = {shard: [run_args(tiny_model, tiny_problems, tmp_path / f"round{r}", *common, "--shard", shard)
                     for r in range(rounds)] for shard in ("0/1", "0/2")}
    sync = tmp_path / "sync"
    sync.mkdir()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(sync), shard.replace("/", "of"), json.dumps(plan)],
                              cwd=REPO) for shard, plan in plans.items()]
    names = [shard.replace("/", "of") for shard in plans]
    refused = 0
    try:
        for r in range(rounds):
            _wait_for({sync / f"ready-{r}-{name}": p for name, p in zip(names, procs, strict=True)})
            (sync / f"go-{r}").touch()
            _wait_for({sync / f"done-{r}-{name}": p for name, p in zip(names, procs, strict=True)})
            for name in names:
                code, err = json.loads((sync / f"done-{r}-{name}").read_text())
                assert code in (0, 2) and "Traceback" not in err, err
                refused += code == 2 and "must wait" in err
            out = tmp_path / f"round{r}"
            rows = samples_of(out)
            assert len({(x[0], x[1]) for x in rows}) == len(rows), f"round {r}: a sample was written twice"
            assert main(run_args(tiny_model, tiny_problems, out, *common)) == 0  # the rest, unsharded
            rows = samples_of(out)
            assert len(rows) == 5 * 8 and len({(x[0], x[1]) for x in rows}) == 40
    finally:
        for p in procs:
            p.kill()
            p.wait()
    assert refused, "the two writers never overlapped, so this test proved nothing"


def _wait_for(files: dict, timeout=300):
    """Until every file exists; each file's writer process must live until it has written it."""
    import time

    deadline = time.monotonic() + timeout
    while not all(path.exists() for path in files):
        assert all(path.exists() or proc.poll() is None for path, proc in files.items()), "a writer process died"
        assert time.monotonic() < deadline, f"timed out waiting for {list(files)}"
        time.sleep(0.01)


# ---- every part format counts ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_jsonl_parts_count_on_resume_and_score(tiny_model, tiny_problems, tmp_path):
    out = tmp_path / "run"
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only")) == 0
    run = RunDir(out)
    parts = run.sample_parts()
    import pyarrow.parquet as pq

    moved = pq.read_table(parts[0]).to_pylist()
    write_jsonl(run.samples_dir / "external.jsonl", moved)
    parts[0].unlink()
    before = sorted(p.name for p in run.sample_parts())
    assert main(run_args(tiny_model, tiny_problems, out)) == 0
    assert sorted(p.name for p in run.sample_parts()) == before  # nothing regenerated
    scores = json.loads(run.scores_json.read_text())["benchmarks"]["problems"]
    assert scores["n_samples"] == 20 and all(p["n"] == 4 for p in scores["problems"])


# ---- merge --------------------------------------------------------------------------------------------------

def test_merge_checks_the_targets_settings_too(tmp_path, capsys):
    fake_run(tmp_path / "target", {"s0of1-000001.parquet": keys(["p0"], range(4))}, temperature=0.5)
    fake_run(tmp_path / "src", {"s1of2-000001.parquet": keys(["p1"], range(4))}, temperature=1.0)
    assert main(["merge", str(tmp_path / "target"), str(tmp_path / "src")]) == 2
    err = capsys.readouterr().err
    assert "sampling" in err and "(target)" in err
    assert [p.name for p in RunDir(tmp_path / "target").sample_parts()] == ["s0of1-000001.parquet"]


def test_merge_refuses_overlap_and_same_named_parts_that_differ(tmp_path, capsys):
    fake_run(tmp_path / "half", {"s0of2-000001.parquet": keys(["p0", "p2"], range(4))})
    fake_run(tmp_path / "whole", {"s0of1-000001.parquet": keys(["p0", "p1", "p2"], range(4))})
    assert main(["merge", str(tmp_path / "m"), str(tmp_path / "half"), str(tmp_path / "whole")]) == 2
    assert "overlaps" in capsys.readouterr().err and not (tmp_path / "m" / "samples").exists()
    fake_run(tmp_path / "other", {"s0of2-000001.parquet": keys(["p0"], range(4))})
    assert main(["merge", str(tmp_path / "m"), str(tmp_path / "half"), str(tmp_path / "other")]) == 2
    assert "share a name but not their content" in capsys.readouterr().err


def test_merge_of_shards_is_complete_and_merging_again_adds_nothing(tmp_path, capsys):
    fake_run(tmp_path / "a", {"s0of2-000001.parquet": keys(["p0", "p2"], range(4))})
    fake_run(tmp_path / "b", {"s1of2-000001.parquet": keys(["p1"], range(4))})
    for expected in (2, 0):
        assert main(["merge", str(tmp_path / "m"), str(tmp_path / "a"), str(tmp_path / "b")]) == 0
        assert f"merged {expected} sample parts" in capsys.readouterr().out
    merged = RunDir(tmp_path / "m")
    assert main(["grade", str(merged.path), "--quiet"]) == 0 and main(["score", str(merged.path)]) == 0
    assert json.loads(merged.scores_json.read_text())["benchmarks"]["toy"]["n_samples"] == 12
    assert merged.read_manifest().merged_from == [str(tmp_path / "a"), str(tmp_path / "b")]


# ---- score and check -----------------------------------------------------------------------------------------

def test_score_refuses_doubled_samples_and_check_repairs_them(tmp_path, capsys):
    run = fake_run(tmp_path / "run", {"a.parquet": keys(["p0", "p1", "p2"], range(4)),
                                      "b.parquet": keys(["p1"], range(2))})
    assert main(["grade", str(run.path), "--quiet"]) == 2  # grades every part, then names the doubles
    assert "graded twice" in capsys.readouterr().err and len(run.grade_parts()) == 2
    assert main(["score", str(run.path)]) == 2
    err = capsys.readouterr().err
    assert "graded twice" in err and f"passk check {run.path}" in err
    assert main(["check", str(run.path)]) == 1
    assert "samples also in a.parquet" in capsys.readouterr().out
    assert main(["check", str(run.path), "--repair"]) == 0
    assert sorted(p.name for p in (run.broken_dir / "samples").iterdir()) == ["REASONS.txt", "b.parquet"]
    assert main(["check", str(run.path)]) == 0 and main(["score", str(run.path)]) == 0


def test_score_refuses_grades_whose_samples_are_gone_or_truncated(tmp_path, capsys):
    run = fake_run(tmp_path / "run", {"a.parquet": keys(["p0"], range(4)), "b.parquet": keys(["p1", "p2"], range(4))})
    assert main(["grade", str(run.path), "--quiet"]) == 0
    write_part(run.samples_dir / "b.parquet", [], SAMPLE_SCHEMA)  # "truncated" after grading
    assert main(["grade", str(run.path), "--quiet"]) == 2  # not "nothing new to grade"
    assert "b.parquet: 8 rows do not match the 0 samples" in capsys.readouterr().err
    assert main(["score", str(run.path)]) == 2
    assert "do not match the 0 samples" in capsys.readouterr().err
    (run.samples_dir / "b.parquet").unlink()
    assert main(["score", str(run.path)]) == 2
    assert "no sample part of that name" in capsys.readouterr().err
    assert main(["check", str(run.path), "--repair"]) == 0
    assert main(["score", str(run.path)]) == 0
    assert "2 samples" not in capsys.readouterr().err


@pytest.mark.slow
def test_a_bit_flipped_part_is_named_on_resume_and_repair_lets_the_run_regenerate_it(tiny_model, tiny_problems,
                                                                                      tmp_path, capsys):
    out = tmp_path / "run"
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only")) == 0
    reference = samples_of(out)
    part = RunDir(out).sample_parts()[3]
    blob = bytearray(part.read_bytes())
    for offset in range(40, len(blob) - 40, 97):
        blob[offset] ^= 0x55
    part.write_bytes(bytes(blob))
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only")) == 2
    err = capsys.readouterr().err
    assert f"{part}: unreadable part" in err and "--repair" in err and "Traceback" not in err
    assert main(["check", str(out), "--repair"]) == 0
    assert (RunDir(out).broken_dir / "samples" / part.name).exists()
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only")) == 0
    assert samples_of(out) == reference  # regenerated exactly, with the same seeds
    capsys.readouterr()
    assert main(["check", str(out)]) == 0
    assert "no sample twice" in capsys.readouterr().out


# ---- --force resets everything derived (issue 10's regression) ---------------------------------------------------

@pytest.mark.slow
def test_force_deletes_the_entropies_so_passk_entropy_never_pairs_old_with_new(tiny_model, tiny_problems, tmp_path):
    from passk.analysis.run_entropies import compute_entropies, read_entropies

    out = tmp_path / "run"
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only")) == 0
    run = RunDir(out)
    assert compute_entropies(run, progress=False) == 20
    assert main(run_args(tiny_model, tiny_problems, out, "--generate-only", "--temperature", "0.7", "--force")) == 0
    assert compute_entropies(run, progress=False) == 20  # before the fix: 0, the old entropies were kept
    completions = {(r[0], r[1]): r[2] for r in samples_of(out)}
    for row in read_entropies(run):
        assert len(row["token_start"]) == len(completions[(row["problem_id"], row["sample_idx"])])  # one char each
    assert main(["check", str(out)]) == 0


# ---- resource faults ------------------------------------------------------------------------------------------

def _graded_fake_run(path: Path) -> RunDir:
    run = fake_run(path, {"a.parquet": keys(["p0", "p1", "p2"], range(4))})
    assert main(["grade", str(run.path), "--quiet"]) == 0
    return run


def test_a_read_only_run_directory_is_one_line_and_loses_nothing(tmp_path, capsys):
    run = _graded_fake_run(tmp_path / "run")
    undo = read_only(run.path)
    try:
        assert main(["score", str(run.path)]) == 2
    finally:
        undo()
    err = capsys.readouterr().err
    assert "scores.json: cannot write" in err and "Traceback" not in err
    assert not run.stale_temporaries() and len(run.grade_parts()) == 1


def _passk(args, limit_bytes=None, close_stdout=False):
    def limit():
        if limit_bytes:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    proc = subprocess.Popen([sys.executable, "-m", "passk.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=limit, cwd=REPO, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    if close_stdout:
        proc.stdout.close()
        err = proc.stderr.read()
        return proc.wait(timeout=120), "", err.decode()
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out.decode(), err.decode()


def test_a_file_size_limit_leaves_no_temporary_file(tmp_path):
    run = _graded_fake_run(tmp_path / "run")
    code, _, err = _passk(["score", str(run.path)], limit_bytes=1000)  # scores.json is larger
    assert code == 2 and "scores.json: cannot write (File too large)" in err and "Traceback" not in err
    assert not run.stale_temporaries() and not run.scores_json.exists()


def test_a_closed_pipe_ends_quietly(tmp_path):
    run = _graded_fake_run(tmp_path / "run")
    code, _, err = _passk(["score", str(run.path)], close_stdout=True)  # `passk score RUN | head -0`
    assert code == 2 and "Traceback" not in err and "BrokenPipe" not in err
    assert run.scores_json.exists()


# ---- graders and analyses ------------------------------------------------------------------------------------

def test_a_second_grader_waits_for_the_first_then_finds_nothing_to_grade(tmp_path, capsys):
    import threading

    run = fake_run(tmp_path / "run", {"a.parquet": keys(["p0", "p1", "p2"], range(4))})
    codes = []
    with run.task_lock("grade"):  # the first grader
        second = threading.Thread(target=lambda: codes.append(main(["grade", str(run.path), "--quiet"])))
        second.start()
        second.join(timeout=2)
        assert second.is_alive(), "the second grader should wait"
        from passk.grade import GradeConfig
        from passk.grade.run_grades import grade_run

        grade_run(run, GradeConfig(), progress=False)
    second.join(timeout=60)
    captured = capsys.readouterr()
    assert codes == [0] and "nothing new to grade" in captured.out and "waiting for another process" in captured.err


def test_a_greedy_run_is_not_analysed_at_an_invented_temperature(tmp_path):
    from passk.analysis.run_entropies import run_temperature
    from passk.errors import ConfigError

    run = fake_run(tmp_path / "run", {}, temperature=0.0)
    with pytest.raises(ConfigError, match="sampled greedily"):
        run_temperature(run, None)
    assert run_temperature(run, 1.0) == 1.0
    assert run_temperature(fake_run(tmp_path / "warm", {}, temperature=0.6), None) == 0.6


def test_check_says_a_run_has_no_manifest_and_fails_on_a_malformed_one(make_run, capsys):
    from passk.cli import main

    run = make_run({"p1": ("4", ["\\boxed{4}"])})  # samples imported from elsewhere: no manifest.json
    assert main(["check", str(run.path)]) == 0
    assert "no manifest.json: samples imported from elsewhere are welcome" in capsys.readouterr().out
    run.manifest_path.write_text('{"settings": {"benchmark": 3}}')
    assert main(["check", str(run.path)]) == 1
    assert "malformed manifest" in capsys.readouterr().out


def test_manifests_carry_a_schema_version_and_old_ones_still_read(make_run):
    from passk.errors import InputError
    from passk.rundir import MANIFEST_SCHEMA

    run = make_run({"p1": ("4", ["\\boxed{4}"])})
    run.manifest_path.write_text(json.dumps({"grading": {"answer_form": "answer_line", "timeout_s": 2}}))  # before
    assert run.read_manifest().grading.answer_form == "answer_line" and run.read_manifest().schema_version == 1
    run.update_manifest(lambda m: None)
    assert json.loads(run.manifest_path.read_text())["schema_version"] == MANIFEST_SCHEMA
    run.manifest_path.write_text(json.dumps({"schema_version": MANIFEST_SCHEMA + 1}))
    with pytest.raises(InputError, match="a newer passk wrote it"):
        run.read_manifest()
