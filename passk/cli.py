"""passk command line: each subcommand wires library functions together, nothing more."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from passk.errors import ConfigError, InputError, PasskError


def _k_list(text: str | None) -> tuple[int, ...] | None:
    from passk.settings import parse_k

    return None if text is None else parse_k(text)


class _Once(argparse.Action):
    """A single-valued flag: given twice is an error (`--benchmark aime24 --benchmark math500` ran math500 alone)."""

    def __call__(self, parser, namespace, values, option_string=None):
        seen = namespace.__dict__.setdefault("_given_once", {})
        if option_string and self.dest in seen:
            raise ConfigError(f"{option_string} given twice ({seen[self.dest]!r}, then {values!r}); give it once"
                              + (" (several benchmarks: --benchmark A,B)" if self.dest == "benchmark" else ""))
        if option_string:
            seen[self.dest] = values
        setattr(namespace, self.dest, values)


class _Parser(argparse.ArgumentParser):
    """Every parser of passk (subcommands included): single-valued flags are `_Once`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register("action", None, _Once)
        self.register("action", "store", _Once)


def _labels(text: str | None, count: int) -> list[str | None]:
    labels: list[str | None] = list(text.split(",")) if text else [None] * count
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
    from dataclasses import replace

    from passk.rundir import RunDir
    from passk.settings import GradingRecord

    # a run: what its prompt template asked for and its timeout, as recorded when it was made; pairs: free form
    grading = RunDir(args.run_dir).read_manifest().grading if args.run_dir and not args.pairs else \
        GradingRecord(answer_form="free")
    if args.answer_form is not None:  # the answer form's own rules only, not those the run recorded
        grading = replace(grading, answer_form=args.answer_form, extract_fallbacks=())
    if args.timeout is not None:
        grading = replace(grading, timeout_s=args.timeout)
    _check_cache(args.cache)
    from passk.config import json_object
    from passk.judge import check_judge, judge_config

    judge = judge_config(args.judge, args.judge_url,
                         json_object("--judge-options", args.judge_options) if args.judge_options else None)
    check_judge(judge)  # before an output file is opened or a part graded
    given = {"workers": args.workers, "cache_path": args.cache, "policy": args.policy, "judge": judge}
    return grading.grade_config(**{k: v for k, v in given.items() if v is not None})  # GradeConfig checks them


def _check_group_by(path: str, field: str) -> None:
    """--group-by a field no labelled row has would put every row under "-": refused, before anything is written."""
    from passk.jsonl import read_jsonl

    fields: set[str] = set()
    for _, row in read_jsonl(Path(path)):
        if "expected" in row:
            fields.update(row)
    if fields and field not in fields:
        raise ConfigError(f"--group-by {field}: no labelled row of {path} has that field "
                          f"(they have {', '.join(sorted(fields))})")


def cmd_grade(args) -> int:
    from passk.grade.pairs import PairFields, grade_pairs, open_output
    from passk.grade.run_grades import grade_run
    from passk.rundir import RunDir

    if bool(args.pairs) == bool(args.run_dir):
        raise ConfigError("give a RUN_DIR to grade, or --pairs FILE (not both)")
    config = _grade_config(args)
    if args.check and args.group_by is not None:
        _check_group_by(args.pairs, args.group_by)
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
            from passk.grade.agreement import check_pairs

            report = check_pairs(rows, fields, args.group_by or "label_origin")
            if not report.groups:
                raise InputError(f"--check needs rows with an `expected` field; {args.pairs} has none")
            report.print(gold_field=args.gold_field)
            return 1 if report.mismatches else 0
        return 0
    from passk.integrity import require_consistent_grades

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
    from passk.rundir import RunDir
    from passk.score import format_table, score_run, warnings_of, write_scores

    runs = [RunDir(path) for path in args.run_dirs]
    config = ScoreConfig(k=_k_list(args.k))
    if args.k and not args.out:  # a report.md was made from the run's scores.json: other K go elsewhere
        reported = [str(run.path) for run in runs if run.report_md.is_file()]
        if reported:
            raise ConfigError(f"{', '.join(reported)}: its scores.json is the one its report.md was made from; "
                              f"scores with --k go where --out DIR says")
    for run in runs:
        scores = score_run(run, config, strict=args.strict)
        # where the user says (one folder per run where there are several), else the run itself
        target = RunDir(Path(args.out) / run.path.name if len(runs) > 1 else args.out) if args.out else run
        write_scores(target, scores)
        print(f"== {run.path}\n{format_table(scores)}\nwrote {target.scores_json} and {target.scores_csv}")
        for warning in warnings_of(scores):  # an incomplete run is scored as it stands; --strict refuses it
            print(f"passk score: {run.path}: {warning}", file=sys.stderr)
    return 0


def cmd_plot(args) -> int:
    from passk.plot import plot_runs
    from passk.rundir import RunDir

    runs = [RunDir(p) for p in args.run_dirs]
    labels = [label or run.path.name for label, run in zip(_labels(args.labels, len(runs)), runs, strict=True)]
    out = Path(args.out) if args.out else runs[0].plot_png
    print(f"wrote {plot_runs([r.scores_json for r in runs], labels, out)}")
    return 0


def _ray_config(args):
    """`passk grade --ray [ADDRESS]` (passk/ray_cluster.py), or None without --ray. (`passk run --ray` and its
    options resolve with every other run setting, in passk/resolve.py.)"""
    if args.ray is None:
        return None
    from passk.ray_cluster import RayConfig

    return RayConfig(address=args.ray or None)


def _add_ray_arguments(parser, actors: bool) -> None:
    parser.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                        help="on a Ray cluster: ADDRESS of its head (HOST:6379), or none for RAY_ADDRESS, "
                             "a cluster started on this node, else a local one")
    if actors:
        parser.add_argument("--ray-actors", type=int, help="engine actors (default: one per --tp GPUs of the cluster)")
        parser.add_argument("--ray-cpus-per-actor", type=float, help="CPUs each engine actor reserves (default 1)")
        parser.add_argument("--ray-chunk-samples", type=int,
                            help="most samples handed to an actor at once, fewer as the queue drains (default 1024)")


def _add_judge_arguments(parser) -> None:
    from passk.generate.openai_backend import ServerConfig

    parser.add_argument("--judge", metavar="MODEL", help="a judge model behind an OpenAI-compatible chat endpoint "
                                                         "reads the rows the rules are unsure of (docs/grading.md: "
                                                         "A judge for what rules cannot read); off by default")
    parser.add_argument("--judge-url", metavar="URL", help=f"--judge: the server's /v1 URL (default "
                                                           f"{ServerConfig.base_url})")
    parser.add_argument("--judge-options", metavar="JSON", help="--judge: a JSON object of other fields for each "
                                                                "chat request, the server's own (vLLM: "
                                                                "structured_outputs, chat_template_kwargs)")


def cmd_run(args) -> int:
    from passk.pipeline import execute
    from passk.resolve import resolve_run

    given = {key: value for key, value in vars(args).items()  # argparse passes only the flags given
             if key not in ("func", "command", "quiet") and not key.startswith("_")}
    execute(resolve_run(given), progress=not getattr(args, "quiet", False))
    return 0


def cmd_check(args) -> int:
    from passk.integrity import check_run
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

    labels = _labels(args.labels, len(args.run_dirs))
    runs = [load_run(path, label) for path, label in zip(args.run_dirs, labels, strict=True)]
    result = compare_runs(runs, ScoreConfig(k=_k_list(args.k)), strict=args.strict)
    write_comparison(result, Path(args.out))
    print(format_comparison(result))
    for warning in result.warnings:
        print(f"passk compare: {warning}", file=sys.stderr)
    print(f"wrote {args.out}/compare.json, compare.md, compare.tex, frontier.jsonl and the figures")
    return 0


def cmd_seeds(args) -> int:
    from passk.results import ScoreConfig
    from passk.seeds import aggregate, load_arms, write_seeds

    result = aggregate(load_arms(args.arm), ScoreConfig(k=_k_list(args.k)))
    write_seeds(result, Path(args.out))
    for name, b in result["benchmarks"].items():
        if b["k_left_out"]:
            print(f"passk seeds: {name}: K {b['k_left_out']} exceed the smallest n and are left out", file=sys.stderr)
        if b["problems_only_in_some_runs"]:
            print(f"passk seeds: {name}: {b['problems_only_in_some_runs']} problem rows are not in every run; "
                  f"compared on the {b['n_problems']} shared", file=sys.stderr)
        print(f"{name}: {b['n_problems']} shared problems; pass@{b['k'][-1]} over seeds: " + ", ".join(
            f"{arm} {by_metric['pass@k'][b['k'][-1]].cell()}" for arm, by_metric in b["arms"].items()))
    print(f"wrote {args.out}/seeds.json, seeds.md and seeds.png")
    return 0


def cmd_budget(args) -> int:
    import numpy as np

    from passk.budget import budget, format_budget
    from passk.results import ScoreConfig
    from passk.rundir import RunDir
    from passk.score import score_run

    scores = score_run(RunDir(args.run_dir), ScoreConfig(k=_k_list(args.k)))
    for name, b in scores.benchmarks.items():
        rows = budget([p.id for p in b.problems], np.array([p.n for p in b.problems]),
                      np.array([p.c for p in b.problems]), list(b.k), args.width)
        print(format_budget(name, rows, args.width, b.n_problems))
    return 0


def cmd_likelihood(args) -> int:
    import json

    from passk.analysis.likelihood import compute_likelihoods, summarize
    from passk.jsonl import write_json_atomic
    from passk.rundir import RunDir

    if args.temperature <= 0:
        raise ConfigError(f"--temperature must be > 0, got {args.temperature}")
    if args.model:
        from passk.resolve import check_model_argument

        check_model_argument(args.model)
    run = RunDir(args.run_dir).require()
    model = args.model
    if model == "default":  # the embedded SmolLM2-135M-Instruct
        from passk.generate.default_model import ensure_default_model

        model = str(ensure_default_model())
    folder, done = compute_likelihoods(run, model, args.temperature, progress=not args.quiet)
    print(f"scored {done} new samples into {folder}" if done else f"likelihoods already in {folder}")
    summary = summarize(run, folder, model or "the run's model", args.temperature)
    out = Path(args.out) if args.out else folder
    write_json_atomic(out / "likelihood.json", summary)
    print(json.dumps({k: summary[k] for k in ("all", "correct", "not_correct")}, indent=1))
    print(f"wrote {out}/likelihood.json")
    return 0


def cmd_entropy(args) -> int:
    from passk.analysis.entropy_report import analyze, load_samples, write_outputs
    from passk.analysis.run_entropies import compute_entropies
    from passk.rundir import RunDir

    if args.page_samples < 0:
        raise ConfigError(f"--page-samples must be >= 0, got {args.page_samples}")
    if args.model:
        from passk.resolve import check_model_argument

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


def cmd_audit(args) -> int:
    from passk.audit import audit_run, summary_lines, write_audit
    from passk.rundir import RunDir

    judge = None
    if args.judge:
        from passk.generate.openai_backend import ServerConfig
        from passk.judge import JudgeConfig

        judge = JudgeConfig(args.judge, ServerConfig(base_url=args.base_url, api_key_env=args.api_key_env,
                                                     concurrency=args.concurrency))
    run = RunDir(args.run_dir)
    audit = audit_run(run, max_correct=args.max_correct, ks=list(_k_list(args.k) or ()) or None, judge=judge)
    paths = write_audit(audit, Path(args.out) if args.out else run.path)
    print("\n".join(summary_lines(audit)))
    print(f"wrote {paths[0]} and {paths[1]}")
    return 0


def cmd_view(args) -> int:
    from passk.view import serve, write_view

    out = Path(args.out) if args.out else Path(args.run_dirs[0]) / "view"
    page = write_view(args.run_dirs, out, _labels(args.labels, len(args.run_dirs)))
    print(f"wrote {page} (open it in a browser: {page.resolve().as_uri()})")
    if args.serve is not None:
        serve(out, args.serve)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from passk import __version__
    from passk.generate.backends import BACKENDS

    parser = _Parser(prog="passk", description="Pass@K evaluation for math reasoning")
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
    grade.add_argument("--group-by", help="field that splits the --check report (default: label_origin)")
    grade.add_argument("--gold-field", default="gold")
    grade.add_argument("--completion-field", default=None, help="default: `completion`, or `pred` where absent")
    grade.add_argument("--finish-field", default="finish_reason")
    grade.add_argument("--answer-form", choices=["boxed", "answer_line", "bare", "free"], default=None,
                       help="the answer form the prompt asked for, tried first (default: free for --pairs, "
                            "which also guesses the last math span or number; for a run, its template's form)")
    grade.add_argument("--policy", choices=["strict", "lenient"],
                       help="strict (default): an exact gold needs an exact answer; lenient: also a correctly rounded "
                            "decimal")
    grade.add_argument("--regrade", action="store_true", help="regrade every sample part, not only new ones")
    grade.add_argument("--timeout", type=float, help="CPU seconds per symbolic comparison (default: the run's, else 5)")
    grade.add_argument("--workers", type=int, help="worker processes (default 0: every core)")
    grade.add_argument("--cache", help="SQLite file that keeps verdicts between runs (and the judge's)")
    _add_judge_arguments(grade)
    grade.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_ray_arguments(grade, actors=False)
    grade.set_defaults(func=cmd_grade)

    score = sub.add_parser("score", help="Pass@K, maj@K, mean@n with 95%% intervals: scores.json, scores.csv")
    score.add_argument("run_dirs", nargs="+")
    score.add_argument("--k", help="comma-separated K list (default: powers of two up to n); for a run that has a "
                                   "report.md, give --out too")
    score.add_argument("--out", help="folder for scores.json and scores.csv (default: the run; several runs: "
                                     "OUT/RUN_NAME)")
    score.add_argument("--strict", action="store_true",
                       help="refuse a run still missing samples or grades, or a K above n (default: warn on stderr)")
    score.set_defaults(func=cmd_score)

    plot = sub.add_parser("plot", help="Pass@K against K (log2), runs overlaid, as PNG")
    _add_runs_arguments(plot)
    plot.add_argument("--out", help="PNG path (default: passk.png in the first run)")
    plot.set_defaults(func=cmd_plot)

    # no defaults here: argparse passes only what was typed, and passk.resolve fills the rest from the dataclasses
    r = sub.add_parser("run", help="generate, grade, score, plot and report: one command",
                       argument_default=argparse.SUPPRESS)
    r.add_argument("--benchmark", help="benchmark definition(s) in benchmarks/ (math500, aime24, ...); several, "
                                       "comma-separated, share one engine load and go to OUT/NAME")
    r.add_argument("--data", help="any JSONL/JSON/parquet file of problems instead of --benchmark")
    r.add_argument("--problem-field", help="default: problem")
    r.add_argument("--answer-field", help="default: answer")
    r.add_argument("--id-field", help="default: the row index")
    r.add_argument("--grade-timeout", type=float, help="CPU seconds per symbolic comparison when grading (default: "
                                                        "the grader's, 5)")
    r.add_argument("--data-dir", help="local benchmark mirror with MANIFEST.json (default: $PASSK_DATA_DIR, else the hub)")
    r.add_argument("--model", help="hub id or local path (default: the embedded SmolLM2-135M-Instruct)")
    r.add_argument("--backend", choices=["auto", *BACKENDS], help="default: auto (vllm where it imports, else hf)")
    r.add_argument("--tokenizer", help="tokenizer that renders chat prompts (default: the model's)")
    r.add_argument("--base-url", help="openai backend: the server's /v1 URL")
    r.add_argument("--api-key-env", help="openai backend: variable holding the API key (default: OPENAI_API_KEY "
                                         "where set, else none)")
    r.add_argument("--concurrency", type=int, help="openai backend: requests in flight")
    r.add_argument("--request-timeout", type=float, help="openai backend: seconds per request")
    r.add_argument("--max-retries", type=int, help="openai backend: retries with exponential backoff")
    r.add_argument("--n-mode", choices=["auto", "split"],
                   help="openai backend: n samples per request where the server gives per-sample token counts (vLLM), "
                        "or always one sample per request with seeds seed+j")
    _add_judge_arguments(r)
    r.add_argument("--out", help="run directory (default: runs/BENCHMARK)")
    r.add_argument("--n", type=int, help="samples per problem (default: the benchmark's)")
    r.add_argument("--temperature", type=float)
    r.add_argument("--top-p", type=float)
    r.add_argument("--max-tokens", type=int)
    r.add_argument("--template", help="a built-in template (`passk list`) or a file with a {problem} placeholder")
    r.add_argument("--system-prompt", help="a system turn (chat templates): the text itself, or @PATH for a file")
    r.add_argument("--chat", action=argparse.BooleanOptionalAction,
                   help="wrap the template in the model's chat template (default: as the template says)")
    r.add_argument("--fewshot", help="JSONL of {problem, solution} examples shown before each problem, in file order")
    r.add_argument("--fewshot-k", type=int, help="the first K examples of --fewshot (default: all)")
    r.add_argument("--dry-run", action="store_true",
                   help="the full pre-flight: print the first prompts and the plan, check everything the run checks "
                        "before loading weights (exit 2 where it would refuse); write nothing")
    r.add_argument("--preset", help="a protocol preset (`passk list`): its benchmarks, n, sampling, template, one report")
    r.add_argument("--k", help="comma-separated K list for the scores")
    r.add_argument("--seed", type=int)
    r.add_argument("--block-size", type=int, help="samples per request")
    r.add_argument("--batch-samples", type=int, help="samples per written part (lost at most on a crash)")
    r.add_argument("--part-seconds", type=float, help="... or write a part at least this often")
    r.add_argument("--limit", type=int, help="the first N problems")
    r.add_argument("--problems", help="comma-separated problem ids")
    r.add_argument("--shard", help="i/N: this process fills problems with index %% N == i")
    r.add_argument("--force", action="store_true", help="delete the run's samples and start afresh")
    r.add_argument("--generate-only", action="store_true", help="stop after generation (shard jobs)")
    r.add_argument("--data-parallel", type=int,
                   help="N processes, one engine (one GPU) each, on shards of the same run directory")
    r.add_argument("--tp", type=int, help="vLLM tensor_parallel_size")
    r.add_argument("--gpu-memory-utilization", type=float)
    r.add_argument("--max-model-len", type=int)
    r.add_argument("--dtype")
    r.add_argument("--enforce-eager", action=argparse.BooleanOptionalAction)
    r.add_argument("--trust-remote-code", action="store_true")
    r.add_argument("--revision", help="model revision (branch, tag or commit); the commit is recorded")
    r.add_argument("--max-num-seqs", type=int)
    r.add_argument("--max-num-batched-tokens", type=int)
    r.add_argument("--enable-prefix-caching", action=argparse.BooleanOptionalAction)
    r.add_argument("--kv-cache-dtype")
    r.add_argument("--quantization")
    r.add_argument("--hf-overrides", help="JSON object of model config overrides")
    r.add_argument("--engine-options", help="JSON object of any other vllm.EngineArgs keywords")
    r.add_argument("--top-k", type=int, help="0: off")
    r.add_argument("--min-p", type=float)
    r.add_argument("--repetition-penalty", type=float)
    r.add_argument("--stop", action="append", help="a stop string (repeat the flag for several)")
    r.add_argument("--sampling-options", help="JSON object of any other sampling keywords of the backend")
    r.add_argument("--quiet", action="store_true")
    _add_ray_arguments(r, actors=True)
    r.set_defaults(func=cmd_run)

    compare = sub.add_parser("compare", help="runs side by side, differences with paired bootstrap intervals")
    _add_runs_arguments(compare, k_help="comma-separated K list (default: powers of two up to the smallest n)")
    compare.add_argument("--out", default="compare", help="folder for compare.json, compare.md, compare.tex, "
                                                          "frontier.jsonl and the figures")
    compare.add_argument("--strict", action="store_true", help="refuse a partial comparison (problems or benchmarks "
                                                               "not in every run, K above n) instead of warning")
    compare.set_defaults(func=cmd_compare)

    seeds = sub.add_parser("seeds", help="arms of several runs (training seeds): every metric's mean over seeds "
                                         "with a t interval, and each arm against the first")
    seeds.add_argument("--arm", action="append", required=True, help="NAME=RUN_DIR[,RUN_DIR...] (repeat per arm)")
    seeds.add_argument("--k", help="comma-separated K list (default: powers of two up to the smallest n)")
    seeds.add_argument("--out", default="seeds", help="folder for seeds.json, seeds.md and seeds.png")
    seeds.set_defaults(func=cmd_seeds)

    bud = sub.add_parser("budget", help="interval widths at each K, and the samples per problem a target width needs")
    bud.add_argument("run_dir")
    bud.add_argument("--width", type=float, default=0.05, help="full width of the 95%% interval wanted (default 0.05)")
    bud.add_argument("--k", help="comma-separated K list (default: powers of two up to n)")
    bud.set_defaults(func=cmd_budget)

    lik = sub.add_parser("likelihood", help="log-likelihood and perplexity of a run's samples under a model "
                                            "(teacher forced, chunked like entropy)")
    lik.add_argument("run_dir")
    lik.add_argument("--model", help="the scoring model: a path, a hub id, or `default` for the embedded one "
                                     "(default: the run's own model)")
    lik.add_argument("--temperature", type=float, default=1.0, help="score under softmax(logits / T) (default 1)")
    lik.add_argument("--out", help="folder for likelihood.json (default: the scoring model's folder in the run)")
    lik.add_argument("--quiet", action="store_true")
    lik.set_defaults(func=cmd_likelihood)

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

    audit = sub.add_parser("audit", help="the rare successes behind Pass@K at large K, flagged: audit.md, audit.json")
    audit.add_argument("run_dir")
    audit.add_argument("--max-correct", type=int, default=3, help="audit problems with at most this many correct samples")
    audit.add_argument("--k", help="comma-separated K list (default: powers of two up to the smallest n)")
    audit.add_argument("--out", help="folder for audit.md and audit.json (default: the run)")
    audit.add_argument("--judge", metavar="MODEL", help="a judge model behind an OpenAI-compatible chat endpoint "
                                                        "rates each audited success: a CoT-checked Pass@K beside")
    audit.add_argument("--base-url", default="http://127.0.0.1:8000/v1", help="--judge: the server's /v1 URL")
    audit.add_argument("--api-key-env", help="--judge: variable holding the API key (default: OPENAI_API_KEY or none)")
    audit.add_argument("--concurrency", type=int, default=16, help="--judge: requests in flight")
    audit.set_defaults(func=cmd_audit)

    view = sub.add_parser("view", help="a static sample browser for one or more runs (HTML, opens from disk)")
    _add_runs_arguments(view)
    view.add_argument("--out", help="folder for the page (default: RUN/view for the first run)")
    view.add_argument("--serve", type=int, nargs="?", const=8000, default=None, metavar="PORT",
                      help="also serve it on 127.0.0.1:PORT (default 8000) until Ctrl-C")
    view.set_defaults(func=cmd_view)

    # Commands from other installed packages (trainers adds `train`): passk imports none of them by name.
    from importlib.metadata import entry_points

    # by name: an environment that still holds the pre-rename `passk` distribution lists each plugin twice
    for plugin in {ep.name: ep for ep in entry_points(group="passk.commands")}.values():
        plugin.load()(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    try:
        args, extra = parser.parse_known_args(argv)
    except PasskError as exc:  # a flag given twice
        command = next((a for a in argv if not a.startswith("-")), "")
        print(f"passk {command}: error: {exc}".replace("passk : ", "passk: "), file=sys.stderr)
        return 2
    if extra:  # only commands that declare trailing key=value overrides accept leftovers
        if not getattr(args, "takes_overrides", False):
            _subparser(parser, args.command).error(_unrecognized(_subparser(parser, args.command), extra))
        args.overrides = extra
    try:
        return args.func(args)
    except PasskError as exc:  # misuse; anything else is a bug in passk and keeps its traceback
        print(f"passk {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `passk score RUN | head`: the reader left; the files are written already
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 2


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[command]


def _unrecognized(sub: argparse.ArgumentParser, extra: list[str]) -> str:
    """`unrecognized arguments: --temprature (did you mean --temperature?)`."""
    import difflib

    flags = [o for a in sub._actions for o in a.option_strings]
    words = []
    for word in extra:
        close = difflib.get_close_matches(word.split("=")[0], flags, 1) if word.startswith("-") else []
        words.append(f"{word} (did you mean {close[0]}?)" if close else word)
    return f"unrecognized arguments: {' '.join(words)}"


if __name__ == "__main__":
    sys.exit(main())
