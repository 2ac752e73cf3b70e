"""Generation throughput: passk's streaming runner against a bare vLLM engine, and the cost of a batch barrier.

One process, one engine (the embedded default unless --model), the same requests in every arm
(one request of --block-size samples per block of a problem, passk's seeds):

  bare      LLM.generate with every request at once: the engine alone, nothing written
  bare_n1   the same with one n = 1 request per sample, the shape passk gives the engine (so a sample
            comes back the step it ends): bare_n1 against bare is the cost of that shape inside vLLM,
            passk against bare_n1 the cost of passk's own loop (bookkeeping, parts written)
  passk     passk's runner: every request in flight, samples written as atomic parts as they finish
  barrier   LLM.generate in calls of --barrier-samples samples (passk before: each call waits for its slowest)

Arms alternate for --repeats rounds after a warm-up, the prefix cache emptied before each; ratios
come from the same process and engine. Wall-clock ratios between arms drift by several percent on a
virtual machine over a 20-minute run, so each arm also reports the two figures that do not: the seconds
spent outside the engine's step (the arm's own Python: for passk, its whole bookkeeping) and tokens per
CPU second of the process (time stolen by other tenants is not counted). On a CPU shared with other jobs, bind vLLM to one core
(VLLM_CPU_OMP_THREADS_BIND=1): two OpenMP threads on oversubscribed cores stall at every barrier.
Then the recorded lengths go through the memory-bound cost model of GPU decoding (a decode step
costs the same at any occupancy up to --capacity sequences, so time ~ steps): decode steps with
every request in flight against calls of --barrier-samples samples.

    python bench/bench_generation.py --problems 16 --n 32 --max-tokens 384
    python bench/bench_generation.py --simulate RUN_DIR --capacity 256   # steps only, from any run's lengths
"""

from __future__ import annotations

import argparse
import heapq
import json
import tempfile
import time


def decode_steps(lengths: list[int], capacity: int) -> int:
    """Decode steps for sequences of these lengths, at most `capacity` at a time, in order, a freed slot refilled
    the next step: each step advances every running sequence by one token."""
    finish: list[int] = []
    for length in lengths:
        start = heapq.heappop(finish) if len(finish) >= capacity else 0
        heapq.heappush(finish, start + length)
    return max(finish, default=0)


def barrier_steps(lengths: list[int], capacity: int, call_samples: int) -> int:
    """The same, in calls of `call_samples` sequences, each call waiting for its slowest."""
    return sum(decode_steps(lengths[i:i + call_samples], capacity) for i in range(0, len(lengths), call_samples))


def simulate(lengths: list[int], capacity: int, call_samples: int) -> dict:
    free, held = decode_steps(lengths, capacity), barrier_steps(lengths, capacity, call_samples)
    return {"samples": len(lengths), "tokens": sum(lengths), "capacity": capacity, "call_samples": call_samples,
            "steps_no_barrier": free, "steps_barrier": held, "barrier_cost": held / free - 1 if free else 0.0,
            "lower_bound_steps": max(-(-sum(lengths) // capacity), max(lengths, default=0))}


def run_lengths(run_dir: str) -> list[int]:
    """Sample lengths of a run directory, in the order passk submits them (problem, then sample index)."""
    import pyarrow.parquet as pq

    from passk.rundir import RunDir

    rows = [r for part in RunDir(run_dir).sample_parts()
            for r in pq.read_table(part, columns=["problem_id", "sample_idx", "num_tokens"]).to_pylist()]
    order = {pid: i for i, pid in enumerate(dict.fromkeys(r["problem_id"] for r in rows))}
    return [r["num_tokens"] for r in sorted(rows, key=lambda r: (order[r["problem_id"]], r["sample_idx"]))]


def measure(args) -> dict:
    from passk.data import data_dir_from_env, get_spec, load_problems, select
    from passk.generate.backends import make_backend
    from passk.generate.runner import GenerateSettings, generate_samples, plan_requests, prepare_run
    from passk.generate.sampling import EngineConfig, SamplingConfig
    from passk.prompts import get_template
    from passk.rundir import RunDir

    spec = get_spec(args.benchmark)
    problems = select(load_problems(spec, data_dir_from_env())[0], args.problems)
    sampling = SamplingConfig(temperature=args.temperature, top_p=args.top_p, max_tokens=args.max_tokens)
    backend = make_backend("vllm", args.model, EngineConfig())
    template = get_template(spec.template)
    prompts = {p.problem_id: template.render(p.problem, backend.tokenizer) for p in problems}
    settings = GenerateSettings(benchmark=spec.name, model=args.model, model_fingerprint="bench", backend="vllm",
                                template=template.name, template_text=template.text, sampling=sampling, seed=args.seed,
                                block_size=args.block_size, n=args.n, problem_ids=tuple(p.problem_id for p in problems))
    requests = [r for _, _, r in plan_requests(problems, prompts, settings, set())]
    from passk.generate.sampling import vllm_sampling_params

    def params(r, n=None, seed=None):
        return vllm_sampling_params(sampling, r.seed if seed is None else seed, n or r.n)

    # time inside the engine's step, in every arm: the rest of an arm's time is its own Python
    engine, step_seconds = backend.llm.llm_engine, [0.0]
    engine_step = engine.step

    def timed_step():
        t = time.perf_counter()
        try:
            return engine_step()
        finally:
            step_seconds[0] += time.perf_counter() - t

    engine.step = timed_step

    def timed(arm):
        def run() -> dict:
            step_seconds[0], cpu = 0.0, time.process_time()
            result = arm()
            return {**result, "step_seconds": step_seconds[0], "cpu_seconds": time.process_time() - cpu}
        return run

    def bare(calls: list[list], per_sample: bool = False) -> dict:
        start, tokens = time.perf_counter(), 0
        for call in calls:
            if per_sample:
                prompts = [r.prompt for r in call for _ in range(r.n)]
                sampling_params = [params(r, 1, r.seed + j) for r in call for j in range(r.n)]
            else:
                prompts, sampling_params = [r.prompt for r in call], [params(r) for r in call]
            outputs = backend.llm.generate(prompts, sampling_params, use_tqdm=False)
            tokens += sum(len(c.token_ids) for o in outputs for c in o.outputs)
        return {"tokens": tokens, "seconds": time.perf_counter() - start}

    recorded: dict = {}

    def passk() -> dict:
        with tempfile.TemporaryDirectory() as tmp:
            run = RunDir(tmp)
            prepare_run(run, settings, problems, prompts)
            figures = generate_samples(run, backend, settings, problems, prompts, progress=False)
            recorded["lengths"] = run_lengths(tmp)
        return {"tokens": figures["tokens"], "seconds": figures["seconds"]}

    calls, call = [], []
    for r in requests:  # consecutive requests of about --barrier-samples samples, as passk's batches were
        call.append(r)
        if sum(x.n for x in call) >= args.barrier_samples:
            calls.append(call)
            call = []
    calls += [call] if call else []
    arms = {name: timed(arm) for name, arm in {
        "bare": lambda: bare([requests]), "bare_n1": lambda: bare([requests], per_sample=True), "passk": passk,
        "barrier": lambda: bare(calls)}.items()}
    bare([requests[:2]])  # warm-up: first-call costs out of every arm
    rounds = {name: [] for name in arms}
    for round_ in range(args.repeats):
        for name in (list(arms) if round_ % 2 == 0 else list(arms)[::-1]):
            backend.llm.reset_prefix_cache()  # no arm reuses the prompts another arm computed
            rounds[name].append(arms[name]())
            r = rounds[name][-1]
            print(f"round {round_ + 1} {name:>7}: {r['tokens']} tokens in {r['seconds']:.1f} s = "
                  f"{r['tokens'] / r['seconds']:.1f} tokens/s ({r['tokens'] / r['cpu_seconds']:.1f} per CPU second); "
                  f"outside the engine step {r['seconds'] - r['step_seconds']:.2f} s",
                  flush=True)
    backend.close()
    totals = {name: {key: sum(r[key] for r in rs) for key in ("tokens", "seconds", "step_seconds", "cpu_seconds")}
              for name, rs in rounds.items()}
    return {"rounds": rounds, "totals": totals, "lengths": recorded["lengths"], "requests": len(requests),
            "calls_with_barrier": len(calls)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="math500_level1")
    parser.add_argument("--model", default=None, help="default: the embedded SmolLM2-135M-Instruct")
    parser.add_argument("--problems", type=int, default=16)
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--block-size", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=384, help="a budget that truncates the long tail")
    parser.add_argument("--temperature", type=float, default=0.6)
    parser.add_argument("--top-p", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2, help="rounds of the three arms (order alternates)")
    parser.add_argument("--barrier-samples", type=int, default=256, help="samples per call in the barrier arm")
    parser.add_argument("--capacity", type=int, default=256, help="sequences a GPU engine decodes at once (simulation)")
    parser.add_argument("--simulate", metavar="RUN_DIR", help="only the step simulation, on this run's lengths")
    parser.add_argument("--json", help="write every figure here")
    args = parser.parse_args()
    if args.simulate:
        result = {"simulation": simulate(run_lengths(args.simulate), args.capacity, args.barrier_samples)}
    else:
        if args.model is None:
            from passk.generate.default_model import ensure_default_model

            args.model = str(ensure_default_model())
        result = measure(args)
        t = {k: v["tokens"] / v["seconds"] for k, v in result["totals"].items()}
        lengths = result["lengths"]
        truncated = sum(n >= args.max_tokens for n in lengths)
        print(f"\n{len(lengths)} samples ({args.problems} problems x {args.n}), {result['requests']} requests; "
              f"lengths min {min(lengths)}, median {sorted(lengths)[len(lengths) // 2]}, max {max(lengths)}; "
              f"{truncated} truncated at {args.max_tokens}")
        for name, tot in result["totals"].items():
            print(f"{name:>7}: {tot['tokens']} tokens in {tot['seconds']:.1f} s over {args.repeats} rounds = "
                  f"{t[name]:.1f} tokens/s, {tot['tokens'] / tot['cpu_seconds']:.1f} per CPU second; "
                  f"{1 - tot['step_seconds'] / tot['seconds']:.2%} of the time outside the engine step")
        print(f"passk overhead against the bare engine: {t['bare'] / t['passk'] - 1:+.1%} in tokens/s "
              f"(one request per sample inside vLLM: {t['bare'] / t['bare_n1'] - 1:+.1%}; "
              f"passk's loop: {t['bare_n1'] / t['passk'] - 1:+.1%})")
        print(f"barrier ({result['calls_with_barrier']} calls of {args.barrier_samples} samples) against passk: "
              f"{t['passk'] / t['barrier'] - 1:+.1%} tokens/s for passk on this CPU")
        result["simulation"] = simulate(lengths, args.capacity, args.barrier_samples)
        result.pop("lengths") if not args.json else None
    s = result["simulation"]
    print(f"memory-bound model, {s['samples']} samples, capacity {s['capacity']}: {s['steps_no_barrier']} decode steps "
          f"with every request in flight, {s['steps_barrier']} in calls of {s['call_samples']} "
          f"(+{s['barrier_cost']:.1%}); lower bound {s['lower_bound_steps']}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
