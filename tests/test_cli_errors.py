"""Every misuse of issue 11 as a table: exit code 2, one line that names the flag, key, file or line,
no traceback, and the run directory it was pointed at still holds exactly what it held."""

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import write_jsonl
from test_generate import run_args

from passk import data
from passk.cli import main
from passk.rundir import RunDir

pytestmark = pytest.mark.slow  # the shared run is made once with the tiny model

GOOD_TOML = 'name = "toy"\nproblem_field = "question"\nanswer_field = "answer"\nid_field = "id"\n'


@pytest.fixture(scope="module")
def base_run(tiny_model, tmp_path_factory):
    """A finished run (generated, graded, scored) that every case starts from."""
    root = tmp_path_factory.mktemp("base")
    problems = write_jsonl(root / "problems.jsonl",
                           [{"id": f"q{i}", "question": f"What is {i} + {i}?", "answer": str(2 * i)} for i in range(5)])
    assert main(run_args(tiny_model, problems, root / "run")) == 0
    return root / "run", problems


def snapshot(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith(".lock-")}


def _files(tmp: Path) -> None:
    """The bad inputs the cases point at."""
    (tmp / "empty.jsonl").write_text("")
    (tmp / "badline.jsonl").write_text('{"id": "a", "question": "1+1", "answer": "2"}\n{"id": "b", oops}\n')
    (tmp / "nul.jsonl").write_bytes(b'{"id": "a", "question": "1\x00+1", "answer": "2"}\n')
    (tmp / "latin1.jsonl").write_bytes('{"id": "a", "question": "caf\u00e9", "answer": "2"}\n'.encode("latin-1"))
    write_jsonl(tmp / "long.jsonl", [{"id": "long", "question": "1+" * 1500 + "1", "answer": "1501"}])
    write_jsonl(tmp / "huge.jsonl", [{"id": "huge", "question": "x" * 10_000_000, "answer": "1"}])
    (tmp / "cache.sqlite").write_bytes(b"this is not a database" * 100)
    mirror = {"nosha": {"toy": {"file": "toy.jsonl"}}, "nofile": {"toy": {"sha256": "0" * 64}},
              "broken": None, "list": ["toy.jsonl"]}
    for name, manifest in mirror.items():
        (tmp / name).mkdir()
        (tmp / name / "MANIFEST.json").write_text("{" if manifest is None else json.dumps(manifest))


TOML = {  # benchmark definitions with one thing wrong each
    "missing": 'name = "toy"\nproblem_field = "question"\n',
    "k_int": GOOD_TOML + "k = 5\n",
    "n_str": GOOD_TOML + 'n = "many"\n',
    "where_int": GOOD_TOML + "where = 3\n",
    "top_p_list": GOOD_TOML + "top_p = [1]\n",
    "k_beyond_n": GOOD_TOML + "n = 4\nk = [1, 8]\n",
    "syntax": GOOD_TOML + "temperature = = 0.6\n",
    "toy": GOOD_TOML,
}

# (case, arguments after `passk`, fragment of the one-line error). {run} is a copy of the finished run,
# {data} its problems file, {model} the tiny model, {tmp} a folder holding the bad inputs above.
RUN = "run --data {data} --problem-field question --id-field id --model {model} --backend hf --out {run} --quiet"
SAME = " --n 4 --max-tokens 6 --temperature 1.0 --block-size 2 --batch-samples 2"
CASES = [
    ("run without arguments", "run", "give exactly one of --benchmark NAME"),
    ("--data an empty file", RUN.replace("{data}", "{tmp}/empty.jsonl"), "empty.jsonl: no rows"),
    ("--data an invalid JSON line", RUN.replace("{data}", "{tmp}/badline.jsonl"), "badline.jsonl:2: malformed JSON"),
    ("--data with NUL bytes", RUN.replace("{data}", "{tmp}/nul.jsonl"), "nul.jsonl:1: NUL byte at column 27"),
    ("--data not UTF-8", RUN.replace("{data}", "{tmp}/latin1.jsonl"), "latin1.jsonl:1: not UTF-8 (byte 0xe9"),
    ("--data a missing file", RUN.replace("{data}", "{tmp}/nope.jsonl"), "--data {tmp}/nope.jsonl: no such file"),
    ("--model a missing path", RUN.replace("{model}", "{tmp}/no/such/model"), "no such directory"),
    ("--model a folder without a model", RUN.replace("{model}", "{tmp}"), "no config.json there"),
    ("--k 0", RUN + " --k 0", "--k must be positive integers"),
    ("--k -1", RUN + " --k -1", "--k must be positive integers"),
    ("--k a,b", RUN + " --k a,b", "--k must be comma-separated positive integers"),
    ("--k 64 with --n 2", RUN + " --n 2 --k 64", "--k 64 exceeds n = 2"),
    ("--limit 0", RUN + " --limit 0", "--limit must be >= 1, got 0"),
    ("--limit -1", RUN + " --limit -1", "--limit must be >= 1, got -1"),
    ("--n 0", RUN + " --n 0", "--n must be >= 1"),
    ("--temperature -1", RUN + " --temperature -1", "temperature must be >= 0"),
    ("--top-p 1.5", RUN + " --top-p 1.5", "top_p must be in (0, 1]"),
    ("--max-tokens 0", RUN + " --max-tokens 0", "max_tokens must be >= 1"),
    ("--top-k -5", RUN + " --top-k -5", "top_k must be >= 0"),
    ("--top-k -5 with --dry-run", RUN + " --top-k -5 --dry-run", "top_k must be >= 0"),
    ("--min-p 2", RUN + " --min-p 2", "min_p must be in [0, 1]"),
    ("--block-size 0", RUN + " --block-size 0", "--block-size must be >= 1"),
    ("--shard 2/2", RUN + " --shard 2/2", "--shard 2/2: need 0 <= i < N"),
    ("--shard x", RUN + " --shard x", "--shard must look like i/N"),
    ("--gpu-memory-utilization 2", RUN + " --gpu-memory-utilization 2", "--gpu-memory-utilization must be in (0, 1]"),
    ("--dtype float8", RUN + " --dtype float8", "--dtype must be one of"),
    ("--template a missing file", RUN + " --template {tmp}/nope.txt", "unknown template"),
    ("--data-dir missing", "run --benchmark toy --data-dir {tmp}/nope --out {run}", "--data-dir {tmp}/nope: no such"),
    ("MANIFEST.json entry without sha256", "run --benchmark toy --data-dir {tmp}/nosha --out {run}",
     "entry 'toy' needs a \"file\" and a \"sha256\""),
    ("MANIFEST.json entry without a file", "run --benchmark toy --data-dir {tmp}/nofile --out {run}",
     "entry 'toy' needs a \"file\""),
    ("MANIFEST.json malformed", "run --benchmark toy --data-dir {tmp}/broken --out {run}",
     "broken/MANIFEST.json:1: malformed JSON"),
    ("MANIFEST.json not a table", "run --benchmark toy --data-dir {tmp}/list --out {run}", "no entry for benchmark 'toy'"),
    ("TOML missing field", "run --benchmark missing --out {run}", "missing.toml: missing key(s) ['answer_field']"),
    ("TOML k = 5", "run --benchmark k_int --out {run}", "k_int.toml: key 'k' must be a list of integers, got 5"),
    ("TOML n = \"many\"", "run --benchmark n_str --out {run}", "n_str.toml: key 'n' must be an integer, got 'many'"),
    ("TOML where = 3", "run --benchmark where_int --out {run}", "where_int.toml: key 'where' must be a table, got 3"),
    ("TOML top_p = [1]", "run --benchmark top_p_list --out {run}", "top_p_list.toml: key 'top_p' must be a number"),
    ("TOML k beyond n", "run --benchmark k_beyond_n --out {run}",
     "k_beyond_n.toml: benchmark 'toy': k 8 exceeds n = 4"),
    ("TOML syntax error", "run --benchmark syntax --out {run}", "syntax.toml: Invalid value (at line 5, column 15)"),
    ("--max-tokens beyond the context", RUN, "--max-tokens 4096 leaves no room for a prompt in the model's context"),
    ("prompt longer than the context", RUN.replace("{data}", "{tmp}/long.jsonl") + " --max-tokens 6",
     "problem long: prompt of 3075 tokens + --max-tokens 6 exceeds the model's context of 512 tokens"),
    ("a 10 MB problem line", RUN.replace("{data}", "{tmp}/huge.jsonl") + " --max-tokens 6",
     "problem huge: prompt of 10,000,099 bytes (more than the context holds) + --max-tokens 6 exceeds"),
    ("resume with other settings", RUN + SAME.replace("1.0", "0.7"), "was made with other settings"),
    ("--cache not SQLite", "grade {run} --cache {tmp}/cache.sqlite", "--cache {tmp}/cache.sqlite: not a usable SQLite"),
    ("grade --timeout 0", "grade {run} --timeout 0", "timeout_s must be > 0, got 0"),
    ("grade neither run nor pairs", "grade", "give a RUN_DIR to grade, or --pairs FILE"),
    ("score --k 64 with n = 4", "score {run} --k 64 --out {tmp}/k", "--k 64: every K exceeds the smallest number"),
    ("score --k on a reported run without --out", "score {run} --k 1", "scores with --k go where --out DIR says"),
    ("score --k a,b", "score {run} --k a,b", "--k must be comma-separated positive integers"),
    ("score a folder that is no run", "score {tmp}", "no problems.jsonl"),
    ("entropy --temperature 0", "entropy {run} --temperature 0", "--temperature must be > 0 for entropies"),
    ("compare with too few labels", "compare {run} {run} --labels a", "--labels gives 1 names for 2 runs"),
    ("check a missing run", "check {tmp}/nope", "not a run directory"),
    ("merge a run into itself", "merge {run} {run}", "is both the target and a source"),
    ("train lr=abc", "train grpo lr=abc out={tmp}/t", "key 'lr' must be a number, got 'abc'"),
    ("train steps=many", "train grpo steps=many out={tmp}/t", "key 'steps' must be an integer, got 'many'"),
]


@pytest.mark.parametrize("case,command,fragment", CASES, ids=[c[0] for c in CASES])
def test_misuse_is_one_line_with_exit_code_2_and_the_run_intact(case, command, fragment, base_run, tiny_model,
                                                                 tmp_path, monkeypatch, capsys):
    run_path, problems = base_run
    run = tmp_path / "run"
    shutil.copytree(run_path, run)
    _files(tmp_path)
    (tmp_path / "defs").mkdir()
    for name, text in TOML.items():
        (tmp_path / "defs" / f"{name}.toml").write_text(text)
    monkeypatch.setattr(data, "BENCHMARKS_DIR", tmp_path / "defs")
    before = snapshot(run)
    values = {"run": run, "data": problems, "model": tiny_model, "tmp": tmp_path}
    capsys.readouterr()
    assert main([a.format(**values) for a in command.split()]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment.format(**values) in err, err
    assert len(err.splitlines()) <= 4 and "Traceback" not in err  # one line (a settings diff lists its keys)
    assert snapshot(run) == before, "the run directory changed"
    assert RunDir(run).read_manifest().settings is not None
