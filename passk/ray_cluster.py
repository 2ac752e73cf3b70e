"""Which Ray cluster passk uses, and how it connects: shared by generation (generate/ray_pool.py) and
grading (grade/ray_grade.py) on Ray. Ray is an optional extra (`pip install "passk-eval[ray]"`); nothing
else in passk imports it.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass

from passk.errors import ConfigError, PasskError


@dataclass(frozen=True)
class RayConfig:
    # None: ray.init's own rule (RAY_ADDRESS, as `ray job submit` sets it; else a cluster started on this
    # node with `ray start`; else a new local one); otherwise HOST:PORT of the head's GCS, or ray://HOST:10001
    address: str | None = None
    actors: int | None = None  # engine actors; None: one per --tp GPUs of the cluster, or per CPU without GPUs
    cpus_per_actor: float = 1.0
    chunk_samples: int = 1024  # most samples handed to an actor at once (fewer as the queue drains)

    def __post_init__(self):
        if self.actors is not None and self.actors < 1:
            raise ConfigError(f"--ray-actors must be >= 1, got {self.actors}")
        if self.cpus_per_actor <= 0:
            raise ConfigError(f"--ray-cpus-per-actor must be > 0, got {self.cpus_per_actor}")
        if self.chunk_samples < 1:
            raise ConfigError(f"--ray-chunk-samples must be >= 1, got {self.chunk_samples}")
        if importlib.util.find_spec("ray") is None:
            raise ConfigError('--ray needs Ray: pip install "passk-eval[ray]" (or run without --ray, '
                              'one process per shard with --shard i/N)')


def connect(config: RayConfig) -> bool:
    """Join the cluster (or start a local one); True when this call started Ray here, so the caller shuts it down.
    A driver already connected (a test's cluster, a notebook) is used as it is."""
    import ray

    if ray.is_initialized():
        return False
    try:
        ray.init(address=config.address, log_to_driver=False, logging_level=logging.ERROR)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise PasskError(f"cannot join the Ray cluster at {config.address or 'the default address'}: "
                         f"{str(exc).splitlines()[0]}") from None
    return True


def disconnect(started: bool) -> None:
    import ray

    if started and ray.is_initialized():
        ray.shutdown()


def is_connection_loss(exc: BaseException) -> bool:
    """A worker, an actor or a node went away (its work can be redone elsewhere), as against an error raised
    by passk's own code inside a task (which would fail the same way anywhere)."""
    from ray import exceptions as rx

    return isinstance(exc, (rx.RayActorError, rx.ObjectLostError, rx.WorkerCrashedError, rx.NodeDiedError,
                            rx.OwnerDiedError, rx.OutOfMemoryError))


def task_error(exc: BaseException, where: str) -> BaseException:
    """The error a task raised, as passk raises it here: a PasskError stays one (one line at the CLI)."""
    from ray.exceptions import RayTaskError

    cause = exc.cause if isinstance(exc, RayTaskError) and exc.cause is not None else exc
    if isinstance(cause, PasskError):
        return type(cause)(f"{where}: {cause}")
    return cause
