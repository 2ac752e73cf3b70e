"""`passk run` and `passk.run`: a model and benchmarks to Pass@K tables, plots and reports.

resolve (passk.resolve) -> pre-flight (passk.preflight) -> generate (resumable, shardable) -> grade -> score
-> plot -> report.md, one run directory per benchmark. Every benchmark passes its pre-flight before the first
run directory is written or the engine loads; several benchmarks then share one engine load; `data_parallel`
N starts N processes, one engine each (one GPU each where there are GPUs), on shards of the same run
directories.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import cast

from passk import data
from passk.errors import ConfigError, PasskError
from passk.generate.backends import make_backend
from passk.generate.runner import Job, Shard, generate_jobs, pending_requests, prepare_run
from passk.generate.sampling import SamplingConfig
from passk.grade.run_grades import grade_run
from passk.judge import check_judge
from passk.preflight import SUMMARY_FILES, Ready, check_out, dry_run_text, preflight, refuse, visible_gpus
from passk.resolve import RunConfig, RunPlan
from passk.results import RunScores, ScoreConfig
from passk.rundir import RunDir
from passk.score import format_table, score_run, write_scores
from passk.settings import GenerateSettings, GradingRecord


@dataclass(frozen=True)
class Prepared:
    """One benchmark ready to generate: its run directory made (or checked for resuming)."""
    ready: Ready
    run_dir: RunDir
    settings: GenerateSettings

    config = property(lambda self: self.ready.config)


def resolve_backend(name: str) -> str:
    if name != "auto":
        return name
    return "vllm" if importlib.util.find_spec("vllm") is not None else "hf"


ENGINE_KEYS = ("model", "tokenizer", "backend", "engine", "server", "shard", "data_parallel", "batch_samples",
               "part_seconds", "dry_run", "generate_only", "ray")


def execute(plan: RunPlan, progress: bool = True) -> dict[str, RunScores | dict]:
    """Run a resolved plan; by benchmark: its scores (with `dry_run`, its plan; with `generate_only`, {}).
    Every benchmark passes its pre-flight first; a preset's run ends with its table (OUT/report.md)."""
    configs, preset = list(plan.configs), plan.preset
    ready = preflight_all(configs, plan.summary_dir)
    if configs[0].dry_run:
        return {c.benchmark: r.plan() for c, r in zip(configs, ready, strict=True)}
    if preset is not None:
        print(f"preset {preset.name}: " + "; ".join(f"{c.benchmark} {len(r.problems)} x {c.n}"
                                                    for c, r in zip(configs, ready, strict=True)))
    results = run_benchmarks(configs, progress, None if preset else plan.summary_dir, ready)
    if preset is not None and configs[0].generate_only:  # a shard job: the same command without --shard reports
        print(f"preset {preset.name}: samples of shard {configs[0].shard} written under {plan.summary_dir}")
    elif preset is not None:
        from passk.preset import write_preset_report

        # neither a dry run nor generate_only: every result is a run's scores
        write_preset_report(plan, [r.plan() for r in ready], cast(Sequence[RunScores], results))
    return {c.benchmark: r for c, r in zip(configs, results, strict=True)}


def run_benchmarks(configs: list[RunConfig], progress: bool = True, summary_dir: str | None = None,
                   ready: list[Ready] | None = None) -> Sequence[RunScores | dict]:
    """Run several benchmarks (each its own run directory) on one engine load, every request of every
    benchmark in flight at once; scores per config, in order (with `dry_run`, each plan).

    Every benchmark passes its pre-flight (`preflight_all`) before any run directory is written or the
    engine loads, so a bad flag, a prompt that does not fit or a refused resume costs nothing."""
    first = configs[0]
    ready = ready or preflight_all(configs, summary_dir)
    if first.dry_run:
        return [r.plan() for r in ready]
    backend_name = ready[0].backend
    # a server is asked whether it serves the model (and the judge's whether it serves the judge, where this run
    # grades) before any run directory records it
    if not first.generate_only:
        check_judge(first.judge)
    served = make_backend(backend_name, ready[0].model, first.engine, first.server) \
        if backend_name == "openai" else None
    try:
        prepared = [_prepare(r) for r in ready]
        if first.data_parallel > 1:
            _generate_data_parallel(prepared, first, backend_name, progress)
        else:
            _generate(prepared, Shard.parse(first.shard), backend_name, progress, served)
    finally:
        if served is not None:
            served.close()
    if first.generate_only:
        return [{} for _ in configs]
    results = [_score(p, progress) for p in prepared]
    if summary_dir:
        _write_summary(Path(summary_dir), prepared, results)
    return results


def preflight_all(configs: list[RunConfig], summary_dir: str | None = None) -> list[Ready]:
    """Every benchmark's pre-flight; with `dry_run`, prints each plan. Raises what the real run would refuse."""
    first = configs[0]
    for c in configs[1:]:
        differing = [k for k in ENGINE_KEYS if getattr(c, k) != getattr(first, k)]
        if differing:
            raise ConfigError(f"benchmarks run on one engine must share {differing}")
    outs = [c.out for c in configs]
    if len(set(outs)) != len(outs):
        raise ConfigError(f"two benchmarks would write the same run directory: {outs}")
    if summary_dir:
        check_out(summary_dir, tuple(Path(o).name for o in outs) + SUMMARY_FILES)
    for out in outs:
        check_out(out)
    backend_name = resolve_backend(first.backend)
    model = _model_path(first)
    ready = [preflight(c, backend_name, model) for c in configs]
    if first.dry_run:
        for r in ready:
            print(dry_run_text(r))
    refuse(ready)
    return ready


def _model_path(config: RunConfig) -> str:
    from passk.generate.default_model import ensure_default_model

    return config.model or str(ensure_default_model())


def _prepare(ready: Ready) -> Prepared:
    """Write the run directory (or resume it, its settings checked again under the lock): the run's first write."""
    run_dir = RunDir(ready.config.out)
    prepare_run(run_dir, ready.settings, ready.problems, ready.prompts, force=ready.config.force)
    run_dir.update_manifest(lambda m: _record_run(m, ready))
    return Prepared(ready, run_dir, ready.settings)


def _generate(prepared: list[Prepared], shard: Shard, backend_name: str, progress: bool, backend=None) -> None:
    """Fill this shard of every run directory at once, loading the engine once (not at all if nothing is missing)."""
    todo = [p for p in prepared if pending_requests(p.run_dir, p.settings, p.ready.problems, p.ready.prompts, shard)]
    if not todo:
        return
    c = todo[0].config
    owned = backend is None
    if owned and c.ray is not None:  # engine actors across a Ray cluster; this process stays the one writer
        from passk.generate.ray_pool import RayPool

        backend = RayPool(c.ray, backend_name, todo[0].ready.model, c.engine, [p.run_dir for p in todo], progress)
    backend = backend or make_backend(backend_name, todo[0].ready.model, c.engine, c.server)
    try:
        engine = backend.describe()
        for p in todo:
            p.run_dir.update_manifest(lambda m: m.engine.__setitem__(shard.tag, engine))
        generate_jobs([Job(p.run_dir, p.settings, p.ready.problems, p.ready.prompts) for p in todo], backend, shard,
                      c.batch_samples, progress, c.part_seconds)
    finally:
        if owned:
            backend.close()


def _generate_data_parallel(prepared: list[Prepared], config: RunConfig, backend_name: str, progress: bool) -> None:
    """N processes, each one engine on shard i/N of every run directory; on GPUs each gets its own devices."""
    count = config.data_parallel
    devices = visible_gpus()  # enough of them: checked in the pre-flight
    per = config.engine.tensor_parallel_size
    context = multiprocessing.get_context("spawn")  # a fresh interpreter per engine: no CUDA or vLLM state shared
    shipped = [replace(p, ready=replace(p.ready, tokenizer=None)) for p in prepared]  # each process loads its own
    procs = []
    saved = os.environ.get("CUDA_VISIBLE_DEVICES")
    try:
        for i in range(count):
            if devices:
                os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(devices[i * per:(i + 1) * per])
            proc = context.Process(target=_generate_shard, args=(shipped, Shard(i, count), backend_name,
                                                                  progress and i == 0), name=f"passk-dp{i}")
            proc.start()
            procs.append(proc)
    finally:
        if devices:
            os.environ.pop("CUDA_VISIBLE_DEVICES", None) if saved is None else os.environ.__setitem__(
                "CUDA_VISIBLE_DEVICES", saved)
    for proc in procs:
        proc.join()
    failed = [f"shard {i}/{count} (exit code {p.exitcode})" for i, p in enumerate(procs) if p.exitcode != 0]
    if failed:
        raise PasskError(f"data-parallel generation failed in {', '.join(failed)}; the samples written are kept, "
                         f"run the same command again to generate the rest")


def _generate_shard(prepared: list[Prepared], shard: Shard, backend_name: str, progress: bool) -> None:
    _generate(prepared, shard, backend_name, progress)


def _score(p: Prepared, progress: bool) -> RunScores:
    from passk.plot import plot_scores
    from passk.report import write_report

    config = p.config
    with p.run_dir.task_lock("grade"):
        grade_run(p.run_dir, GradingRecord.for_template(p.ready.template, config.grade_timeout_s).grade_config(
            judge=config.judge), progress=progress)
    scores = score_run(p.run_dir, ScoreConfig(k=config.k))
    write_scores(p.run_dir, scores)
    plot_scores([scores], [p.settings.model], p.run_dir.plot_png)
    write_report(p.run_dir, scores.benchmarks)
    print(format_table(scores))
    print(f"wrote {p.run_dir.scores_json}, {p.run_dir.plot_png} and {p.run_dir.report_md}")
    return scores


def _write_summary(folder: Path, prepared: list[Prepared], results: list[RunScores]) -> None:
    """One report and one plot over every benchmark of the command."""
    from passk.plot import plot_scores
    from passk.report import write_report

    summary = RunDir(folder)
    combined = {name: b for scores in results for name, b in scores.benchmarks.items()}
    plot_scores(results, [p.settings.benchmark for p in prepared], summary.plot_png)
    write_report(summary, combined)
    print(f"wrote {summary.report_md} and {summary.plot_png} over {len(prepared)} benchmarks")


def _record_run(manifest, ready: Ready) -> None:
    """The options of this `passk run` that are not sample settings, each once (sampling lives in settings)."""
    config = ready.config
    in_settings = {"spec", "model", "backend", "n", "sampling", "template", "seed", "block_size", "k",
                   "grade_timeout_s", "data_file"}
    resolved = {"name", "n", "template", "k", *(f.name for f in fields(SamplingConfig))}  # recorded as resolved
    definition = {key: v for key, v in data.spec_dict(config.spec).items() if key not in resolved}
    manifest.run_config = {**{key: v for key, v in asdict(config).items() if key not in in_settings},
                           "dataset_revision": ready.source.get(data.REVISION), "model_path": ready.model,
                           "resolved_backend": ready.backend, "k": list(config.k), "definition": definition}
    manifest.grading = GradingRecord.for_template(ready.template, config.grade_timeout_s)
