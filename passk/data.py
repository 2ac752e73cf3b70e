"""Benchmarks are data: one TOML file each in passk/benchmarks/, one registry that loads them.

Problems load through `datasets`: from the hub by default, or from a local mirror laid
out like ../shared/benchmarks (a MANIFEST.json naming each benchmark's file, format and
sha256) when PASSK_DATA_DIR or --data-dir points at one. Any JSONL/JSON/parquet file
works too, through `custom_spec`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import re
import socket
import tomllib
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk.config import from_dict
from passk.errors import ConfigError, InputError
from passk.generate.sampling import SamplingConfig
from passk.grade.gold import GOLD_FORMATS, gold_answer
from passk.jsonl import read_json, read_jsonl
from passk.settings import check_k

BENCHMARKS_DIR = Path(__file__).resolve().parent / "benchmarks"  # package data: found by any install
REVISION = "revision"  # the key of a problem set's record that names its revision
CUSTOM_FIELDS = ("problem_field", "answer_field", "id_field")  # what --data reads (custom_spec's defaults)


@dataclass(frozen=True)
class BenchmarkSpec:
    name: str
    problem_field: str
    answer_field: str
    id_field: str = ""  # "": the row index is the id
    hub_path: str = ""
    hub_split: str = "test"
    hub_config: str = ""
    mirror: str = ""  # the entry in a local mirror's MANIFEST.json (default: name)
    where: dict = dataclasses.field(default_factory=dict)  # keep rows whose fields equal these values
    problem_strip_suffix: str = ""
    gold_format: str = "plain"
    template: str = "qwen-boxed"
    # the sampling a definition may set; left out, SamplingConfig's defaults (written there once)
    temperature: float = SamplingConfig.temperature
    top_p: float = SamplingConfig.top_p
    max_tokens: int = SamplingConfig.max_tokens
    n: int = 16
    k: tuple[int, ...] = (1, 2, 4, 8, 16)

    def __post_init__(self):
        object.__setattr__(self, "k", tuple(self.k))
        problems = [f"gold_format {self.gold_format!r} is not one of {GOLD_FORMATS}"] * (self.gold_format not in GOLD_FORMATS)
        problems += [f"n must be >= 1, got {self.n}"] * (self.n < 1)
        problems += [f"where must map field names to values, got {self.where!r}"] * any(
            isinstance(v, (dict, list)) for v in self.where.values())
        try:  # sampling and K are checked where they are for every run: SamplingConfig and check_k
            SamplingConfig(temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_tokens)
            if not problems:
                check_k(self.k, self.n, flag="k")
        except ConfigError as exc:
            problems.append(str(exc))
        if problems:
            raise ConfigError(f"benchmark {self.name!r}: " + "; ".join(problems))


@dataclass(frozen=True)
class Problem:
    benchmark: str
    problem_id: str
    problem: str
    gold: str


def definition_files() -> dict[str, Path]:
    """Every benchmark definition by name: the one place that knows where definitions live."""
    return {p.stem: p for p in sorted(BENCHMARKS_DIR.glob("*.toml"))}


def available_benchmarks() -> list[str]:
    return sorted(definition_files())


def get_spec(name: str) -> BenchmarkSpec:
    path = definition_files().get(name)
    if path is None:
        raise ConfigError(f"unknown benchmark {name!r}; available: {', '.join(available_benchmarks())} "
                          f"(or use --data FILE with --problem-field and --answer-field)")
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return from_dict(BenchmarkSpec, table, where=str(path))


def custom_spec(path: str, problem_field: str = "problem", answer_field: str = "answer", id_field: str = "",
                **overrides) -> BenchmarkSpec:
    """The definition of a --data file: named after it, with the sampling defaults of every definition."""
    return BenchmarkSpec(name=Path(path).stem, problem_field=problem_field, answer_field=answer_field,
                         id_field=id_field, **overrides)


def data_dir_from_env(explicit: str | None = None) -> Path | None:
    value = explicit or os.environ.get("PASSK_DATA_DIR")
    return Path(value) if value else None


def load_problems(spec: BenchmarkSpec, data_dir: Path | None = None, data_file: str | None = None) -> tuple[list[Problem], dict]:
    """The benchmark's problems and a record of where they came from (for the manifest). The record's
    REVISION (a mirror's source commit, the hub dataset's commit) is provenance to cite, not a sample
    setting: content is pinned by the sha256 or fingerprint beside it."""
    source: dict[str, Any]
    if data_file:
        source = {"file": str(Path(data_file).resolve()), "sha256": file_sha256(Path(data_file))}
        rows = _load_file(Path(data_file))
    elif data_dir:
        path, digest, hub = mirror_file(data_dir, spec.mirror or spec.name)
        origin = (read_json(data_dir / "MANIFEST.json")[spec.mirror or spec.name].get("source") or {})
        source = {"mirror": str(path.resolve()), "sha256": digest, "hub": hub,
                  REVISION: origin.get("commit") if isinstance(origin, dict) else None}
        rows = _load_file(path)
    else:
        ds = _load_hub(spec)
        source = {"hub": spec.hub_path, "config": spec.hub_config, "split": spec.hub_split,
                  "fingerprint": getattr(ds, "_fingerprint", None), REVISION: _hub_commit(ds)}
        rows = list(ds)
    problems = [_problem(spec, i, row) for i, row in enumerate(rows)
                if all(_field(row, k, f"benchmark {spec.name} row {i}") == v for k, v in spec.where.items())]
    if not problems:
        raise InputError(f"benchmark {spec.name}: no problems" + (f" match where = {spec.where}" if spec.where else ""))
    ids = [p.problem_id for p in problems]
    if len(set(ids)) != len(ids):
        raise InputError(f"benchmark {spec.name}: problem ids in field {spec.id_field!r} are not unique")
    return problems, source


def _hub_commit(ds) -> str | None:
    """The hub commit the dataset was loaded at, as its cache folder names it (40 hex digits); None if unnamed."""
    for entry in getattr(ds, "cache_files", None) or []:
        for part in Path(entry.get("filename", "")).parts:
            if re.fullmatch(r"[0-9a-f]{40}", part):
                return part
    return None


@contextlib.contextmanager
def _offline_unless_reachable(timeout_s: float = 3.0):
    """Offline mode (the hub cache only) when the hub's host does not answer within `timeout_s`: an offline
    machine gets its one-line error at once instead of half a minute of retries."""
    import datasets
    from huggingface_hub import constants

    host = urllib.parse.urlparse(constants.ENDPOINT).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout_s).close()
        yield
        return
    except OSError:
        pass
    saved = constants.HF_HUB_OFFLINE, datasets.config.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = datasets.config.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE, datasets.config.HF_HUB_OFFLINE = saved


def _load_hub(spec: BenchmarkSpec):
    """The benchmark's split from the hub (or the hub cache); any failure to reach it is one line naming the
    hub id and --data-dir, not a `datasets` traceback."""
    if not spec.hub_path:
        raise ConfigError(f"benchmark {spec.name!r} names no hub dataset; pass --data-dir or --data")
    import datasets

    try:
        with _offline_unless_reachable():
            return datasets.load_dataset(spec.hub_path, spec.hub_config or None, split=spec.hub_split)
    except Exception as exc:  # noqa: BLE001  (connection, offline mode, auth, missing split: all the same advice)
        reason = (str(exc).strip().splitlines() or [""])[0][:200]
        raise InputError(f"benchmark {spec.name}: cannot load {spec.hub_path} from the Hugging Face hub "
                         f"({type(exc).__name__}: {reason}); pass --data-dir DIR with a local mirror "
                         f"(MANIFEST.json; or set PASSK_DATA_DIR), or --data FILE") from None


def mirror_file(data_dir: Path, entry_name: str) -> tuple[Path, str, str | None]:
    """(file, sha256, hub id) of a local mirror's entry, its checksum verified."""
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: no such directory (--data-dir or PASSK_DATA_DIR)")
    manifest_path = data_dir / "MANIFEST.json"
    if not manifest_path.is_file():
        raise InputError(f"{data_dir}: no MANIFEST.json; a local mirror must list its files there")
    manifest = read_json(manifest_path)
    if not isinstance(manifest, dict) or entry_name not in manifest:
        raise InputError(f"{manifest_path}: no entry for benchmark {entry_name!r}")
    entry = manifest[entry_name]
    if not (isinstance(entry, dict) and isinstance(entry.get("file"), str) and isinstance(entry.get("sha256"), str)):
        raise InputError(f"{manifest_path}: entry {entry_name!r} needs a \"file\" and a \"sha256\" string, got {entry!r}"[:300])
    path = data_dir / entry["file"]
    digest = file_sha256(path)
    if digest != entry["sha256"]:
        raise InputError(f"{path}: sha256 {digest} does not match {entry['sha256']} in {manifest_path}; "
                         f"the mirror is damaged or stale")
    return path, digest, entry.get("hub")


def _load_file(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL, JSON (a list of objects) or parquet file; a bad row names the file and line."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        rows = [row for _, row in read_jsonl(path)]
    elif path.suffix == ".json":
        rows = read_json(path)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError(f"{path}: a .json data file must hold a list of objects (use .jsonl for one per line)")
    elif path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            rows = pq.read_table(path).to_pylist()
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"{path}: unreadable parquet ({str(exc).splitlines()[0][:200]})") from None
    else:
        raise InputError(f"{path}: unknown format; use .jsonl, .json or .parquet")
    if not rows:
        raise InputError(f"{path}: no rows")
    return rows


def _problem(spec: BenchmarkSpec, index: int, row: dict[str, Any]) -> Problem:
    where = f"benchmark {spec.name} row {index}"
    problem = str(_field(row, spec.problem_field, where))
    if spec.problem_strip_suffix and problem.endswith(spec.problem_strip_suffix):
        problem = problem[: -len(spec.problem_strip_suffix)]
    gold = gold_answer(_field(row, spec.answer_field, where), spec.gold_format, f"{where}: field {spec.answer_field!r}")
    problem_id = str(_field(row, spec.id_field, where)) if spec.id_field else str(index)
    return Problem(spec.name, problem_id, problem, gold)


def _field(row: dict[str, Any], path: str, where: str) -> Any:
    """'prompt[0].content' and 'reward_model.ground_truth' reach into nested rows."""
    value: Any = row
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        try:
            value = value[int(part[1:-1])] if part.startswith("[") else value[part]
        except (KeyError, IndexError, TypeError):
            raise InputError(f"{where}: no field {path!r} (has {sorted(row)})") from None
    return value


def file_sha256(path: Path) -> str:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def select(problems: list[Problem], limit: int | None = None, ids: list[str] | None = None) -> list[Problem]:
    """--problems picks exact ids (all must exist); --limit keeps the first N in dataset order."""
    if ids:
        by_id = {p.problem_id: p for p in problems}
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise ConfigError(f"--problems: unknown id(s) {unknown[:5]}")
        problems = [by_id[i] for i in ids]
    if limit is not None:
        if limit < 1:
            raise ConfigError(f"--limit must be >= 1, got {limit}")
        problems = problems[:limit]
    return problems


def spec_dict(spec: BenchmarkSpec) -> dict[str, Any]:
    return dataclasses.asdict(spec)
