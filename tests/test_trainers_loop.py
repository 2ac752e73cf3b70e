"""Learning on CPU: a tiny model on a synthetic task, GRPO and PPO, baseline and entropy advantage."""

import json

import pytest
import torch
from conftest import build_tiny_model

from passk.cli import main
from passk.generate.sampling import SamplingConfig
from trainers.config import TrainConfig, load_config
from trainers.loop import train

STEPS = 30


@pytest.fixture(scope="module")
def digit_model(tmp_path_factory):
    # vocabulary: 6 special tokens, the 10 digits and "=": a random first token is the right digit 1 time in 17
    return build_tiny_model(tmp_path_factory.mktemp("digit-model"), chars="0123456789=")


def digit_config(model, out, **overrides):
    base = dict(model=str(model), task="digit", template="plain", prompts_per_step=8, group_size=16,
                sampling=SamplingConfig(temperature=1.0, top_p=1.0, max_tokens=1), grade_truncated=True, steps=STEPS, lr=1e-3, warmup_steps=0, mini_batch_size=64, ppo_epochs=2,
                out=str(out), save_every=STEPS)
    base.update(overrides)
    return TrainConfig(**base)


@pytest.mark.parametrize("algorithm", ["grpo", "ppo"])
@pytest.mark.parametrize("advantage", ["baseline", "entropy"])
def test_mean_reward_rises(digit_model, tmp_path, algorithm, advantage):
    out = tmp_path / "run"
    train(digit_config(digit_model, out, algorithm=algorithm, advantage=advantage), progress=False)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(STEPS))
    first, last = rows[:5], rows[-5:]
    mean = lambda rs: sum(r["reward"] for r in rs) / len(rs)  # noqa: E731
    assert mean(last) > mean(first) + 0.8, (mean(first), mean(last))  # about -0.6 to 0.9 when it works
    if advantage == "entropy":
        assert all(0 <= r["cap_binding_share"] <= 1 for r in rows)
        assert all(0 <= r["psi_over_abs_advantage"] <= 1 / 2 + 1e-6 for r in rows)  # the |A| / kappa cap, kappa 2
    for key in ("entropy", "response_length", "clip_fraction", "approx_kl", "grad_norm", "reflective_words"):
        assert key in rows[0]


def test_checkpoint_loads_in_passk_run_and_training_resumes(digit_model, tmp_path):
    out = tmp_path / "train"
    train(digit_config(digit_model, out, steps=4, save_every=2), progress=False)
    assert (out / "checkpoint-2").is_dir() and (out / "checkpoint-4").is_dir()
    # resume: more steps continue from checkpoint-4 and keep the metrics of steps 0..3
    train(digit_config(digit_model, out, steps=6, save_every=2), progress=False)
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(6))
    with pytest.raises(Exception, match="other settings"):
        train(digit_config(digit_model, out, steps=8, lr=0.5), progress=False)
    problems = tmp_path / "digits.jsonl"
    problems.write_text("".join(json.dumps({"problem": f"{d}=", "answer": str(d)}) + "\n" for d in range(4)))
    run = tmp_path / "eval"
    assert main(["run", "--data", str(problems), "--model", str(out / "checkpoint-6"), "--backend", "hf",
                 "--template", "plain", "--n", "4", "--max-tokens", "2", "--out", str(run), "--quiet"]) == 0
    assert json.loads((run / "scores.json").read_text())["benchmarks"]["digits"]["n_samples"] == 16


def test_passk_train_cli_and_config_file(digit_model, tmp_path, capsys):
    config = tmp_path / "grpo.toml"
    config.write_text(f'model = "{digit_model}"\ntask = "digit"\ngrade_truncated = true\n'
                      f'prompts_per_step = 2\ngroup_size = 4\nsteps = 2\nout = "{tmp_path / "cli"}"\n'
                      f'[sampling]\nmax_tokens = 1\n')
    assert main(["train", "grpo", "--config", str(config), "advantage=entropy", "sampling.top_p=0.9", "--quiet"]) == 0
    saved = json.loads((tmp_path / "cli" / "config.json").read_text())
    assert saved["advantage"] == "entropy" and saved["alpha"] == 0.4 and saved["kappa"] == 2.0
    assert saved["sampling"]["max_tokens"] == 1 and saved["sampling"]["top_p"] == 0.9
    assert "checkpoint-2" in capsys.readouterr().out


def test_config_defaults_follow_the_paper_and_bad_keys_are_errors():
    grpo, ppo = TrainConfig(algorithm="grpo"), TrainConfig(algorithm="ppo")
    assert (grpo.alpha, ppo.alpha, grpo.kappa) == (0.4, 0.1, 2.0)
    assert (grpo.clip_low, grpo.clip_high, grpo.sampling.temperature, grpo.kl_coef, grpo.entropy_coef) == (0.2, 0.28, 1.0, 0, 0)
    assert (grpo.eval_sampling.temperature, grpo.eval_sampling.top_p) == (0.6, 0.95)  # passk's evaluation defaults
    assert grpo.loss_aggregation == "token-mean" and grpo.updates_per_rollout == 1
    assert (grpo.estimator, ppo.estimator) == ("grpo", "gae")
    assert (grpo.reward_correct, grpo.reward_incorrect) == (1.0, -1.0)
    from passk.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown key"):
        load_config(None, ["kapa=2"])
    with pytest.raises(ConfigError, match="kappa"):
        load_config(None, ["kappa=1"])
    with pytest.raises(ConfigError, match="train ppo"):
        load_config(None, ["algorithm=grpo"], algorithm="ppo")


@pytest.mark.parametrize("override, fragment", [
    ("lr=abc", "key 'lr' must be a number, got 'abc'"),
    ("steps=many", "key 'steps' must be an integer, got 'many'"),
    ("steps=-1", "steps must be >= 1"),
    ("prompts_per_step=0", "prompts_per_step must be >= 1"),
    ("mini_batch_size=0", "mini_batch_size must be >= 1"),
    ("ppo_epochs=0", "ppo_epochs must be >= 1"),
    ("advantage=entopy", "advantage must be one of baseline, entropy"),
    ("rollout_backend=sglang", "rollout_backend must be one of hf, vllm"),
    ("top_p=2", "top_p must be in (0, 1]"),
    ("grade_truncated=1", "key 'grade_truncated' must be"),
    ("kapa=2", "unknown key"),
])
def test_passk_train_refuses_bad_values_before_loading_a_model(tmp_path, capsys, override, fragment):
    # a model path that does not exist: reaching it would be a different error
    code = main(["train", "grpo", f"model={tmp_path / 'no-model'}", f"out={tmp_path / 'out'}", override, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert fragment in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists()  # nothing written


@pytest.mark.parametrize("name, text, fragment", [
    ("bad.toml", "steps = \nlr = 1e-4\n", "bad.toml: not valid TOML"),
    ("bad.json", '{"steps": 3,\n "lr": }', "bad.json:2: not valid JSON"),
    ("list.json", "[1, 2]", "list.json: expected a table of keys"),
    ("range.toml", "mini_batch_size = -1\n", "range.toml: mini_batch_size must be >= 1"),
])
def test_config_file_errors_name_the_file(tmp_path, capsys, name, text, fragment):
    config = tmp_path / name
    config.write_text(text)
    assert main(["train", "grpo", "--config", str(config), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1, err


def test_no_mini_batch_size_means_the_whole_batch():
    assert TrainConfig(prompts_per_step=4, group_size=8, ppo_epochs=2).updates_per_rollout == 2
    assert TrainConfig(prompts_per_step=4, group_size=8, mini_batch_size=16, ppo_epochs=2).updates_per_rollout == 4


def test_gold_probability_is_the_sampling_probability_of_the_exact_answer(digit_model):
    """Teacher-forced P(gold, stop) equals the product over answer tokens of the sampler's own per-token
    probabilities (transformers' temperature and top-p processors), with left-padded prompts of two lengths."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.generation.logits_process import TemperatureLogitsWarper, TopPLogitsWarper

    from trainers.loop import gold_probability

    tokenizer = AutoTokenizer.from_pretrained(digit_model)
    model = AutoModelForCausalLM.from_pretrained(digit_model)
    prompts, golds = ["3=", "12=", "7="], ["3", "45", "0"]
    eos = tokenizer.eos_token_id
    for temperature, top_p in ((1.0, 1.0), (0.6, 0.95), (0.6, 0.5)):
        got = gold_probability(model, tokenizer, prompts, golds, {eos}, temperature, top_p)
        for i, (prompt, gold) in enumerate(zip(prompts, golds, strict=True)):
            ids = tokenizer(prompt, add_special_tokens=False).input_ids
            want = 1.0
            for token in tokenizer(gold, add_special_tokens=False).input_ids + [eos]:
                with torch.no_grad():
                    logits = model(input_ids=torch.tensor([ids])).logits[:, -1]
                logits = TopPLogitsWarper(top_p)(None, TemperatureLogitsWarper(temperature)(None, logits))
                want *= torch.softmax(logits, dim=-1)[0, token].item()
                ids.append(token)
            assert got[i].item() == pytest.approx(want, rel=1e-4, abs=1e-9), (temperature, top_p, prompt)


def test_configs_saved_with_flat_sampling_keys_still_read_and_resume_equal():
    """A run's config.json written before TrainConfig held a SamplingConfig compares equal to today's same run."""
    from passk.settings import settings_diff
    from trainers.config import config_dict, train_config, upgrade

    today = config_dict(TrainConfig(sampling=SamplingConfig(temperature=1.0, top_p=1.0, max_tokens=6)))
    saved = {k: v for k, v in today.items() if k not in ("sampling", "eval_sampling")}
    saved.update(max_new_tokens=6, temperature=1.0, top_p=1.0, eval_temperature=0.6, eval_top_p=0.95)
    assert settings_diff({"run has": upgrade(saved), "asked": today}, today) == {}
    assert train_config({"max_new_tokens": 3, "top_p": 0.5}).sampling == SamplingConfig(temperature=1.0, top_p=0.5,
                                                                                          max_tokens=3)
    # a partial table changes those keys of the default: the rollouts keep temperature 1.0, the evaluation 0.6
    config = train_config({"sampling": {"max_tokens": 3}, "eval_sampling": {"top_p": 0.9}})
    assert (config.sampling.temperature, config.sampling.max_tokens) == (1.0, 3)
    assert (config.eval_sampling.temperature, config.eval_sampling.top_p) == (0.6, 0.9)
