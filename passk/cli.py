"""passk command line: each subcommand wires library functions together, nothing more."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from passk.errors import ConfigError, InputError, PasskError


def _k_list(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        ks = tuple(int(k) for k in text.split(","))
    except ValueError:
        raise ConfigError(f"--k must be comma-separated positive integers (for example 1,2,4), got {text!r}") from None
    if any(k < 1 for k in ks):
        raise ConfigError(f"--k must be positive integers, got {text!r}")
    return ks


def _labels(text: str | None, count: int) -> list[str | None]:
    labels = text.split(",") if text else [None] * count
    if len(labels) != count:
        raise ConfigError(f"--labels gives {len(labels)} names for {count} runs")
    if text and not all(labels):
        raise ConfigError(f"--labels has an empty name: {text!r}")
    return labels


def _check_cache(path: str | None) -> None:
    """A --cache file that is not SQLite is named here, not deep inside a grading worker."""
    import sqlite3

    if path is None or not Path(path).exists():
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            db.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"--cache {path}: not a usable SQLite file ({exc}); delete it or name another") from None


def _add_runs_arguments(parser, k_help: str | None = None) -> None:
    """RUN_DIR... with --labels (and --k where the command takes one), as plot and compare take them."""
    parser.add_argument("run_dirs", nargs="+")
    parser.add_argument("--labels", help="comma-separated names (default: the directory names)")
    if k_help:
        parser.add_argument("--k", help=k_help)


def _grade_config(args):
    from passk.grade import GradeConfig, extract_config
    from passk.rundir import RunDir

    fallbacks: tuple[str, ...] = ()  # the answer form's own rules, and those the run recorded
    if args.answer_form is not None:
        answer_form = args.answer_form
    elif args.pairs:
        answer_form = "free"
    else:  # what the run's prompt template asked for, as recorded when the run was made
        grading = RunDir(args.run_dir).read_manifest().grading
        answer_form, fallbacks = grading.answer_form, grading.extract_fallbacks
    timeout = args.timeout
    if timeout is None:  # the run's recorded timeout, else the default
        timeout = RunDir(args.run_dir).read_manifest().grading.timeout_s if args.run_dir and not args.pairs else 5.0
    if timeout <= 0 or args.workers < 0:
        raise ConfigError(f"--timeout must be > 0 and --workers >= 0, got {timeout} and {args.workers}")
    _check_cache(args.cache)
    return GradeConfig(timeout_s=timeout, workers=args.workers, cache_path=args.cache, policy=args.policy,
                       extract=extract_config(answer_form, fallbacks or ()))


def cmd_grade(args) -> int:
    from passk.grade.pairs import PairFields, grade_pairs, open_output
    from passk.grade.runs import grade_run
    from passk.rundir import RunDir

    if bool(args.pairs) == bool(args.run_dir):
        raise ConfigError("give a RUN_DIR to grade, or --pairs FILE (not both)")
    config = _grade_config(args)
    if args.pairs and args.ray is not None:
        raise ConfigError("--ray grades a run directory's sample parts; --pairs grades here")
    if args.pairs:
        fields = PairFields(args.gold_field, args.completion_field, args.finish_field)
        out = open_output(args.out or (os.devnull if args.check else None))  # --check alone prints the report only
        try:
            rows = grade_pairs(args.pairs, out, config, fields, progress=not args.quiet)
        finally:
            if out is not sys.stdout:
                out.close()
        if args.check:
            from passk.grade.check_report import check_pairs

            report = check_pairs(rows, fields, args.group_by)
            if not report.groups:
                raise InputError(f"--check needs rows with an `expected` field; {args.pairs} has none")
            report.print(gold_field=args.gold_field)
            return 1 if report.mismatches else 0
        return 0
    from passk.check import require_consistent_grades

    run = RunDir(args.run_dir).require()
    grade = grade_run
    if args.ray is not None:  # sample parts graded in parallel across the cluster; this process writes the grades
        from functools import partial

        from passk.grade.ray_grade import grade_run_ray

        grade = partial(grade_run_ray, ray=_ray_config(args))
    with run.task_lock("grade"):  # a second grader waits, then finds the parts graded
        counts = grade(run, config, progress=not args.quiet, regrade=args.regrade)
        require_consistent_grades(run)  # a grade part whose sample part changed since is named, not skipped
    print(f"graded {sum(counts.values())} new samples: {counts}" if counts else "nothing new to grade")
    return 0


def cmd_score(args) -> int:
    from passk.results import ScoreConfig
    from passk.score import format_table, score_run, write_scores
    from passk.rundir import RunDir

    for path in args.run_dirs:
        run = RunDir(path)
        scores = score_run(run, ScoreConfig(k=_k_list(args.k)))
        write_scores(run, scores)
        print(f"== {path}\n{format_table(scores)}\nwrote {run.scores_json} and {run.scores_csv}")
    return 0


def cmd_plot(args) -> int:
    from passk.plot import plot_runs
    from passk.rundir import RunDir

    runs = [RunDir(p) for p in args.run_dirs]
    labels = [label or run.path.name for label, run in zip(_labels(args.labels, len(runs)), runs)]
    out = Path(args.out) if args.out else runs[0].plot_png
    print(f"wrote {plot_runs([r.scores_json for r in runs], labels, out)}")
    return 0


def _json_flag(flag: str, text: str | None) -> dict | None:
    import json

    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PasskError(f"{flag}: not JSON ({exc})") from None
    if not isinstance(value, dict):
        raise PasskError(f"{flag}: must be a JSON object, got {text!r}")
    return value


def _ray_config(args):
    """--ray [ADDRESS] and its options (passk/ray_cluster.py), or None without --ray."""
    if args.ray is None:
        return None
    from passk.ray_cluster import RayConfig

    given = {"actors": getattr(args, "ray_actors", None), "cpus_per_actor": getattr(args, "ray_cpus_per_actor", None),
             "chunk_samples": getattr(args, "ray_chunk_samples", None)}  # unset: RayConfig's defaults
    return RayConfig(address=args.ray or None, **{k: v for k, v in given.items() if v is not None})


def _add_ray_arguments(parser, actors: bool) -> None:
    parser.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                        help="on a Ray cluster: ADDRESS of its head (HOST:6379), or none for RAY_ADDRESS, "
                             "a cluster started on this node, else a local one")
    if actors:
        parser.add_argument("--ray-actors", type=int, help="engine actors (default: one per --tp GPUs of the cluster)")
        parser.add_argument("--ray-cpus-per-actor", type=float, help="CPUs each engine actor reserves (default 1)")
        parser.add_argument("--ray-chunk-samples", type=int,
                            help="most samples handed to an actor at once, fewer as the queue drains (default 1024)")


def cmd_run(args) -> int:
    from passk.generate.sampling import EngineConfig
    from passk.generate.openai_backend import ServerConfig
    from passk.run import RunConfig, default_out, per_benchmark, run_benchmarks

    engine = EngineConfig(tensor_parallel_size=args.tp, gpu_memory_utilization=args.gpu_memory_utilization,
                          max_model_len=args.max_model_len, dtype=args.dtype, enforce_eager=args.enforce_eager,
                          trust_remote_code=args.trust_remote_code, revision=args.revision,
                          max_num_seqs=args.max_num_seqs, max_num_batched_tokens=args.max_num_batched_tokens,
                          enable_prefix_caching=args.enable_prefix_caching, kv_cache_dtype=args.kv_cache_dtype,
                          quantization=args.quantization, hf_overrides=_json_flag("--hf-overrides", args.hf_overrides),
                          options=_json_flag("--engine-options", args.engine_options) or {})
    server = ServerConfig(base_url=args.base_url, api_key_env=args.api_key_env, concurrency=args.concurrency,
                          timeout_s=args.request_timeout, max_retries=args.max_retries, n_mode=args.n_mode)
    options = dict(
        data_dir=args.data_dir, model=args.model, tokenizer=args.tokenizer, backend=args.backend, seed=args.seed,
        block_size=args.block_size, batch_samples=args.batch_samples, part_seconds=args.part_seconds,
        limit=args.limit, problems=tuple(args.problems.split(",")) if args.problems else None, shard=args.shard,
        data_parallel=args.data_parallel, force=args.force, generate_only=args.generate_only, engine=engine,
        server=server, top_k=args.top_k, min_p=args.min_p, repetition_penalty=args.repetition_penalty,
        stop=tuple(args.stop or ()), sampling_options=_json_flag("--sampling-options", args.sampling_options) or {},
        system_prompt=args.system_prompt, chat=args.chat, fewshot=args.fewshot, fewshot_k=args.fewshot_k,
        ray=_ray_config(args))
    sampling = dict(n=args.n, temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_tokens,
                    template=args.template)
    if args.preset:
        from passk.errors import ConfigError
        from passk.preset import run_preset

        if args.benchmark or args.data or args.k:
            raise ConfigError("--preset runs its own benchmarks and K; drop --benchmark, --data and --k")
        run_preset(args.preset, args.out or str(Path("runs") / args.preset),
                   {k: v for k, v in sampling.items() if v is not None}, progress=not args.quiet,
                   dry_run=args.dry_run, **options)
        return 0
    if bool(args.benchmark) == bool(args.data):
        from passk.errors import ConfigError

        raise ConfigError("give exactly one of --benchmark NAME[,NAME...], --data FILE or --preset NAME")
    names = args.benchmark.split(",") if args.benchmark else []
    config = RunConfig(
        out=args.out or default_out(args.benchmark, args.data), benchmark=names[0] if names else None,
        data_file=args.data, problem_field=args.problem_field, answer_field=args.answer_field, id_field=args.id_field,
        k=_k_list(args.k), dry_run=args.dry_run, **sampling, **options)
    if len(names) > 1:  # one engine load for all: PARENT/NAME per benchmark, a combined report in PARENT
        parent = args.out or "runs"
        run_benchmarks(per_benchmark(config, names, parent), progress=not args.quiet, summary_dir=parent)
    else:
        run_benchmarks([config], progress=not args.quiet)
    return 0


def cmd_check(args) -> int:
    from passk.check import check_run
    from passk.rundir import RunDir

    run = RunDir(args.run_dir)
    result = check_run(run, repair=args.repair)
    print(result.format(run))
    return 0 if result.ok else 1


def cmd_list(args) -> int:
    from passk.catalog import catalog, format_catalog

    print(format_catalog(catalog()))
    return 0


def cmd_merge(args) -> int:
    from passk.merge import merge_runs

    merged = merge_runs(args.out, args.run_dirs)
    print(f"merged {merged} sample parts into {args.out}; now `passk grade {args.out}` and `passk score {args.out}`")
    return 0


def cmd_compare(args) -> int:
    from passk.compare import compare_runs, format_comparison, load_run, write_comparison
    from passk.results import ScoreConfig

    runs = [load_run(path, label) for path, label in zip(args.run_dirs, _labels(args.labels, len(args.run_dirs)))]
    result = compare_runs(runs, ScoreConfig(k=_k_list(args.k)))
    write_comparison(result, Path(args.out))
    print(format_comparison(result))
    print(f"wrote {args.out}/compare.json, compare.md and compare.png")
    return 0


def cmd_entropy(args) -> int:
    from passk.analysis.entropy_report import analyze, load_samples, write_outputs
    from passk.analysis.run_entropies import compute_entropies
    from passk.rundir import RunDir

    if args.page_samples < 0:
        raise ConfigError(f"--page-samples must be >= 0, got {args.page_samples}")
    if args.model:
        from passk.run import check_model_argument

        check_model_argument(args.model)
    run = RunDir(args.run_dir).require()
    done = compute_entropies(run, args.model, args.temperature, progress=not args.quiet)
    print(f"computed the entropies of {done} new samples" if done else "entropies already computed")
    samples = load_samples(run)
    result = analyze(run, samples, RunDir(args.reference) if args.reference else None, progress=not args.quiet)
    out = Path(args.out) if args.out else run.path
    write_outputs(result, samples, out, args.page_samples)
    for key in ("pivotal_tokens", "reflective_sentences", "rare_sentences", "correct_vs_incorrect"):
        block = result[key]
        names = [k for k, v in block.items() if isinstance(v, dict) and "mean" in v]
        if len(names) == 2 and "p_value" in block:
            a, b = names
            print(f"{key:<22} {a} {block[a]['mean']:.3f} (n={block[a]['n']}) vs {b} {block[b]['mean']:.3f} "
                  f"(n={block[b]['n']}): p = {block['p_value']:.2g}, P({a} > {b}) = {block['p_greater']:.2f}")
    print(f"wrote {out}/entropy.json, entropy.png and entropy.html")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from passk import __version__

    parser = argparse.ArgumentParser(prog="passk", description="Pass@K evaluation for math reasoning")
    parser.add_argument("--version", action="version", version=f"passk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    listing = sub.add_parser("list", help="benchmarks, prompt templates and protocol presets that ship with passk")
    listing.set_defaults(func=cmd_list)

    grade = sub.add_parser("grade", help="grade a run directory, or a JSONL of (gold, completion) pairs")
    grade.add_argument("run_dir", nargs="?", help="run directory whose samples to grade")
    grade.add_argument("--pairs", help="JSONL file of rows with a gold and a completion")
    grade.add_argument("--out", help="where graded pairs go (JSONL; default stdout)")
    grade.add_argument("--check", action="store_true",
                       help="rows with `expected` are a regression suite: report agreement, exit 1 on any mismatch")
    grade.add_argument("--group-by", default="label_origin", help="field that splits the --check report")
    grade.add_argument("--gold-field", default="gold")
    grade.add_argument("--completion-field", default=None, help="default: `completion`, or `pred` where absent")
    grade.add_argument("--finish-field", default="finish_reason")
    grade.add_argument("--answer-form", choices=["boxed", "answer_line", "bare", "free"], default=None,
                       help="the answer form the prompt asked for, tried first (default: free for --pairs, "
                            "which also guesses the last math span or number; for a run, its template's form)")
    grade.add_argument("--policy", choices=["strict", "lenient"], default="strict",
                       help="strict: an exact gold needs an exact answer; lenient: also a correctly rounded decimal")
    grade.add_argument("--regrade", action="store_true", help="regrade every sample part, not only new ones")
    grade.add_argument("--timeout", type=float, help="CPU seconds per symbolic comparison (default: the run's, else 5)")
    grade.add_argument("--workers", type=int, default=0, help="worker processes (0: every core)")
    grade.add_argument("--cache", help="SQLite file that keeps verdicts between runs")
    grade.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_ray_arguments(grade, actors=False)
    grade.set_defaults(func=cmd_grade)

    score = sub.add_parser("score", help="Pass@K, maj@K, mean@n with 95%% intervals: scores.json, scores.csv")
    score.add_argument("run_dirs", nargs="+")
    score.add_argument("--k", help="comma-separated K list (default: powers of two up to n)")
    score.set_defaults(func=cmd_score)

    plot = sub.add_parser("plot", help="Pass@K against K (log2), runs overlaid, as PNG")
    _add_runs_arguments(plot)
    plot.add_argument("--out", help="PNG path (default: passk.png in the first run)")
    plot.set_defaults(func=cmd_plot)

    r = sub.add_parser("run", help="generate, grade, score, plot and report: one command")
    r.add_argument("--benchmark", help="benchmark definition(s) in benchmarks/ (math500, aime24, ...); several, "
                                       "comma-separated, share one engine load and go to OUT/NAME")
    r.add_argument("--data", help="any JSONL/JSON/parquet file of problems instead of --benchmark")
    r.add_argument("--problem-field", default="problem")
    r.add_argument("--answer-field", default="answer")
    r.add_argument("--id-field", default="", help="default: the row index")
    r.add_argument("--data-dir", help="local benchmark mirror with MANIFEST.json (default: $PASSK_DATA_DIR, else the hub)")
    r.add_argument("--model", help="hub id or local path (default: the embedded SmolLM2-135M-Instruct)")
    r.add_argument("--backend", default="auto", choices=["auto", "vllm", "hf", "openai"])
    r.add_argument("--tokenizer", help="tokenizer that renders chat prompts (default: the model's)")
    r.add_argument("--base-url", default="http://127.0.0.1:8000/v1", help="openai backend: the server's /v1 URL")
    r.add_argument("--api-key-env", help="openai backend: variable holding the API key (default: OPENAI_API_KEY "
                                         "where set, else none)")
    r.add_argument("--concurrency", type=int, default=64, help="openai backend: requests in flight")
    r.add_argument("--request-timeout", type=float, default=1800.0, help="openai backend: seconds per request")
    r.add_argument("--max-retries", type=int, default=6, help="openai backend: retries with exponential backoff")
    r.add_argument("--n-mode", default="auto", choices=["auto", "split"],
                   help="openai backend: n samples per request where the server gives per-sample token counts (vLLM), "
                        "or always one sample per request with seeds seed+j")
    r.add_argument("--out", help="run directory (default: runs/BENCHMARK)")
    r.add_argument("--n", type=int, help="samples per problem (default: the benchmark's)")
    r.add_argument("--temperature", type=float)
    r.add_argument("--top-p", type=float)
    r.add_argument("--max-tokens", type=int)
    r.add_argument("--template", help="a built-in template (`passk list`) or a file with a {problem} placeholder")
    r.add_argument("--system-prompt", help="a system turn: the text, or a file holding it (chat templates)")
    r.add_argument("--chat", action=argparse.BooleanOptionalAction, default=None,
                   help="wrap the template in the model's chat template (default: as the template says)")
    r.add_argument("--fewshot", help="JSONL of {problem, solution} examples shown before each problem, in file order")
    r.add_argument("--fewshot-k", type=int, help="the first K examples of --fewshot (default: all)")
    r.add_argument("--dry-run", action="store_true",
                   help="print the first problems' rendered prompts and the context budget; load no model")
    r.add_argument("--preset", help="a protocol preset (`passk list`): its benchmarks, n, sampling, template, one report")
    r.add_argument("--k", help="comma-separated K list for the scores")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--block-size", type=int, default=16, help="samples per request")
    r.add_argument("--batch-samples", type=int, default=256, help="samples per written part (lost at most on a crash)")
    r.add_argument("--part-seconds", type=float, default=60.0, help="... or write a part at least this often")
    r.add_argument("--limit", type=int, help="the first N problems")
    r.add_argument("--problems", help="comma-separated problem ids")
    r.add_argument("--shard", default="0/1", help="i/N: this process fills problems with index %% N == i")
    r.add_argument("--force", action="store_true", help="delete the run's samples and start afresh")
    r.add_argument("--generate-only", action="store_true", help="stop after generation (shard jobs)")
    r.add_argument("--data-parallel", type=int, default=1,
                   help="N processes, one engine (one GPU) each, on shards of the same run directory")
    r.add_argument("--tp", type=int, default=1, help="vLLM tensor_parallel_size")
    r.add_argument("--gpu-memory-utilization", type=float)
    r.add_argument("--max-model-len", type=int)
    r.add_argument("--dtype", default="auto")
    r.add_argument("--enforce-eager", action=argparse.BooleanOptionalAction, default=None)
    r.add_argument("--trust-remote-code", action="store_true")
    r.add_argument("--revision", help="model revision (branch, tag or commit); the commit is recorded")
    r.add_argument("--max-num-seqs", type=int)
    r.add_argument("--max-num-batched-tokens", type=int)
    r.add_argument("--enable-prefix-caching", action=argparse.BooleanOptionalAction, default=None)
    r.add_argument("--kv-cache-dtype")
    r.add_argument("--quantization")
    r.add_argument("--hf-overrides", help="JSON object of model config overrides")
    r.add_argument("--engine-options", help="JSON object of any other vllm.EngineArgs keywords")
    r.add_argument("--top-k", type=int, default=0, help="0: off")
    r.add_argument("--min-p", type=float, default=0.0)
    r.add_argument("--repetition-penalty", type=float, default=1.0)
    r.add_argument("--stop", action="append", help="a stop string (repeat the flag for several)")
    r.add_argument("--sampling-options", help="JSON object of any other sampling keywords of the backend")
    r.add_argument("--quiet", action="store_true")
    _add_ray_arguments(r, actors=True)
    r.set_defaults(func=cmd_run)

    compare = sub.add_parser("compare", help="runs side by side, differences with paired bootstrap intervals")
    _add_runs_arguments(compare, k_help="comma-separated K list (default: powers of two up to the smallest n)")
    compare.add_argument("--out", default="compare", help="folder for compare.json, compare.md, compare.png")
    compare.set_defaults(func=cmd_compare)

    ent = sub.add_parser("entropy", help="per-token entropy of a run's samples: pivotal, reflective, rare behaviour")
    ent.add_argument("run_dir")
    ent.add_argument("--model", help="default: the run's model")
    ent.add_argument("--temperature", type=float, help="default: the run's sampling temperature")
    ent.add_argument("--reference", help="run whose sentences define 'common' (default: the run itself)")
    ent.add_argument("--out", help="folder for entropy.json, entropy.png, entropy.html (default: the run)")
    ent.add_argument("--page-samples", type=int, default=40, help="samples to include in entropy.html")
    ent.add_argument("--quiet", action="store_true")
    ent.set_defaults(func=cmd_entropy)

    check = sub.add_parser("check", help="verify a run directory (parts read, no sample twice, grades match); "
                                          "--repair moves broken parts aside")
    check.add_argument("run_dir")
    check.add_argument("--repair", action="store_true",
                       help="move unreadable, doubled and mismatched parts to RUN/broken/ (regenerated or regraded next)")
    check.set_defaults(func=cmd_check)

    merge = sub.add_parser("merge", help="gather shards written to separate run directories into one")
    merge.add_argument("out")
    merge.add_argument("run_dirs", nargs="+")
    merge.set_defaults(func=cmd_merge)

    # Commands from other installed packages (trainers adds `train`): passk imports none of them by name.
    from importlib.metadata import entry_points

    # by name: an environment that still holds the pre-rename `passk` distribution lists each plugin twice
    for plugin in {ep.name: ep for ep in entry_points(group="passk.commands")}.values():
        plugin.load()(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # only commands that declare trailing key=value overrides accept leftovers
        if not getattr(args, "takes_overrides", False):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.overrides = extra
    try:
        return args.func(args)
    except PasskError as exc:  # misuse; anything else is a bug in passk and keeps its traceback
        print(f"passk {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `passk score RUN | head`: the reader left; the files are written already
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 2


if __name__ == "__main__":
    sys.exit(main())
