"""A transformers-generate rollout backend for verl 0.9.1's main_ppo, registered as rollout.name=hf.

verl 0.9.1 rolls out only through server replicas (vLLM, SGLang, TensorRT-LLM), none of which runs here on
CPU (see the README's verl section). This backend is the smallest replica that verl's agent loop accepts:
one Ray actor per replica (HFServer) holding a transformers model and answering verl's token-in-token-out
`generate`, and a ServerAdapter in each hybrid actor-rollout worker that hands the trained weights to it
after every update (verl calls update_weights with the FSDP engine's full state dict). It is for CPU
runs of the recipe and for tests; on GPUs use rollout.name=vllm.

Registered in verl's two registries (RolloutReplicaRegistry for the replica, _ROLLOUT_REGISTRY for the
worker-side adapter) when the plugin is imported.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import ray
import torch

NAME = "hf"


class HFServer:
    """A Ray actor: the rollout model and verl's server interface (generate, weights, and no-op cache calls)."""

    def __init__(self, model_path: str, response_length: int, prompt_length: int, seed: int):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(1)
        self.model = AutoModelForCausalLM.from_pretrained(model_path, torch_dtype=torch.float32).eval()
        self.eos = AutoTokenizer.from_pretrained(model_path).eos_token_id
        self.response_length, self.prompt_length = response_length, prompt_length
        self.generator = torch.Generator().manual_seed(seed)
        self.global_steps = None
        self.lock = asyncio.Lock()  # one generation at a time: the model is shared

    def load_weights(self, state: dict[str, torch.Tensor]) -> None:
        self.model.load_state_dict(state, strict=False)

    def set_global_steps(self, global_steps: int) -> None:
        self.global_steps = global_steps

    @torch.no_grad()
    def _sample(self, prompt_ids: list[int], temperature: float, top_p: float, max_tokens: int, want_logprobs: bool):
        ids = torch.tensor([prompt_ids])
        out, logprobs = [], []
        past = None
        for _ in range(max_tokens):
            result = self.model(input_ids=ids if past is None else ids[:, -1:], past_key_values=past, use_cache=True)
            past = result.past_key_values
            logits = result.logits[0, -1].float()
            log_p = torch.log_softmax(logits / max(temperature, 1e-6), -1)
            if temperature <= 0:
                token = int(logits.argmax())
            else:
                probs = log_p.exp()
                if top_p < 1.0:  # nucleus: keep the smallest set of tokens whose mass reaches top_p
                    sorted_p, order = probs.sort(descending=True)
                    keep = sorted_p.cumsum(0) - sorted_p < top_p
                    probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_p[keep])
                token = int(torch.multinomial(probs, 1, generator=self.generator))
            out.append(token)
            logprobs.append(float(log_p[token]))
            ids = torch.cat([ids, torch.tensor([[token]])], dim=1)
            if token == self.eos:
                break
        return out, (logprobs if want_logprobs else None)

    async def generate(self, prompt_ids: list[int], sampling_params: dict[str, Any], request_id: str, **kwargs):
        from verl.workers.rollout.replica import TokenOutput

        params = dict(sampling_params)
        max_tokens = params.get("max_tokens", params.get("max_new_tokens", self.response_length))
        max_tokens = max(1, min(max_tokens, self.response_length, self.prompt_length + self.response_length - len(prompt_ids)))
        async with self.lock:
            tokens, logprobs = self._sample(list(prompt_ids), float(params.get("temperature", 1.0)),
                                            float(params.get("top_p", 1.0)), max_tokens, bool(params.get("logprobs")))
        return TokenOutput(token_ids=tokens, log_probs=logprobs, stop_reason="completed",
                           extra_fields={"global_steps": self.global_steps})

    # verl's replica calls these around weight updates and for partial rollouts: nothing to do on CPU
    async def wake_up(self, *args, **kwargs): pass
    async def sleep(self, *args, **kwargs): pass
    async def clear_kv_cache(self, *args, **kwargs): pass
    async def release_kv_cache(self, *args, **kwargs): pass
    async def resume_kv_cache(self, *args, **kwargs): pass
    async def abort_all_requests(self, *args, **kwargs): pass
    async def resume_generation(self, *args, **kwargs): pass
    async def start_profile(self, *args, **kwargs): pass
    async def stop_profile(self, *args, **kwargs): pass


def _server_name(replica_rank: int) -> str:
    return f"passk_hf_server_{ray.get_runtime_context().get_job_id()}_{replica_rank}"


def replica_class():
    from verl.workers.rollout.replica import RolloutReplica

    class HFReplica(RolloutReplica):
        async def launch_servers(self):
            server = ray.remote(HFServer).options(name=_server_name(self.replica_rank), num_cpus=0,
                                                  max_concurrency=self.max_concurrency).remote(
                self.model_config.path, self.config.response_length, self.config.prompt_length,
                self.config.seed + self.replica_rank)
            self.servers = [server]
            self._server_handle = server
            self._server_address = f"hf-replica-{self.replica_rank}"  # no HTTP server: verl uses the handle

        def rollout_worker_use_gpu(self) -> bool:
            return False

    return HFReplica


def adapter_class():
    from verl.workers.rollout.base import BaseRollout

    class HFServerAdapter(BaseRollout):
        """In each hybrid worker: rank 0 of each replica sends the trained weights to its HFServer."""

        def __init__(self, config, model_config, device_mesh, replica_rank: int = -1):
            super().__init__(config, model_config, device_mesh)
            world = self.config.tensor_model_parallel_size * self.config.data_parallel_size
            rank = int(os.environ.get("RANK", 0))
            self.replica_rank = rank // world if replica_rank == -1 else replica_rank
            self.is_sender = rank % world == 0

        async def resume(self, tags: list[str]):
            pass

        async def release(self):
            pass

        async def update_weights(self, weights, global_steps: int = None, wire_format: str = "named_tensors", **kwargs):
            if wire_format != "named_tensors":
                raise NotImplementedError(f"the hf rollout takes full tensors, not {wire_format!r}")
            state = {}
            for name, tensor in weights:  # every rank must drain the generator: it gathers shards collectively
                tensor = tensor.full_tensor() if hasattr(tensor, "full_tensor") else tensor
                if self.is_sender:
                    state[name] = tensor.detach().to("cpu", torch.float32).clone()
            if self.is_sender:
                server = ray.get_actor(_server_name(self.replica_rank))
                await server.load_weights.remote(state)
                if global_steps is not None:
                    await server.set_global_steps.remote(global_steps)

    return HFServerAdapter


def register() -> None:
    from verl.workers.rollout import base, replica

    replica.RolloutReplicaRegistry.register(NAME, replica_class)
    base._ROLLOUT_REGISTRY[(NAME, "async")] = f"{__name__}.HFServerAdapter"


def __getattr__(name):  # verl imports the adapter by dotted name from _ROLLOUT_REGISTRY
    if name == "HFServerAdapter":
        return adapter_class()
    raise AttributeError(name)
