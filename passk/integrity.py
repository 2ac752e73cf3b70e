"""`passk check RUN [--repair]`: verify a run directory's invariants, and restore them where it can.

Verified: every part reads (parquet page checksums included); each (benchmark, problem,
sample_idx) is in one sample part only, of a problem in problems.jsonl, within the
manifest's n; each grade and entropy part holds exactly the keys of its sample part.
--repair moves what breaks an invariant under RUN/broken/ (a sample part with the grade
and entropy parts made from it), so the next `passk run` regenerates those samples and
`passk grade` regrades them; it removes temporary files of killed processes. It holds the
run exclusively, so nothing writes meanwhile. What it cannot repair (an unreadable manifest
or problems.jsonl, a malformed manifest, samples beyond n) is reported for a person to decide; a run without
a manifest (samples imported from elsewhere) is checked for what needs none, and the report says so.
"""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from passk.errors import PasskError, RunIntegrityError
from passk.rundir import Key, Manifest, RunDir, part_keys, read_sample_part


@dataclass
class Finding:
    path: Path | None
    problem: str
    repair: str = ""  # what --repair does about it; "" when it cannot
    moved: list[Path] = field(default_factory=list)  # parts to move aside


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # not faults: samples still missing, parts not graded yet
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not self.findings or (self.repaired and all(f.repair for f in self.findings))

    def format(self, run: RunDir) -> str:
        lines = []
        for f in self.findings:
            done = ("repaired: " if self.repaired else "--repair would: ") + f.repair if f.repair else "not repairable"
            lines.append(f"{f.path or run.path}: {f.problem} ({done})")
        lines += [f"note: {n}" for n in self.notes]
        if not self.findings:
            lines.append(f"{run.path}: every part reads, no sample twice, grades match samples one to one")
        elif not self.repaired and any(f.repair for f in self.findings):
            lines.append(f"run `passk check {run.path} --repair` to repair")
        return "\n".join(lines)


def check_run(run: RunDir, repair: bool = False) -> CheckResult:
    run.require()
    try:
        manifest = run.read_manifest()
    except PasskError as exc:  # checked before anything moves: --repair cannot mend a manifest
        return CheckResult([Finding(run.manifest_path, f"malformed manifest: {str(exc).split(': ', 1)[-1][:200]}")])
    with ExitStack() as stack:
        if repair:  # nobody may write while parts move; graders and entropy passes finish first
            stack.enter_context(run.exclusive_lock("passk check --repair"))
            stack.enter_context(run.task_lock("grade"))
            stack.enter_context(run.task_lock("entropy"))
        result = CheckResult()
        kept = _check_samples(run, result, manifest)
        for derived, part_for in ((run.grade_parts(), run.grade_part_for), (run.entropy_parts(), run.entropy_part_for)):
            _check_derived(derived, {part_for(p): keys for p, keys in kept.items()}, result)
        for tmp in run.stale_temporaries() if repair else []:
            result.findings.append(Finding(tmp, "temporary file of a killed process", "delete it"))
        if repair:
            _repair(run, result)
        _notes(run, kept, result, manifest)
    return result


def _check_samples(run: RunDir, result: CheckResult, manifest: Manifest) -> dict[Path, list[Key]]:
    """Sample parts that keep their place, with their keys; findings for the others."""
    problems = run.read_problems()
    settings = manifest.settings
    owner: dict[Key, Path] = {}
    kept: dict[Path, list[Key]] = {}
    for part in run.sample_parts():
        derived = [run.grade_part_for(part), run.entropy_part_for(part)]
        try:
            keys = [(r["benchmark"], r["problem_id"], r["sample_idx"]) for r in read_sample_part(part)]
        except PasskError as exc:
            result.findings.append(Finding(part, f"unreadable: {str(exc).split(': ', 1)[-1][:160]}",
                                           "move it aside (its samples are generated again)", [part, *derived]))
            continue
        twice = [k for k, c in Counter(keys).items() if c > 1] + [k for k in set(keys) if k in owner]
        unknown = sorted({(b, p) for b, p, _ in keys} - set(problems))
        if twice:
            b, p, i = twice[0]
            other = owner.get(twice[0], part)
            result.findings.append(Finding(part, f"{len(twice)} samples also in {other.name} (first {b}/{p} #{i})",
                                           "move it aside (the samples it alone held are generated again)",
                                           [part, *derived]))
            continue
        if unknown:
            result.findings.append(Finding(part, f"samples of problems absent from problems.jsonl: {unknown[:3]}",
                                           "move it aside", [part, *derived]))
            continue
        beyond = [k for k in keys if k[2] >= settings.n] if settings else []
        if settings and beyond:
            result.findings.append(Finding(part, f"{len(beyond)} samples with sample_idx >= the manifest's n "
                                                 f"({settings.n})"))
        owner.update((k, part) for k in keys)
        kept[part] = keys
    return kept


def _check_derived(parts: list[Path], expected: dict[Path, list[Key]], result: CheckResult) -> None:
    """Grade or entropy parts: each must hold exactly the keys of its sample part."""
    for part in parts:
        if part not in expected:
            result.findings.append(Finding(part, "no sample part of that name (an orphan)", "move it aside", [part]))
            continue
        try:
            keys = part_keys(part)
        except PasskError:
            result.findings.append(Finding(part, "unreadable", "move it aside (it is made again)", [part]))
            continue
        if Counter(keys) != Counter(expected[part]):
            result.findings.append(Finding(part, f"{len(keys)} rows do not match the {len(expected[part])} samples "
                                                 f"of its sample part", "move it aside (it is made again)", [part]))


def _repair(run: RunDir, result: CheckResult) -> None:
    moved: set[Path] = set()
    for finding in result.findings:
        if finding.path is not None and not finding.moved and finding.repair:
            finding.path.unlink(missing_ok=True)  # a stale temporary
        for path in finding.moved:
            if path.exists() and path not in moved:
                run.move_aside(path, finding.problem)
                moved.add(path)
    result.repaired = True


def _notes(run: RunDir, kept: dict[Path, list[Key]], result: CheckResult, manifest: Manifest) -> None:
    settings = manifest.settings
    if not run.manifest_path.is_file():
        result.notes.append("no manifest.json: samples imported from elsewhere are welcome, but their settings, n and "
                            "provenance are unknown, so samples beyond n and missing samples are not checked")
    if settings is not None:
        held = Counter((b, p) for keys in kept.values() for b, p, i in keys if i < settings.n)
        missing = sum(settings.n - held[(settings.benchmark, pid)] for pid in settings.problem_ids)
        if missing > 0:
            result.notes.append(f"{missing} samples are not generated yet; the same `passk run` command fills them")
    ungraded = [p for p in run.sample_parts() if not run.grade_part_for(p).exists()]
    if ungraded:
        result.notes.append(f"{len(ungraded)} sample parts are not graded yet; `passk grade {run.path}` grades them")


def require_consistent_grades(run: RunDir) -> None:
    """What `passk score` needs: no orphan or mismatched grade part, no sample graded twice."""
    result = CheckResult()
    expected = {}
    for part in run.sample_parts():
        if run.grade_part_for(part).exists():
            expected[run.grade_part_for(part)] = part_keys(part)
    _check_derived(run.grade_parts(), expected, result)
    counts = Counter(k for keys in expected.values() for k in keys)
    twice = [k for k, c in counts.items() if c > 1]
    if twice:
        b, p, i = twice[0]
        result.findings.append(Finding(None, f"{len(twice)} samples are graded twice (first {b}/{p} #{i})"))
    if result.findings:
        first = result.findings[0]
        more = f" (and {len(result.findings) - 1} more)" if len(result.findings) > 1 else ""
        raise RunIntegrityError(f"{first.path or run.path}: {first.problem}{more}; the scores would be wrong: "
                                f"`passk check {run.path} --repair` moves the bad parts aside")
