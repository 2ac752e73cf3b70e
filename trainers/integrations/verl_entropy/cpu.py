"""A CPU platform for verl 0.9.1, registered in verl's platform registry as "cpu".

verl 0.9.1 ships cuda, npu and rocm platforms and falls back to "nvidia" when none is found; its FSDP engines
are registered for cuda and npu only. With VERL_PLATFORM=cpu (select this platform) and
VERL_ENGINE_DEVICE=cuda (pick the cuda FSDP engine, which then runs on CPU tensors), verl's TrainingWorker
and main_ppo's workers train on CPU with gloo. verl places its workers on Ray "GPU" resources (and checks
for them by that name): on CPU, start Ray with ray_kwargs.ray_init.num_gpus=N as N logical slots. A PPO critic
loads with eager attention (verl's own loader insists on flash-attn). The plugin registers the platform on import,
in every Ray worker that imports it (VERL_USE_EXTERNAL_MODULES); it is used only where VERL_PLATFORM selects it.
"""

from __future__ import annotations

import contextlib
import types

import torch

PLATFORM = "cpu"
CPU_ENV = {"VERL_PLATFORM": PLATFORM, "VERL_ENGINE_DEVICE": "cuda"}


class _CPUDevice(types.ModuleType):
    """torch.cpu, plus the memory statistics verl reads after each update (zero: nothing is on a device)."""

    def __getattr__(self, name):
        if name.startswith("__"):  # e.g. __isabstractmethod__, which ABCs probe
            raise AttributeError(name)
        if name == "get_device_name":
            return lambda *args, **kwargs: "CPU"  # verl's FLOPs counter looks the chip up by name
        if name == "mem_get_info":
            return lambda *args, **kwargs: (1, 1)  # (free, total) bytes; verl divides by the total
        if "memory" in name:
            return lambda *args, **kwargs: 0
        if hasattr(torch.cpu, name):
            return getattr(torch.cpu, name)
        return lambda *args, **kwargs: None  # cache and IPC housekeeping (empty_cache, ...): nothing to do on CPU


def platform_class():
    from verl.plugin.platform.platform_base import PlatformBase

    class PlatformCPU(PlatformBase):  # the abstract methods verl 0.9.1 asks for, as CPU no-ops
        device_name, vendor_name, device_module = "cpu", "cpu", _CPUDevice("cpu_device")

        def is_available(self): return True
        def is_platform_available(self, use_smi_check=False): return not use_smi_check  # never auto-detected
        def current_device(self): return "cpu"  # used as `model.to(device=...)`
        def device_count(self): return 1
        def set_device(self, device_index): pass
        def synchronize(self, device_index=None): pass
        def manual_seed(self, seed): torch.manual_seed(seed)
        def manual_seed_all(self, seed): torch.manual_seed(seed)
        def set_allocator_settings(self, settings): pass
        def empty_cache(self): pass
        def get_device_capability(self, device_index=0): return None, None
        def communication_backend_name(self): return "gloo"
        def visible_devices_envvar(self): return "CPU_VISIBLE_DEVICES"
        def ray_resource_name(self): return "GPU"  # logical slots: ray_init.num_gpus=N, one per worker; no CUDA
        def ray_noset_envvars(self): return []
        def is_ipc_supported(self): return False
        def cudart(self): return None
        def profiler_start(self): pass
        def profiler_stop(self): pass
        def nvtx_range(self, msg): return contextlib.nullcontext()

    return PlatformCPU


def _gloo_only(verl_init):
    """verl's process-group init asks for "cpu:gloo,<device>:<backend>", which is "cpu:gloo,cpu:gloo" here."""

    def initialize_global_process_group_ray(timeout_second=None, backend=None):
        return verl_init(timeout_second=timeout_second, backend=backend or "gloo")

    initialize_global_process_group_ray.passk_wraps = verl_init
    return initialize_global_process_group_ray


def _eager_value_model(verl_load):
    """verl 0.9.1's critic loader (verl.utils.model.load_valuehead_model) asks transformers for
    attn_implementation="flash_attention_2" whatever critic.model.override_config says, and flash-attn is CUDA
    only; the actor's loader takes the override (eager, in launch_cpu.sh). On CPU: the same value model (a
    token classifier with one label, from the config verl prepared) with eager attention."""

    def load_valuehead_model(local_path, torch_dtype, model_config, trust_remote_code):
        from transformers import AutoModelForTokenClassification

        return AutoModelForTokenClassification.from_pretrained(
            pretrained_model_name_or_path=local_path, torch_dtype=torch_dtype, config=model_config,
            attn_implementation="eager", trust_remote_code=trust_remote_code)

    load_valuehead_model.passk_wraps = verl_load
    return load_valuehead_model


def register() -> None:
    import os

    from verl.plugin.platform.platform_manager import PlatformRegistry

    if PlatformRegistry.get(PLATFORM) is None:
        PlatformRegistry.register(platform=PLATFORM)(platform_class())
    if os.environ.get("VERL_PLATFORM", "").strip().lower() != PLATFORM:
        return
    from verl.checkpoint_engine import base as checkpoint_base
    from verl.utils import distributed
    from verl.workers import engine_workers

    for module in (distributed, engine_workers, checkpoint_base):  # each bound the name at import
        if not hasattr(module.initialize_global_process_group_ray, "passk_wraps"):
            module.initialize_global_process_group_ray = _gloo_only(module.initialize_global_process_group_ray)
    from verl.utils import model as verl_model  # looked up at call time by the FSDP engine's critic build

    if not hasattr(verl_model.load_valuehead_model, "passk_wraps"):
        verl_model.load_valuehead_model = _eager_value_model(verl_model.load_valuehead_model)
