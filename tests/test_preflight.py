"""Every mistake of issue 20 refused before the GPU starts: one line on stderr, exit 2, nothing written, and the
dry run (the pre-flight alone) refusing exactly as the real run does. No model engine: the "model" is a tokenizer
and a config.json, which is all a pre-flight reads."""

import hashlib
import json
from pathlib import Path

import pytest
from conftest import DEFAULT_CHARS, write_jsonl

from passk import data
from passk.cli import main
from passk.errors import ConfigError, InputError, PasskError

PROBLEMS = [{"id": f"q{i}", "question": f"What is {i} + {i}?", "answer": str(2 * i)} for i in range(3)]


@pytest.fixture(scope="module")
def tokenizer_model(tmp_path_factory) -> Path:
    """The tiny model's tokenizer and config (512 positions), without weights: enough for every pre-flight."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, PreTrainedTokenizerFast

    from trainers.tiny import CHAT_TEMPLATE, SPECIAL_TOKENS

    path = tmp_path_factory.mktemp("tokenizer-model")
    vocab = {t: i for i, t in enumerate(SPECIAL_TOKENS + list(dict.fromkeys(DEFAULT_CHARS)))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer, tok.decoder = pre_tokenizers.Split("", "isolated"), decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>",
                                        eos_token="<eos>", additional_special_tokens=SPECIAL_TOKENS[3:])
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(path)
    LlamaConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                num_attention_heads=2, max_position_embeddings=512).save_pretrained(path)
    return path


@pytest.fixture
def no_engine(monkeypatch):
    import passk.pipeline

    monkeypatch.setattr(passk.pipeline, "make_backend", lambda *a, **k: pytest.fail("a model engine was started"))


def tree(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def _inputs(tmp: Path) -> None:
    write_jsonl(tmp / "problems.jsonl", PROBLEMS)
    write_jsonl(tmp / "long.jsonl", [{"id": "long", "question": "1+" * 400 + "1", "answer": "401"}])
    (tmp / "compared").mkdir()
    (tmp / "compared" / "compare.json").write_text("{}")
    (tmp / "system.txt").write_text("Be brief.")
    write_jsonl(tmp / "pairs.jsonl", [{"gold": "4", "completion": "\\boxed{4}", "expected": True, "origin": "x"}])
    (tmp / "defs").mkdir()
    for name in ("offline", "toy"):  # a hub dataset that is not there, and a definition of the local problems
        (tmp / "defs" / f"{name}.toml").write_text(f'name = "{name}"\nproblem_field = "question"\n'
                                                   f'answer_field = "answer"\nid_field = "id"\n'
                                                   f'hub_path = "passk-tests/no-such-dataset-{name}"\n')


RUN = "run --data {tmp}/problems.jsonl --problem-field question --id-field id --model {model} --out {tmp}/out"
# (case, arguments, fragment of the one line): each passed silently once (issue 20, item 7)
CASES = [
    ("--system-prompt a missing file", RUN + " --template qwen-boxed --system-prompt nosuch.txt",
     "--system-prompt 'nosuch.txt' looks like a file name: write @nosuch.txt"),
    ("--system-prompt an existing file without @", RUN + " --system-prompt {tmp}/system.txt",
     "looks like a file name: write @{tmp}/system.txt"),
    ("--system-prompt @ a missing file", RUN + " --system-prompt @{tmp}/nosuch.txt", "no such file"),
    ("--benchmark given twice", RUN.replace("--data {tmp}/problems.jsonl", "--benchmark toy --benchmark offline"),
     "--benchmark given twice ('toy', then 'offline')"),
    ("--n given twice", RUN + " --n 2 --n 4", "--n given twice (2, then 4)"),
    ("--out a passk compare output", RUN.replace("{tmp}/out", "{tmp}/compared"),
     "--out {tmp}/compared: not a passk run directory (no manifest.json; it holds compare.json)"),
    ("--engine-options an unknown key (hf)", RUN + " --backend hf --engine-options {{\"foo\":1}}",
     "--engine-options ['foo']: the hf backend takes none"),
    ("--sampling-options an unknown key (hf)", RUN + " --backend hf --sampling-options {{\"bogus_knob\":3}}",
     "--sampling-options: unknown key(s) ['bogus_knob']"),
    ("--tp 3 on the hf backend", RUN + " --backend hf --tp 3 --data-parallel 4", "--tp 3: the hf backend runs"),
    ("--tp 3 x --data-parallel 4 without GPUs", RUN + " --backend vllm --tp 3 --data-parallel 4",
     "--tp 3 needs 3 GPUs; none is visible"),
    ("prompts that do not fit", RUN.replace("problems.jsonl", "long.jsonl") + " --template plain --max-tokens 100",
     "problem long: prompt of 801 tokens + --max-tokens 100 exceeds the model's context of 512 tokens"),
    ("max_tokens beyond the context", RUN + " --max-tokens 600",
     "--max-tokens 600 leaves no room for a prompt in the model's context of 512 tokens"),
    ("a hub benchmark offline, no --data-dir", "run --benchmark offline --model {model} --out {tmp}/out",
     "cannot load passk-tests/no-such-dataset-offline from the Hugging Face hub"),
    ("--k beyond n", RUN + " --n 2 --k 1,4", "--k 4 exceeds n = 2"),
    ("a --data field flag with --benchmark", "run --benchmark toy --problem-field q --out {tmp}/out",
     "--problem-field reads a --data file"),
    ("a sampling value out of range", RUN + " --top-p 1.5", "top_p must be in (0, 1]"),
]


def _offline(monkeypatch):
    import socket

    def unreachable(*args, **kwargs):
        raise OSError("offline (test)")

    monkeypatch.setattr(socket, "create_connection", unreachable)


@pytest.mark.parametrize("case,command,fragment", CASES, ids=[c[0] for c in CASES])
def test_each_mistake_is_one_line_exit_2_nothing_written_and_the_dry_run_says_the_same(
        case, command, fragment, tokenizer_model, tmp_path, monkeypatch, capsys, no_engine):
    if case.startswith("--tp 3 x") and __import__("torch").cuda.is_available():
        pytest.skip("this machine has GPUs")  # there the check is the count, tested below
    _inputs(tmp_path)
    _offline(monkeypatch)
    monkeypatch.setattr(data, "BENCHMARKS_DIR", tmp_path / "defs")
    values = {"tmp": tmp_path, "model": tokenizer_model}
    args = [a.format(**values) for a in command.split()]
    before = tree(tmp_path)
    verdicts = []
    for extra in ([], ["--dry-run"]):
        capsys.readouterr()
        code = main(args + extra)
        err = capsys.readouterr().err.strip()
        verdicts.append((code, err))
        assert code == 2 and fragment.format(**values) in err, err
        assert len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert tree(tmp_path) == before, "something was written"
    assert verdicts[0] == verdicts[1]  # the dry run refuses exactly as the real run does


def test_group_by_a_field_no_row_has_is_refused_before_grading(tmp_path, capsys):
    _inputs(tmp_path)
    out = tmp_path / "graded.jsonl"
    code = main(["grade", "--pairs", str(tmp_path / "pairs.jsonl"), "--check", "--group-by", "nosuchfield",
                 "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "--group-by nosuchfield: no labelled row" in err and "(they have completion, expected, " \
        "gold, origin)" in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_an_unknown_flag_gives_the_subcommands_usage_and_a_suggestion(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--benchmark", "math500", "--temprature", "0.7"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.startswith("usage: passk run ")
    assert "unrecognized arguments: --temprature (did you mean --temperature?) 0.7" in err


def test_a_dry_run_that_passes_prints_the_plan_and_writes_nothing(tokenizer_model, tmp_path, capsys, no_engine):
    _inputs(tmp_path)
    before = tree(tmp_path)
    assert main(["run", "--data", str(tmp_path / "problems.jsonl"), "--problem-field", "question", "--id-field",
                 "id", "--model", str(tokenizer_model), "--max-tokens", "50", "--n", "4", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "problems: 3 problems x n 4 = 12 samples; temperature 0.6, top_p 0.95, max_tokens 50" in out
    assert "k [1, 2, 4]" in out and "model context 512" in out and "DOES NOT FIT" not in out
    assert tree(tmp_path) == before


def test_the_python_api_takes_the_command_lines_settings(tokenizer_model, tmp_path, capsys, no_engine):
    import passk

    _inputs(tmp_path)
    common = dict(data=str(tmp_path / "problems.jsonl"), problem_field="question", id_field="id",
                  model=str(tokenizer_model), max_tokens=50, n=4, k=[1, 4], dry_run=True)
    from_python = passk.run(**common)
    assert main(["run", "--data", common["data"], "--problem-field", "question", "--id-field", "id", "--model",
                 common["model"], "--max-tokens", "50", "--n", "4", "--k", "1,4", "--dry-run"]) == 0
    assert from_python["problems"]["k"] == [1, 4] and from_python["problems"]["fits"]
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) temprature \(did you mean temperature\?\)"):
        passk.run(temprature=0.7, **common)
    with pytest.raises(ValueError):  # ConfigError is a ValueError: the Python convention for a bad argument
        passk.run(**{**common, "n": 0})
    with pytest.raises(ConfigError, match="--seed must be an integer, got 'x'"):  # typed as the flag would be
        passk.run(**common, seed="x")


def test_settings_layer_definition_then_preset_then_flags():
    from passk.generate.sampling import SamplingConfig
    from passk.resolve import resolve_run

    plain = resolve_run({"benchmark": "math500"}).configs[0]
    spec = data.get_spec("math500")
    assert plain.sampling == SamplingConfig(temperature=spec.temperature, top_p=spec.top_p, max_tokens=spec.max_tokens)
    assert (plain.n, plain.k, plain.template) == (spec.n, spec.k, spec.template) and plain.out == "runs/math500"
    preset = resolve_run({"preset": "entropy-adv", "temperature": 1.0, "min_p": 0.05}).configs
    assert [c.sampling.max_tokens for c in preset] == [8192] * 4  # the preset's, over the definitions'
    assert {c.sampling.temperature for c in preset} == {1.0} and preset[0].sampling.min_p == 0.05  # the flags'
    assert preset[0].n == 256 and preset[0].k[-1] == 256 and preset[0].out == "runs/entropy-adv/aime24"
    several = resolve_run({"benchmark": "math500,aime24", "out": "o", "grade_timeout": 2.5, "tp": 2})
    assert [c.out for c in several.configs] == ["o/math500", "o/aime24"] and several.summary_dir == "o"
    assert several.configs[0].grade_timeout_s == 2.5 and several.configs[0].engine.tensor_parallel_size == 2


def test_passk_errors_are_value_errors():
    assert issubclass(ConfigError, ValueError) and issubclass(InputError, ValueError)
    assert issubclass(ConfigError, PasskError)


def test_provenance_names_passks_version_and_commit():
    import passk
    from passk.provenance import library_versions

    versions = library_versions()
    assert versions["passk"] == passk.__version__  # not the distribution `passk` (it is passk-eval)
    root = Path(passk.__file__).resolve().parent.parent
    if (root / ".git").exists():
        assert versions["passk_commit"] and len(versions["passk_commit"].split("+")[0]) == 40


def test_the_loser_of_the_default_model_race_keeps_the_winners_copy(tmp_path):
    from passk.generate.default_model import publish

    target = tmp_path / "model"
    for pid in (1, 2):
        partial = tmp_path / f"model.partial-{pid}"
        partial.mkdir()
        (partial / "config.json").write_text(json.dumps({"by": pid}))
        publish(partial, target)
    assert json.loads((target / "config.json").read_text()) == {"by": 1}
    assert (tmp_path / "model.partial-2").exists()  # the caller's `finally` deletes it (ensure_default_model)


MIRROR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


def test_entropy_adv_on_a_model_of_4096_positions_is_refused_with_the_fix(tokenizer_model, tmp_path, capsys,
                                                                          no_engine):
    """Issue 20 item 8: the preset's 8,192 tokens on Qwen2.5-Math-7B's 4,096 positions. The dry run and the real
    run refuse it naming both fixes; the documented override (DAPO's recipe) passes, recorded as a change."""
    model = tmp_path / "positions-4096"
    model.mkdir()
    for file in tokenizer_model.iterdir():
        (model / file.name).write_bytes(file.read_bytes())
    config = json.loads((model / "config.json").read_text())
    (model / "config.json").write_text(json.dumps({**config, "max_position_embeddings": 4096}))
    args = ["run", "--preset", "entropy-adv", "--model", str(model), "--data-dir", str(MIRROR), "--limit", "2",
            "--out", str(tmp_path / "out")]
    for extra in ([], ["--dry-run"]):
        assert main(args + extra) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "aime24: --max-tokens 8192 leaves no room for a prompt in the " \
            "model's context of 4096 tokens" in err
        assert "--hf-overrides '{\"max_position_embeddings\": N}'" in err and "lower --max-tokens" in err
    assert not (tmp_path / "out").exists()
    raised = args + ["--hf-overrides", '{"max_position_embeddings": 32768}', "--dry-run"]
    assert main(raised) == 0 and "model context 32768" in capsys.readouterr().out
    from passk.preset import changes

    assert changes({"hf_overrides": {"max_position_embeddings": 32768}, "model": "m"}) == {
        "hf_overrides": {"max_position_embeddings": 32768}}  # the report lists it as a change from the preset
