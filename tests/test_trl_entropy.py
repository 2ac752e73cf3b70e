"""The TRL GRPOTrainer subclass, on CPU with the tiny model (where TRL installs)."""

import pytest
import torch

pytest.importorskip("trl")


def test_entropy_advantage_grpo_trainer_trains_and_shapes(tiny_model, tmp_path):
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import GRPOConfig

    from trainers.integrations.trl_entropy import EntropyAdvantageGRPOTrainer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    data = Dataset.from_list([{"prompt": f"{d}="} for d in range(8)])

    def reward(completions, **kwargs):  # +1 / -1: does the completion hold a digit (about 1 in 3 at random)
        return [1.0 if any(ch.isdigit() for ch in c) else -1.0 for c in completions]

    args = GRPOConfig(output_dir=str(tmp_path), per_device_train_batch_size=8, num_generations=4,
                      max_completion_length=4, max_steps=2, learning_rate=1e-3, beta=0.0, epsilon=0.2,
                      epsilon_high=0.28, temperature=1.0, loss_type="dapo", report_to=[], logging_steps=1,
                      use_cpu=True, save_strategy="no", num_iterations=2)
    trainer = EntropyAdvantageGRPOTrainer(model=model, processing_class=tokenizer, reward_funcs=reward, args=args,
                                          train_dataset=data, entropy_alpha=0.4, entropy_kappa=2.0)
    before = [p.detach().clone() for p in model.parameters()]
    trainer.train()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    logged = [h for h in trainer.state.log_history if "entropy_adv/cap_binding_share" in h]
    assert logged, trainer.state.log_history
    assert all(0 <= h["entropy_adv/psi_over_abs_advantage"] <= 0.5 + 1e-6 for h in logged)


def test_shaping_matches_trainers_core():
    from trainers.core import entropy_advantage
    from trainers.integrations.trl_entropy import EntropyAdvantageGRPOTrainer

    shell = EntropyAdvantageGRPOTrainer.__new__(EntropyAdvantageGRPOTrainer)
    shell.entropy_alpha, shell.entropy_kappa = 0.4, 2.0
    shell._last_entropies = torch.tensor([[1.0, 3.0], [0.5, 0.0]])
    shell.model = torch.nn.Linear(1, 1)
    shell._metrics = {"train": {"entropy_adv/cap_binding_share": [], "entropy_adv/psi_over_abs_advantage": []}}
    adv = torch.tensor([1.0, -2.0])
    got = shell._shape(adv, torch.ones(2, 2))
    want = entropy_advantage(adv[:, None].expand(2, 2), shell._last_entropies, 0.4, 2.0)
    assert torch.equal(got, want)
    assert got.flatten().tolist() == pytest.approx([1.4, 1.5, -1.8, -2.0])


def test_example_script_trains_a_tiny_model_rewarded_by_the_passk_grader(tmp_path):
    from trainers.integrations import trl_example

    model = trl_example.tiny_model(tmp_path / "tiny", warm_start_steps=150)
    reward = trl_example.PasskReward("plain")
    assert reward(None, ["14", "13", "x"], ["14", "14", "14"]) == [1.0, -1.0, -1.0]
    trainer = trl_example.build_trainer(str(model), trl_example.addsub_rows(64), str(tmp_path / "out"), steps=3,
                                        lr=1e-4, batch_size=16, group_size=8)
    before = [p.detach().clone() for p in trainer.model.parameters()]
    trainer.train()
    assert trainer.args.epsilon_high == 0.28 and trainer.args.beta == 0.0 and trainer.args.temperature == 1.0
    assert any(not torch.equal(a, b) for a, b in zip(before, trainer.model.parameters(), strict=True))
    logged = [h for h in trainer.state.log_history if "rewards/passk_grader/mean" in h]
    assert len(logged) == 3
    assert all(-1 <= h["rewards/passk_grader/mean"] <= 1 for h in logged)
    assert all("entropy_adv/cap_binding_share" in h for h in logged)
    # the warm start solves some problems: the grader's reward is not constant -1
    assert max(h["rewards/passk_grader/mean"] for h in logged) > -1
