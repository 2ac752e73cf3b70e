"""Write a passk benchmark (or a JSONL/parquet file of problems) as verl's RL parquet.

    python -m trainers.integrations.verl_entropy.prepare_data --benchmark math --out ~/data/math.parquet
    python -m trainers.integrations.verl_entropy.prepare_data --data dapo.jsonl --problem-field prompt \
        --answer-field solution --out ~/data/dapo.parquet

One row per problem in verl's layout: `prompt` (one user turn, the passk template's text), `data_source`,
`ability`, `reward_model = {style: rule, ground_truth: gold}`, `extra_info` (problem id, template),
which reward.py reads back. Problems load through passk.data (hub or a local mirror with --data-dir).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from passk import data
from passk.prompts import get_template


def verl_rows(problems, template_name: str, source: str) -> list[dict]:
    template = get_template(template_name)
    system = [{"role": "system", "content": template.system}] if template.system is not None else []
    return [{"data_source": source, "ability": "math",
             "prompt": system + [{"role": "user", "content": template.fill(p.problem)}],
             "reward_model": {"style": "rule", "ground_truth": p.gold},
             "extra_info": {"problem_id": p.problem_id, "template": template_name}} for p in problems]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--benchmark", help="a passk benchmark name (benchmarks/*.toml)")
    source.add_argument("--data", help="a JSONL, JSON or parquet file of problems")
    parser.add_argument("--problem-field", default="problem")
    parser.add_argument("--answer-field", default="answer")
    parser.add_argument("--data-dir", help="local benchmark mirror (default: $PASSK_DATA_DIR, else the hub)")
    parser.add_argument("--template", default="qwen-boxed", help="the prompt template (passk.prompts)")
    parser.add_argument("--out", required=True, help="parquet file to write")
    args = parser.parse_args(argv)
    if args.benchmark:
        spec = data.get_spec(args.benchmark)
        problems, _ = data.load_problems(spec, data.data_dir_from_env(args.data_dir))
    else:
        spec = data.custom_spec(args.data, args.problem_field, args.answer_field)
        problems, _ = data.load_problems(spec, data_file=args.data)
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(args.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(verl_rows(problems, args.template, spec.name)), out)
    print(f"{len(problems)} problems -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
