"""Gather shards that were written to separate run directories (separate machines) into one.

Nothing is mixed: every source, and the target where it already holds samples, must share
the sample settings; a (benchmark, problem, sample_idx) may come from one part only; a part
already in the target is skipped only when its bytes are the same.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from passk.data import file_sha256
from passk.errors import InputError
from passk.jsonl import atomic_path
from passk.rundir import Manifest, RunDir, part_keys, utc_now
from passk.settings import SAMPLE_SETTINGS, GenerateSettings, describe_diff, settings_diff


def merge_runs(out: str, sources: list[str]) -> int:
    """Copy every sample part of `sources` into `out`; returns the number of parts copied."""
    target = RunDir(out)
    runs = [RunDir(s).require() for s in sources]
    if any(r.path.resolve() == target.path.resolve() for r in runs):
        raise InputError(f"{out} is both the target and a source")
    manifests = {str(r.path): r.read_manifest() for r in runs}
    for path, manifest in manifests.items():
        if manifest.settings is None:
            raise InputError(f"{path}: its manifest records no settings; only `passk run` directories merge")
    with target.exclusive_lock("passk merge"):
        existing = target.read_manifest()
        labelled = {path: _settings_of(m).as_dict() for path, m in manifests.items()}
        if existing.settings is not None:
            labelled[f"{out} (target)"] = existing.settings.as_dict()
        diff = settings_diff(labelled, SAMPLE_SETTINGS)
        if diff:
            raise InputError(f"not shards of one run; these settings differ:\n{describe_diff(diff)}")
        copies = _plan_copies(target, runs)
        if not target.problems.is_file():
            with atomic_path(target.problems) as tmp:
                shutil.copyfile(runs[0].problems, tmp)
        for source, dest in copies:
            with atomic_path(dest) as tmp:
                shutil.copyfile(source, tmp)
        target.update_manifest(lambda m: _merge_manifest(m, manifests))
    return len(copies)


def _plan_copies(target: RunDir, runs: list[RunDir]) -> list[tuple[Path, Path]]:
    """(source part, destination) for each part to copy; refuses overlap and same-named parts that differ."""
    owner: dict[tuple, Path] = {}
    for part, keys in target.sample_keys().items():
        owner.update((key, part) for key in keys)
    copies: list[tuple[Path, Path]] = []
    for run in runs:
        for part in run.sample_parts():
            dest = target.merged_part_path(part)
            if dest.exists() or any(d == dest for _, d in copies):
                earlier = dest if dest.exists() else next(s for s, d in copies if d == dest)
                if file_sha256(earlier) != file_sha256(part):
                    raise InputError(f"{part} and {earlier} share a name but not their content; "
                                     f"these are not shards of one run")
                continue  # the same part, merged before
            keys = part_keys(part)
            clash = [k for k in keys if k in owner]
            if clash:
                b, p, i = clash[0]
                raise InputError(f"{part} overlaps {owner[clash[0]]}: {len(clash)} samples in both, the first "
                                 f"{b}/{p} #{i}; merging would double them (are these shards of different N?)")
            owner.update((key, part) for key in keys)
            copies.append((part, dest))
    return copies


def _settings_of(manifest: Manifest) -> GenerateSettings:
    """The settings of a manifest merge_runs has checked to hold them."""
    assert manifest.settings is not None
    return manifest.settings


def _merge_manifest(target: Manifest, sources: dict[str, Manifest]) -> None:
    first = next(iter(sources.values()))
    if target.settings is None:
        target.settings, target.created = first.settings, utc_now()
        target.run_config, target.grading = first.run_config, first.grading
    target.settings = replace(_settings_of(target), n=max(_settings_of(m).n for m in [target, *sources.values()]))
    for path, manifest in sources.items():
        target.history.extend(manifest.history)
        for tag, figures in manifest.throughput.items():
            if target.throughput.get(tag) != figures:  # the same source merged again adds nothing
                target.throughput[tag if tag not in target.throughput else f"{Path(path).name}/{tag}"] = figures
        if path not in target.merged_from:
            target.merged_from.append(path)
