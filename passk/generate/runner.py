"""Fill a run directory with samples: resumable, shardable, never a lost or doubled sample.

Work is cut into requests of at most `block_size` samples of one problem, and every
pending request of the shard goes to the backend at once (no batch barrier): samples come
back as they finish and are written as atomic parquet parts every `part_samples` samples
or `part_seconds` seconds, so a SIGKILL loses at most the samples not yet written. On start
the runner reads which (problem, sample_idx) the run already holds, in every part format the
run accepts (parquet and JSONL), and asks only for the rest. Sample i of a problem has the seed
request_seed(run seed, benchmark, problem, block start) + (i - block start), so a resumed run asks
for exactly the samples, with exactly the seeds, of an uninterrupted run. Shards split problems
by index modulo N; the run directory's writer lock refuses a second process for the same shard,
and any process with another N.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from passk.data import Problem
from passk.errors import ConfigError, PasskError
from passk.generate.requests import Backend, Request
from passk.generate.sampling import stable_seed
from passk.rundir import SAMPLE_SCHEMA, Manifest, RunDir, shard_tag, utc_now, write_part
from passk.settings import SAMPLE_SETTINGS, GenerateSettings, describe_diff, settings_diff


class ResumeMismatch(PasskError):
    """The run directory was made with other settings; the message lists them."""


@dataclass(frozen=True)
class Shard:
    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            index, count = (int(x) for x in text.split("/"))
        except ValueError:
            raise ConfigError(f"--shard must look like i/N (for example 0/4), got {text!r}") from None
        if not 0 <= index < count:
            raise ConfigError(f"--shard {text}: need 0 <= i < N")
        return cls(index, count)

    @property
    def tag(self) -> str:
        return shard_tag(self.index, self.count)

    def take(self, problems: list[Problem]) -> list[Problem]:
        return [p for i, p in enumerate(problems) if i % self.count == self.index]


def request_seed(run_seed: int, benchmark: str, problem_id: str, first_index: int) -> int:
    return stable_seed(run_seed, benchmark, problem_id, first_index)


def model_fingerprint(model: str) -> str:
    """For a local checkpoint: a hash of its config and, per weight file, size and first and last 4 MiB
    (full hashes of 100 GB checkpoints would take minutes). For a hub id: the id itself."""
    path = Path(model)
    if not path.is_dir():
        return f"hub:{model}"
    digest = hashlib.sha256()
    for file in sorted(path.iterdir()):
        if file.suffix in (".json", ".safetensors", ".bin", ".model", ".gguf"):
            digest.update(f"{file.name}:{file.stat().st_size}".encode())
            with file.open("rb") as fh:
                digest.update(fh.read(4 << 20))
                if file.stat().st_size > 8 << 20:
                    fh.seek(-(4 << 20), os.SEEK_END)
                    digest.update(fh.read())
    return "sha256:" + digest.hexdigest()[:24]


def prepare_run(run: RunDir, settings: GenerateSettings, problems: list[Problem], prompts: dict[str, str],
                force: bool = False) -> None:
    """Create the run directory, or check that resuming it is valid (refusing with the differing keys)."""
    if force and run.manifest_path.exists():
        with run.exclusive_lock("--force"):
            run.reset()

    def create_or_resume(manifest: Manifest) -> None:
        if manifest.settings is None:
            manifest.settings, manifest.created = settings, utc_now()
        else:
            old = manifest.settings
            _refuse_other_settings(run, old, settings)
            # a smaller n never deletes samples; score with --k to look at fewer
            manifest.settings = replace(settings, n=max(settings.n, old.n))
        manifest.record_command()

    run.update_manifest(create_or_resume)
    run.write_problems([{"benchmark": p.benchmark, "problem_id": p.problem_id, "problem": p.problem, "gold": p.gold,
                         "prompt": prompts[p.problem_id]} for p in problems])


def check_resume(run: RunDir, settings: GenerateSettings) -> None:
    """The pre-flight's read-only look: a run directory that holds other samples is refused before anything is
    written (`prepare_run` checks again under the manifest lock)."""
    old = run.read_manifest().settings if run.manifest_path.is_file() else None
    if old is not None:
        _refuse_other_settings(run, old, settings)


def _refuse_other_settings(run: RunDir, old: GenerateSettings, settings: GenerateSettings) -> None:
    diff = settings_diff({"run has": old.as_dict(), "asked": settings.as_dict()}, SAMPLE_SETTINGS)
    if diff:
        raise ResumeMismatch(f"{run.path} was made with other settings:\n{describe_diff(diff)}\n"
                             f"Use the same settings to resume, another --out, or --force to start afresh "
                             f"(--force deletes the samples there).")


def existing_samples(run: RunDir) -> set[tuple[str, str, int]]:
    """Every (benchmark, problem_id, sample_idx) the run holds, from parts of every accepted format."""
    return {key for keys in run.sample_keys().values() for key in keys}


def plan_requests(problems: list[Problem], prompts: dict[str, str], settings: GenerateSettings,
                  present: set[tuple[str, str, int]]) -> list[tuple[Problem, int, Request]]:
    """(problem, first sample index, request) for every run of consecutive missing samples inside a block.

    Sample i of block [start, stop) has seed request_seed(..., start) + (i - start), whichever
    request asks for it: a fresh run asks for whole blocks, a resumed one for what is missing."""
    plan = []
    for problem in problems:
        for start in range(0, settings.n, settings.block_size):
            stop = min(start + settings.block_size, settings.n)
            block_seed = request_seed(settings.seed, problem.benchmark, problem.problem_id, start)
            missing = [i for i in range(start, stop) if (problem.benchmark, problem.problem_id, i) not in present]
            for first, count in _runs(missing):
                plan.append((problem, first, Request(prompts[problem.problem_id], count, block_seed + first - start,
                                                     settings.sampling)))
    return plan


def _runs(indices: list[int]) -> Iterator[tuple[int, int]]:
    """(first, length) of each run of consecutive integers in a sorted list."""
    first: int | None = None
    prev = 0  # the run's last integer, once there is a run
    for i in indices:
        if first is not None and i == prev + 1:
            prev = i
            continue
        if first is not None:
            yield first, prev - first + 1
        first = prev = i
    if first is not None:
        yield first, prev - first + 1


def pending_requests(run: RunDir, settings: GenerateSettings, problems: list[Problem], prompts: dict[str, str],
                     shard: Shard = Shard()) -> list[tuple[Problem, int, Request]]:
    return plan_requests(shard.take(problems), prompts, settings, existing_samples(run))


@dataclass(frozen=True)
class Job:
    """One run directory's part of a generation: its settings, problems and rendered prompts (by problem id)."""
    run: RunDir
    settings: GenerateSettings
    problems: list[Problem]
    prompts: dict[str, str]


def generate_samples(run: RunDir, backend: Backend, settings: GenerateSettings, problems: list[Problem],
                     prompts: dict[str, str], shard: Shard = Shard(), part_samples: int = 256,
                     progress: bool = True, part_seconds: float = 60.0) -> dict[str, float]:
    """Generate every missing sample of this shard's problems; returns throughput."""
    return generate_jobs([Job(run, settings, problems, prompts)], backend, shard, part_samples, progress,
                         part_seconds)[0]


def generate_jobs(jobs: list[Job], backend: Backend, shard: Shard = Shard(), part_samples: int = 256,
                  progress: bool = True, part_seconds: float = 60.0) -> list[dict[str, float]]:
    """Generate every missing sample of this shard of every job (benchmark); throughput per job.

    All pending requests of all jobs go to the backend at once, so no benchmark waits for another's
    long tail; finished samples are written to their run as a part every `part_samples` samples or
    `part_seconds` seconds, whichever comes first, and when generation stops for any reason (so an
    error loses nothing that came back)."""
    with ExitStack() as locks:
        for job in jobs:
            locks.enter_context(job.run.writer_lock(shard.index, shard.count))
            for stale in job.run.shard_temporaries(shard.tag):
                stale.unlink()  # a temporary part left by a killed process of this shard
        plan = [(k, item) for k, job in enumerate(jobs)
                for item in pending_requests(job.run, job.settings, job.problems, job.prompts, shard)]
        todo = sum(r.n for _, (_, _, r) in plan)
        writers = [_PartWriter(job.run, shard) for job in jobs]
        seen: set[tuple[int, int]] = set()
        start = time.perf_counter()
        names = ",".join(dict.fromkeys(job.settings.benchmark for job in jobs))
        bar = tqdm(total=todo, desc=f"generating {names} {shard.tag}", unit="sample", disable=not progress or not todo)
        try:
            for finished in backend.stream([r for _, (_, _, r) in plan]) if plan else ():
                for i, j, c in finished:
                    k, (problem, first, request) = plan[i]
                    if not 0 <= j < request.n or (i, j) in seen:
                        raise PasskError(f"backend {backend.name} returned sample {j} of a request of {request.n} "
                                         f"(problem {problem.problem_id}) twice or out of range")
                    seen.add((i, j))
                    writers[k].add({"benchmark": problem.benchmark, "problem_id": problem.problem_id,
                                    "sample_idx": first + j, "completion": c.text, "finish_reason": c.finish_reason,
                                    "num_tokens": c.num_tokens, "seed": request.seed + j})
                if finished:
                    bar.update(len(finished))
                    tokens = sum(w.tokens for w in writers)
                    bar.set_postfix_str(f"{tokens / (time.perf_counter() - start):,.0f} tok/s", refresh=False)
                for writer in writers:
                    if len(writer.rows) >= part_samples or (writer.rows and writer.age() >= part_seconds):
                        writer.write()
        finally:
            for writer in writers:  # whatever came back is whole samples: keep it, whatever stopped the loop
                writer.write()
            bar.close()
        if len(seen) != todo:
            raise PasskError(f"backend {backend.name} returned {len(seen)} of {todo} samples; "
                             f"run again to generate the rest")
        elapsed = time.perf_counter() - start
        figures = []
        for job, writer in zip(jobs, writers, strict=True):
            f: dict[str, Any] = {"samples": writer.samples, "tokens": writer.tokens, "seconds": round(elapsed, 3),
                 "samples_per_s": writer.samples / elapsed if elapsed and writer.samples else 0.0,
                 "tokens_per_s": writer.tokens / elapsed if elapsed and writer.samples else 0.0}
            if len(jobs) > 1:  # the engine's time was shared: its figures over every benchmark in flight
                f["in_flight_with"] = [j.settings.benchmark for j in jobs if j is not job]
                f["engine_tokens_per_s"] = sum(w.tokens for w in writers) / elapsed if elapsed else 0.0
            _record_throughput(job.run, shard, f)
            figures.append(f)
    return figures


class _PartWriter:
    """Buffers finished samples of one shard and writes them as numbered atomic parts."""

    def __init__(self, run: RunDir, shard: Shard):
        self.run, self.shard = run, shard
        self.rows: list[dict[str, Any]] = []
        self.samples = self.tokens = 0
        self.last_write = time.perf_counter()
        self.seq = run.next_part_number(shard.tag)

    def add(self, row: dict) -> None:
        self.rows.append(row)
        self.samples += 1
        self.tokens += row["num_tokens"]

    def age(self) -> float:
        return time.perf_counter() - self.last_write

    def write(self) -> None:
        if self.rows:
            write_part(self.run.sample_part_path(self.shard.tag, self.seq), self.rows, SAMPLE_SCHEMA)
            self.seq += 1
            self.rows = []
        self.last_write = time.perf_counter()


def _record_throughput(run: RunDir, shard: Shard, figures: dict[str, Any]) -> None:
    run.update_manifest(lambda m: m.throughput.__setitem__(shard.tag, figures))
