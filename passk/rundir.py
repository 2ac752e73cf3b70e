"""The run directory: the one place that knows its layout, its locks, its manifest and the samples schema.

    RUN_DIR/
      manifest.json          settings (what the samples are), run_config, grading, history, throughput
      problems.jsonl         one row per problem: benchmark, problem_id, problem, gold, prompt (as rendered)
      samples/*.parquet      append-only parts of samples (schema below); *.jsonl parts are read too
      grades/*.parquet       one grade part per sample part, same stem
      entropy/*.parquet      one entropy part per sample part, same stem (`passk entropy`)
      broken/                parts that `passk check --repair` moved aside
      scores.json, scores.csv, passk.png, report.md, entropy.json, entropy.png, entropy.html
      .lock-*                flock files (released by the kernel when a process dies)

Samples schema (one row per sample; parts are never rewritten once renamed into place):
    benchmark str, problem_id str, sample_idx int, completion str,
    finish_reason str ("stop", "length", ...), num_tokens int, seed int (optional)

Invariants: each (benchmark, problem_id, sample_idx) is in exactly one sample part; each
grade or entropy part holds exactly the keys of its sample part. Parts are written to a
temporary name and renamed, so a crash leaves either the whole part or nothing.

One writer per problem: a generating process holds its shard's lock and a shared lock for
its shard count N; a process with another N (whose shards would cut the problems
differently) is refused while it runs, and so is a second process for the same shard.
Merging, repairing and --force hold the run exclusively. Grading holds its own lock, so two
graders never grade the same part.
"""

from __future__ import annotations

import fcntl
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from passk.errors import InputError, RunIntegrityError, RunLocked, StorageError
from passk.grade.rows import JUDGE_FIELDS
from passk.jsonl import atomic_path, read_json, read_jsonl, write_json_atomic, write_jsonl_atomic
from passk.provenance import library_versions
from passk.settings import GenerateSettings, GradingRecord

SAMPLE_FIELDS = ("benchmark", "problem_id", "sample_idx", "completion", "finish_reason", "num_tokens")
SAMPLE_SCHEMA = pa.schema([
    ("benchmark", pa.string()), ("problem_id", pa.string()), ("sample_idx", pa.int64()),
    ("completion", pa.string()), ("finish_reason", pa.string()), ("num_tokens", pa.int64()), ("seed", pa.int64()),
])
GRADE_SCHEMA = pa.schema([
    ("benchmark", pa.string()), ("problem_id", pa.string()), ("sample_idx", pa.int64()),
    ("status", pa.string()), ("correct", pa.bool_()), ("extracted", pa.string()), ("extract_rule", pa.string()),
    ("method", pa.string()), ("answer_key", pa.string()), ("num_tokens", pa.int64()),
    ("detail", pa.string()), ("grader", pa.string()), ("policy", pa.string()),  # why; what graded it
])
# a run graded with a judge (`--judge MODEL`) records it on every grade row; without one the parts stay as they were
JUDGED_GRADE_SCHEMA = pa.schema([*GRADE_SCHEMA, *(pa.field(name, pa.string()) for name in JUDGE_FIELDS)])
PROBLEM_FIELDS = ("benchmark", "problem_id", "gold")
PART_SUFFIXES = (".parquet", ".jsonl")
GRADING_KEYS = ("answer_form", "extract_fallbacks", "timeout_s")
# manifest.json's layout; 1 is every manifest written before the field existed (read the same way)
MANIFEST_SCHEMA = 2
Key = tuple[str, str, int]  # (benchmark, problem_id, sample_idx)


@dataclass
class Manifest:
    """manifest.json, typed. Each value is written once: sampling lives in `settings` only."""
    settings: GenerateSettings | None = None  # what the samples are (a resume or merge must match)
    run_config: dict[str, Any] = field(default_factory=dict)  # the other options of the last `passk run`
    grading: GradingRecord = GradingRecord()
    history: list[dict[str, Any]] = field(default_factory=list)  # one entry per command that wrote samples
    throughput: dict[str, dict[str, float]] = field(default_factory=dict)  # per shard tag
    created: str = ""
    merged_from: list[str] = field(default_factory=list)
    engine: dict[str, Any] = field(default_factory=dict)  # per shard tag: the engine as it described itself
    schema_version: int = MANIFEST_SCHEMA  # as read; a manifest is always written at MANIFEST_SCHEMA

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str) -> Manifest:
        schema = data.get("schema_version", 1)
        if not isinstance(schema, int) or schema > MANIFEST_SCHEMA:
            raise InputError(f"{where}: manifest schema_version {schema!r}; this passk reads up to {MANIFEST_SCHEMA} "
                             f"(a newer passk wrote it: upgrade passk)")
        try:
            grading = data.get("grading") or {}
            return cls(
                settings=GenerateSettings.from_dict(data["settings"]) if data.get("settings") else None,
                run_config=data.get("run_config") or {},
                grading=GradingRecord(**{**{k: v for k, v in grading.items() if k in GRADING_KEYS},
                                         "extract_fallbacks": tuple(grading.get("extract_fallbacks", ()))}),
                history=data.get("history") or [], throughput=data.get("throughput") or {},
                created=data.get("created", ""), merged_from=data.get("merged_from") or [],
                engine=data.get("engine") or {}, schema_version=schema)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"{where}: not a passk manifest ({type(exc).__name__}: {exc})") from None

    def to_json(self) -> dict[str, Any]:
        out = {"schema_version": MANIFEST_SCHEMA, **asdict(self)}
        out["schema_version"] = MANIFEST_SCHEMA
        out["settings"] = self.settings.as_dict() if self.settings else None
        return out

    @property
    def model_path(self) -> str | None:
        """The model the samples came from, as loaded (a local path where there was one)."""
        return self.run_config.get("model_path") or self.run_config.get("resolved", {}).get("model_path")

    def record_command(self) -> None:
        self.history.append({"command": sys.argv, "versions": library_versions(), "host": platform.node(),
                             "at": utc_now()})


def shard_tag(index: int, count: int) -> str:
    """`s{i}of{N}`: names shard i/N's sample parts, lock and manifest entries (throughput, engine)."""
    return f"s{index}of{count}"


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class RunDir:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    manifest_path = property(lambda self: self.path / "manifest.json")
    problems = property(lambda self: self.path / "problems.jsonl")
    samples_dir = property(lambda self: self.path / "samples")
    grades_dir = property(lambda self: self.path / "grades")
    entropy_dir = property(lambda self: self.path / "entropy")
    broken_dir = property(lambda self: self.path / "broken")
    scores_json = property(lambda self: self.path / "scores.json")
    scores_csv = property(lambda self: self.path / "scores.csv")
    plot_png = property(lambda self: self.path / "passk.png")
    report_md = property(lambda self: self.path / "report.md")
    # what --force deletes: everything made from the samples, and the samples
    DERIVED_DIRS = ("samples", "grades", "entropy", "broken")
    DERIVED_FILES = ("manifest.json", "scores.json", "scores.csv", "passk.png", "report.md",
                     "entropy.json", "entropy.png", "entropy.html")

    def require(self) -> RunDir:
        if not self.path.is_dir():
            raise InputError(f"{self.path}: not a run directory (it does not exist)")
        if not self.problems.is_file():
            raise InputError(f"{self.path}: no problems.jsonl (the golds); is this a passk run directory?")
        return self

    # ---- manifest ------------------------------------------------------------------------------------------
    def read_manifest(self) -> Manifest:
        if not self.manifest_path.is_file():
            return Manifest()
        data = read_json(self.manifest_path)
        if not isinstance(data, dict):
            raise InputError(f"{self.manifest_path}: not a passk manifest (a JSON object was expected)")
        return Manifest.from_json(data, str(self.manifest_path))

    def update_manifest(self, change: Callable[[Manifest], None]) -> Manifest:
        """Read, change and write the manifest under a lock: shards of one run share it."""
        with self._flock("manifest", fcntl.LOCK_EX):
            manifest = self.read_manifest()
            change(manifest)
            write_json_atomic(self.manifest_path, manifest.to_json())
        return manifest

    # ---- parts ---------------------------------------------------------------------------------------------
    def sample_parts(self) -> list[Path]:
        return _parts(self.samples_dir)

    def grade_parts(self) -> list[Path]:
        return _parts(self.grades_dir)

    def entropy_parts(self) -> list[Path]:
        return _parts(self.entropy_dir)

    def sample_part_path(self, tag: str, seq: int) -> Path:
        """Sample part number `seq` of the shard tagged `tag` (see `shard_tag`)."""
        return self.samples_dir / f"{tag}-{seq:06d}.parquet"

    def next_part_number(self, tag: str) -> int:
        """Parts are numbered per shard; a number is never reused while its part (or a moved-aside copy) exists."""
        names = [p.stem for p in self.sample_parts()]
        names += [p.name.split(".")[0] for p in (self.broken_dir / "samples").glob(f"{tag}-*")]
        numbers = [int(n[len(tag) + 1:]) for n in names if n.startswith(tag + "-") and n[len(tag) + 1:].isdigit()]
        return 1 + max(numbers, default=0)

    def shard_temporaries(self, tag: str) -> list[Path]:
        """Temporary sample parts of the shard `tag` that a killed process left (stale while its lock is held)."""
        return sorted(self.samples_dir.glob(f".{tag}-*.tmp-*")) if self.samples_dir.is_dir() else []

    def merged_part_path(self, source_part: Path) -> Path:
        """Where `passk merge` puts a sample part of another run directory: the same name under samples/."""
        return self.samples_dir / source_part.name

    def grade_part_for(self, sample_part: Path) -> Path:
        return self.grades_dir / (sample_part.stem + ".parquet")

    def entropy_part_for(self, sample_part: Path) -> Path:
        return self.entropy_dir / (sample_part.stem + ".parquet")

    def sample_keys(self) -> dict[Path, list[Key]]:
        """The (benchmark, problem_id, sample_idx) of every sample part, in any format the run accepts."""
        return {part: part_keys(part) for part in self.sample_parts()}

    def read_problems(self) -> dict[tuple[str, str], dict[str, Any]]:
        problems = {}
        for lineno, row in read_jsonl(self.problems):
            missing = [f for f in PROBLEM_FIELDS if f not in row]
            if missing:
                raise InputError(f"{self.problems}:{lineno}: missing field(s) {missing}")
            problems[(row["benchmark"], str(row["problem_id"]))] = row
        return problems

    def write_problems(self, rows: list[dict[str, Any]]) -> None:
        write_jsonl_atomic(self.problems, rows)

    def move_aside(self, part: Path, reason: str) -> Path:
        """Move a part under broken/ (keeping its folder name), so the next run regenerates or regrades it."""
        dest = self.broken_dir / part.parent.name / part.name
        if dest.exists():
            dest = dest.with_name(f"{part.name}.{int(time.time())}")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, dest)
            with open(dest.parent / "REASONS.txt", "a", encoding="utf-8") as fh:
                fh.write(f"{utc_now()} {part.name}: {reason}\n")
        except OSError as exc:
            raise StorageError(f"{part}: cannot move it to {dest} ({exc.strerror or exc})") from None
        return dest

    def reset(self) -> None:
        """--force: delete the samples and everything derived from them (held under `exclusive_lock`)."""
        try:
            for name in self.DERIVED_DIRS:
                if (self.path / name).exists():
                    shutil.rmtree(self.path / name)
            for name in self.DERIVED_FILES:
                (self.path / name).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot delete the old run ({exc.strerror or exc})") from None

    def stale_temporaries(self) -> list[Path]:
        """Temporary files left by killed processes (only stale while `exclusive_lock` is held)."""
        found = []
        for folder in (self.path, self.samples_dir, self.grades_dir, self.entropy_dir):
            if folder.is_dir():
                found += [p for p in folder.iterdir() if p.name.startswith(".") and ".tmp-" in p.name]
        return sorted(found)

    # ---- locks ---------------------------------------------------------------------------------------------
    @contextmanager
    def writer_lock(self, index: int, count: int) -> Iterator[None]:
        """Held while generating shard index/count: refuses the same shard, and any other shard count."""
        with self._claim(f"shards-{count}", fcntl.LOCK_SH, f"--shard {index}/{count}"):
            with self._try_lock(shard_tag(index, count), f"shard {index}/{count}"):
                yield

    @contextmanager
    def exclusive_lock(self, purpose: str) -> Iterator[None]:
        """Held while merging into, repairing or resetting the run: no generator may run meanwhile."""
        with self._claim("shards-all", fcntl.LOCK_EX, purpose):
            yield

    @contextmanager
    def task_lock(self, task: str) -> Iterator[None]:
        """One grader (or entropy pass) per run at a time; a second one waits, then finds the work done."""
        fh = self._open_lock(task)
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"passk: waiting for another process doing `{task}` on {self.path}", file=sys.stderr)
                fcntl.flock(fh, fcntl.LOCK_EX)
            yield
        finally:
            fh.close()

    @contextmanager
    def _claim(self, name: str, mode: int, holder: str) -> Iterator[None]:
        # Under a short guard lock: every other claim file must be free, then ours is taken.
        # Claims are only taken under the guard, so two claims never pass each other's check.
        with self._flock("guard", fcntl.LOCK_EX):
            for other in sorted(self.path.glob(".lock-shards-*")):
                if other.name == f".lock-{name}" and mode == fcntl.LOCK_SH:
                    continue  # shards of the same count share their claim
                try:
                    with self._flock(other.name[len(".lock-"):], fcntl.LOCK_EX | fcntl.LOCK_NB):
                        pass
                except BlockingIOError:
                    raise RunLocked(f"{self.path}: {_holder_of(self.path, other)}; {holder} must wait for it "
                                    f"(shards of one run must all use the same N)") from None
            own = self._open_lock(name)
            try:
                fcntl.flock(own, mode | fcntl.LOCK_NB)
            except BlockingIOError:
                own.close()
                raise RunLocked(f"{self.path}: {_holder_of(self.path, self.path / f'.lock-{name}')}; "
                                f"{holder} must wait for it") from None
            if mode == fcntl.LOCK_EX:
                _write_holder(own, holder)
        try:
            yield
        finally:
            own.close()  # closing the file releases the lock

    @contextmanager
    def _try_lock(self, name: str, holder: str) -> Iterator[None]:
        fh = self._open_lock(name)
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunLocked(f"{self.path}: {holder} is being written by another process "
                                f"({(self.path / f'.lock-{name}').read_text().strip()}); "
                                f"wait for it, or stop it first") from None
            _write_holder(fh, holder)
            yield
        finally:
            fh.close()

    @contextmanager
    def _flock(self, name: str, mode: int) -> Iterator[Any]:
        fh = self._open_lock(name)
        try:
            fcntl.flock(fh, mode)
            yield fh
        finally:
            fh.close()

    def _open_lock(self, name: str):
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            return open(self.path / f".lock-{name}", "a+")
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot write there ({exc.strerror or exc})") from None


def _write_holder(fh, holder: str) -> None:
    fh.seek(0)
    fh.truncate(0)
    fh.write(f"{holder}: pid {os.getpid()} on {platform.node()} since {utc_now()}")
    fh.flush()


def _holder_of(run: Path, claim: Path) -> str:
    """Who holds a claim file, from the holder lines the shard locks keep."""
    if claim.name == ".lock-shards-all":
        text = claim.read_text().strip()
        return f"another process holds it exclusively ({text or 'merge, repair or --force'})"
    count = claim.name.rsplit("-", 1)[1]
    holders = [p.read_text().strip() for p in sorted(run.glob(f".lock-s*of{count}")) if p.read_text().strip()]
    return f"another process is writing it with --shard i/{count} ({'; '.join(holders) or 'starting'})"


def _parts(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in PART_SUFFIXES and not p.name.startswith("."))


def _unreadable(path: Path, why: str) -> RunIntegrityError:
    run = path.parent.parent
    return RunIntegrityError(f"{path}: unreadable part ({why}); `passk check {run} --repair` moves it aside "
                             f"so the next run regenerates it")


def read_part_table(path: Path, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """The rows of one parquet part (page checksums verified where written), or RunIntegrityError."""
    try:
        return pq.read_table(path, columns=columns, page_checksum_verification=True).to_pylist()
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(path, str(exc).splitlines()[0][:200]) from None


def read_sample_part(path: Path) -> list[dict[str, Any]]:
    """All rows of one sample part, checked against the samples schema."""
    if path.suffix == ".parquet":
        numbered: Iterator[tuple[int, dict]] = enumerate(read_part_table(path), start=1)
    else:
        numbered = read_jsonl(path)
    out = []
    for lineno, row in numbered:
        missing = [f for f in SAMPLE_FIELDS if f not in row]
        if missing:
            raise InputError(f"{path}:{lineno}: sample row missing field(s) {missing}")
        if not isinstance(row["sample_idx"], int) or row["sample_idx"] < 0:
            raise InputError(f"{path}:{lineno}: sample_idx must be an integer >= 0, got {row['sample_idx']!r}")
        row["problem_id"] = str(row["problem_id"])
        out.append(row)
    return out


def part_keys(path: Path) -> list[Key]:
    """The (benchmark, problem_id, sample_idx) of each row of a sample, grade or entropy part."""
    if path.suffix == ".parquet":
        rows = read_part_table(path, ["benchmark", "problem_id", "sample_idx"])
    else:
        rows = read_sample_part(path)
    return [(r["benchmark"], str(r["problem_id"]), r["sample_idx"]) for r in rows]


def write_part(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    """Write a parquet part atomically (a temporary file renamed into place), with page checksums."""
    table = pa.Table.from_pylist([{name: row.get(name) for name in schema.names} for row in rows], schema=schema)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_page_checksum=True)


def read_grades(run: RunDir) -> list[dict[str, Any]]:
    return [row for part in run.grade_parts() for row in read_part_table(part)]
