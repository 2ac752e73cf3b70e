"""Gather shards that were written to separate run directories (separate machines) into one."""

from __future__ import annotations

import shutil

from passk.errors import InputError
from passk.generate.runner import SAMPLE_SETTINGS, update_manifest
from passk.jsonl import write_json_atomic
from passk.rundir import RunDir


def merge_runs(out: str, sources: list[str]) -> int:
    """Copy every sample part of `sources` into `out`; the runs must share their sample settings."""
    target = RunDir(out)
    runs = [RunDir(s).require() for s in sources]
    reference = runs[0].read_manifest().get("settings", {})
    for run in runs[1:]:
        settings = run.read_manifest().get("settings", {})
        differing = [k for k in SAMPLE_SETTINGS if settings.get(k) != reference.get(k)]
        if differing:
            raise InputError(f"{run.path} differs from {runs[0].path} in {differing}: not shards of one run")
    target.samples_dir.mkdir(parents=True, exist_ok=True)
    if not target.manifest.exists():
        write_json_atomic(target.manifest, {**runs[0].read_manifest(), "throughput": {}, "merged_from": sources})
    shutil.copyfile(runs[0].problems, target.problems)
    copied = 0
    for run in runs:
        for part in run.sample_parts():
            dest = target.samples_dir / part.name
            if dest.exists():
                if dest.stat().st_size != part.stat().st_size:
                    raise InputError(f"{dest} exists with other content than {part}")
                continue
            shutil.copyfile(part, dest)
            copied += 1
        throughput = run.read_manifest().get("throughput", {})
        update_manifest(target, lambda m: m.setdefault("throughput", {}).update(throughput))
    return copied
