"""Generation throughput: passk's vllm backend against a bare LLM.generate, and the hf backend.

Each arm runs in its own process (one vLLM engine per process), on the same prompts and
sampling parameters, one request of n samples per problem with the same seed. Engine or
model start-up is excluded everywhere; the passk figure is the whole generation loop:
planning, generation, writing parquet parts, progress.

    python bench/bench_generation.py --problems 8 --n 16 --max-tokens 256
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def bare_vllm(args) -> dict:
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    from vllm import LLM, SamplingParams

    _, prompts, seeds = _prompts(args)
    llm = LLM(model=args.model, seed=0, gpu_memory_utilization=0.3, enforce_eager=True, enable_chunked_prefill=False,
              dtype="auto")
    params = [SamplingParams(n=args.n, temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_tokens,
                             seed=s) for s in seeds]
    start = time.perf_counter()
    outputs = llm.generate(prompts, params, use_tqdm=False)
    seconds = time.perf_counter() - start
    tokens = sum(len(c.token_ids) for o in outputs for c in o.outputs)
    return {"samples": len(prompts) * args.n, "tokens": tokens, "seconds": seconds}


def passk_backend(args, backend_name: str) -> dict:
    from passk.data import get_spec
    from passk.generate.backends import SamplingConfig, make_backend
    from passk.generate.runner import GenerateSettings, generate_samples, prepare_run
    from passk.rundir import RunDir

    problems, prompts, _ = _prompts(args)
    spec = get_spec(args.benchmark)
    settings = GenerateSettings(spec.name, args.model, "bench", backend_name, spec.template, "", SamplingConfig(
        args.temperature, args.top_p, args.max_tokens), args.seed, args.n, args.n, tuple(p.problem_id for p in problems))
    backend = make_backend(backend_name, args.model)
    with tempfile.TemporaryDirectory() as tmp:
        run = RunDir(tmp)
        by_id = dict(zip((p.problem_id for p in problems), prompts))
        prepare_run(run, settings, problems, by_id)
        return generate_samples(run, backend, settings, problems, by_id, progress=False)


def _prompts(args) -> tuple[list, list[str], list[int]]:
    """The benchmark's first problems, their rendered prompts, and the seed each gets in passk."""
    from transformers import AutoTokenizer

    from passk.data import data_dir_from_env, get_spec, load_problems, select
    from passk.generate.runner import request_seed
    from passk.prompts import get_template

    spec = get_spec(args.benchmark)
    problems = select(load_problems(spec, data_dir_from_env())[0], args.problems)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    template = get_template(spec.template)
    return (problems, [template.render(p.problem, tokenizer) for p in problems],
            [request_seed(args.seed, spec.name, p.problem_id, 0) for p in problems])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arm", choices=["bare", "vllm", "hf"], help=argparse.SUPPRESS)
    parser.add_argument("--benchmark", default="math500_level1")
    parser.add_argument("--model", default=None, help="default: the embedded SmolLM2-135M-Instruct")
    parser.add_argument("--problems", type=int, default=8)
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--temperature", type=float, default=0.6)
    parser.add_argument("--top-p", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hf-problems", type=int, default=2, help="the hf backend is slow: fewer problems")
    args = parser.parse_args()
    if args.model is None:
        from passk.generate.default_model import ensure_default_model

        args.model = str(ensure_default_model())
    if args.arm:
        result = bare_vllm(args) if args.arm == "bare" else passk_backend(args, args.arm)
        print("RESULT " + json.dumps({k: result[k] for k in ("samples", "tokens", "seconds")}))
        return
    results = {}
    for arm in ("bare", "vllm", "hf"):
        argv = [a for a in sys.argv[1:]] + ["--arm", arm, "--model", args.model]
        if arm == "hf":
            argv += ["--problems", str(args.hf_problems)]
        out = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True)
        line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
        if line is None:
            sys.exit(f"arm {arm} failed:\n{out.stderr[-3000:]}")
        results[arm] = json.loads(line[7:])
        r = results[arm]
        print(f"{arm:>5}: {r['samples']} samples, {r['tokens']} tokens in {r['seconds']:.1f} s = "
              f"{r['samples'] / r['seconds']:.2f} samples/s, {r['tokens'] / r['seconds']:.1f} tokens/s")
    bare, ours = results["bare"], results["vllm"]
    overhead = (bare["tokens"] / bare["seconds"]) / (ours["tokens"] / ours["seconds"]) - 1
    same = "same" if bare["tokens"] == ours["tokens"] else "different"
    print(f"passk overhead against bare LLM.generate: {overhead:+.1%} in tokens/s ({same} token counts)")
    print(f"vllm backend against hf backend: {(ours['tokens'] / ours['seconds']) / (results['hf']['tokens'] / results['hf']['seconds']):.1f}x tokens/s")


if __name__ == "__main__":
    main()
